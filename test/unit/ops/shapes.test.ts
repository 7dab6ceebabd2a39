/**
 * Shape-changing builders — reshape, transpose, concatenate, matmul and basic slicing: their output
 * shape, dtype and grid, and the bad input each rejects at build time with its own error class:
 * reshape to another size, a non-permutation, mismatched concatenation, misaligned matmul or batch axes,
 * tensordot axes that do not pair up, too many
 * indices, an out-of-range integer index, a zero step.
 */
import { describe, expect, it } from 'vitest';
import type { DType } from '../../../src/base/dtypes.js';
import { AxisError, IndexError, InvalidArgumentError, ShapeError, SliceError } from '../../../src/base/errors.js';
import {
  concatenateNode, dotNode, fullNode, matmulNode, reshapeNode, sliceNode, tensordotNode, type TensorNode, transposeNode,
} from '../../../src/ops/tensor/index.js';

const T = (shape: number[], chunkSize: number | (number | number[])[] = 4, dtype: DType = 'float64'): TensorNode =>
  fullNode(shape, 1, { dtype, chunkSize });

function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('reshape', () => {
  it('infers one -1, keeps the dtype, and is the identity for the same shape', () => {
    const x = T([4, 6]);
    expect(reshapeNode(x, [3, -1]).meta.shape).toEqual([3, 8]);
    expect(reshapeNode(x, [-1]).meta.shape).toEqual([24]);
    expect(reshapeNode(x, 24).meta.shape).toEqual([24]);
    expect(reshapeNode(T([0, 3]), [3, 0]).meta.shape).toEqual([3, 0]);
    expect(reshapeNode(T([1]), []).meta.shape).toEqual([]);
    expect(reshapeNode(x, [4, 6])).toBe(x);
  });

  it('row-aligned chunks reshape without gathering; other grids cover the shape exactly', () => {
    const rows = reshapeNode(fullNode([6, 4], 1, { chunkSize: [2, 4] }), [12, 2]);
    expect(rows.params.mode).toBe('rows');
    expect(rows.meta.nsplits).toEqual([[4, 4, 4], [2]]);
    const gather = reshapeNode(fullNode([6, 4], 1, { chunkSize: [4, 3] }), [4, 6]);
    expect(gather.params.mode).toBe('gather');
    expect(gather.meta.nsplits.map((s) => s.reduce((a, b) => a + b, 0))).toEqual([4, 6]);
  });

  it.each([
    ['another size', [5, 5]],
    ['two -1', [-1, -1]],
    ['-1 that does not divide', [5, -1]],
    ['a negative extent', [-2, -12]],
    ['a fractional extent', [2.5, 4]],
  ])('rejects %s with ShapeError', (_n, shape) => {
    const e = thrown(() => reshapeNode(T([4, 6]), shape));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.code).toBe('ShapeMismatch');
  });
});

describe('transpose', () => {
  it('reverses by default, permutes by axes (negative allowed), permutes the grid too', () => {
    const x = fullNode([2, 3, 4], 1, { chunkSize: [1, 3, 2] });
    expect(transposeNode(x).meta).toMatchObject({ shape: [4, 3, 2], nsplits: [[2, 2], [3], [1, 1]] });
    expect(transposeNode(x, [1, -1, 0]).meta.shape).toEqual([3, 4, 2]);
    expect(transposeNode(x, [0, 1, 2])).toBe(x);
  });

  it('rejects non-permutations (InvalidArgumentError) and axes out of range (AxisError)', () => {
    expect(thrown(() => transposeNode(T([2, 3]), [0, 0]))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => transposeNode(T([2, 3]), [0]))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => transposeNode(T([2, 3]), [0, 1, 2]))).toBeInstanceOf(AxisError);
    expect(thrown(() => transposeNode(T([2, 3]), [0, 2]))).toBeInstanceOf(AxisError);
  });
});

