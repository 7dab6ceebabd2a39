/**
 * Reduction builders: output shape with and without keepdims, result dtype per NumPy (sum/prod widen
 * integers to int64, mean/var/std give floats, arg reductions int64), the output grid, and build-time
 * errors: axes out of range or repeated, a list of axes for argmin/argmax, a bad ddof, and min/max/
 * argmin/argmax of an empty axis (no identity).
 */
import { describe, expect, it } from 'vitest';
import type { DType } from '../../../src/base/dtypes.js';
import { AxisError, InvalidArgumentError } from '../../../src/base/errors.js';
import type { ReduceOp } from '../../../src/kernels/tensor/reduce.js';
import { newSession, type RunStats, tensor as tt } from '../../../src/index.js';
import { fullNode, reduceNode, type TensorNode } from '../../../src/ops/tensor/index.js';
import { SINGLE_MERGE_ELEMENTS } from '../../../src/ops/tensor/reduction.js';

const T = (shape: number[], dtype: DType = 'float64', chunkSize: number | (number | number[])[] = 2): TensorNode =>
  fullNode(shape, 1, { dtype, chunkSize });

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('reduction meta', () => {
  it('shapes over all, one, negative and listed axes, with keepdims', () => {
    const x = T([2, 3, 4]);
    expect(reduceNode('sum', x).meta.shape).toEqual([]);
    expect(reduceNode('sum', x, { keepdims: true }).meta.shape).toEqual([1, 1, 1]);
    expect(reduceNode('sum', x, { axis: 1 }).meta.shape).toEqual([2, 4]);
    expect(reduceNode('sum', x, { axis: -1 }).meta.shape).toEqual([2, 3]);
    expect(reduceNode('sum', x, { axis: [0, 2] }).meta.shape).toEqual([3]);
    expect(reduceNode('sum', x, { axis: [2, -3], keepdims: true }).meta.shape).toEqual([1, 3, 1]);
    expect(reduceNode('sum', x, { axis: [] }).meta.shape).toEqual([2, 3, 4]);
    expect(reduceNode('argmax', x, { axis: 1, keepdims: true }).meta.shape).toEqual([2, 1, 4]);
    expect(reduceNode('sum', T([])).meta.shape).toEqual([]);
  });

  it('the output grid keeps the kept axes\' chunks and one chunk on reduced ones', () => {
    const x = fullNode([5, 6], 1, { chunkSize: [2, 4] });
    expect(reduceNode('sum', x, { axis: 0 }).meta.nsplits).toEqual([[4, 2]]);
    expect(reduceNode('sum', x, { axis: 0, keepdims: true }).meta.nsplits).toEqual([[1], [4, 2]]);
    expect(reduceNode('max', x).meta.nsplits).toEqual([]);
  });

  const dtypes: [ReduceOp, DType, DType][] = [
    ['sum', 'int8', 'int64'], ['sum', 'bool', 'int64'], ['sum', 'uint32', 'int64'], ['sum', 'float32', 'float32'],
    ['prod', 'int16', 'int64'], ['min', 'int8', 'int8'], ['max', 'uint16', 'uint16'], ['max', 'bool', 'bool'],
    ['mean', 'int32', 'float64'], ['mean', 'float32', 'float32'], ['var', 'int8', 'float64'], ['std', 'float32', 'float32'],
    ['argmin', 'float32', 'int64'], ['argmax', 'int8', 'int64'], ['any', 'float64', 'bool'], ['all', 'int32', 'bool'],
    ['count_nonzero', 'float64', 'int64'],
  ];
  it.each(dtypes)('%s of %s is %s', (op, d, out) => {
    expect(reduceNode(op, T([4], d)).meta.dtype).toBe(out);
  });

  it('sum, prod, mean, any, all of an empty axis are fine (they have identities)', () => {
    for (const op of ['sum', 'prod', 'mean', 'any', 'all', 'count_nonzero', 'var'] as ReduceOp[]) {
      expect(reduceNode(op, T([0, 3]), { axis: 0 }).meta.shape).toEqual([3]);
    }
  });
});

