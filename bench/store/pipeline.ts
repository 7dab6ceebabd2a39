/**
 * A pipeline whose intermediates are 4x the session's memory limit: 32M float64 values (256 MiB of
 * random data, plus the elementwise chain over it) reduced under a 64 MiB limit. It must complete with
 * exactly the unlimited result; reported: the peak store bytes next to the limit, and the time against
 * the same pipeline in an unlimited session measured in the same run.
 */
import { type NdArray, newSession, type RunStats, tensor as tt } from '../../src/index.js';
import { fmt, time, writeResult } from '../harness.js';

const N = 32 * 2 ** 20;
const LIMIT = 64 * 2 ** 20;

async function run(memoryLimit: number | undefined): Promise<{ value: number; peak: number; ms: number }> {
  const sess = newSession({ mode: 'lazy', default: false, ...(memoryLimit ? { memoryLimit } : {}) });
  try {
    let peak = 0;
    sess.on('run', (s: RunStats) => (peak = Math.max(peak, s.peakBytes)));
    const values: number[] = [];
    let seed = 9;
    // A new seed every run: the same key would be a cache hit, not a run.
    const t = await time(async () => {
      const y = tt.random.rand([N], { seed: seed++ }).mul(3).add(1).sqrt().sum();
      values.push(((await sess.run(y)) as NdArray).item() as number);
      sess.release(y.node);
    }, 3, 1);
    return { value: values[0]!, peak, ms: t.median };
  } finally {
    await sess.close();
  }
}

export async function benchLimitedPipeline(): Promise<Record<string, unknown>> {
  const limited = await run(LIMIT);
  const free = await run(undefined);
  console.log(
    `${(N * 8 / 2 ** 20).toFixed(0)} MiB of intermediates through a ${(LIMIT / 2 ** 20).toFixed(0)} MiB limit: peak store ${(limited.peak / 2 ** 20).toFixed(1)} MiB, ` +
      `${fmt(limited.ms)} (unlimited: ${fmt(free.ms)}, peak ${(free.peak / 2 ** 20).toFixed(1)} MiB); results ${limited.value === free.value ? 'identical' : 'DIFFER'}`,
  );
  return {
    intermediateBytes: N * 8,
    memoryLimit: LIMIT,
    peakStoreBytes: limited.peak,
    limitedMs: limited.ms,
    unlimitedMs: free.ms,
    unlimitedPeakBytes: free.peak,
    ratio: +(limited.ms / free.ms).toFixed(3),
    identical: limited.value === free.value,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchLimitedPipeline();
  console.log(`wrote ${writeResult('store-pipeline', r)}`);
}
