/**
 * Java `.properties` text (what LDBC Graphalytics graph descriptions are written in): `key = value`,
 * `key: value` or `key value` lines, `#` and `!` comments, backslash line continuations and escapes
 * (`\t`, `\n`, `\uXXXX`, `\=`, ...). Values are trimmed, as Apache Commons Configuration does. Each
 * entry remembers its line, so later checks can point at it.
 */
export interface PropertyEntry {
  readonly value: string;
  readonly line: number;
}

export function parseProperties(text: string): ReadonlyMap<string, PropertyEntry> {
  const entries = new Map<string, PropertyEntry>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let logical = lines[i]!.replace(/^[ \t\f]+/, '');
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    while (endsWithContinuation(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    if (endsWithContinuation(logical)) logical = logical.slice(0, -1);
    const [key, value] = splitEntry(logical);
    entries.set(unescape(key), { value: unescape(value).trim(), line: first });
  }
  return entries;
}

function endsWithContinuation(line: string): boolean {
  let slashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) slashes++;
  return slashes % 2 === 1;
}

/** Key up to the first unescaped '=', ':' or blank; the value after that separator and blanks. */
function splitEntry(line: string): [string, string] {
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
    i++;
  }
  const key = line.slice(0, i);
  let j = i;
  while (j < line.length && /[ \t\f]/.test(line[j]!)) j++;
  if (j < line.length && (line[j] === '=' || line[j] === ':')) j++;
  while (j < line.length && /[ \t\f]/.test(line[j]!)) j++;
  return [key, line.slice(j)];
}

const ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) =>
    e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (ESCAPES[e] ?? e),
  );
}
