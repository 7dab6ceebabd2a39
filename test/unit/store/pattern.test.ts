import { describe, expect, it } from 'vitest';
import { compilePattern } from '../../../src/store/pattern.js';

const glob = (p: string, s: string): boolean => compilePattern(p, false)!(s);

describe('fnmatch-style globs (no flags) and full-match regexes', () => {
  it.each([
    ['vineyard::Tensor*', 'vineyard::Tensor<double>', true],
    ['*', 'a/b/.c', true],
    ['?', '/', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['[ab]x', 'bx', true],
    ['[!ab]x', 'bx', false],
    ['[^ab]x', 'cx', true],
    ['[a-c]', 'b', true],
    ['[a-c]', 'd', false],
    ['[]]', ']', true],
    ['[!]]', 'a', true],
    ['[!]]', ']', false],
    ['a[', 'a[', true],
    ['\\*', '*', true],
    ['\\*', 'x', false],
    ['a.b', 'axb', false],
    ['(x)', '(x)', true],
    ['[.]', '.', true],
    ['[a-]', '-', true],
  ])('%s vs %s → %s', (pattern, text, expected) => {
    expect(glob(pattern, text)).toBe(expected);
  });

  it('regex mode must match the whole string, and invalid regexes compile to nothing', () => {
    expect(compilePattern('Tensor', true)!('vineyard::Tensor')).toBe(false);
    expect(compilePattern('.*Tensor', true)!('vineyard::Tensor')).toBe(true);
    expect(compilePattern('a|b', true)!('ab')).toBe(false);
    expect(compilePattern('[', true)).toBeUndefined();
  });
});
