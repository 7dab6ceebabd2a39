/**
 * Where a first app's time goes between building and faulting in memory, through the public API: each
 * run opens a fresh lazy session (bench/graph/readyCommon.ts), builds the graph from the user's columns
 * (`gs.loadFrom`), runs one app and fetches `toArray('r')`, and reports the build's and the whole run's
 * milliseconds and the process's minor page faults (as MB of 4 KB pages: fresh memory costs ~10 µs a
 * page on this project's VMs, rewriting warm memory a hundredth of that). Run 0 warms the process and is
 * left out of the medians. A probe of one path, not the benchmark: the user's figures are ready.ts's.
 *
 *   node dist-bench/bench/graph/loadFaults.js [graph=g1-rmat-s16] [app=bfs] [ids=int32|float64|string] [runs=8]
 */
import { loadOrGenerate } from './generate.js';
import { type App, appOf, columnsOf, freshSession, type IdType, loadColumns } from './readyCommon.js';

const [name = 'g1-rmat-s16', app = 'bfs', ids = 'int32', runs = '8'] = process.argv.slice(2);
const { graph: peer } = loadOrGenerate(name);
const columns = columnsOf(peer, ids as IdType);
const faultedMb = (since: number): number => ((process.resourceUsage().minorPageFault - since) * 4) / 1024;

interface Run {
  readonly total: number;
  readonly build: number;
  readonly faults: number;
  readonly buildFaults: number;
}

/** One run in a function of its own, so nothing it made stays reachable from the loop's frame. */
async function run(): Promise<Run> {
  const sess = await freshSession();
  try {
    const f0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    const g = loadColumns(sess, columns);
    const build = performance.now() - t0;
    const buildFaults = faultedMb(f0);
    await sess.run(sess.scope(() => appOf(g, app as App, columns.source)).toArray('r'));
    return { total: performance.now() - t0, build, faults: faultedMb(f0), buildFaults };
  } finally {
    await sess.close();
  }
}

const rows: Run[] = [];
for (let i = 0; i <= Number(runs); i++) {
  const r = await run();
  if (i > 0) rows.push(r);
  console.log(`run ${i}: ${r.total.toFixed(1)} ms (build ${r.build.toFixed(1)}), faults ${r.faults.toFixed(1)} MB (build ${r.buildFaults.toFixed(1)})`);
}
const median = (k: keyof Run): string => rows.map((r) => r[k]).sort((a, b) => a - b)[rows.length >> 1]!.toFixed(1);
console.log(`${name} ${app} ${ids}, medians of ${rows.length}: load + first app ${median('total')} ms, build ${median('build')} ms; faults ${median('faults')} MB, in the build ${median('buildFaults')} MB`);
