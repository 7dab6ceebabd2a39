/**
 * Elementwise builders: the broadcast shape, the result dtype by NumPy's rules (tables below were
 * produced with NumPy 2.4, NEP 50: Python scalars are "weak"), the common chunk grid, and build-time
 * errors for shapes that do not broadcast and operands that are not tensors or numbers.
 */
import { describe, expect, it } from 'vitest';
import type { DType } from '../../../src/base/dtypes.js';
import { InvalidArgumentError, ShapeError } from '../../../src/base/errors.js';
import type { BinaryOp, UnaryOp } from '../../../src/base/expr.js';
import {
  binaryNode, castNode, clipNode, fullNode, mapNode, type TensorNode, unaryNode, whereNode,
} from '../../../src/ops/tensor/index.js';

const T = (shape: number[], dtype: DType = 'float64', chunkSize?: number | (number | number[])[]): TensorNode =>
  fullNode(shape, 1, { dtype, ...(chunkSize !== undefined ? { chunkSize } : {}) });

describe('dtype promotion (NumPy result_type)', () => {
  const pairs: [DType, DType, DType][] = [
    ['int8', 'uint8', 'int16'], ['int16', 'uint16', 'int32'], ['int32', 'uint32', 'int64'], ['uint8', 'int16', 'int16'],
    ['uint16', 'int8', 'int32'], ['uint32', 'int8', 'int64'], ['float32', 'int32', 'float64'], ['float32', 'int16', 'float32'],
    ['float32', 'uint8', 'float32'], ['bool', 'int8', 'int8'], ['bool', 'float32', 'float32'], ['int64', 'float32', 'float64'],
    ['uint16', 'uint32', 'uint32'], ['uint32', 'int64', 'int64'], ['int8', 'int16', 'int16'], ['float32', 'float64', 'float64'],
  ];
  it.each(pairs)('%s + %s -> %s (either order)', (a, b, out) => {
    expect(binaryNode('add', T([2], a), T([2], b)).meta.dtype).toBe(out);
    expect(binaryNode('mul', T([2], b), T([2], a)).meta.dtype).toBe(out);
  });

  const scalars: [DType, number | boolean, DType][] = [
    ['int8', 1, 'int8'], ['int8', 1.5, 'float64'], ['int8', true, 'int8'], ['uint16', 3, 'uint16'], ['int32', 2.5, 'float64'],
    ['float32', 1, 'float32'], ['float32', 1.5, 'float32'], ['float64', 2, 'float64'], ['bool', 1, 'int64'], ['bool', 1.5, 'float64'],
  ];
  it.each(scalars)('%s array with the scalar %s -> %s (scalars are weak)', (a, s, out) => {
    expect(binaryNode('add', T([2], a), s).meta.dtype).toBe(out);
    expect(binaryNode('sub', s, T([2], a)).meta.dtype).toBe(out);
  });

  it('true division of integers gives float64, of floats keeps their width', () => {
    for (const d of ['bool', 'int8', 'int16', 'uint8', 'uint16', 'int32', 'uint32', 'int64'] as const) {
      expect(binaryNode('div', T([2], d), T([2], d)).meta.dtype, d).toBe('float64');
    }
    expect(binaryNode('div', T([2], 'float32'), T([2], 'float32')).meta.dtype).toBe('float32');
    expect(binaryNode('div', T([2], 'float32'), 2).meta.dtype).toBe('float32');
  });

  it('comparisons and logic give bool; floorDiv, mod, pow, maximum keep the common integer type', () => {
    for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'xor'] as BinaryOp[]) {
      expect(binaryNode(op, T([2], 'int8'), 2.5).meta.dtype).toBe('bool');
    }
    for (const op of ['floordiv', 'mod', 'pow', 'maximum', 'minimum'] as BinaryOp[]) {
      expect(binaryNode(op, T([2], 'int16'), T([2], 'int16')).meta.dtype).toBe('int16');
    }
  });

  it('unary math: transcendental functions of small ints give float32 (NumPy float16), of 32/64-bit ints float64', () => {
    const table: [UnaryOp, DType, DType][] = [
      ['sqrt', 'int8', 'float32'], ['sqrt', 'uint16', 'float32'], ['exp', 'int32', 'float64'], ['log', 'int64', 'float64'],
      ['sin', 'float32', 'float32'], ['sqrt', 'bool', 'float32'], ['floor', 'int8', 'int8'], ['round', 'int32', 'int32'],
      ['abs', 'int16', 'int16'], ['neg', 'uint8', 'uint8'], ['square', 'int8', 'int8'], ['sign', 'int32', 'int32'],
      ['isnan', 'float64', 'bool'], ['not', 'int32', 'bool'], ['arctan', 'int16', 'float32'],
    ];
    for (const [op, d, out] of table) expect(unaryNode(op, T([2], d)).meta.dtype, `${op}(${d})`).toBe(out);
  });

  it('where takes the promotion of its branches; clip of its bounds', () => {
    expect(whereNode(T([2], 'bool'), T([2], 'int8'), 2.5).meta.dtype).toBe('float64');
    expect(whereNode(T([2], 'bool'), T([2], 'int8'), 2).meta.dtype).toBe('int8');
    expect(clipNode(T([2], 'int8'), 0, 1.5).meta.dtype).toBe('float64');
    expect(clipNode(T([2], 'int8'), 0, 3).meta.dtype).toBe('int8');
    expect(clipNode(T([2], 'float32'), null, 3).meta.dtype).toBe('float32');
  });

  it('astype changes the dtype (and is the identity for the same dtype); map defaults to float64', () => {
    const x = T([3], 'int32');
    expect(castNode(x, 'uint8').meta.dtype).toBe('uint8');
    expect(castNode(x, 'int32')).toBe(x);
    expect(mapNode(x, '(v) => v + 1').meta.dtype).toBe('float64');
    expect(mapNode(x, '(v) => v + 1', 'int16').meta.dtype).toBe('int16');
  });
});

