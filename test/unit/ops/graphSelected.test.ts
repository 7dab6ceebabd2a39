/**
 * What `toArray` gives for a selected result column held in shared memory (ops/graph/meta.ts
 * `selectedValue`): BFS depths and dense-id labels as float64 copies in private memory, unreached
 * depths as Infinity, whatever the values' buffer; fetched again and again (a warm loop), each copy
 * a new array of its own even where its memory was faulted in ahead (base/warmSpares.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NdArray } from '../../../src/base/ndarray.js';
import { getOption, setOption } from '../../../src/base/processOptions.js';
import { dropWarmSpares, warmSpareStats } from '../../../src/base/warmSpares.js';
import { BFS_UNREACHED } from '../../../src/graph/bfs.js';
import { graph as gs, newSession } from '../../../src/index.js';
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

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Lets the spares' background slices run and the helper thread send the spares it makes (bounded, in real time). */
const settle = async (): Promise<void> => {
  const end = Date.now() + 10_000;
  while (warmSpareStats().untouchedBytes > 0 && Date.now() < end) {
    await new Promise((r) => setImmediate(r));
    Atomics.wait(pause, 0, 0, 1);
  }
};

afterEach(() => dropWarmSpares());

describe('fetching the same size again', () => {
  it('gives a new copy each time, never memory an earlier fetch handed out', async () => {
    const n = 40_000;
    const values = sharedInt32(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? BFS_UNREACHED : i % 17)));
    const taken = warmSpareStats().taken;
    const fetched: Float64Array[] = [];
    for (let k = 0; k < 5; k++) {
      const a = selectedValue({ kind: 'depths', values, unreached: BFS_UNREACHED }) as NdArray;
      const data = a.data as Float64Array;
      let wrong = 0;
      for (let i = 0; i < n; i++) if (data[i] !== (i % 5 === 0 ? Infinity : i % 17)) wrong++;
      expect(wrong).toBe(0);
      for (const earlier of fetched) expect(data.buffer).not.toBe(earlier.buffer);
      // The user scribbles over what they got; the next fetch must not see it.
      data.fill(-k - 1);
      fetched.push(data);
      await settle();
    }
    // From the third fetch on, the copy went into memory faulted in ahead.
    expect(warmSpareStats().taken).toBe(taken + 3);
    fetched.forEach((data, k) => expect(data.every((x) => x === -k - 1)).toBe(true));
  });

  it('keeps no spares with the recycledMemory option at 0', async () => {
    const saved = getOption('recycledMemory');
    setOption('recycledMemory', 0);
    try {
      const values = sharedInt32(Array.from({ length: 40_000 }, (_, i) => i % 9));
      const made = warmSpareStats().made;
      for (let k = 0; k < 4; k++) {
        const a = selectedValue({ kind: 'depths', values, unreached: BFS_UNREACHED }) as NdArray;
        expect(a.data[40_000 - 1]).toBe((40_000 - 1) % 9);
        await settle();
      }
      expect(warmSpareStats().made).toBe(made);
      expect(warmSpareStats().kept).toBe(0);
    } finally {
      setOption('recycledMemory', saved);
    }
  });

  for (const executor of ['local', 'threads'] as const) {
    it(`gives the right depths in a warm BFS loop through a session (${executor})`, async () => {
      const n = 30_000;
      const src = Int32Array.from({ length: n - 1 }, (_, i) => i);
      const dst = Int32Array.from({ length: n - 1 }, (_, i) => i + 1);
      const sess = newSession({ mode: 'lazy', executor, default: false, ...(executor === 'threads' ? { workers: 2 } : {}) });
      try {
        const g = sess.scope(() => gs.loadFrom({ vertices: { id: Int32Array.from({ length: n }, (_, i) => i) }, edges: { src, dst }, directed: true }));
        const taken = warmSpareStats().taken;
        for (let k = 0; k < 5; k++) {
          const source = 10 * k;
          const ctx = sess.scope(() => gs.bfs(g, source));
          const depths = (await sess.run(ctx.toArray('r'))) as NdArray;
          const data = depths.data as Float64Array;
          expect(data.length).toBe(n);
          for (let i = 0; i < n; i += 97) expect(data[i]).toBe(i < source ? Infinity : i - source);
          expect(data[n - 1]).toBe(n - 1 - source);
          data.fill(-1);
          await settle();
        }
        expect(warmSpareStats().taken).toBeGreaterThanOrEqual(taken + 3);
      } finally {
        await sess.close();
      }
    });
  }
});
