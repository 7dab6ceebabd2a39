/**
 * Scheduler and pool throughput: trivial chunk tasks per second through a session (tiling, scheduling,
 * store, kernels), and the end-to-end latency of a tiny eager op. Baselines measured in the same run:
 * the same kernel calls made directly (local) and raw Piscina round trips (threads) — the floor an
 * engine on this pool could reach.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { newSession, Session, tensor as tt } from '../../src/index.js';
import { ThreadsExecutor } from '../../src/executors/threads.js';
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
  const dir = mkdtempSync(join(tmpdir(), 'tessera-noop-'));
  const worker = join(dir, 'noop.mjs');
  writeFileSync(worker, 'export default function noop(x) {\n  return x;\n}\n');
  const pool = new Piscina({ filename: pathToFileURL(worker).href, minThreads: workers, maxThreads: workers, idleTimeout: Infinity });
  await Promise.all(Array.from({ length: 100 }, (_, i) => pool.run(i)));
  const t = await time(async () => {
    await Promise.all(Array.from({ length: 2 * N }, (_, i) => pool.run(i)));
  }, 3, 1);
  const rt = await time(() => pool.run(1), 200, 50);
  await pool.destroy();
  rmSync(dir, { recursive: true, force: true });
  return { tasksPerSec: (2 * N) / (t.median / 1000), roundTripMs: rt.median };
}

export async function benchScheduler(): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const executor of ['local', 'threads', 'threads-pool-only'] as const) {
    const kind = executor === 'local' ? 'local' : 'threads';
    // threads-pool-only: every task goes through the pool (no tiny tasks inline on the calling thread).
    const deps = () => (executor === 'threads-pool-only' ? { executor: new ThreadsExecutor({ workers: 2, inlineTinyTasks: false }) } : {});
    const sess = new Session({ mode: 'lazy', executor: kind, default: false }, deps());
    const eager = new Session({ mode: 'eager', executor: kind, default: false }, deps());
    try {
      const tps = await throughput(sess);
      const latency = await eagerLatency(eager);
      const base = kind === 'local' ? { tasksPerSec: directCalls(), roundTripMs: 0 } : await rawPiscina(sess.info.workers);
      results[executor] = {
        trivialTasksPerSec: Math.round(tps),
        baselineTasksPerSec: Math.round(base.tasksPerSec),
        baseline: kind === 'local' ? 'direct kernel calls' : 'raw Piscina no-op tasks, all submitted at once',
        ratio: +(tps / base.tasksPerSec).toFixed(3),
        eagerTinyOpMs: +latency.toFixed(4),
        ...(kind === 'threads' ? { baselineRoundTripMs: +base.roundTripMs.toFixed(4) } : {}),
      };
      console.log(`${executor.padEnd(17)} ${Math.round(tps).toLocaleString()} trivial tasks/s (baseline ${Math.round(base.tasksPerSec).toLocaleString()}/s), eager tiny op ${fmt(latency)}${kind === 'threads' ? ` (raw pool round trip ${fmt(base.roundTripMs)})` : ''}`);
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
