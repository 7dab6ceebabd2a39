/**
 * The elementwise kernel (`tensor.ew`), called directly: generated loops in both shapes (flat: every
 * input the whole chunk or one value; nd: broadcasting), every unary and binary op against its JS/Math
 * reference, NumPy's integer semantics per dtype (wrap-around modulo 2^bits, floor division and mod,
 * zero divisors), float32 rounding after every step, NaN propagation, round-half-even, casts and user
 * functions. Expected integer values were produced with NumPy 2.4.
 */
import { describe, expect, it } from 'vitest';
import { type DType, typedArrayCtor } from '../../../src/base/dtypes.js';
import { BINARY_OPS, type BinaryOp, type Expr, UNARY_OPS, type UnaryOp } from '../../../src/base/expr.js';
import type { ArrayData } from '../../../src/base/ndarray.js';
import { getKernel } from '../../../src/kernels/index.js';
import * as R from '../../support/reference.js';

const arr = (dtype: DType, shape: number[], values: readonly number[]): ArrayData => {
  const data = new (typedArrayCtor(dtype))(values.length);
  data.set(values);
  return { dtype, shape, data };
};
const input = (i: number, dtype: DType): Expr => ({ t: 'in', i, dtype });
const un = (op: UnaryOp, a: Expr, dtype: DType): Expr => ({ t: 'un', op, a, dtype });
const bin = (op: BinaryOp, a: Expr, b: Expr, dtype: DType): Expr => ({ t: 'bin', op, a, b, dtype });

function ew(expr: Expr, inputs: ArrayData[], shape: number[], fns?: string[]): ArrayData {
  return getKernel('tensor.ew')(inputs, { expr, shape, dtype: expr.dtype, ...(fns ? { fns } : {}) } as never) as ArrayData;
}
const values = (a: ArrayData): number[] => Array.from(a.data);

/** Binary op on two same-dtype 1-D arrays, result in `out`. */
function binary(op: BinaryOp, dtype: DType, xs: number[], ys: number[], out: DType = dtype): number[] {
  return values(ew(bin(op, input(0, dtype), input(1, dtype), out), [arr(dtype, [xs.length], xs), arr(dtype, [ys.length], ys)], [xs.length]));
}

const SAMPLE = [-2.5, -1, -0.5, -0, 0, 0.25, 0.5, 1, 1.5, 2.5, 3, 10, 1e-3, NaN, Infinity, -Infinity];

const UNARY_REF: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x, abs: Math.abs, sqrt: Math.sqrt, exp: Math.exp, log: Math.log, log2: Math.log2, log10: Math.log10,
  log1p: Math.log1p, expm1: Math.expm1, sin: Math.sin, cos: Math.cos, tan: Math.tan, arcsin: Math.asin, arccos: Math.acos,
  arctan: Math.atan, sinh: Math.sinh, cosh: Math.cosh, tanh: Math.tanh, floor: Math.floor, ceil: Math.ceil,
  round: R.roundHalfEven, trunc: Math.trunc, sign: Math.sign, square: (x) => x * x, reciprocal: (x) => 1 / x,
  isnan: (x) => (Number.isNaN(x) ? 1 : 0), isinf: (x) => (Math.abs(x) === Infinity ? 1 : 0),
  isfinite: (x) => (Number.isFinite(x) ? 1 : 0), not: (x) => (x === 0 ? 1 : 0),
};

const BINARY_REF: Record<BinaryOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y, floordiv: R.pyFloorDiv,
  mod: R.pyMod, pow: Math.pow,
  maximum: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y)),
  minimum: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y)),
  eq: (x, y) => +(x === y), ne: (x, y) => +(x !== y), lt: (x, y) => +(x < y), le: (x, y) => +(x <= y), gt: (x, y) => +(x > y),
  ge: (x, y) => +(x >= y), and: (x, y) => +(x !== 0 && y !== 0), or: (x, y) => +(x !== 0 || y !== 0),
  xor: (x, y) => +((x !== 0) !== (y !== 0)), arctan2: Math.atan2, hypot: Math.hypot,
};
const BOOL_OUT = new Set<string>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'xor', 'isnan', 'isinf', 'isfinite', 'not']);

