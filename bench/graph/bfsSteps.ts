/**
 * A probe of the BFS steps, not a user figure: the direction-optimizing search of the graph library on
 * a benchmark graph with its in-CSR (and in-hubs) as one range on this thread (what a small graph's warm BFS runs on
 * the session's own thread: executors/threads.ts), with each step's median wall time over the runs, in the order the search takes them.
 * It imports src/graph directly (no session, no pool, no fetch), so it prints the user's figure beside
 * its own: the same graph's warm BFS through the public API with `toArray('r')` fetched, as
 * bench/graph/ready.ts's `warm` section times it (warmProbe.ts breaks that one down).
 *
 *   node dist-bench/bench/graph/bfsSteps.js [graph=g1-rmat-s16] [runs=200]
 */
import { BFS_STEPS, bfsDriver } from '../../src/graph/bfs.js';
import { buildGraph } from '../../src/graph/csr.js';
import { withInHubs } from '../../src/graph/inHubs.js';
import { runDriver, type StepFn, type StepTable } from '../../src/graph/parallel.js';
import { loadOrGenerate } from './generate.js';
import { userWarmAppMs } from './readyCommon.js';

const [name = 'g1-rmat-s16', runs = '200'] = process.argv.slice(2);
const { graph: p } = loadOrGenerate(name);
const built = buildGraph({ n: p.n, src: p.src, dst: p.dst }, { directed: true, inCsr: true });
// With the in-hubs the engine keeps as a layout beside the in-CSR (kernels/graph/layouts.ts `graph.in_hubs`), unless NO_HUBS is set.
const g = process.env.NO_HUBS ? built : withInHubs(built);
let times: number[][] = [];
let at = 0;
const timed: StepTable = Object.fromEntries(
  Object.entries(BFS_STEPS).map(([k, step]: [string, StepFn]) => [
    k,
    (args: object, lo: number, hi: number) => {
      const t = performance.now();
      const r = step(args, lo, hi);
      (times[at] ??= []).push(performance.now() - t);
      names[at++] = `${k} -> ${r[0] ?? ''}`;
      return r;
    },
  ]),
);
const names: string[] = [];
const total: number[] = [];
for (let i = 0; i < Number(runs); i++) {
  at = 0;
  const t = performance.now();
  runDriver(bfsDriver(g, p.source, { parts: 1 }), timed);
  total.push(performance.now() - t);
  if (i === 9) times = [];
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`${name} BFS as one range, medians of ${runs} runs: ${median(total).toFixed(3)} ms in all`);
times.forEach((ts, i) => console.log(`${median(ts).toFixed(3).padStart(8)} ms  ${names[i]}`));
console.log(`user's figure, warm BFS through the public API with toArray('r') fetched: median ${(await userWarmAppMs(p, 'bfs', Number(runs))).toFixed(3)} ms`);
