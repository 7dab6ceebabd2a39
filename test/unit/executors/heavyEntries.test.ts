/**
 * Heavy tasks travel several to an entry while many wait (executors/threads.ts MAX_HEAVY_BATCH): an
 * entry takes ready / (2 · workers) of them, at most four, so a worker runs them back to back instead of
 * waiting a round trip through the main thread for each, and entries shrink toward the run's end.
 * Observed by spying on the lane every entry goes through.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Lane } from '../../../src/executors/fairPool.js';
import type { TaskMessage } from '../../../src/kernels/task.js';
import { type NdArray, newSession, tensor as tt } from '../../../src/index.js';

/** The tasks per entry of every reduce_map entry sent to the pool while `body` runs. */
async function entries(body: () => Promise<void>): Promise<number[]> {
  const sizes: number[] = [];
  const run = Lane.prototype.run;
  vi.spyOn(Lane.prototype, 'run').mockImplementation(function (this: Lane, task, options) {
    const batch = task as TaskMessage[];
    if (Array.isArray(batch) && batch.some((m) => m.kernel === 'tensor.reduce_map')) sizes.push(batch.length);
    return run.call(this, task, options);
  });
  await body();
  return sizes;
}

afterEach(() => vi.restoreAllMocks());

describe('heavy tasks on threads', () => {
  it('share entries while many wait, shrinking toward the end, and every one runs once', async () => {
    const sess = newSession({ mode: 'lazy', executor: 'threads', workers: 2, default: false });
    try {
      // 16 chunks of 128x512 (65,536 elements each: heavy), row sums finished in their map tasks.
      const x = tt.random.rand([2048, 512], { seed: 3, chunkSize: [128, 512] });
      await sess.execute([x.node]);
      const sizes = await entries(async () => {
        const sums = ((await sess.run(x.sum({ axis: 1 }))) as NdArray).data;
        const reference = ((await sess.run(x)) as NdArray).data;
        for (const r of [0, 1000, 2047]) {
          let s = 0;
          for (let c = 0; c < 512; c++) s += reference[r * 512 + c] as number;
          expect(sums[r]).toBeCloseTo(s, 9);
        }
      });
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(16);
      expect(sizes[0]).toBe(4); // 16 ready / (2 · 2 workers)
      expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
      expect(sizes.at(-1)).toBe(1);
      expect(sizes.length).toBeLessThan(16);
    } finally {
      await sess.close();
    }
  });

});
