/**
 * Tree-reduction kernels called directly: `reduce_map` (one chunk to a partial, or straight to the
 * result when the chunk is alone), `reduce_combine` (partials merged left to right, never written in
 * place) and `reduce_final`. A vector split at random points and reduced map→combine→final equals
 * the reference fold for every op; var/std merge per-chunk moments with Chan's formula (empty
 * partials included); arg reductions keep global indices and resolve ties and NaNs to the first.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType } from '../../../src/base/dtypes.js';
import type { Expr } from '../../../src/base/expr.js';
import type { ArrayData } from '../../../src/base/ndarray.js';
import { getKernel } from '../../../src/kernels/index.js';
import type { Partial, ReduceOp } from '../../../src/kernels/tensor/reduce.js';
import * as R from '../../support/reference.js';

const f64 = (shape: number[], values: readonly number[]): ArrayData => ({ dtype: 'float64', shape, data: Float64Array.from(values) });
const id: Expr = { t: 'in', i: 0, dtype: 'float64' };

const map = (op: ReduceOp, x: ArrayData, axes: number[], extra: Record<string, unknown> = {}): Partial =>
  getKernel('tensor.reduce_map')([x], { op, expr: id, shape: x.shape, axes, ...extra } as never) as Partial;
const combine = (op: ReduceOp, parts: Partial[]): Partial => getKernel('tensor.reduce_combine')(parts, { op } as never) as Partial;
const final = (op: ReduceOp, parts: Partial[], outShape: number[], dtype: DType, ddof = 0): ArrayData =>
  getKernel('tensor.reduce_final')(parts, { op, outShape, dtype, ddof } as never) as ArrayData;

const OUT_DTYPE: Record<ReduceOp, DType> = {
  sum: 'float64', prod: 'float64', min: 'float64', max: 'float64', any: 'bool', all: 'bool', count_nonzero: 'int64',
  mean: 'float64', var: 'float64', std: 'float64', argmin: 'int64', argmax: 'int64',
};

/** Reduces a vector split into chunks at `cuts`, through map / combine (in groups) / final. */
function treeReduce(op: ReduceOp, xs: number[], cuts: number[], groupSize: number, ddof = 0): number {
  const bounds = [0, ...cuts, xs.length];
  let level: Partial[] = bounds.slice(1).map((hi, i) => {
    const lo = bounds[i]!;
    const arg = op === 'argmin' || op === 'argmax';
    return map(op, f64([hi - lo], xs.slice(lo, hi)), [0], arg ? { gstrides: [1], gbase: lo } : {});
  });
  while (level.length > groupSize) {
    const next: Partial[] = [];
    for (let i = 0; i < level.length; i += groupSize) next.push(combine(op, level.slice(i, i + groupSize)));
    level = next;
  }
  return final(op, level, [], OUT_DTYPE[op], ddof).data[0]!;
}

const REF: Record<ReduceOp, (v: number[]) => number> = {
  sum: R.folds.sum, prod: R.folds.prod, min: R.folds.min, max: R.folds.max, any: R.folds.any, all: R.folds.all,
  count_nonzero: R.folds.countNonzero, mean: R.folds.mean, var: R.folds.var(0), std: R.folds.std(0),
  argmin: R.folds.argmin, argmax: R.folds.argmax,
};