describe('concatenate', () => {
  it('sums the axis, promotes dtypes, keeps every input chunk along the axis', () => {
    const c = concatenateNode([fullNode([2, 3], 1, { dtype: 'int8', chunkSize: 1 }), fullNode([4, 3], 1, { dtype: 'uint8', chunkSize: 3 })]);
    expect(c.meta).toMatchObject({ shape: [6, 3], dtype: 'int16', nsplits: [[1, 1, 3, 1], [1, 1, 1]] });
    expect(concatenateNode([T([2, 3]), T([2, 5])], -1).meta.shape).toEqual([2, 8]);
    expect(concatenateNode([T([0, 3]), T([0, 3])]).meta.shape).toEqual([0, 3]);
  });

  it('rejects mismatched shapes (ShapeError), bad axes (AxisError), 0-d inputs and no inputs', () => {
    expect(thrown(() => concatenateNode([T([2, 3]), T([2, 4])]))).toBeInstanceOf(ShapeError);
    expect(thrown(() => concatenateNode([T([2, 3]), T([2, 3, 1])]))).toBeInstanceOf(ShapeError);
    expect(thrown(() => concatenateNode([T([2, 3]), T([2, 3])], 2))).toBeInstanceOf(AxisError);
    expect(thrown(() => concatenateNode([T([]), T([])]))).toBeInstanceOf(ShapeError);
    expect(thrown(() => concatenateNode([]))).toBeInstanceOf(InvalidArgumentError);
  });
});

describe('matmul', () => {
  it('2-D and 1-D operands, NumPy shapes; the grid follows the left rows and the right columns', () => {
    const a = fullNode([5, 3], 1, { chunkSize: [2, 3] });
    const b = fullNode([3, 7], 1, { chunkSize: [1, 4] });
    expect(matmulNode(a, b).meta).toMatchObject({ shape: [5, 7], nsplits: [[2, 2, 1], [4, 3]] });
    expect(matmulNode(a, T([3])).meta.shape).toEqual([5]);
    expect(matmulNode(T([5]), T([5, 2])).meta.shape).toEqual([2]);
    expect(matmulNode(T([3]), T([3])).meta.shape).toEqual([]);
    expect(matmulNode(T([2, 0]), T([0, 3])).meta.shape).toEqual([2, 3]);
    expect(matmulNode(T([2, 2], 2, 'int8'), T([2, 2], 2, 'uint8')).meta.dtype).toBe('int16');
  });

  it('rejects misaligned inner extents, 0-d operands and batch axes that do not broadcast with ShapeError', () => {
    const e = thrown(() => matmulNode(T([2, 3]), T([4, 2])));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toMatch(/not aligned/);
    expect(thrown(() => matmulNode(T([3]), T([4])))).toBeInstanceOf(ShapeError);
    expect(thrown(() => matmulNode(T([]), T([2])))).toBeInstanceOf(ShapeError);
    const batch = thrown(() => matmulNode(T([3, 2, 2]), T([4, 2, 2])));
    expect(batch).toBeInstanceOf(ShapeError);
    expect(batch.message).toMatch(/batch axes .*\(3,\) against \(4,\)/);
  });

  it('batch axes broadcast (NumPy); the grid follows the left where it is not broadcast', () => {
    const a = fullNode([3, 1, 4, 5], 1, { chunkSize: [2, 1, 4, 5] });
    const b = fullNode([6, 5, 2], 1, { chunkSize: [4, 5, 2] });
    expect(matmulNode(a, b).meta).toMatchObject({ shape: [3, 6, 4, 2], nsplits: [[2, 1], [4, 2], [4], [2]] });
    expect(matmulNode(T([5]), T([3, 5, 2])).meta.shape).toEqual([3, 2]);
    expect(matmulNode(T([3, 4, 5]), T([5])).meta.shape).toEqual([3, 4]);
  });

  it('cuts a big product into at least 4 output blocks, none under 64 rows or columns', () => {
    const big = matmulNode(fullNode([1000, 1000], 1, { chunkSize: [1000, 1000] }), fullNode([1000, 1000], 1, { chunkSize: [1000, 1000] }));
    expect(big.meta.nsplits[0]!.length * big.meta.nsplits[1]!.length).toBeGreaterThanOrEqual(4);
    expect(Math.min(...big.meta.nsplits[0]!, ...big.meta.nsplits[1]!)).toBeGreaterThanOrEqual(64);
    expect(big.meta.nsplits[0]!.reduce((x, y) => x + y)).toBe(1000);
    const small = matmulNode(fullNode([100, 100], 1, { chunkSize: [100, 100] }), fullNode([100, 100], 1, { chunkSize: [100, 100] }));
    expect(small.meta.nsplits).toEqual([[100], [100]]);
  });
});

