/**
 * What `toArray` gives for a selected result column held in shared memory (ops/graph/meta.ts
 * `selectedValue`): BFS depths and dense-id labels as float64 copies in private memory, unreached
 * depths as Infinity, whatever the values' buffer.
 */
import { describe, expect, it } from 'vitest';
import { NdArray } from '../../../src/base/ndarray.js';
import { BFS_UNREACHED } from '../../../src/graph/bfs.js';
import { selectedValue } from '../../../src/ops/graph/meta.js';

const sharedInt32 = (values: readonly number[]): Int32Array => {
  const out = new Int32Array(new SharedArrayBuffer(4 * values.length));
  out.set(values);
  return out;
};

describe('selectedValue', () => {
  it('copies shared and private depths to float64, unreached as Infinity', () => {
    for (const values of [sharedInt32([0, 2, BFS_UNREACHED, 1]), Int32Array.of(0, 2, BFS_UNREACHED, 1)]) {
      const a = selectedValue({ kind: 'depths', values, unreached: BFS_UNREACHED }) as NdArray;
      expect(a.dtype).toBe('float64');
      expect([...a.data]).toEqual([0, 2, Infinity, 1]);
      expect(a.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
      // The user's array is a copy: changing it leaves the result alone.
      a.data[0] = 9;
      expect(values[0]).toBe(0);
    }
  });

  it('gives dense-id labels as their ids, copied out of shared memory', () => {
    const labels = sharedInt32([0, 0, 2, 2, 4]);
    const a = selectedValue({ kind: 'labels', labels, ids: Float64Array.of(0, 1, 2, 3, 4) }) as NdArray;
    expect(a.dtype).toBe('int64');
    expect([...a.data]).toEqual([0, 0, 2, 2, 4]);
    expect(a.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const sparse = selectedValue({ kind: 'labels', labels, ids: Float64Array.of(10, 11, 12, 13, 14) }) as NdArray;
    expect([...sparse.data]).toEqual([10, 10, 12, 12, 14]);
  });
});
