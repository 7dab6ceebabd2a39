/**
 * A probe of the BFS kernel's work, not a user figure: the direction-optimizing search of the graph
 * library on a benchmark graph with its in-CSR and in-hubs (as the engine keeps them; NO_HUBS=1 leaves
 * the hubs out), split in `parts` ranges run one after another on this
 * thread, timed by process CPU time (which the load of other processes on a shared machine barely
 * moves), with a checksum of the depths. Run it on two checkouts, interleaved, to compare kernels.
 * It imports src/graph directly (no session, no pool, no fetch), so it prints the user's figure beside
 * its own: the same graph's warm BFS through the public API with `toArray('r')` fetched, wall time, as
 * bench/graph/ready.ts's `warm` section times it (which, with the first app, is where to quote from).
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/graph/bfsCpu.js [graph=g1-rmat-s20] [parts=2] [runs=9]
 */
import { BFS_UNREACHED, bfs } from '../../src/graph/bfs.js';
import { buildGraph } from '../../src/graph/csr.js';
import { withInHubs } from '../../src/graph/inHubs.js';
import { loadOrGenerate } from './generate.js';
import { userWarmAppMs } from './readyCommon.js';

const [name = 'g1-rmat-s20', parts = '2', runs = '9'] = process.argv.slice(2);
const { graph: p } = loadOrGenerate(name);
const built = buildGraph({ n: p.n, src: p.src, dst: p.dst }, { directed: true, inCsr: true });
const g = process.env.NO_HUBS ? built : withInHubs(built);
const cpu: number[] = [];
let checksum = 0;
for (let i = 0; i < Number(runs); i++) {
  const t = process.cpuUsage();
  const depth = bfs(g, p.source, { parts: Number(parts) });
  const used = process.cpuUsage(t);
  cpu.push((used.user + used.system) / 1000);
  if (i === 0) for (const d of depth) if (d !== BFS_UNREACHED) checksum += d;
}
cpu.sort((a, b) => a - b);
console.log(`${name} BFS, ${parts} ranges: median ${cpu[cpu.length >> 1]!.toFixed(1)} ms CPU (min ${cpu[0]!.toFixed(1)}), depth checksum ${checksum}`);
console.log(`${name} user's figure, warm BFS through the public API with toArray('r') fetched: median ${(await userWarmAppMs(p, 'bfs', Number(runs))).toFixed(1)} ms wall`);
