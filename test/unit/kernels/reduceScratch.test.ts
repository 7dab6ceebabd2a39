/**
 * A full var/std (or product) whose expression broadcasts evaluates it into scratch first (reduce.ts
 * `flattenBroadcast`, so fused and unfused results add in the same order; sums and means take the
 * segments of segmentedSum.ts instead); that scratch comes from this
 * thread's pool and goes back to it, so a second reduction of the same size reuses warm memory instead
 * of faulting in fresh pages — and a reused buffer never leaks the previous values into the result.
 */
import { describe, expect, it } from 'vitest';
import type { ArrayData } from '../../../src/base/ndarray.js';
import { scratchPoolStats } from '../../../src/base/scratchPool.js';
import { getKernel } from '../../../src/kernels/index.js';

const ROWS = 256;
const COLS = 512; // 1 MiB of float64 scratch: above the size that takes shared memory

/** var(x - row) of a ROWS x COLS matrix x and a COLS row broadcast over it, through the map kernel. */
function broadcastVar(x: Float64Array, row: Float64Array): number {
  const params = {
    op: 'var',
    shape: [ROWS, COLS],
    axes: [0, 1],
    expr: { t: 'bin', op: 'sub', a: { t: 'in', i: 0, dtype: 'float64' }, b: { t: 'in', i: 1, dtype: 'float64' }, dtype: 'float64' },
    final: { op: 'var', outShape: [], dtype: 'float64', ddof: 0 },
  };
  const inputs: ArrayData[] = [
    { dtype: 'float64', shape: [ROWS, COLS], data: x },
    { dtype: 'float64', shape: [COLS], data: row },
  ];
  const out = getKernel('tensor.reduce_map')(inputs, params as never) as ArrayData;
  return out.data[0] as number;
}

describe('the scratch of a broadcast full reduction', () => {
  it('is borrowed from the pool and given back; values stay exact across reuse', () => {
    const x = Float64Array.from({ length: ROWS * COLS }, (_, i) => i % 7);
    const row = Float64Array.from({ length: COLS }, (_, j) => j % 3);
    const expected = (k: number) => {
      const v = Array.from({ length: ROWS * COLS }, (_, i) => (i % 7) * k - ((i % COLS) % 3));
      const mean = v.reduce((a, b) => a + b) / v.length;
      return v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
    };
    const close = (got: number, want: number): void => expect(Math.abs(got - want) / want).toBeLessThan(1e-12);
    const before = scratchPoolStats();
    close(broadcastVar(x, row), expected(1));
    const doubled = x.map((v) => 2 * v);
    close(broadcastVar(doubled, row), expected(2));
    const after = scratchPoolStats();
    expect(after.recycled - before.recycled).toBe(2);
    expect(after.reused - before.reused).toBeGreaterThanOrEqual(1);
  });
});
