/**
 * The syntax tree of a client's regex, for the linear-time matcher (linearRegex.ts). It reads JavaScript's
 * own regex syntax without flags — what the local store runs with `new RegExp` (store/pattern.ts) — on
 * UTF-16 code units, with the web-compatibility rules a flagless `RegExp` follows (a `{` that starts no
 * quantifier is a literal, `\u` without four hex digits is `u`, `[\d-z]` is a union).
 *
 * The caller has compiled the source with `RegExp` first, so only valid syntax arrives here. What a
 * finite automaton cannot run — backreferences (`\1`, `\k<n>`, and the octal escapes that share their
 * spelling), lookahead and lookbehind, inline modifiers — throws `Unbounded`, as do counted repetitions
 * past MAX_REPEAT.
 */

/** A set of UTF-16 code units: sorted, disjoint, inclusive [lo, hi] pairs. */
export type Ranges = readonly (readonly [number, number])[];

export type Assertion = 'start' | 'end' | 'word' | 'notWord';

export type RegexNode =
  | { readonly kind: 'set'; readonly ranges: Ranges }
  | { readonly kind: 'assert'; readonly what: Assertion }
  | { readonly kind: 'concat'; readonly items: readonly RegexNode[] }
  | { readonly kind: 'alternate'; readonly items: readonly RegexNode[] }
  | { readonly kind: 'repeat'; readonly item: RegexNode; readonly min: number; readonly max: number };

/** The largest count `{n,m}` may give (RE2's limit): bigger ones would unroll into a huge program. */
export const MAX_REPEAT = 1000;

/** A construct a finite automaton cannot match, with the reason to give the client. */
export class Unbounded extends Error {}

const UNITS = 0xffff;
const DIGIT: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
// JavaScript's WhiteSpace and LineTerminator code points, all in the BMP.
const SPACE: Ranges = [[0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff]];
const LINE_TERMINATORS: Ranges = [[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]];
const CONTROL_ESCAPES: Readonly<Record<string, number>> = { t: 9, n: 10, v: 11, f: 12, r: 13 };

export function normalize(ranges: Iterable<readonly [number, number]>): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export function complement(ranges: Ranges): Ranges {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= UNITS) out.push([next, UNITS]);
  return out;
}

export function isWordUnit(unit: number): boolean {
  return WORD.some(([lo, hi]) => unit >= lo && unit <= hi);
}

const single = (unit: number): Ranges => [[unit, unit]];
const set = (ranges: Ranges): RegexNode => ({ kind: 'set', ranges });
const isHex = (s: string): boolean => /^[0-9a-fA-F]+$/.test(s);

/** The class escape `\d \D \w \W \s \S` named by `letter`, or undefined. */
function classEscape(letter: string): Ranges | undefined {
  const base = { d: DIGIT, w: WORD, s: SPACE }[letter.toLowerCase()];
  if (!base) return undefined;
  return letter === letter.toLowerCase() ? base : complement(base);
}

class Parser {
  #at = 0;
  constructor(readonly source: string) {}

