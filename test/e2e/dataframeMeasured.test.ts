/**
 * What a run measures, the handles know (issue 11): a frame whose rows its build could not know (a
 * filter) has `shape[0]` = the measured rows once it has run — by `execute`, `fetch`, a session's `run` or
 * an eager session — and the handles built from it afterwards carry them (select, assign, rename, a
 * column's `toTensor`). A column of such a frame becomes a tensor of unknown length (`NaN`) whose tile
 * measures it, so elementwise ops and reductions give exact values on both executors, eager and lazy.
 * Only the sessions that ran a handle tell it anything: a twin handle elsewhere stays unknown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dataframe as df, type DataFrame, InvalidArgumentError, newSession, type NdArray, type Session, ShapeError, tensor as tt } from '../../src/index.js';
import { rejection } from '../support/rejection.js';

const opened: Session[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

const v = [5, -2, 7, 0.5, 11, 3, -8, 9, 4, 6];
const w = Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
const kept = v.map((x, i) => [x, w[i]!] as const).filter(([x]) => x > 2);
const numbers = (a: NdArray): number[] => Array.from(a.data as ArrayLike<number>, Number);
const value = (a: unknown): number => Number((a as NdArray).data[0]);

describe.each([
  ['local', 'lazy'],
  ['local', 'eager'],
  ['threads', 'lazy'],
  ['threads', 'eager'],
] as const)('measured facts on the %s executor, %s', (executor, mode) => {
  const open = (options: { readonly default?: boolean } = {}): Session => {
    const s = newSession({ mode, executor, ...options, ...(executor === 'threads' ? { workers: 2 } : {}) });
    opened.push(s);
    return s;
  };
  const filtered = (): DataFrame => {
    const d = df.fromColumns({ v, w }, { chunkRows: 3 });
    return d.filter(d.col('v').gt(2));
  };

  it('shape[0] is NaN until the frame has run, then the measured rows; handles built from it carry them', async () => {
    const s = open();
    const f = s.scope(filtered);
    if (mode === 'lazy') expect(f.shape).toEqual([NaN, 2]);
    await s.execute([f]);
    expect(f.shape).toEqual([kept.length, 2]);
    const later = s.scope(() => [f.select('v'), f.assign({ z: f.col('v').mul(2) }), f.rename({ v: 'x' }), f.head(2), f.filter(f.col('w').gt(100))]);
    expect(later.map((h) => h.shape)).toEqual([[kept.length, 1], [kept.length, 3], [kept.length, 2], [2, 2], [NaN, 2]]);
    // The derived handles are the same computations (same keys as built from the unmeasured frame).
    expect(later[0]!.key).toBe(filtered().select('v').key);
    expect(await s.run(later[1]!)).toMatchObject({ numRows: kept.length });
  });

  it('fetch and a session run teach the handle its rows too', async () => {
    const s = open();
    const [a, b] = s.scope(() => [filtered(), filtered().dropna()]);
    if (mode === 'lazy') await s.execute([filtered()]);
    expect((await a.fetch({ session: s })).numRows).toBe(kept.length);
    expect(a.shape[0]).toBe(kept.length);
    await s.run(b);
    expect(b.shape[0]).toBe(kept.length);
  });

  it('sessions are isolated: a twin handle run in another session learns nothing from this one', async () => {
    const one = open();
    const two = open();
    const here = one.scope(filtered);
    const there = two.scope(filtered);
    expect(there.key).toBe(here.key);
    await one.execute([here]);
    expect(here.shape[0]).toBe(kept.length);
    if (mode === 'lazy') {
      expect(there.shape[0]).toBeNaN();
      expect(two.info.results).toBe(0);
    }
    await two.execute([there]);
    expect(there.shape[0]).toBe(kept.length);
  });

  it('toTensor of a filtered column: sum, mul and a second column give exact values', async () => {
    const s = open();
    const { t, sum, square, dot, scaled } = s.scope(() => {
      const f = filtered();
      const t = f.col('v').toTensor();
      const u = f.col('w').toTensor();
      return { t, sum: t.sum(), square: t.mul(t).sum(), dot: t.mul(u).sum(), scaled: t.mul(2).add(1) };
    });
    if (mode === 'lazy') expect(t.shape).toEqual([NaN]);
    const [a, b, c, d, all] = (await s.run([sum, square, dot, scaled, t])) as NdArray[];
    expect(value(a)).toBe(kept.reduce((acc, [x]) => acc + x, 0));
    expect(value(b)).toBe(kept.reduce((acc, [x]) => acc + x * x, 0));
    expect(value(c)).toBe(kept.reduce((acc, [x, y]) => acc + x * y, 0));
    expect(d!.shape).toEqual([kept.length]);
    expect(numbers(d!)).toEqual(kept.map(([x]) => x * 2 + 1));
    expect(numbers(all!)).toEqual(kept.map(([x]) => x));
    // Now measured: the handle knows its length, and ops that need it at build time take it.
    expect(t.shape).toEqual([kept.length]);
    expect(numbers(await s.run(s.scope(() => t.reshape([kept.length, 1]).sum({ axis: 1 }))) as NdArray)).toEqual(kept.map(([x]) => x));
    const batches: number[][] = [];
    for await (const b of t.fetch({ session: s, batchSize: 2 })) batches.push(numbers(b));
    expect(batches.flat()).toEqual(kept.map(([x]) => x));
    if (mode === 'eager') {
      // Fetched in batches before its eager run has told it its length: the result tells it.
      const fresh = s.scope(() => filtered().col('w').toTensor());
      const parts: number[][] = [];
      for await (const b of fresh.fetch({ batchSize: 3 })) parts.push(numbers(b));
      const ws = kept.map(([, y]) => y);
      expect(parts).toEqual([ws.slice(0, 3), ws.slice(3, 6), ws.slice(6)]);
    }
  });

  it('a filtered column broadcasts with known tensors and an empty filter gives an empty tensor', async () => {
    const s = open();
    const [known, empty, wrong] = s.scope(() => {
      const f = filtered();
      const t = f.col('v').toTensor();
      const none = f.filter(f.col('v').gt(1000)).col('v').toTensor();
      return [t.add(tt.ones([kept.length])).sum(), none.sum(), t.add(tt.ones([3]))];
    });
    const [k, e] = (await s.run([known, empty])) as NdArray[];
    expect(value(k)).toBe(kept.reduce((acc, [x]) => acc + x + 1, 0));
    expect(value(e)).toBe(0);
    // Extents that turn out not to broadcast fail the run with the measured shapes.
    const err = await rejection(s.run(wrong!));
    expect(err).toBeInstanceOf(ShapeError);
    expect(String(err)).toContain(`(${kept.length},)`);
  });

  it('nulls keep the documented behaviour: NaN in a float64 column, refused in an int32 one', async () => {
    const s = open();
    const [floats, ints] = s.scope(() => {
      const d = df.fromColumns({ f: [1.5, null, 4, 8], i: [1, null, 3, 4], k: [1, 2, 3, 4] }, { dtypes: { i: 'int32' }, chunkRows: 2 });
      const f = d.filter(d.col('k').gt(1));
      return [f.col('f').toTensor(), f.col('i').toTensor().sum()];
    });
    expect(numbers((await s.run(floats!)) as NdArray)).toEqual([NaN, 4, 8]);
    const err = await rejection(s.run(ints!));
    expect(String(err)).toMatch(/has nulls.*fillna first/);
  });
});

describe('unknown lengths refused where a shape is needed when building', () => {
  it('reshape, slice and fromColumns of an unmeasured column fail at the caller with ShapeError', () => {
    const d = df.fromColumns({ v, w });
    const t = d.filter(d.col('v').gt(2)).col('v').toTensor();
    expect(() => t.reshape([2, -1])).toThrow(ShapeError);
    expect(() => t.slice({ start: 0, stop: 2 })).toThrow(/known only once it has run/);
    expect(() => df.fromColumns({ a: t })).toThrow(ShapeError);
    expect(() => df.fromColumns({ a: t, b: [1] } as never)).toThrow(InvalidArgumentError);
  });
});
