/**
 * Runs every benchmark in turn (each also runs alone: `npx tsx bench/<file>.ts`) and writes one summary
 * JSON, `bench/out/summary.json`, next to the per-benchmark files. Set BENCH_ONLY=name,name to pick.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDag } from './dag.js';
import { writeResult } from './harness.js';
import { benchSessions } from './session/manySessions.js';
import { benchLimitedPipeline } from './store/pipeline.js';
import { benchFused } from './tensor/fused.js';
import { benchRemote } from './service/remote.js';
import { benchScheduler } from './tensor/scheduler.js';
import { benchTransfer } from './tensor/transfer.js';

const here = dirname(fileURLToPath(import.meta.url));
// Compiled (dist-bench, as users run the engine) or from source under tsx.
const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
const nodeArgs = (script: string): string[] => (ext === 'ts' ? ['--import', 'tsx', script] : [script]);
const only = process.env.BENCH_ONLY?.split(',');
const want = (name: string): boolean => !only || only.includes(name);

const summary: Record<string, unknown> = {};
if (want('scheduler')) summary.scheduler = await benchScheduler();
if (want('fused')) summary.fused = await benchFused();
if (want('transfer')) summary.transfer = await benchTransfer();
if (want('dag')) summary.dag = await benchDag();
if (want('store-pipeline')) summary.storePipeline = await benchLimitedPipeline();
if (want('remote')) summary.remote = await benchRemote();
// Many sessions on one process's pool, with private pools as the in-run baseline (issue 10 §5): ~3 minutes.
if (want('sessions')) summary.sessions = await benchSessions(Number(process.env.BENCH_SESSIONS_REPEATS ?? 3));
if (want('store')) {
  // The store micro-benchmark is a script of its own; run it as one.
  const r = spawnSync(process.execPath, nodeArgs(join(here, 'store', `store.${ext}`)), { stdio: 'inherit' });
  summary.store = r.status === 0 ? 'bench/out/store.json' : `failed (${r.status})`;
}
if (want('soak')) {
  // 10,000 eager steps and 10,000 lazy runs of a session (issue 9 §2): minutes; a script of its own.
  const r = spawnSync(process.execPath, nodeArgs(join(here, 'session', `soak.${ext}`)), { stdio: 'inherit' });
  summary.soak = r.status === 0 ? 'bench/out/session-soak.json' : `failed (${r.status})`;
}
// The graph benchmarks generate their workloads on first use (bench/data/, ~15 s) and take minutes.
// graph-ready (issue 9 §1: load + first app against scipy, the file read against DuckDB) takes ~15 minutes.
// h2o (issue 11 §4: db-benchmark's groupby and join questions against DuckDB, arquero and pandas) writes ~1 GB
// of CSV on first use (bench/data/h2o/) and takes ~30 minutes at 1e7 rows; `--rows 1e6` runs it alone in minutes.
// numpy-family (issue 13: views, axis reductions, matmul with both kernels, random draws against NumPy): ~1 minute.
const scriptBenches = [
  ['graph', 'graph/session', 'graph-session'], ['graph-kernels', 'graph/kernels', 'graph-kernels'], ['graph-ready', 'graph/ready', 'graph-ready'],
  ['h2o', 'dataframe/h2o', 'dataframe-h2o'], ['numpy-family', 'tensor/numpyFamily', 'numpyFamily'],
] as const;
for (const [key, script, out] of scriptBenches) {
  if (!want(key)) continue;
  const r = spawnSync(process.execPath, nodeArgs(join(here, `${script}.${ext}`)), { stdio: 'inherit' });
  summary[key] = r.status === 0 ? `bench/out/${out}.json` : `failed (${r.status})`;
}
console.log(`wrote ${writeResult('summary', summary)}`);
