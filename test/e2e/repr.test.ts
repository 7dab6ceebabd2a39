/**
 * What users see when they print: a handle shows its op, key, shape and dtype (also inside the
 * "Cannot fetch unexecuted tileable" message); fetched data prints exactly as NumPy 2 prints the same
 * array (Mars's repr test). The expected strings below are `repr(np.array(...))` from NumPy 2.4.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSession, type Session, tensor as tt, type Tensor } from '../../src/index.js';

let sess: Session;
beforeAll(() => {
  sess = newSession({ mode: 'lazy', executor: 'local' });
});
afterAll(() => sess.close());

describe('repr of a handle', () => {
  it('shows kind, op, key, shape and dtype', () => {
    const t = tt.ones([3, 4]).mul(2);
    expect(String(t)).toMatch(/^Tensor <op=tensor\.ew, key=tensor\.ew-[0-9a-f]{32}, shape=\(3, 4\), dtype=float64>$/);
    expect(String(t)).toContain(t.key);
    expect(inspect(t)).toBe(String(t));
    expect(String(tt.arange(5).sum())).toMatch(/^Tensor <op=tensor\.reduce, key=tensor\.reduce-[0-9a-f]{32}, shape=\(\), dtype=int64>$/);
    expect(String(tt.arange(5))).toContain('shape=(5,), dtype=int64');
  });
});

describe('repr of fetched data equals NumPy\'s', () => {
  const cases: [string, () => Tensor, string][] = [
    ['2-d floats', () => tt.array([[1, 2], [3, 4]], { dtype: 'float64', chunkSize: 1 }), 'array([[1., 2.],\n       [3., 4.]])'],
    ['aligned decimal points', () => tt.array([0.5, 0.25, 10]), 'array([ 0.5 ,  0.25, 10.  ])'],
    ['right-aligned ints', () => tt.array([[1, -20, 300], [4, 5, 6]]), 'array([[  1, -20, 300],\n       [  4,   5,   6]])'],
    ['bools', () => tt.array([true, false, true]), 'array([ True, False,  True])'],
    ['a 0-d result', () => tt.full([], 3.5), 'array(3.5)'],
    ['an empty 1-d int array', () => tt.arange(0), 'array([], dtype=int64)'],
    ['an empty 2-d array', () => tt.zeros([2, 0]), 'array([], shape=(2, 0), dtype=float64)'],
    ['float32 (its own shortest digits)', () => tt.array([0.1, 2], { dtype: 'float32' }), 'array([0.1, 2. ], dtype=float32)'],
    ['int32', () => tt.array([1, 2], { dtype: 'int32' }), 'array([1, 2], dtype=int32)'],
    ['nan and infinities', () => tt.array([NaN, Infinity, -Infinity]), 'array([ nan,  inf, -inf])'],
    ['scientific', () => tt.array([1e-5, 1, 2]), 'array([1.e-05, 1.e+00, 2.e+00])'],
    ['scientific with a fraction', () => tt.array([1.5e-5, 1, 2]), 'array([1.5e-05, 1.0e+00, 2.0e+00])'],
    ['3-d', () => tt.arange(8, undefined, undefined, { dtype: 'float64', chunkSize: 3 }).reshape(2, 2, 2), 'array([[[0., 1.],\n        [2., 3.]],\n\n       [[4., 5.],\n        [6., 7.]]])'],
    ['wrapped at 75 columns', () => tt.arange(30, undefined, undefined, { dtype: 'float64', chunkSize: 7 }),
      'array([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12.,\n       13., 14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25.,\n       26., 27., 28., 29.])'],
    ['summarised, with shape and dtype', () => tt.arange(2000, undefined, undefined, { dtype: 'float32', chunkSize: 300 }),
      'array([0.000e+00, 1.000e+00, 2.000e+00, ..., 1.997e+03, 1.998e+03,\n       1.999e+03], shape=(2000,), dtype=float32)'],
    ['summarised 2-d', () => tt.arange(2000, undefined, undefined, { chunkSize: 128 }).reshape(40, 50),
      'array([[   0,    1,    2, ...,   47,   48,   49],\n       [  50,   51,   52, ...,   97,   98,   99],\n       [ 100,  101,  102, ...,  147,  148,  149],\n       ...,\n       [1850, 1851, 1852, ..., 1897, 1898, 1899],\n       [1900, 1901, 1902, ..., 1947, 1948, 1949],\n       [1950, 1951, 1952, ..., 1997, 1998, 1999]], shape=(40, 50))'],
    ['negative zero', () => tt.array([-0, 0], { dtype: 'float64' }), 'array([-0.,  0.])'],
    ['linspace', () => tt.linspace(0, 1, 11, { chunkSize: 4 }), 'array([0. , 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1. ])'],
    ['uint8 eye', () => tt.eye(3, undefined, { dtype: 'uint8', chunkSize: 2 }), 'array([[1, 0, 0],\n       [0, 1, 0],\n       [0, 0, 1]], dtype=uint8)'],
  ];
  it.each(cases)('%s', async (_name, make, expected) => {
    const value = await sess.run(make());
    expect(String(value)).toBe(expected);
    expect(inspect(value)).toBe(expected);
  });
});