describe('broadcasting and grids', () => {
  it('the broadcast shape of any ranks, size-0 and size-1 axes included', () => {
    expect(binaryNode('add', T([4, 1, 3]), T([5, 1])).meta.shape).toEqual([4, 5, 3]);
    expect(binaryNode('add', T([]), T([2, 3])).meta.shape).toEqual([2, 3]);
    expect(binaryNode('add', T([0, 3]), T([1, 3])).meta.shape).toEqual([0, 3]);
    expect(binaryNode('add', T([2, 1]), T([1, 0])).meta.shape).toEqual([2, 0]);
    expect(whereNode(T([3, 1], 'bool'), T([1, 4]), T([2, 1, 1])).meta.shape).toEqual([2, 3, 4]);
  });

  it('the common grid follows the first input that spans each axis', () => {
    const a = T([6, 4], 'float64', [3, 2]);
    const b = T([6, 4], 'float64', [2, 4]);
    expect(binaryNode('add', a, b).meta.nsplits).toEqual([[3, 3], [2, 2]]);
    expect(binaryNode('add', b, a).meta.nsplits).toEqual([[2, 2, 2], [4]]);
    // A broadcast operand does not decide the grid on the axes it is broadcast along.
    expect(binaryNode('add', T([1, 4], 'float64', 1), T([6, 4], 'float64', 3)).meta.nsplits).toEqual([[3, 3], [1, 1, 1, 1]]);
  });

  it('shapes that do not broadcast fail at build time with ShapeError naming both shapes', () => {
    const e = (() => {
      try {
        binaryNode('add', T([2, 3]), T([4]));
      } catch (err) {
        return err as ShapeError;
      }
      throw new Error('no throw');
    })();
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.code).toBe('ShapeMismatch');
    expect(e.message).toContain('(2, 3)');
    expect(e.message).toContain('(4,)');
    expect(() => whereNode(T([2], 'bool'), T([3]), 1)).toThrow(ShapeError);
    expect(() => clipNode(T([2]), T([3]), null)).toThrow(ShapeError);
    expect(() => binaryNode('add', T([0]), T([2]))).toThrow(ShapeError);
  });

  it('operands must be tensors, numbers or booleans', () => {
    expect(() => binaryNode('add', T([2]), 'x' as never)).toThrow(InvalidArgumentError);
    expect(() => binaryNode('add', T([2]), null as never)).toThrow(InvalidArgumentError);
    expect(() => clipNode(T([2]), null, null)).toThrow(InvalidArgumentError);
  });

  it('equal expressions have equal keys; different ones differ', () => {
    const x = T([3]);
    expect(binaryNode('add', x, 1).key).toBe(binaryNode('add', x, 1).key);
    expect(binaryNode('add', x, 1).key).not.toBe(binaryNode('add', x, 2).key);
    expect(binaryNode('add', x, 1).key).not.toBe(binaryNode('sub', x, 1).key);
    expect(mapNode(x, '(v) => v + 1').key).not.toBe(mapNode(x, '(v) => v + 2').key);
  });
});
