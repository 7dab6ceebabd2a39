/**
 * Creation builders: shapes, dtypes and grids known at build time; keys that name the content (equal
 * expressions share a key, a random draw's seed is part of it); and bad arguments — non-finite or
 * zero `arange` steps, bad shapes, bad seeds, ragged data — rejected at the caller's line.
 */
import { describe, expect, it } from 'vitest';
import { DTypeError, InvalidArgumentError } from '../../../src/base/errors.js';
import { arangeNode, eyeNode, fromDataNode, fullNode, linspaceNode, randomNode } from '../../../src/ops/tensor/index.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('arange', () => {
  it('NumPy lengths and dtypes', () => {
    expect(arangeNode(5, undefined, undefined).meta).toMatchObject({ shape: [5], dtype: 'int64' });
    expect(arangeNode(2, 7, undefined).meta.shape).toEqual([5]);
    expect(arangeNode(5, 0, -2).meta.shape).toEqual([3]); // 5 3 1
    expect(arangeNode(0, 1, 0.3).meta).toMatchObject({ shape: [4], dtype: 'float64' });
    expect(arangeNode(1.5, undefined, undefined).meta).toMatchObject({ shape: [2], dtype: 'float64' });
    expect(arangeNode(3, 1, undefined).meta.shape).toEqual([0]);
    expect(arangeNode(0, 10, 3, { dtype: 'int32', chunkSize: 2 }).meta).toMatchObject({ dtype: 'int32', nsplits: [[2, 2]] });
  });

  it.each([
    ['NaN stop', [NaN, undefined, undefined]],
    ['infinite stop', [0, Infinity, 1]],
    ['infinite start', [-Infinity, 0, 1]],
    ['NaN step', [0, 5, NaN]],
    ['infinite step', [0, 5, Infinity]],
    ['zero step', [0, 5, 0]],
  ] as const)('rejects %s with InvalidArgumentError', (_n, args) => {
    const e = thrown(() => arangeNode(args[0], args[1], args[2]));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as InvalidArgumentError).code).toBe('InvalidArgument');
  });
});

describe('other creation builders', () => {
  it('full / zeros / ones: dtype from the value unless given', () => {
    expect(fullNode([2, 3], 1.5).meta).toMatchObject({ shape: [2, 3], dtype: 'float64' });
    expect(fullNode([2], true).meta.dtype).toBe('bool');
    expect(fullNode(4, 7, { dtype: 'int8' }).meta).toMatchObject({ shape: [4], dtype: 'int8' });
    expect(fullNode([], 3).meta.shape).toEqual([]);
  });

  it('linspace and eye', () => {
    expect(linspaceNode(0, 1, 5).meta).toMatchObject({ shape: [5], dtype: 'float64' });
    expect(linspaceNode(0, 1, 0).meta.shape).toEqual([0]);
    expect(eyeNode(3, 5, 1).meta.shape).toEqual([3, 5]);
    expect(thrown(() => linspaceNode(0, NaN, 3))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => linspaceNode(0, 1, -1))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => linspaceNode(0, 1, 2.5))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => eyeNode(-1))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => eyeNode(3, 3, 0.5))).toBeInstanceOf(InvalidArgumentError);
  });

  it.each([[[-1, 2]], [[2.5]], [['3']], [null], [[NaN]]])('rejects the shape %j', (shape) => {
    expect(thrown(() => fullNode(shape, 0))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => randomNode('uniform', shape, { seed: 1 }))).toBeInstanceOf(InvalidArgumentError);
  });

  it('rejects an unknown dtype with DTypeError', () => {
    const e = thrown(() => fullNode([2], 0, { dtype: 'float16' as never }));
    expect(e).toBeInstanceOf(DTypeError);
    expect((e as DTypeError).code).toBe('DTypeMismatch');
  });
});

describe('random', () => {
  it('the seed is fixed at build time and is part of the key', () => {
    expect(randomNode('uniform', [3], { seed: 1 }).key).toBe(randomNode('uniform', [3], { seed: 1 }).key);
    expect(randomNode('uniform', [3], { seed: 1 }).key).not.toBe(randomNode('uniform', [3], { seed: 2 }).key);
    expect(randomNode('uniform', [3], { seed: 1 }).key).not.toBe(randomNode('normal', [3], { seed: 1 }).key);
    // Without a seed every call is a new draw.
    expect(randomNode('uniform', [3]).key).not.toBe(randomNode('uniform', [3]).key);
    expect(typeof randomNode('uniform', [3]).params.seed).toBe('number');
  });

  it('randint: integers low < high, in an integer dtype', () => {
    expect(randomNode('integers', [2], { low: 0, high: 5, seed: 1 }).meta.dtype).toBe('int64');
    expect(thrown(() => randomNode('integers', [2], { low: 5, high: 5, seed: 1 }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => randomNode('integers', [2], { low: 0, high: 2.5, seed: 1 }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => randomNode('integers', [2], { low: 0, high: 5, seed: 1, dtype: 'float64' }))).toBeInstanceOf(InvalidArgumentError);
  });

  it.each([-1, 2 ** 32, 1.5, NaN])('rejects the seed %s', (seed) => {
    expect(thrown(() => randomNode('uniform', [2], { seed }))).toBeInstanceOf(InvalidArgumentError);
  });
});

describe('from data', () => {
  it('infers shape and dtype from nested arrays and typed arrays', () => {
    expect(fromDataNode([[1, 2, 3], [4, 5, 6]]).meta).toMatchObject({ shape: [2, 3], dtype: 'int64' });
    expect(fromDataNode([1.5, 2]).meta.dtype).toBe('float64');
    expect(fromDataNode([true, false]).meta.dtype).toBe('bool');
    expect(fromDataNode(7).meta).toMatchObject({ shape: [], dtype: 'int64' });
    expect(fromDataNode(new Int16Array(6), { shape: [2, 3] }).meta).toMatchObject({ shape: [2, 3], dtype: 'int16' });
    expect(fromDataNode(new Float32Array(4)).meta).toMatchObject({ shape: [4], dtype: 'float32' });
  });

  it('equal data gives equal keys; different data different keys', () => {
    expect(fromDataNode([1, 2, 3]).key).toBe(fromDataNode(new Float64Array([1, 2, 3]), { dtype: 'int64' }).key);
    expect(fromDataNode([1, 2, 3]).key).not.toBe(fromDataNode([1, 2, 4]).key);
    expect(fromDataNode([1, 2, 3]).key).not.toBe(fromDataNode([1, 2, 3], { dtype: 'float64' }).key);
  });

  it('rejects ragged data, non-numbers, wrong sizes and BigInt arrays', () => {
    expect(thrown(() => fromDataNode([[1, 2], [3]]))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => fromDataNode([1, 'a']))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => fromDataNode(new Float64Array(5), { shape: [2, 3] }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => fromDataNode([1, 2, 3], { shape: [2, 2] }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrown(() => fromDataNode(new BigInt64Array(2)))).toBeInstanceOf(InvalidArgumentError);
  });
});