describe('bad reductions fail at build time', () => {
  it.each([[3], [-4], [[0, 5]], [1.5]])('axis %j out of range for 3-d: AxisError', (axis) => {
    const e = thrown(() => reduceNode('sum', T([2, 3, 4]), { axis: axis as number }));
    expect(e).toBeInstanceOf(AxisError);
    expect((e as AxisError).code).toBe('AxisOutOfRange');
  });

  it('repeated axes (also as negative aliases): AxisError', () => {
    expect(thrown(() => reduceNode('sum', T([2, 3]), { axis: [1, 1] }))).toBeInstanceOf(AxisError);
    expect(thrown(() => reduceNode('mean', T([2, 3]), { axis: [0, -2] }))).toBeInstanceOf(AxisError);
  });

  it('argmin/argmax take one axis, not a list; out of range is AxisError', () => {
    expect(thrown(() => reduceNode('argmin', T([2, 3]), { axis: [0] }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => reduceNode('argmax', T([2, 3]), { axis: 2 }))).toBeInstanceOf(AxisError);
  });

  it.each(['min', 'max', 'argmin', 'argmax'] as ReduceOp[])('%s of an empty axis: InvalidArgumentError', (op) => {
    const e = thrown(() => reduceNode(op, T([3, 0]), { axis: 1 }));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as InvalidArgumentError).code).toBe('InvalidArgument');
    expect(thrown(() => reduceNode(op, T([0])))).toBeInstanceOf(InvalidArgumentError);
    // Reducing a non-empty axis of a tensor that is empty elsewhere is fine.
    if (op === 'min' || op === 'max') expect(reduceNode(op, T([3, 0]), { axis: 0 }).meta.shape).toEqual([0]);
  });

  it.each([-1, 1.5, NaN])('ddof %s: InvalidArgumentError', (ddof) => {
    expect(thrown(() => reduceNode('var', T([4]), { ddof }))).toBeInstanceOf(InvalidArgumentError);
  });
});

describe('reduction trees', () => {
  it('merge small partials in one task, however many chunks there are', async () => {
    // 12 row chunks reduced to a scalar: each extra round would be a task of bookkeeping for 12 numbers.
    const sess = newSession({ mode: 'lazy', executor: 'local', default: false });
    try {
      const stats: RunStats[] = [];
      sess.on('run', (r: RunStats) => stats.push(r));
      const x = tt.array(Float64Array.from({ length: 12 * 6 }, (_, i) => i % 7), { shape: [12, 6], chunkSize: [1, 6] });
      await sess.execute([x.node]);
      for (const [r, expected] of [[x.sum(), 211], [x.max(), 6], [x.std({ axis: [0, 1] }), null]] as const) {
        const got = ((await sess.run(r)) as { item(): number }).item();
        if (expected !== null) expect(got).toBe(expected);
        expect(stats.at(-1)!.executed).toBe(12 + 1);
      }
    } finally {
      await sess.close();
    }
  });

  it('merge big partials four at a time along the one split axis, also when the reduction spans unsplit axes too', async () => {
    // 12 row chunks of 6,000 columns summed down the rows: 12 partials of 6,000 (72,000 elements, past
    // SINGLE_MERGE_ELEMENTS) merge in groups of four (3 merges and the final), not of two as for a grid
    // split on both axes.
    const cols = 6000;
    expect(12 * cols).toBeGreaterThan(SINGLE_MERGE_ELEMENTS);
    const sess = newSession({ mode: 'lazy', executor: 'local', default: false });
    try {
      const stats: RunStats[] = [];
      sess.on('run', (r: RunStats) => stats.push(r));
      const x = tt.array(Float64Array.from({ length: 12 * cols }, (_, i) => i % 7), { shape: [12, cols], chunkSize: [1, cols] });
      await sess.execute([x.node]);
      const column = (j: number): number[] => Array.from({ length: 12 }, (_, i) => (i * cols + j) % 7);
      const cases = [
        [x.sum({ axis: 0 }), (j: number) => column(j).reduce((a, b) => a + b, 0)],
        [x.max({ axis: 0, keepdims: true }), (j: number) => Math.max(...column(j))],
      ] as const;
      for (const [r, expected] of cases) {
        const got = ((await sess.run(r)) as { toArray(): unknown }).toArray();
        expect((got as unknown[]).flat(1)).toEqual(Array.from({ length: cols }, (_, j) => expected(j)));
        expect(stats.at(-1)!.executed).toBe(12 + 3 + 1);
      }
    } finally {
      await sess.close();
    }
  });
});
