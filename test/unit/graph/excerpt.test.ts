/**
 * How graph errors quote file contents (graph/errors.ts): short, escaped excerpts, enforced by the
 * error constructors whatever text a parser hands them.
 */
import { describe, expect, it } from 'vitest';
import { boundedProblem, EXCERPT_CHARS, excerpt, GraphFormatError, MissingColumnError, VertexNotFoundError } from '../../../src/graph/errors.js';

describe('excerpt', () => {
  it('escapes controls, bidi and invisible format characters, lone surrogates and backslashes', () => {
    expect(excerpt('a\tb\nc\r\u0000\u007f\u0085\u202e\u2066\u200b\ufeff\ud800\\')).toBe('a\\tb\\nc\\r\\x00\\x7f\\x85\\u202e\\u2066\\u200b\\ufeff\\ud800\\\\');
  });
  it('keeps printable text (accents, CJK, emoji) and cuts at EXCERPT_CHARS code points', () => {
    expect(excerpt('é中😀')).toBe('é中😀');
    const long = '😀'.repeat(100);
    expect(excerpt(long)).toBe(`${'😀'.repeat(EXCERPT_CHARS)}…`);
  });
});

describe('the constructors bound whatever problem text they get', () => {
  it('cuts a long quoted span, even one holding apostrophes and spaces', () => {
    const inner = `it's ${'w '.repeat(200)}`;
    const message = new GraphFormatError({ file: 'f.csv', line: 3 }, `src '${inner}' is not an integer id`).message;
    expect(message).toMatch(/^f\.csv:3: src 'it's (w ){27}w…' is not an integer id$/);
  });
  it('cuts a long unquoted run and bounds the whole text', () => {
    const digits = '9'.repeat(5000);
    expect(new GraphFormatError({ file: 'f.e', line: 1 }, `source vertex ${digits} is outside the int64 range`).message).toBe(
      `f.e:1: source vertex ${'9'.repeat(EXCERPT_CHARS)}… is outside the int64 range`,
    );
    expect(boundedProblem('a b '.repeat(1000)).length).toBeLessThanOrEqual(301);
  });
  it('is idempotent on text it already bounded, and leaves short problems alone', () => {
    const once = boundedProblem(`x '${'q'.repeat(500)}' y`);
    expect(boundedProblem(once)).toBe(once);
    expect(boundedProblem("graph.g.directed 'maybe' is not true or false")).toBe("graph.g.directed 'maybe' is not true or false");
  });
  it('vertex ids and column names from files are excerpts too', () => {
    expect(new VertexNotFoundError(`\u001b]0;${'v'.repeat(100)}`).message).toBe(`vertex \\x1b]0;${'v'.repeat(EXCERPT_CHARS - 7)}… is not in the graph.`);
    const columns = Array.from({ length: 50 }, (_, i) => `col${i}\u0007`);
    const message = new MissingColumnError('f.csv', 'x', columns).message;
    expect(message).not.toContain('\u0007');
    expect(message.length).toBeLessThan(400);
  });
});
