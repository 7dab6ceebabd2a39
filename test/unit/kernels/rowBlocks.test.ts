/**
 * var/std of a chunk larger than a cache block run block by block of rows (kernels/tensor/rowBlocks.ts):
 * a contiguous input read as the subarray of its rows, a viewed one moved to the block, one broadcast
 * along the first axis read whole. Each reduction — over the rows (blocks merged with Chan's formula),
 * along them (each block its own outputs), over everything — equals the two-pass reference, whichever
 * way the inputs are laid out.
 */
import { describe, expect, it } from 'vitest';
import type { ArrayData } from '../../../src/base/ndarray.js';
import type { Expr } from '../../../src/base/expr.js';
import { getKernel } from '../../../src/kernels/index.js';
import { BLOCK_ELEMENTS, blockInputs, rowBlocks, rowsPerBlock } from '../../../src/kernels/tensor/rowBlocks.js';
import * as R from '../../support/reference.js';

const ROWS = 701;
const COLS = 300; // 210,300 elements: blocks of 216 rows (three) and 53
const at = (r: number, c: number): number => 1e6 + Math.sin(r * 7.3 + c * 0.91) * (1 + (r % 5)) + c / 3;
const x = Float64Array.from({ length: ROWS * COLS }, (_, i) => at(Math.floor(i / COLS), i % COLS));
const f64 = (shape: number[], data: Float64Array): ArrayData => ({ dtype: 'float64', shape, data });
const input = (i: number): Expr => ({ t: 'in', i, dtype: 'float64' });

function moments(op: 'var' | 'std', inputs: ArrayData[], expr: Expr, axes: number[], ddof = 1): Float64Array {
  const outShape = [ROWS, COLS].filter((_, a) => !axes.includes(a));
  const params = { op, expr, shape: [ROWS, COLS], axes, final: { op, outShape, dtype: 'float64', ddof } };
  return (getKernel('tensor.reduce_map')(inputs, params as never) as ArrayData).data as Float64Array;
}

/** The two-pass reference of `value(r, c)` over `axes` of the ROWS x COLS loop. */
function reference(op: 'var' | 'std', value: (r: number, c: number) => number, axes: number[], ddof = 1): number[] {
  const fold = R.folds[op](ddof);
  if (axes.length === 2) return [fold(Array.from({ length: ROWS * COLS }, (_, i) => value(Math.floor(i / COLS), i % COLS)))];
  if (axes[0] === 0) return Array.from({ length: COLS }, (_, c) => fold(Array.from({ length: ROWS }, (_, r) => value(r, c))));
  return Array.from({ length: ROWS }, (_, r) => fold(Array.from({ length: COLS }, (_, c) => value(r, c))));
}

function expectClose(got: Float64Array, want: number[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!) / Math.abs(want[i]!)).toBeLessThan(1e-12);
}

describe('row blocks', () => {
  it('split a chunk larger than two blocks along its first axis, and only such a chunk', () => {
    // Whole eight-row passes of the column loop.
    const whole = (rows: number): number => rows - (rows % 8);
    expect(rowsPerBlock([ROWS, COLS], 1)).toBe(whole(Math.floor(BLOCK_ELEMENTS / COLS)));
    expect(rowsPerBlock([ROWS, COLS], 2)).toBe(whole(Math.floor(BLOCK_ELEMENTS / 2 / COLS)));
    expect(rowsPerBlock([100, COLS], 1)).toBe(0); // cached already
    expect(rowsPerBlock([1, 1 << 20], 1)).toBe(0); // one row
    const blocks = [...rowBlocks([f64([ROWS, COLS], x)], [ROWS, COLS])];
    expect(blocks.map((b) => b.rows).reduce((a, b) => a + b)).toBe(ROWS);
    expect(blocks.length).toBeGreaterThan(2);
    expect(blocks[1]!.inputs[0]!.data[0]).toBe(x[blocks[1]!.first * COLS]);
  });

  it('move a view to the block, keep broadcast inputs and single values whole', () => {
    const view = { shape: [ROWS, COLS], strides: [COLS, 1], offset: 5 };
    const viewed = { ...f64([ROWS, COLS], x), view };
    const row = f64([COLS], x.subarray(0, COLS));
    const scalar = f64([], Float64Array.of(2));
    const [v, b, s] = blockInputs([viewed, row, scalar], [ROWS, COLS], 10, 4) as (ArrayData & { view?: typeof view })[];
    expect(v!.view).toEqual({ shape: [4, COLS], strides: [COLS, 1], offset: 5 + 10 * COLS });
    expect(b).toBe(row);
    expect(s).toBe(scalar);
  });
});

describe('var and std by blocks of rows equal the two-pass reference', () => {
  for (const axes of [[0], [1], [0, 1]]) {
    it(`over axes ${axes.join(',')}: one contiguous input`, () => {
      expectClose(moments('var', [f64([ROWS, COLS], x)], input(0), axes), reference('var', at, axes));
      expectClose(moments('std', [f64([ROWS, COLS], x)], input(0), axes, 0), reference('std', at, axes, 0));
    });

    it(`over axes ${axes.join(',')}: x - y with y broadcast along either axis`, () => {
      const sub: Expr = { t: 'bin', op: 'sub', a: input(0), b: input(1), dtype: 'float64' } as Expr;
      const colMeans = Float64Array.from({ length: COLS }, (_, c) => c * 10);
      expectClose(moments('var', [f64([ROWS, COLS], x), f64([COLS], colMeans)], sub, axes), reference('var', (r, c) => at(r, c) - c * 10, axes));
      const rowMeans = Float64Array.from({ length: ROWS }, (_, r) => r * 3);
      expectClose(moments('var', [f64([ROWS, COLS], x), f64([ROWS, 1], rowMeans)], sub, axes), reference('var', (r, c) => at(r, c) - r * 3, axes));
    });

    it(`over axes ${axes.join(',')}: a strided view (every other column of a wider source)`, () => {
      const wide = Float64Array.from({ length: ROWS * COLS * 2 }, (_, i) => (i % 2 === 0 ? x[i / 2]! : NaN));
      const view = { shape: [ROWS, COLS], strides: [2 * COLS, 2], offset: 0 };
      const params = { views: [view] };
      const outShape = [ROWS, COLS].filter((_, a) => !axes.includes(a));
      const got = (getKernel('tensor.reduce_map')([f64([ROWS, 2 * COLS], wide)], {
        op: 'var', expr: input(0), shape: [ROWS, COLS], axes, ...params, final: { op: 'var', outShape, dtype: 'float64', ddof: 1 },
      } as never) as ArrayData).data as Float64Array;
      expectClose(got, reference('var', at, axes));
    });
  }
});