  parse(): RegexNode {
    const node = this.#alternation();
    if (this.#at < this.source.length) throw new Unbounded(`unexpected '${this.source[this.#at]}'`);
    return node;
  }

  #peek(offset = 0): string | undefined {
    return this.source[this.#at + offset];
  }

  #alternation(): RegexNode {
    const items = [this.#sequence()];
    while (this.#peek() === '|') {
      this.#at++;
      items.push(this.#sequence());
    }
    return items.length === 1 ? items[0]! : { kind: 'alternate', items };
  }

  #sequence(): RegexNode {
    const items: RegexNode[] = [];
    while (this.#at < this.source.length && this.#peek() !== '|' && this.#peek() !== ')') {
      const atom = this.#atom();
      const counts = this.#quantifier();
      if (!counts) {
        items.push(atom);
        continue;
      }
      if (counts.min > MAX_REPEAT || (counts.max !== Infinity && counts.max > MAX_REPEAT)) {
        throw new Unbounded(`a counted repetition over ${MAX_REPEAT}`);
      }
      items.push({ kind: 'repeat', item: atom, ...counts });
    }
    return items.length === 1 ? items[0]! : { kind: 'concat', items };
  }

  /** `* + ? {n} {n,} {n,m}`, each maybe lazy (which changes no match/no-match answer), or undefined. */
  #quantifier(): { min: number; max: number } | undefined {
    const ch = this.#peek();
    let counts: { min: number; max: number } | undefined;
    if (ch === '*') counts = { min: 0, max: Infinity };
    else if (ch === '+') counts = { min: 1, max: Infinity };
    else if (ch === '?') counts = { min: 0, max: 1 };
    if (counts) this.#at++;
    else if (ch === '{') {
      const braces = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.#at));
      if (!braces) return undefined;
      this.#at += braces[0].length;
      const min = Number(braces[1]);
      counts = { min, max: braces[2] === undefined ? min : braces[3] === '' ? Infinity : Number(braces[3]) };
    } else return undefined;
    if (this.#peek() === '?') this.#at++;
    return counts;
  }

  #atom(): RegexNode {
    const ch = this.source[this.#at++]!;
    switch (ch) {
      case '(':
        return this.#group();
      case '[':
        return set(this.#characterClass());
      case '.':
        return set(complement(LINE_TERMINATORS));
      case '^':
        return { kind: 'assert', what: 'start' };
      case '$':
        return { kind: 'assert', what: 'end' };
      case '\\':
        return this.#escape();
      case '*':
      case '+':
      case '?':
        throw new Unbounded(`nothing to repeat before '${ch}'`);
      default:
        // Also ']', '}' and a '{' that starts no quantifier: literals without flags.
        return set(single(ch.charCodeAt(0)));
    }
  }

  #group(): RegexNode {
    if (this.#peek() === '?') {
      const kind = this.source.slice(this.#at, this.#at + 3);
      if (kind.startsWith('?:')) this.#at += 2;
      else if (kind.startsWith('?<') && kind !== '?<=' && kind !== '?<!') {
        const end = this.source.indexOf('>', this.#at);
        if (end < 0) throw new Unbounded('an unterminated group name');
        this.#at = end + 1;
      } else if (kind.startsWith('?=') || kind.startsWith('?!') || kind === '?<=' || kind === '?<!') {
        throw new Unbounded('lookahead or lookbehind');
      } else throw new Unbounded('an inline modifier group');
    }
    const inner = this.#alternation();
    if (this.#peek() !== ')') throw new Unbounded('an unterminated group');
    this.#at++;
    return inner;
  }

  /** After a backslash outside a class. */
  #escape(): RegexNode {
    const ch = this.source[this.#at++];
    if (ch === undefined) throw new Unbounded('a trailing backslash');
    if (ch === 'b') return { kind: 'assert', what: 'word' };
    if (ch === 'B') return { kind: 'assert', what: 'notWord' };
    if (ch === 'k') throw new Unbounded('a backreference (\\k)');
    if (/[1-9]/.test(ch) || (ch === '0' && /[0-9]/.test(this.#peek() ?? ''))) {
      throw new Unbounded(`a backreference or octal escape (\\${ch}); write a code unit as \\xHH`);
    }
    const escape = classEscape(ch);
    if (escape) return set(escape);
    return set(single(this.#characterEscape(ch, false)));
  }

  /** The code unit of a character escape after `\` + `ch` (`\c` as classes read it when `inClass`). */
  #characterEscape(ch: string, inClass: boolean): number {
    if (ch in CONTROL_ESCAPES) return CONTROL_ESCAPES[ch]!;
    if (ch === '0') return 0;
    if (ch === 'c') {
      const letter = this.#peek() ?? '';
      if (/[A-Za-z]/.test(letter) || (inClass && /[0-9_]/.test(letter))) {
        this.#at++;
        return letter.charCodeAt(0) % 32;
      }
      // `\c` with no control letter is a backslash, and the `c` is read next as itself.
      this.#at--;
      return 0x5c;
    }
    for (const [letter, digits] of [['x', 2], ['u', 4]] as const) {
      const hex = this.source.slice(this.#at, this.#at + digits);
      if (ch === letter && hex.length === digits && isHex(hex)) {
        this.#at += digits;
        return parseInt(hex, 16);
      }
    }
    return ch.charCodeAt(0);
  }

  /** After `[`: the set, complemented for `[^`. */
  #characterClass(): Ranges {
    const negate = this.#peek() === '^';
    if (negate) this.#at++;
    const ranges: (readonly [number, number])[] = [];
    while (this.#peek() !== ']') {
      if (this.#at >= this.source.length) throw new Unbounded('an unterminated class');
      const lo = this.#classAtom();
      if (this.#peek() === '-' && this.#peek(1) !== undefined && this.#peek(1) !== ']') {
        this.#at++;
        const hi = this.#classAtom();
        // A class escape at either end makes the '-' a member of its own (web-compatibility rule).
        if (typeof lo === 'number' && typeof hi === 'number') ranges.push([lo, hi]);
        else ranges.push(...unitsOf(lo), [0x2d, 0x2d], ...unitsOf(hi));
      } else ranges.push(...unitsOf(lo));
    }
    this.#at++;
    const members = normalize(ranges);
    return negate ? complement(members) : members;
  }

  /** One member of a class: a code unit, or the ranges of a class escape. */
  #classAtom(): number | Ranges {
    const ch = this.source[this.#at++]!;
    if (ch !== '\\') return ch.charCodeAt(0);
    const next = this.source[this.#at++];
    if (next === undefined) throw new Unbounded('a trailing backslash');
    if (next === 'b') return 0x08;
    if (next === '-') return 0x2d;
    if (/[0-9]/.test(next) && !(next === '0' && !/[0-9]/.test(this.#peek() ?? ''))) {
      throw new Unbounded(`an octal escape (\\${next}); write a code unit as \\xHH`);
    }
    return classEscape(next) ?? this.#characterEscape(next, true);
  }
}

function unitsOf(member: number | Ranges): Ranges {
  return typeof member === 'number' ? single(member) : member;
}

/** The tree of a regex that `new RegExp(source)` accepts; throws `Unbounded` for what no automaton runs. */
export function parseRegex(source: string): RegexNode {
  return new Parser(source).parse();
}
