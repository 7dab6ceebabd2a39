/**
 * The demo pipeline (`tessera demo`, the README's main job): one tensor pipeline run lazily (one
 * planned, fused DAG) and then eagerly (every op runs as it is built) on the embedded default — a local
 * session, a worker-thread pool, the in-memory store — printing results, timings and the DAG's shape,
 * and checking that both modes agree. It closes its sessions, so the process exits.
 */
import { type NdArray, newSession, type RunStats, type Session, type Tensor, tensor as tt } from '../index.js';
import { topoSortTileables } from '../dag/walk.js';
import { runFrameDemo } from './demoFrame.js';
import { runGraphDemo } from './demoGraph.js';
import { attachProgressBar } from './progress.js';

export interface DemoOptions {
  readonly workers?: number;
  readonly size?: number;
  readonly log?: (line: string) => void;
}

/** x ~ U[0,1), y ~ N(0,1); z = 2x + y; summary statistics, a column profile and a small matmul. */
function buildPipeline(n: number): { readonly inputs: Tensor[]; readonly outputs: Record<string, () => Tensor> } {
  const chunk = Math.max(1, Math.ceil(n / 4));
  const x = tt.random.rand([n, n], { seed: 1, chunkSize: chunk });
  const y = tt.random.randn([n, n], { seed: 2, chunkSize: chunk });
  const z = x.mul(2).add(y);
  const k = Math.min(n, 256);
  const outputs: Record<string, () => Tensor> = {
    'mean(2x+y)': () => z.mean(),
    'std(2x+y)': () => z.std(),
    'max(2x+y) of the first 5 columns': () => z.max({ axis: 0 }).slice(':5'),
    'count(2x+y > 2)': () => z.gt(2).countNonzero(),
    'argmax(x)': () => x.argmax(),
    [`sum(x[:${k},:${k}] @ y[:${k},:${k}])`]: () => x.slice(`:${k}, :${k}`).matmul(y.slice(`:${k}, :${k}`)).sum(),
    'mean(clip(y, -1, 1)**2) by row, first 3': () => y.clip(-1, 1).square().mean({ axis: 1 }).slice(':3'),
  };
  return { inputs: [x, y, z], outputs };
}

function show(v: NdArray): string {
  return v.ndim === 0 ? String(v.item()) : v.toString().replace(/^array\(|\)$/g, '');
}

async function lazyRun(n: number, workers: number | undefined, log: (s: string) => void): Promise<Record<string, NdArray>> {
  await using sess = newSession({ mode: 'lazy', ...(workers ? { workers } : {}) });
  const detach = attachProgressBar(sess);
  const outputs = Object.fromEntries(Object.entries(buildPipeline(n).outputs).map(([name, build]) => [name, build()]));
  const nodes = Object.values(outputs).map((t) => t.node);
  const dag = topoSortTileables(nodes);
  const edges = dag.reduce((e, node) => e + node.inputs.length, 0);
  log(`  DAG: ${dag.length} tileables, ${edges} edges, ${nodes.length} outputs (session ${sess.info.id}, ${sess.info.executor} x${sess.info.workers})`);
  const stats: RunStats[] = [];
  sess.on('run', (s: RunStats) => stats.push(s));
  const t0 = performance.now();
  const values = (await sess.run(Object.values(outputs))) as NdArray[];
  const ms = performance.now() - t0;
  const s = stats[0]!;
  log(`  chunk graph: ${s.chunks} chunks, ${s.fused} fused away, ${s.executed} tasks run, peak store ${(s.peakBytes / 2 ** 20).toFixed(1)} MiB`);
  log(`  lazy run: ${ms.toFixed(0)} ms for everything`);
  detach();
  return Object.fromEntries(Object.keys(outputs).map((name, i) => [name, values[i]!]));
}

async function eagerRun(n: number, workers: number | undefined, log: (s: string) => void): Promise<Record<string, NdArray>> {
  const sess: Session = newSession({ mode: 'eager', ...(workers ? { workers } : {}) });
  try {
    const t0 = performance.now();
    const { inputs, outputs } = buildPipeline(n);
    await Promise.all(inputs.map((t) => t.execute()));
    log(`  ${'x, y and z = 2x + y computed'.padEnd(44)} ${(performance.now() - t0).toFixed(1).padStart(7)} ms`);
    const out: Record<string, NdArray> = {};
    for (const [name, build] of Object.entries(outputs)) {
      const s0 = performance.now();
      out[name] = await build().fetch();
      log(`  ${name.padEnd(44)} ${(performance.now() - s0).toFixed(1).padStart(7)} ms`);
    }
    log(`  eager total: ${(performance.now() - t0).toFixed(0)} ms (each op ran as it was built)`);
    return out;
  } finally {
    await sess.close();
  }
}

function agree(a: NdArray, b: NdArray): boolean {
  if (a.size !== b.size) return false;
  for (let i = 0; i < a.size; i++) {
    const x = a.data[i]!;
    const y = b.data[i]!;
    if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(x))) return false;
  }
  return true;
}

export async function runDemo(options: DemoOptions = {}): Promise<boolean> {
  const log = options.log ?? ((s: string) => console.log(s));
  const n = options.size ?? 2000;
  log(`Tessera demo: ${n}x${n} float64 tensors, local session, worker-thread pool, in-memory store\n`);
  log('Lazy mode (the whole DAG planned, fused and run at once):');
  const lazy = await lazyRun(n, options.workers, log);
  log('\nEager mode (every op runs the moment it is built):');
  const eager = await eagerRun(n, options.workers, log);
  log('\nResults:');
  let ok = true;
  for (const [name, v] of Object.entries(lazy)) {
    const same = agree(v, eager[name]!);
    ok &&= same;
    log(`  ${name.padEnd(44)} ${show(v)}${same ? '' : '   <- eager differs!'}`);
  }
  log(`\nLazy and eager results ${ok ? 'agree' : 'DISAGREE'}.`);
  const graphOk = await runGraphDemo(options.workers, log);
  const frameOk = await runFrameDemo(options.workers, log);
  return ok && graphOk && frameOk;
}
