/**
 * Bad input tried from outside, as a user writes it: each form is refused with a typed error that names
 * the problem — at build time where the builder can tell — and documented forms keep working, on both
 * executors wherever something runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError, type NdArray, newSession, type Session, SliceError, tensor as tt, TesseraError, UserFunctionError,
} from '../../src/index.js';

type Kind = 'local' | 'threads';
const KINDS: readonly Kind[] = ['local', 'threads'];
const sessions = {} as Record<Kind, Session>;
beforeAll(() => {
  sessions.local = newSession({ mode: 'lazy', executor: 'local', default: false });
  sessions.threads = newSession({ mode: 'lazy', executor: 'threads', workers: 2, default: false });
});
afterAll(async () => {
  await Promise.all(KINDS.map((k) => sessions[k].close()));
});

/** The error `fn` throws (failing the test when it throws nothing). */
function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}
const values = (a: unknown): number[] => Array.from((a as NdArray).data);
async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('slice: only documented index forms', () => {
  const a = tt.arange(6).reshape(2, 3);

  it.each([
    ['an array of integers', [0, 1], /array.*spread it: t\.slice\(\.\.\.index\)/],
    ['an array of one integer', [2], /array/],
    ['an empty slice object', {}, /empty slice object.*':'/],
    ['a slice object with a misspelt key', { begin: 1 }, /unknown key 'begin'/],
    ['a tensor', tt.arange(2), /Tensor/],
    ['a boolean', true, /unsupported index true/],
  ])('refuses %s with SliceError when built', (_what, part, message) => {
    const err = thrown(() => a.slice(part as never));
    expect(err).toBeInstanceOf(SliceError);
    expect(err.code).toBe('InvalidSlice');
    expect(err.message).toMatch(message);
  });

  it('refuses non-integer slice bounds, naming the axis', () => {
    expect(thrown(() => a.slice({ start: '1' } as never)).message).toMatch(/axis 0 must be integers or null, got "1"/);
  });

  it.each(KINDS)('the documented forms still select what NumPy does (%s)', async (kind) => {
    const sess = sessions[kind];
    const cases: [ReturnType<typeof a.slice>, number[], number[]][] = [
      [a.slice(1), [3], [3, 4, 5]],
      [a.slice({ start: 1 }), [1, 3], [3, 4, 5]],
      [a.slice(null, '1:'), [2, 2], [1, 2, 4, 5]],
      [a.slice(':', { step: -1 }), [2, 3], [2, 1, 0, 5, 4, 3]],
      [a.slice('..., 0'), [2], [0, 3]],
      [a.slice(...[0, 2]), [], [2]],
      [a.slice('newaxis', 1), [1, 3], [3, 4, 5]],
    ];
    const results = (await sess.run(cases.map(([t]) => t))) as NdArray[];
    cases.forEach(([t, shape, expected], i) => {
      expect(t.shape).toEqual(shape);
      expect(values(results[i])).toEqual(expected);
    });
  });
});

describe('apply: only known unary functions', () => {
  const a = tt.arange(4);

  it.each(['constructor', 'hasOwnProperty', 'toString', 'eval', '__proto__', 'nope', ''])(
    "refuses '%s' when the op is built, listing the known names",
    (name) => {
      const err = thrown(() => a.apply(name as never));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.code).toBe('InvalidArgument');
      expect(err.message).toMatch(/is not a unary function: use one of neg, abs, sqrt, .*sin/);
    },
  );

  it('refuses a name that is not a string', () => {
    expect(thrown(() => a.apply(Math.sin as never))).toBeInstanceOf(TesseraError);
    expect(thrown(() => a.apply(null as never)).message).toMatch(/a null is not a unary function/);
  });

  it.each(KINDS)('known names still run (%s)', async (kind) => {
    const [sin, neg] = (await sessions[kind].run([a.apply('sin'), tt.abs(a.apply('neg'))])) as NdArray[];
    expect(values(sin)).toEqual([0, 1, 2, 3].map(Math.sin));
    expect(values(neg)).toEqual([0, 1, 2, 3]);
  });
});

describe.each(KINDS)('map and reduce functions must return numbers (%s)', (kind) => {
  const a = tt.arange(5, undefined, undefined, { chunkSize: 2 });

  it.each([
    ['a string', (x: number) => (x > 2 ? 'abc' : x), /returned "abc" \(a string\)/],
    ['nothing (a block body)', (x: number) => { x + 1; }, /returned undefined/],
    ['an object', (x: number) => ({ x }), /returned \{"x":\d\} \(an object\)/],
    ['null', () => null, /returned null/],
    ['a bigint', (x: number) => BigInt(x), /returned \dn \(a bigint\)/],
  ])('a map returning %s fails its run with UserFunctionError naming the function and the value', async (_what, fn, value) => {
    const sess = sessions[kind];
    for (const t of [a.map(fn as never), a.map(fn as never).sum(), a.add(1).map(fn as never).mul(2)]) {
      const err = await rejection(sess.run(t));
      expect(err).toBeInstanceOf(UserFunctionError);
      expect(err.code).toBe('InvalidUserFunction');
      expect(err.message).toMatch(/the function given to map, .*=>/);
      expect(err.message).toMatch(value);
    }
    expect(values(await sess.run(a.map((x) => x * 2)))).toEqual([0, 2, 4, 6, 8]);
  });

  it('a map returning booleans stores 1 and 0, as NumPy does', async () => {
    expect(values(await sessions[kind].run(a.map((x) => x > 2)))).toEqual([0, 0, 0, 1, 1]);
  });

  it('a reduce returning a string fails with UserFunctionError', async () => {
    const err = await rejection(sessions[kind].run(a.reduce((acc, x) => `${acc}${x}` as never)));
    expect(err).toBeInstanceOf(UserFunctionError);
    expect(err.message).toMatch(/the function given to reduce, .*returned "01" \(a string\)/);
  });
});
