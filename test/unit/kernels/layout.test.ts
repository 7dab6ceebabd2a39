/**
 * Layout and linear-algebra kernels called directly: strided slices (negative steps), assembling a
 * chunk from blocks of others, transpose, zero-copy reshape and the gathering reshape across chunk
 * boundaries, and the blocked matmul (k-blocks as input pairs, booleans as logical or-of-ands).
 */
import { describe, expect, it } from 'vitest';
import type { DType } from '../../../src/base/dtypes.js';
import type { ArrayData } from '../../../src/base/ndarray.js';
import { getKernel } from '../../../src/kernels/index.js';
import * as R from '../../support/reference.js';

const f64 = (shape: number[], values?: readonly number[]): ArrayData => ({
  dtype: 'float64',
  shape,
  data: Float64Array.from(values ?? Array.from({ length: R.size(shape) }, (_, i) => i)),
});
const run = (kernel: string, inputs: unknown[], params: Record<string, unknown>): ArrayData =>
  getKernel(kernel)(inputs, params as never) as ArrayData;
const values = (a: ArrayData): number[] => Array.from(a.data);

describe('tensor.slice', () => {
  it('strided windows with positive and negative steps, per axis', () => {
    const x = f64([4, 5]);
    const out = run('tensor.slice', [x], { starts: [3, 4], steps: [-2, -3], sliced: [2, 2], shape: [2, 2], dtype: 'float64' });
    expect(values(out)).toEqual(R.slice(R.ref([4, 5], x.data), [{ start: 3, step: -2 }, { start: 4, step: -3 }]).data);
    const row = run('tensor.slice', [x], { starts: [1, 1], steps: [1, 2], sliced: [1, 2], shape: [2], dtype: 'float64' });
    expect(values(row)).toEqual([6, 8]);
  });

  it('empty selections and 0-d inputs', () => {
    expect(values(run('tensor.slice', [f64([3])], { starts: [0], steps: [1], sliced: [0], shape: [0], dtype: 'float64' }))).toEqual([]);
    expect(values(run('tensor.slice', [f64([], [7])], { starts: [], steps: [], sliced: [], shape: [], dtype: 'float64' }))).toEqual([7]);
  });
});

describe('tensor.assemble', () => {
  it('builds a chunk from blocks of several inputs', () => {
    const a = f64([2, 2], [1, 2, 3, 4]);
    const b = f64([2, 1], [5, 6]);
    const out = run('tensor.assemble', [a, b], {
      shape: [2, 3], dtype: 'float64',
      pieces: [
        { input: 0, srcStart: [0, 0], dstStart: [0, 0], extent: [2, 2] },
        { input: 1, srcStart: [0, 0], dstStart: [0, 2], extent: [2, 1] },
      ],
    });
    expect(values(out)).toEqual([1, 2, 5, 3, 4, 6]);
  });
});

describe('tensor.transpose and reshapes', () => {
  it('transpose permutes axes', () => {
    const x = f64([2, 3, 4]);
    const out = run('tensor.transpose', [x], { axes: [2, 0, 1], shape: [4, 2, 3], dtype: 'float64' });
    expect(values(out)).toEqual(R.transpose(R.ref([2, 3, 4], x.data), [2, 0, 1]).data);
  });

  it('reshape of a whole chunk shares its data (chunks are immutable)', () => {
    const x = f64([2, 3]);
    const out = run('tensor.reshape', [x], { shape: [3, 2], dtype: 'float64' });
    expect(out.shape).toEqual([3, 2]);
    expect(out.data).toBe(x.data);
  });

  it('reshape_gather reads every input chunk an output chunk overlaps', () => {
    // A 4x6 array split into 2x3 chunks, reshaped to 6x4; output chunk rows 2..5, all columns.
    const full = R.fromFn([4, 6], ([i, j]) => i! * 6 + j!);
    const chunks = [[0, 0], [0, 3], [2, 0], [2, 3]].map(([r, c]) => f64([2, 3], R.slice(full, [{ start: r, stop: r! + 2 }, { start: c, stop: c! + 3 }]).data));
    const out = run('tensor.reshape_gather', chunks, {
      shape: [4, 4], dtype: 'float64', inShape: [4, 6], outShape: [6, 4], outStart: [2, 0],
      inBounds: [[0, 2, 4], [0, 3, 6]], slots: [0, 1, 2, 3],
    });
    expect(values(out)).toEqual(Array.from({ length: 16 }, (_, i) => 8 + i));
  });
});

describe('tensor.matmul', () => {
  const mm = (pairs: ArrayData[], shape: [number, number], dtype: DType = 'float64'): ArrayData =>
    run('tensor.matmul', pairs, { shape, dtype });

  it('sums the k-block products', () => {
    const a = R.fromFn([2, 5], ([i, j]) => i! + 2 * j! - 3);
    const b = R.fromFn([5, 3], ([i, j]) => i! * j! - 1);
    const blocks = [
      f64([2, 2], R.slice(a, [{}, { stop: 2 }]).data), f64([2, 3], R.slice(b, [{ stop: 2 }]).data),
      f64([2, 3], R.slice(a, [{}, { start: 2 }]).data), f64([3, 3], R.slice(b, [{ start: 2 }]).data),
    ];
    expect(values(mm(blocks, [2, 3]))).toEqual(R.matmul(a, b).data);
  });

  it('an empty k gives zeros; integer products wrap on store', () => {
    expect(values(mm([f64([2, 0], []), f64([0, 2], [])], [2, 2]))).toEqual([0, 0, 0, 0]);
    const a: ArrayData = { dtype: 'int8', shape: [1, 2], data: Int8Array.from([100, 100]) };
    const b: ArrayData = { dtype: 'int8', shape: [2, 1], data: Int8Array.from([1, 1]) };
    expect(values(mm([a, b], [1, 1], 'int8'))).toEqual([-56]);
  });

  it('boolean matmul is a logical or of ands: True is stored as 1, never 2', () => {
    const t: ArrayData = { dtype: 'bool', shape: [2, 2], data: Uint8Array.from([1, 1, 0, 1]) };
    expect(values(mm([t, t], [2, 2], 'bool'))).toEqual([1, 1, 0, 1]);
  });
});