describe('every op against its reference (float64)', () => {
  it.each([...UNARY_OPS])('unary %s', (op) => {
    const out = ew(un(op, input(0, 'float64'), BOOL_OUT.has(op) ? 'bool' : 'float64'), [arr('float64', [SAMPLE.length], SAMPLE)], [SAMPLE.length]);
    expect(R.sameValues(out.data, SAMPLE.map(UNARY_REF[op]))).toBe(true);
  });

  it.each([...BINARY_OPS])('binary %s, on every pair of sample values', (op) => {
    const xs = SAMPLE.flatMap((x) => SAMPLE.map(() => x));
    const ys = SAMPLE.flatMap(() => SAMPLE);
    const got = binary(op, 'float64', xs, ys, BOOL_OUT.has(op) ? 'bool' : 'float64');
    const expected = xs.map((x, i) => BINARY_REF[op](x, ys[i]!));
    const bad = got.findIndex((g, i) => !R.sameValues([g], [expected[i]!]));
    expect(bad < 0 ? 'all equal' : `${op}(${xs[bad]}, ${ys[bad]}) = ${got[bad]}, expected ${expected[bad]}`).toBe('all equal');
  });

  it('float mod and floor division follow NumPy (sign of the divisor; floor of the exact quotient)', () => {
    expect(binary('mod', 'float64', [-1, 5.5, -5.5, 1, -3, 3], [3, -2, 2, Infinity, 3, -3])).toEqual([2, -0.5, 0.5, 1, 0, -0]);
    expect(binary('floordiv', 'float64', [1, -1, 7, 1], [0.1, Infinity, 0, -Infinity])).toEqual([9, -1, Infinity, -1]);
    expect(binary('floordiv', 'float64', [0], [0])[0]).toBeNaN();
  });

  it('maximum/minimum propagate NaN from either side; hypot does not overflow', () => {
    expect(binary('maximum', 'float64', [NaN, 1], [1, NaN]).every(Number.isNaN)).toBe(true);
    expect(binary('minimum', 'float64', [NaN, 1], [1, NaN]).every(Number.isNaN)).toBe(true);
    expect(binary('hypot', 'float64', [1e200, 3], [1e200, 4])).toEqual([Math.hypot(1e200, 1e200), 5]);
  });

  it('round is half to even', () => {
    const xs = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 0.49999999999999994, 4503599627370497, -0.4];
    const got = values(ew(un('round', input(0, 'float64'), 'float64'), [arr('float64', [xs.length], xs)], [xs.length]));
    expect(got).toEqual([0, 2, 2, -0, -2, -2, 4, 0, 4503599627370497, -0]);
    expect(Object.is(got[3], -0)).toBe(true);
  });
});

describe('integer semantics per dtype (NumPy wrap-around)', () => {
  const cases: [string, BinaryOp, DType, number[], number[], number[]][] = [
    ['int8 add', 'add', 'int8', [127, -128], [1, -1], [-128, 127]],
    ['uint8 add', 'add', 'uint8', [255], [1], [0]],
    ['int16 add', 'add', 'int16', [32767], [1], [-32768]],
    ['uint16 add', 'add', 'uint16', [65535], [1], [0]],
    ['int32 add', 'add', 'int32', [2147483647], [1], [-2147483648]],
    ['uint32 add', 'add', 'uint32', [4294967295], [1], [0]],
    ['uint8 sub', 'sub', 'uint8', [0], [1], [255]],
    ['uint32 sub', 'sub', 'uint32', [0], [1], [4294967295]],
    ['int8 mul', 'mul', 'int8', [100], [3], [44]],
    ['int16 mul', 'mul', 'int16', [300], [300], [24464]],
    ['int32 mul past 2^53', 'mul', 'int32', [2147483647, 65537, 123456789], [2147483647, 65537, 987654321], [1, 131073, -67153019]],
    ['uint32 mul past 2^53', 'mul', 'uint32', [4294967295, 3000000000], [4294967295, 3], [1, 410065408]],
    ['int32 pow', 'pow', 'int32', [3, -3, 2], [40, 21, 31], [689956897, -1870418611, -2147483648]],
    ['int16 pow', 'pow', 'int16', [7], [30], [-31791]],
    ['int8 pow', 'pow', 'int8', [2], [7], [-128]],
    ['uint32 pow', 'pow', 'uint32', [3], [33], [2790964099]],
    ['int32 floordiv', 'floordiv', 'int32', [-7, 7, 7, -128], [2, -2, 0, -1], [-4, -4, 0, 128]],
    ['int8 floordiv wraps', 'floordiv', 'int8', [-128], [-1], [-128]],
    ['int32 mod', 'mod', 'int32', [-7, 7, 7], [2, -2, 0], [1, -1, 0]],
  ];
  it.each(cases)('%s', (_name, op, dtype, xs, ys, expected) => {
    expect(binary(op, dtype, xs, ys)).toEqual(expected);
  });

  it('unary ops wrap too: neg, abs and square', () => {
    const u = (op: UnaryOp, d: DType, xs: number[]): number[] =>
      values(ew(un(op, input(0, d), d), [arr(d, [xs.length], xs)], [xs.length]));
    expect(u('neg', 'int8', [-128])).toEqual([-128]);
    expect(u('neg', 'uint8', [1])).toEqual([255]);
    expect(u('neg', 'uint32', [1])).toEqual([4294967295]);
    expect(u('abs', 'int8', [-128])).toEqual([-128]);
    expect(u('square', 'int32', [65536, 46341, 2147483647, -123456789])).toEqual([0, -2147479015, 1, -1757895751]);
    expect(u('square', 'uint8', [16, 200])).toEqual([0, 64]);
  });

  it('an integer to a negative power is an error (NumPy refuses it too)', () => {
    expect(() => binary('pow', 'int32', [2], [-1])).toThrow(RangeError);
    expect(() => binary('pow', 'int64', [2], [-1])).toThrow(RangeError);
  });

  it('int64 lives in doubles: exact below 2^53, no wrap', () => {
    expect(binary('add', 'int64', [2 ** 52], [2 ** 52])).toEqual([2 ** 53]);
    expect(binary('floordiv', 'int64', [-7], [2])).toEqual([-4]);
  });
});