describe('map / combine / final over a split vector equals the reference fold', () => {
  const splitVector = (values: fc.Arbitrary<number>) =>
    fc.array(values, { minLength: 1, maxLength: 40 }).chain((xs) =>
      fc.tuple(
        fc.constant(xs),
        fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, xs.length - 1) }), { maxLength: 8 }).map((c) => c.filter((v) => v < xs.length).sort((a, b) => a - b)),
        fc.integer({ min: 2, max: 4 }),
      ),
    );

  it.each(['min', 'max', 'any', 'all', 'count_nonzero', 'argmin', 'argmax'] as ReduceOp[])('%s, exactly (ties, NaN, ±Infinity)', (op) => {
    const edgy = fc.oneof({ arbitrary: fc.integer({ min: -2, max: 2 }), weight: 6 }, { arbitrary: fc.constantFrom(NaN, Infinity, -Infinity), weight: 1 });
    fc.assert(
      fc.property(splitVector(edgy), ([xs, cuts, group]) => {
        expect(R.sameValues([treeReduce(op, xs, cuts, group)], [REF[op](xs)])).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('min and max keep the first of equal values, -0 and 0 included, within a chunk and across chunks', () => {
    const cases: [ReduceOp, number[], number][] = [
      ['max', [-0, 0], -0], ['max', [0, -0], 0], ['min', [-0, 0], -0], ['min', [0, -0], 0],
      ['max', [1, -0, 3, 0, 3, 2, -0], 3], ['max', [-1, -0, -2, 0, -3], -0], ['min', [1, 0, 2, -0, 3], 0],
    ];
    for (const [op, xs, expected] of cases) {
      for (const cuts of [[], [1], [1, 2], [xs.length - 1]]) {
        expect(Object.is(treeReduce(op, xs, cuts.filter((c) => c > 0 && c < xs.length), 2), expected)).toBe(true);
      }
    }
    // Axis reductions (the nd loops): along the last axis and across rows.
    const m = f64([2, 3], [-0, 0, 0, 0, -0, -0]);
    for (const op of ['max', 'min'] as ReduceOp[]) {
      const rows = Array.from((map(op, m, [1]) as { acc: Float64Array }).acc);
      const cols = Array.from((map(op, m, [0]) as { acc: Float64Array }).acc);
      expect(rows.map((v) => Object.is(v, -0))).toEqual([true, false]);
      expect(cols.map((v) => Object.is(v, -0))).toEqual([true, false, false]);
    }
  });

  it('min and max over runs longer than their lanes: the first of ±0, the first NaN, in flat, row, column and strided loops', () => {
    // The loops keep eight running extremes and scan again in order only when the extreme is ±0 or a
    // NaN was seen (codegen.ts extremeFromEnd): long runs of zeros of both signs, NaN anywhere.
    const firstWins = (op: 'min' | 'max', v: readonly number[]): number =>
      v.reduce((m, x) => (m !== m ? m : x !== x || (op === 'max' ? x > m : x < m) ? x : m), op === 'max' ? -Infinity : Infinity);
    const value = fc.oneof(
      { arbitrary: fc.constantFrom(-0, 0), weight: 8 },
      { arbitrary: fc.constantFrom(-1, 1, -Infinity, Infinity), weight: 2 },
      { arbitrary: fc.constant(NaN), weight: 1 },
    );
    // Up to 20 rows: column reductions take eight rows per pass, and the nd loops walk rows last first.
    const arb = fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 40 })).chain(([rows, cols]) =>
      fc.tuple(fc.constant([rows, cols]), fc.array(value, { minLength: rows * cols, maxLength: rows * cols }), fc.constantFrom('min' as const, 'max' as const)),
    );
    fc.assert(
      fc.property(arb, ([[rows, cols], xs, op]) => {
        const same = (got: number, want: number): void => expect(Object.is(got, want) || (got !== got && want !== want)).toBe(true);
        same(treeReduce(op, xs, [], 2), firstWins(op, xs));
        const m = f64([rows!, cols!], xs);
        const row = (r: number): number[] => xs.slice(r * cols!, (r + 1) * cols!);
        const perRow = (map(op, m, [1]) as { acc: Float64Array }).acc;
        for (let r = 0; r < rows!; r++) same(perRow[r]!, firstWins(op, row(r)));
        const perColumn = (map(op, m, [0]) as { acc: Float64Array }).acc;
        for (let c = 0; c < cols!; c++) same(perColumn[c]!, firstWins(op, Array.from({ length: rows! }, (_, r) => xs[r * cols! + c]!)));
        // The rows read backwards in place (a slice with step -1 fused into the reduction).
        const view = { shape: [rows!, cols!], strides: [cols!, -1], offset: cols! - 1 };
        const all = final(op, [map(op, m, [0, 1], { views: [view] })], [], 'float64').data[0]!;
        same(all, firstWins(op, Array.from({ length: rows! }, (_, r) => row(r).reverse()).flat()));
        // Every other row from the second column (rows read four at a time: codegen.ts EXTREME_ROWS).
        const kept = Array.from({ length: Math.ceil(rows! / 2) }, (_, k) => row(2 * k).slice(1));
        if (cols! > 1) {
          const skip = { shape: [kept.length, cols! - 1], strides: [2 * cols!, 1], offset: 1 };
          same(final(op, [map(op, m, [0, 1], { views: [skip], shape: skip.shape })], [], 'float64').data[0]!, firstWins(op, kept.flat()));
        }
        // Two inputs in one fused expression (x + 0 * x: the general loop) and a 3-d loop (one block of rows).
        const twice: Expr = { t: 'bin', op: 'add', a: { t: 'in', i: 0, dtype: 'float64' }, b: { t: 'bin', op: 'mul', a: { t: 'const', v: 0, dtype: 'float64' }, b: { t: 'in', i: 1, dtype: 'float64' }, dtype: 'float64' }, dtype: 'float64' };
        const fused = getKernel('tensor.reduce_map')([m, m], { op, expr: twice, shape: [rows!, cols!], axes: [0, 1], views: [view, view] } as never) as Partial;
        const plusZero = Array.from({ length: rows! }, (_, r) => row(r).reverse()).flat().map((v) => v + 0 * v);
        same(final(op, [fused], [], 'float64').data[0]!, firstWins(op, plusZero));
        const cube = getKernel('tensor.reduce_map')([f64([1, rows!, cols!], xs)], { op, expr: id, shape: [1, rows!, cols!], axes: [0, 1, 2], views: [{ shape: [1, rows!, cols!], strides: [0, cols!, -1], offset: cols! - 1 }] } as never) as Partial;
        same(final(op, [cube], [], 'float64').data[0]!, firstWins(op, Array.from({ length: rows! }, (_, r) => row(r).reverse()).flat()));
      }),
      { numRuns: 400 },
    );
  });

  it.each(['sum', 'prod', 'mean'] as ReduceOp[])('%s, exactly on integers', (op) => {
    fc.assert(
      fc.property(splitVector(fc.integer({ min: -3, max: 3 })), ([xs, cuts, group]) => {
        expect(treeReduce(op, xs, cuts, group)).toBe(REF[op](xs));
      }),
      { numRuns: 100 },
    );
  });

  it.each(['var', 'std'] as ReduceOp[])('%s: Chan merge of moments equals two passes within 1e-12 relative', (op) => {
    fc.assert(
      fc.property(splitVector(fc.integer({ min: -1000, max: 1000 }).map((k) => k / 7)), fc.integer({ min: 0, max: 1 }), ([xs, cuts, group], ddof) => {
        const expected = (op === 'var' ? R.folds.var : R.folds.std)(ddof)(xs);
        expect(R.closeValues([treeReduce(op, xs, cuts, group, ddof)], [expected], 1e-12, 1e-12)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('partials', () => {
  it('keep the reduced axes as extent 1 (sum over one axis, over all)', () => {
    const x = f64([2, 3], [1, 2, 3, 4, 5, 6]);
    const rows = map('sum', x, [1]);
    expect(rows).toMatchObject({ kind: 'plain', shape: [2, 1] });
    expect(Array.from((rows as { acc: Float64Array }).acc)).toEqual([6, 15]);
    expect(Array.from((map('max', x, [0]) as { acc: Float64Array }).acc)).toEqual([4, 5, 6]);
    expect(Array.from((map('prod', x, [0, 1]) as { acc: Float64Array }).acc)).toEqual([720]);
  });

  it('a lonely chunk finishes in the map task, in the result dtype and shape', () => {
    const out = getKernel('tensor.reduce_map')([f64([2, 3], [1, 2, 3, 4, 5, 6])], {
      op: 'mean', expr: id, shape: [2, 3], axes: [0], final: { op: 'mean', outShape: [3], dtype: 'float32', ddof: 0 },
    } as never) as ArrayData;
    expect(out.dtype).toBe('float32');
    expect(out.shape).toEqual([3]);
    expect(Array.from(out.data)).toEqual([2.5, 3.5, 4.5]);
  });

  it('a fused expression is evaluated on the fly (x * 2 + y with y broadcast)', () => {
    const expr: Expr = {
      t: 'bin', op: 'add', dtype: 'float64',
      a: { t: 'bin', op: 'mul', a: { t: 'in', i: 0, dtype: 'float64' }, b: { t: 'const', v: 2, dtype: 'float64' }, dtype: 'float64' },
      b: { t: 'in', i: 1, dtype: 'float64' },
    };
    const x = f64([2, 3], [1, 2, 3, 4, 5, 6]);
    const y = f64([3], [10, 20, 30]);
    const whole = getKernel('tensor.reduce_map')([x, y], { op: 'sum', expr, shape: [2, 3], axes: [0, 1] } as never) as { acc: Float64Array };
    expect(Array.from(whole.acc)).toEqual([42 + 120]);
    const cols = getKernel('tensor.reduce_map')([x, y], { op: 'sum', expr, shape: [2, 3], axes: [0] } as never) as { acc: Float64Array };
    expect(Array.from(cols.acc)).toEqual([30, 54, 78]);
  });

  it('combine never writes into its inputs (they may be cached results)', () => {
    const a = map('sum', f64([2], [1, 2]), [0]);
    const b = map('sum', f64([2], [3, 4]), [0]);
    const before = Array.from((a as { acc: Float64Array }).acc);
    combine('sum', [a, b]);
    combine('sum', [a, b]);
    expect(Array.from((a as { acc: Float64Array }).acc)).toEqual(before);
  });
});

describe('arg reductions', () => {
  it('global indices from gstrides/gbase; ties go to the lower index whatever the merge order', () => {
    const left = map('argmax', f64([3], [1, 5, 5]), [0], { gstrides: [1], gbase: 0 });
    const right = map('argmax', f64([2], [5, 0]), [0], { gstrides: [1], gbase: 3 });
    expect(final('argmax', [left, right], [], 'int64').data[0]).toBe(1);
    expect(final('argmax', [right, left], [], 'int64').data[0]).toBe(1);
  });

  it('the first NaN wins, across partials too', () => {
    const a = map('argmin', f64([3], [0, NaN, -5]), [0], { gstrides: [1], gbase: 0 });
    const b = map('argmin', f64([3], [NaN, -9, NaN]), [0], { gstrides: [1], gbase: 10 });
    expect(final('argmin', [b, a], [], 'int64').data[0]).toBe(1);
    expect(final('argmin', [b], [], 'int64').data[0]).toBe(10);
  });

  it('all -Infinity (or all +Infinity for argmin) still finds the first element', () => {
    expect(final('argmax', [map('argmax', f64([3], [-Infinity, -Infinity, -Infinity]), [0], { gstrides: [1], gbase: 4 })], [], 'int64').data[0]).toBe(4);
    expect(final('argmin', [map('argmin', f64([2], [Infinity, Infinity]), [0], { gstrides: [1], gbase: 0 })], [], 'int64').data[0]).toBe(0);
  });

  it('along one axis of a 2-D chunk: the index along that axis', () => {
    const x = f64([2, 3], [3, 1, 2, 0, 9, 9]);
    const p = map('argmax', x, [1], { gstrides: [0, 1], gbase: 6 });
    expect(Array.from(final('argmax', [p], [2], 'int64').data)).toEqual([6, 7]);
  });
});

describe('moments and finishing', () => {
  it('var/std with ddof; too few elements give inf or NaN, never a negative variance', () => {
    const p = map('var', f64([4], [1, 2, 3, 4]), [0]);
    expect(final('var', [p], [], 'float64', 0).data[0]).toBe(1.25);
    expect(final('var', [p], [], 'float64', 1).data[0]).toBeCloseTo(5 / 3, 15);
    expect(final('std', [p], [], 'float64', 1).data[0]).toBeCloseTo(Math.sqrt(5 / 3), 15);
    expect(final('var', [map('var', f64([2], [1, 2]), [0])], [], 'float64', 2).data[0]).toBe(Infinity);
    expect(final('var', [map('var', f64([2], [1, 2]), [0])], [], 'float64', 3).data[0]).toBe(Infinity);
    expect(final('var', [map('var', f64([1], [7]), [0])], [], 'float64', 1).data[0]).toBeNaN();
    expect(final('std', [map('std', f64([0], []), [0])], [], 'float64', 0).data[0]).toBeNaN();
  });

  it('empty partials merge as the identity, wherever they are', () => {
    const empty = map('var', f64([0], []), [0]);
    const full = map('var', f64([3], [2, 4, 9]), [0]);
    for (const order of [[empty, full], [full, empty], [empty, full, empty]]) {
      expect(final('var', order, [], 'float64').data[0]).toBeCloseTo(R.folds.var(0)([2, 4, 9]), 12);
    }
    expect(final('mean', [map('mean', f64([0], []), [0])], [], 'float64').data[0]).toBeNaN();
    expect(final('sum', [map('sum', f64([0], []), [0])], [], 'float64').data[0]).toBe(0);
    expect(final('prod', [map('prod', f64([0], []), [0])], [], 'float64').data[0]).toBe(1);
    expect(final('all', [map('all', f64([0], []), [0])], [], 'bool').data[0]).toBe(1);
    expect(final('any', [map('any', f64([0], []), [0])], [], 'bool').data[0]).toBe(0);
  });

  it('min/max: NaN propagates through combine from any partial', () => {
    const a = map('min', f64([2], [1, 2]), [0]);
    const b = map('min', f64([2], [NaN, 0]), [0]);
    expect(final('min', [a, b], [], 'float64').data[0]).toBeNaN();
    expect(final('min', [b, a], [], 'float64').data[0]).toBeNaN();
  });

  it('the result is converted to the output dtype (int64 sums, bool flags)', () => {
    const x: ArrayData = { dtype: 'int8', shape: [3], data: Int8Array.from([100, 100, 100]) };
    const p = getKernel('tensor.reduce_map')([x], { op: 'sum', expr: { t: 'in', i: 0, dtype: 'int8' }, shape: [3], axes: [0] } as never) as Partial;
    const out = final('sum', [p], [], 'int64');
    expect(out.dtype).toBe('int64');
    expect(out.data[0]).toBe(300);
  });
});