describe('tensordot and dot', () => {
  it('NumPy shapes for the int and list forms, and dot above 2-D', () => {
    expect(tensordotNode(T([2, 3, 4]), T([3, 4, 5])).meta.shape).toEqual([2, 5]);
    expect(tensordotNode(T([2, 3]), T([4]), 0).meta.shape).toEqual([2, 3, 4]);
    expect(tensordotNode(T([2, 3, 4]), T([4, 2, 6]), [[0, 2], [1, 0]]).meta.shape).toEqual([3, 6]);
    expect(dotNode(T([2, 3, 4]), T([5, 4, 6])).meta.shape).toEqual([2, 3, 5, 6]);
  });

  it('rejects unequal contracted extents, uneven axis lists, repeated axes and a bad int', () => {
    const e = thrown(() => tensordotNode(T([2, 3]), T([4, 2]), [[1], [0]]));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toMatch(/axis 1 of the left .* extent 3 but axis 0 of the right .* has 4/);
    expect(thrown(() => tensordotNode(T([2, 3]), T([3, 2]), [[0, 1], [0]]))).toBeInstanceOf(ShapeError);
    expect(thrown(() => tensordotNode(T([2, 3]), T([3, 3]), [[1, 1], [0, 1]]))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => tensordotNode(T([2, 3]), T([3]), 3))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => tensordotNode(T([2, 3]), T([3]), [[5], [0]]))).toBeInstanceOf(AxisError);
    expect(thrown(() => dotNode(T([2, 3, 4]), T([3, 5])))).toBeInstanceOf(ShapeError);
  });
});

describe('basic slicing', () => {
  const x = fullNode([10, 8], 1, { chunkSize: 3 });

  it('shapes and grids: ints drop axes, slices keep them, steps and newaxis', () => {
    expect(sliceNode(x, [':2, 3:9']).meta).toMatchObject({ shape: [2, 5], nsplits: [[2], [3, 2]] });
    expect(sliceNode(x, [0]).meta.shape).toEqual([8]);
    expect(sliceNode(x, [-1, -1]).meta.shape).toEqual([]);
    expect(sliceNode(x, ['::-1']).meta).toMatchObject({ shape: [10, 8], nsplits: [[1, 3, 3, 3], [3, 3, 2]] });
    expect(sliceNode(x, [{ start: 1, step: 4 }]).meta.shape).toEqual([3, 8]);
    expect(sliceNode(x, ['newaxis', '...', 2]).meta.shape).toEqual([1, 10]);
    expect(sliceNode(x, ['...', 'newaxis']).meta.shape).toEqual([10, 8, 1]);
    expect(sliceNode(x, ['5:2']).meta.shape).toEqual([0, 8]);
    expect(sliceNode(x, [{ start: -100, stop: 100 }]).meta.shape).toEqual([10, 8]);
    expect(sliceNode(x, [null, '1:3']).meta.shape).toEqual([10, 2]);
  });

  it.each([
    ['too many indices', [0, 0, 0], IndexError, 'IndexOutOfRange'],
    ['too many via a string', ['0, 0, 0'], IndexError, 'IndexOutOfRange'],
    ['an int past the end', [10], IndexError, 'IndexOutOfRange'],
    ['an int before the start', [0, -9], IndexError, 'IndexOutOfRange'],
    ['a zero step', ['::0'], SliceError, 'InvalidSlice'],
    ['a zero step object', [{ step: 0 }], SliceError, 'InvalidSlice'],
    ['two ellipses', ['...', '...'], SliceError, 'InvalidSlice'],
    ['a malformed string', ['1:2:3:4'], SliceError, 'InvalidSlice'],
    ['a fractional bound', [{ start: 0.5 }], SliceError, 'InvalidSlice'],
  ] as const)('rejects %s', (_n, index, cls, code) => {
    const e = thrown(() => sliceNode(x, index as never));
    expect(e).toBeInstanceOf(cls);
    expect(e.code).toBe(code);
  });

  it('an int index into an empty axis is out of range; any index of a 0-d tensor is too many', () => {
    expect(thrown(() => sliceNode(T([0]), [0]))).toBeInstanceOf(IndexError);
    expect(thrown(() => sliceNode(T([]), [0]))).toBeInstanceOf(IndexError);
    expect(sliceNode(T([]), ['...']).meta.shape).toEqual([]);
  });
});
