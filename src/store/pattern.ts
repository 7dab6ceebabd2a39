/**
 * The matchers behind `list` and `listNames`: Vineyard matches with `fnmatch(3)` (no flags: `*` and `?`
 * cross `/` and leading dots, `[...]` sets with `!`/`^` negation and ranges, backslash escapes) or, in
 * regex mode, with `std::regex_match`, which must match the whole string. Both become a JS `RegExp`
 * compiled once per pattern; an invalid regex yields `undefined`, which callers turn into an empty result.
 */

export type Matcher = (text: string) => boolean;

const cache = new Map<string, Matcher | undefined>();
const CACHE_LIMIT = 256;

export function compilePattern(pattern: string, regex: boolean): Matcher | undefined {
  const cacheKey = `${regex ? 'r' : 'g'}:${pattern}`;
  if (cache.has(cacheKey)) return cache.get(cacheKey);
  let matcher: Matcher | undefined;
  try {
    const re = new RegExp(`^(?:${regex ? pattern : globToRegExpSource(pattern)})$`);
    matcher = (text) => re.test(text);
  } catch {
    matcher = undefined;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(cacheKey, matcher);
  return matcher;
}

const SYNTAX_CHARS = /[\\^$.*+?()[\]{}|/]/g;
const SET_CHARS = /[\\\]\[^-]/g;

function escapeLiteral(ch: string): string {
  return ch.replace(SYNTAX_CHARS, '\\$&');
}
function escapeInSet(ch: string): string {
  return ch.replace(SET_CHARS, '\\$&');
}

export function globToRegExpSource(glob: string): string {
  const chars = [...glob];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '*') out += '[\\s\\S]*';
    else if (ch === '?') out += '[\\s\\S]';
    else if (ch === '\\' && i + 1 < chars.length) out += escapeLiteral(chars[++i]!);
    else if (ch === '[') {
      const set = parseBracket(chars, i);
      if (set) {
        out += set.source;
        i = set.end;
      } else {
        // fnmatch treats an unterminated '[' as an ordinary character.
        out += '\\[';
      }
    } else out += escapeLiteral(ch);
  }
  return out;
}

/** A `[...]` set starting at `start`, or undefined when it has no closing bracket. */
function parseBracket(chars: readonly string[], start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (chars[i] === '!' || chars[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  for (; i < chars.length; i++) {
    const ch = chars[i]!;
    // A ']' right after the opening (or its negation) is a member, not the end of the set.
    if (ch === ']' && !first) return { source: `[${negate ? '^' : ''}${body}]`, end: i };
    first = false;
    let lo = ch;
    if (ch === '\\' && i + 1 < chars.length) lo = chars[++i]!;
    if (chars[i + 1] === '-' && i + 2 < chars.length && chars[i + 2] !== ']') {
      let hi = chars[i + 2]!;
      i += 2;
      if (hi === '\\' && i + 1 < chars.length) hi = chars[++i]!;
      body += `${escapeInSet(lo)}-${escapeInSet(hi)}`;
    } else {
      body += escapeInSet(lo);
    }
  }
  return undefined;
}