describe('float32 and casts', () => {
  it('float32 rounds after every step, as storing each intermediate would', () => {
    const e = bin('add', bin('add', input(0, 'float32'), input(1, 'float32'), 'float32'), input(1, 'float32'), 'float32');
    const out = ew(e, [arr('float32', [2], [0.1, 16777216]), arr('float32', [2], [0.2, 1])], [2]);
    const f = Math.fround;
    expect(values(out)).toEqual([f(f(f(0.1) + f(0.2)) + f(0.2)), 16777216]);
  });

  it('casts: truncation to integers, wrap for narrow types, non-zero (and NaN) to true', () => {
    const cast = (to: DType, xs: number[]): number[] =>
      values(ew({ t: 'cast', a: input(0, 'float64'), dtype: to }, [arr('float64', [xs.length], xs)], [xs.length]));
    expect(cast('int32', [3.7, -3.7, 300.5])).toEqual([3, -3, 300]);
    expect(cast('int64', [3.7, -3.7, 2 ** 40 + 0.5])).toEqual([3, -3, 2 ** 40]);
    expect(cast('uint8', [-1, 256, 257.9])).toEqual([255, 0, 1]);
    expect(cast('bool', [NaN, 0, -0, 2])).toEqual([1, 0, 0, 1]);
    expect(cast('float32', [0.1])).toEqual([Math.fround(0.1)]);
  });
});

describe('loop shapes', () => {
  it('flat: whole chunks and single values share one counter', () => {
    const e = bin('add', bin('mul', input(0, 'float64'), input(1, 'float64'), 'float64'), { t: 'const', v: 1, dtype: 'float64' }, 'float64');
    const out = ew(e, [arr('float64', [2, 3], [1, 2, 3, 4, 5, 6]), arr('float64', [], [10])], [2, 3]);
    expect(out.shape).toEqual([2, 3]);
    expect(values(out)).toEqual([11, 21, 31, 41, 51, 61]);
  });

  it('nd: broadcasting rows, columns and leading axes', () => {
    const e = bin('sub', input(0, 'float64'), input(1, 'float64'), 'float64');
    const col = arr('float64', [3, 1], [100, 200, 300]);
    const row = arr('float64', [4], [1, 2, 3, 4]);
    expect(values(ew(e, [col, row], [3, 4]))).toEqual([99, 98, 97, 96, 199, 198, 197, 196, 299, 298, 297, 296]);
    const cube = arr('float64', [2, 1, 2], [1, 2, 3, 4]);
    const mat = arr('float64', [3, 1], [10, 20, 30]);
    expect(values(ew(e, [cube, mat], [2, 3, 2]))).toEqual(R.zip(R.ref([2, 1, 2], [1, 2, 3, 4]), R.ref([3, 1], [10, 20, 30]), (x, y) => x - y).data);
  });

  it('0-d and empty chunks', () => {
    const e = un('neg', input(0, 'float64'), 'float64');
    expect(ew(e, [arr('float64', [], [5])], [])).toMatchObject({ shape: [] });
    expect(values(ew(e, [arr('float64', [], [5])], []))).toEqual([-5]);
    expect(values(ew(e, [arr('float64', [0, 3], [])], [0, 3]))).toEqual([]);
    expect(values(ew(bin('add', input(0, 'float64'), input(1, 'float64'), 'float64'), [arr('float64', [0, 1], []), arr('float64', [3], [1, 2, 3])], [0, 3]))).toEqual([]);
  });

  it('where selects by a boolean chunk; user functions run from their source', () => {
    const w: Expr = { t: 'where', c: input(0, 'bool'), a: input(1, 'float64'), b: { t: 'const', v: -1, dtype: 'float64' }, dtype: 'float64' };
    expect(values(ew(w, [arr('bool', [3], [1, 0, 1]), arr('float64', [3], [7, 8, 9])], [3]))).toEqual([7, -1, 9]);
    const f: Expr = { t: 'fn', f: 0, a: input(0, 'float64'), dtype: 'float64' };
    expect(values(ew(f, [arr('float64', [3], [1, 2, 3])], [3], ['(x) => x * x + Math.sqrt(4)']))).toEqual([3, 6, 11]);
    const g: Expr = { t: 'fn', f: 0, a: input(0, 'float64'), dtype: 'int8' };
    expect(values(ew(g, [arr('float64', [2], [1, 2])], [2], ['(x) => x * 100']))).toEqual([100, -56]);
  });
});
