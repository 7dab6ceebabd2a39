/**
 * The linear-time matcher answers as `new RegExp(source).test(text)` — V8's backtracking engine is the
 * oracle, on a catalogue of JavaScript's flagless syntax and on patterns drawn at random from a grammar
 * — refuses what no automaton runs, and takes patterns that backtrack exponentially in its stride.
 */
import { describe, expect, it } from 'vitest';
import { compileLinear, type LinearRegex, MAX_PROGRAM } from '../../../src/service/server/linearRegex.js';

function compiled(source: string): LinearRegex {
  const re = compileLinear(source);
  if ('refused' in re) throw new Error(`${JSON.stringify(source)} was refused: ${JSON.stringify(re)}`);
  return re;
}

/** Where the matcher and RegExp disagree on `source`, as `/source/ on "text"` lines (none expected). */
function disagreements(source: string, texts: readonly string[]): string[] {
  const oracle = new RegExp(source);
  const linear = compiled(source);
  return texts.filter((text) => linear.test(text) !== oracle.test(text)).map((text) => `/${source}/ on ${JSON.stringify(text)}`);
}

const TEXTS = ['', 'a', 'b', 'ab', 'ba', 'aab', 'abc', 'a-b', 'A_9', 'x y', 'a\nb', 'a\rb', '\u2028', '\u00a0', '\v', '\t', '{}', 'a{2}', '}', ']', '\\', 'u', 'uu', 'c', '\\c', '\x01', '\x08', '\0', 'é', '😀', 'tessera::Tensor', 'session-12', 'word word', '-', '^$'];

const CATALOGUE = [
  // literals, anchors, alternation, groups
  'a', 'ab', '^a', 'b$', '^$', '^a$|^b$', 'a|', '|a', '()', '(?:)', 'a(b|c)?', '(?:ab)+', '(?<name>a)b', '^(?:x)|(?:.*)$', '(?:^)?a', '(?:\\b)*a', '(?:$|a)+',
  // quantifiers, greedy and lazy, counted, and braces that are literals without flags
  'a*', 'a+', 'a?', 'a*?', 'a+?b', 'a??b', 'a{2}', 'a{1,2}b', 'a{0,}', 'a{2,}?', '{', 'a{', 'a{,2}', 'a{x}', '}', 'a{1,2', ']',
  // classes and class escapes, the web-compatibility forms included
  '[ab]', '[^ab]', '[a-c]', '[]', '[^]', '[\\]]', '[a\\-z]', '[-a]', '[a-]', '[\\d-z]', '[\\w-]', '[\\b]', '[.]', '[\\c1]', '[\\c_]', '[\\c-]', '[\\B\\k]',
  '\\d+', '\\D', '\\w+', '\\W', '\\s', '\\S+', '.', '.+', '[\\s\\S]',
  // escapes
  '\\n', '\\r', '\\t', '\\v', '\\f', '\\0', '\\x41', '\\x4', '\\u0041', '\\u00e9', '\\u{2}', '\\cA', '\\c', '\\c1', '\\/', '\\.', '\\-', '\\p', '\\$', '\\^', '\\ud83d',
  // word boundaries
  '\\ba', 'a\\b', '\\Bb', '\\bword\\b', '^\\b', '\\b$',
  // nested and empty loops, where backtracking engines blow up
  '(a+)+b', '(a|a)*b', '(?:a*)*b', '(a*)*', '(a|b|ab)*c', '((a|b)*)*c', '(?:a?){5}a{5}', '(x+x+)+y',
  // the shapes our own callers build: globs as regexes, anchored
  '^(?:[\\s\\S]*a[\\s\\S]*b)$', '^(?:tessera::[\\s\\S]*)$', '^(?:[^a][\\s\\S]*)$', '^run-[13]$', 'session',
];

describe('the linear-time matcher', () => {
  it('answers as RegExp.test on a catalogue of the flagless syntax', () => {
    expect(CATALOGUE.flatMap((source) => disagreements(source, TEXTS))).toEqual([]);
  });

  it('answers as RegExp.test on patterns drawn at random from a grammar', () => {
    let seed = 20261203;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[random(xs.length)]!;
    const ATOMS = ['a', 'b', '-', '.', '\\d', '\\w', '\\s', '\\W', '[ab]', '[^a]', '[a-c-]', '\\n', '^', '$', '\\b', '\\B', '\\x61', '{', '[\\d-]'];
    const QUANTIFIERS = ['', '', '', '*', '+', '?', '*?', '{2}', '{1,3}', '{0,}', '{2,}?'];
    const pattern = (depth: number): string => {
      const parts: string[] = [];
      for (let i = 1 + random(3); i > 0; i--) {
        const atom = depth > 0 && random(3) === 0 ? `(${random(2) ? '?:' : ''}${pattern(depth - 1)})` : pick(ATOMS);
        // Assertions cannot be quantified (a SyntaxError); nothing else here is refused.
        parts.push(atom + (/^(\^|\$|\\b|\\B)$/.test(atom) ? '' : pick(QUANTIFIERS)));
      }
      const sequence = parts.join('');
      return random(4) === 0 ? `${sequence}|${pattern(depth - 1)}` : sequence;
    };
    const text = (): string => Array.from({ length: random(9) }, () => pick(['a', 'b', 'c', '-', ' ', '1', '\n', '_', '{'])).join('');
    const texts = Array.from({ length: 40 }, text);
    const patterns = Array.from({ length: 1500 }, () => pattern(2));
    expect(patterns.flatMap((source) => disagreements(source, texts))).toEqual([]);
  });

  it('refuses what no automaton runs, saying why, and calls a pattern RegExp rejects invalid', () => {
    const unbounded: Record<string, RegExp> = {
      '(a)\\1': /backreference/,
      '(?<n>a)\\k<n>': /backreference/,
      '\\k': /backreference/,
      '\\01': /octal/,
      '[\\1]': /octal/,
      '(?=a)a': /lookahead or lookbehind/,
      '(?!a)b': /lookahead or lookbehind/,
      '(?<=a)b': /lookahead or lookbehind/,
      '(?<!a)b': /lookahead or lookbehind/,
      'a{0,5000}': /over 1000/,
      'a{1001}': /over 1000/,
      '(?:a{1000}){1000}': new RegExp(`over ${MAX_PROGRAM}`),
    };
    for (const [source, why] of Object.entries(unbounded)) {
      const re = compileLinear(source);
      expect(re, source).toMatchObject({ refused: 'unbounded' });
      expect((re as { why: string }).why, source).toMatch(why);
    }
    for (const source of ['(', 'a)', '[a', '*a', 'a**', 'a{2,1}', '(?<n>a)(?<n>b)', '\\']) expect(compileLinear(source), source).toEqual({ refused: 'invalid' });
  });

  it('takes patterns that backtrack exponentially in its stride', () => {
    // Each of these runs for longer than the universe on a backtracking engine: the test's own timeout
    // is what would fail, not a wall-clock bound of this test's choosing.
    const long = 'a'.repeat(4096);
    for (const source of ['(a+)+b', '^(a+)+b', '(a|a)*b', '(?:a*)*b', '(?:a?){1000}a{1000}b', '(x+x+)+y|(a|aa)+$c']) {
      expect(compiled(source).test(long), source).toBe(false);
    }
    expect(compiled('(a+)+$').test(long)).toBe(true);
    expect(compiled('(?:a?){1000}a{1000}').test(long)).toBe(true);
  });
});
