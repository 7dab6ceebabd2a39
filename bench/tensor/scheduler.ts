/**
 * Scheduler and pool throughput: trivial chunk tasks per second through a session (tiling, scheduling,
 * store, kernels), and the end-to-end latency of a tiny eager op. Baselines measured in the same run:
 * the same kernel calls made directly (local) and raw Piscina round trips (threads) — the floor an
 * engine on this pool could reach.
 */
import { Piscina } from 'piscina';
import { newSession, tensor as tt, type Session } from '../../src/index.js';
import { getKernel } from '../../src/kernels/index.js';
import { fmt, time, writeResult } from '../harness.js';

const N = Number(process.env.BENCH_TASKS ?? 20_000);
const RUNS = 5;

/** N chunks of one element, each filled then incremented: 2N trivial tasks, tiled and run end to end. */
async function throughput(sess: Session): Promise<number> {
  let k = 0;
  let executed = 0;
  sess.on('run', (s: { executed: number }) => (executed = s.executed));
  const t = await time(async () => {
    const x = tt.full([N], k++, { chunkSize: 1 }).add(1);
    await x.execute({ session: sess });
    sess.release(x.node);
  }, RUNS, 1);
  return executed / (t.median / 1000);
}

async function eagerLatency(sess: Session): Promise<number> {
  let k = 0;
  const t = await time(async () => {
    await sess.scope(() => tt.full([3], k++).mul(2)).fetch({ session: sess });
  }, 200, 50);
  return t.median;
}

function directCalls(): number {
  const full = getKernel('tensor.full');
  const ew = getKernel('tensor.ew');
  const expr = { t: 'bin', op: 'add', a: { t: 'in', i: 0, dtype: 'float64' }, b: { t: 'const', v: 1, dtype: 'float64' }, dtype: 'float64' };
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const a = full([], { shape: [1], dtype: 'float64', value: i } as never);
    ew([a], { expr, shape: [1], dtype: 'float64' } as never);
  }
  return (2 * N) / ((performance.now() - t0) / 1000);
}

async function rawPiscina(workers: number): Promise<{ tasksPerSec: number; roundTripMs: number }> {
  const pool = new Piscina({ filename: new URL('./noopWorker.mjs', import.meta.url).href, minThreads: workers, maxThreads: workers, idleTimeout: Infinity });
  await Promise.all(Array.from({ length: 100 }, (_, i) => pool.run(i)));
  const t = await time(async () => {
    await Promise.all(Array.from({ length: 2 * N }, (_, i) => pool.run(i)));
  }, 3, 1);
  const rt = await time(() => pool.run(1), 200, 50);
  await pool.destroy();
  return { tasksPerSec: (2 * N) / (t.median / 1000), roundTripMs: rt.median };
}

export async function benchScheduler(): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const executor of ['local', 'threads'] as const) {
    const sess = newSession({ mode: 'lazy', executor, default: false });
    const eager = newSession({ mode: 'eager', executor, default: false });
    try {
      const tps = await throughput(sess);
      const latency = await eagerLatency(eager);
      const base = executor === 'local' ? { tasksPerSec: directCalls(), roundTripMs: 0 } : await rawPiscina(sess.info.workers);
      results[executor] = {
        trivialTasksPerSec: Math.round(tps),
        baselineTasksPerSec: Math.round(base.tasksPerSec),
        baseline: executor === 'local' ? 'direct kernel calls' : 'raw Piscina no-op tasks, all submitted at once',
        ratio: +(tps / base.tasksPerSec).toFixed(3),
        eagerTinyOpMs: +latency.toFixed(4),
        ...(executor === 'threads' ? { baselineRoundTripMs: +base.roundTripMs.toFixed(4) } : {}),
      };
      console.log(`${executor.padEnd(8)} ${Math.round(tps).toLocaleString()} trivial tasks/s (baseline ${Math.round(base.tasksPerSec).toLocaleString()}/s), eager tiny op ${fmt(latency)}${executor === 'threads' ? ` (raw pool round trip ${fmt(base.roundTripMs)})` : ''}`);
    } finally {
      await sess.close();
      await eager.close();
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchScheduler();
  console.log(`wrote ${writeResult('scheduler', { tasks: N, results: r })}`);
}
