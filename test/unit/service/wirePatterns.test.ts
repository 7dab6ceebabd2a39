/**
 * The server's matcher for a client's list pattern: the same answers as the local store's matcher
 * (store/pattern.ts, Vineyard's fnmatch and full-match regex), in time linear in pattern × text, a 400
 * (MalformedWire, naming `pattern`) for a regex that cannot run in linear time, and listings that let
 * other work run while they go.
 */
import { describe, expect, it } from 'vitest';
import { compilePattern } from '../../../src/store/pattern.js';
import { WireError } from '../../../src/service/wire/errors.js';
import { filterYielding, wireMatcher } from '../../../src/service/server/wirePatterns.js';

const TEXTS = ['', 'a', 'ab', 'abc', 'tessera::Tensor', 'tessera::Blob', 'x/y.z', 'a]b', 'A-b', 'aaaaaaaaab', '.hidden', 'a\nb'];
const GLOBS = ['*', '', 'a', 'a*', '*b', '?', '??', 'a?c', '[ab]*', '[!a]*', '[^a]*', '[]]*', 'a]b', '[a-c]*', 'tessera::*', 'x/*', '\\*', '[', '*a*a*b', '.*'];
const REGEXES = ['.*', 'a|ab', 'a(b|c)?', '(a+)+b', 'tessera::(Tensor|Blob)', 'x)|(?:.*', '[a-c]{2,3}', '\\w+', '.', 'a\\nb', '(', 'a{2}', '(?:a*)*b'];

describe('wire list patterns', () => {
  it('matches exactly as the local store does, globs and regexes, invalid regexes matching nothing', () => {
    for (const [patterns, regex] of [[GLOBS, false], [REGEXES, true]] as const) {
      for (const pattern of patterns) {
        const local = compilePattern(pattern, regex);
        const wire = wireMatcher(pattern, regex);
        expect(wire === undefined, pattern).toBe(local === undefined);
        for (const text of TEXTS) expect(wire?.(text), `${pattern} on ${JSON.stringify(text)}`).toBe(local?.(text));
      }
    }
  });

  it('a pattern that backtracks exponentially costs pattern × text here', () => {
    // On a backtracking engine each of these runs for longer than the universe: the test's own timeout
    // is what fails then, not a wall-clock bound of this test's choosing.
    const long = 'a'.repeat(1024);
    expect(wireMatcher('(a+)+b', true)!(long)).toBe(false);
    expect(wireMatcher('(a|a)*b', true)!(long)).toBe(false);
    expect(wireMatcher('*a*a*a*a*a*a*a*a*b', false)!(long)).toBe(false);
  });

  it('refuses backreferences, lookaround and large counted repetitions, naming pattern', () => {
    for (const pattern of ['(a)\\1', '(?<n>a)\\k<n>', '(?=a)a', '(?!a)b', '(?<=a)b', 'a{0,5000}']) {
      let caught: unknown;
      try {
        wireMatcher(pattern, true);
      } catch (e) {
        caught = e;
      }
      expect(caught, pattern).toBeInstanceOf(WireError);
      expect((caught as WireError).code).toBe('MalformedWire');
      expect((caught as WireError).status).toBe(400);
      expect((caught as WireError).message).toMatch(/^pattern: /);
    }
  });

  it('a long listing keeps the order and limit, and lets other callbacks run while it goes', async () => {
    let others = 0;
    const timer = setInterval(() => others++, 1);
    const busy = (ms: number): void => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    try {
      const kept = await filterYielding(Array.from({ length: 40 }, (_, i) => i), (i) => (busy(2), i % 3 === 0), 10);
      expect(kept).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
      expect(others).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
  });
});
