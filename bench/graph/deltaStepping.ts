/**
 * When does delta-stepping beat Dijkstra? On this 2-core machine it cannot be timed on many workers,
 * so this runs the delta-stepping driver with its ranges one after another on one thread, timing each,
 * and adds up per step the slowest range plus the driver's own time between steps: a lower bound on
 * its parallel time with that many workers (memory contention would only add to it). Dijkstra's time
 * is measured in the same run. kernels/graph/apps.ts picks its worker threshold from this.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/graph/deltaStepping.js [graph name, default g1-rmat-s20]
 *
 * A design probe of two kernels (it imports src/graph directly): its numbers choose a threshold and are
 * not a figure a user gets, so it prints the user's figure last: the same graph's warm SSSP through the
 * public API with `toArray('r')` fetched, as bench/graph/ready.ts's `warm` section times it.
 */
import { buildGraph } from '../../src/graph/csr.js';
import { DELTA_STEPPING_STEPS, deltaSteppingDriver } from '../../src/graph/deltaStepping.js';
import { sssp } from '../../src/graph/sssp.js';
import { loadOrGenerate } from './generate.js';
import { userWarmAppMs } from './readyCommon.js';

const name = process.argv[2] ?? 'g1-rmat-s20';
const { graph: peer } = loadOrGenerate(name);
const g = buildGraph({ n: peer.n, src: peer.src, dst: peer.dst, weights: peer.weights }, { directed: true, inCsr: false });
sssp(g, peer.source);
const d0 = performance.now();
sssp(g, peer.source);
console.log(`${name}: Dijkstra ${(performance.now() - d0).toFixed(0)} ms`);
for (const parts of [1, 2, 4, 8, 16]) {
  let critical = 0;
  let driverMs = 0;
  const driver = deltaSteppingDriver(g, peer.source, { parts });
  let t0 = performance.now();
  let next = driver.next();
  driverMs += performance.now() - t0;
  while (!next.done) {
    const request = next.value;
    const step = DELTA_STEPPING_STEPS[request.step]!;
    let slowest = 0;
    const results = request.ranges.map(([lo, hi]) => {
      const r0 = performance.now();
      const result = step(request.args, lo, hi);
      slowest = Math.max(slowest, performance.now() - r0);
      return result;
    });
    critical += slowest;
    t0 = performance.now();
    next = driver.next(results);
    driverMs += performance.now() - t0;
  }
  console.log(`delta-stepping on ${String(parts).padStart(2)} workers: at least ${(critical + driverMs).toFixed(0)} ms (slowest ranges ${critical.toFixed(0)}, driver ${driverMs.toFixed(0)})`);
}
console.log(`${name}: user's figure, warm SSSP through the public API with toArray('r') fetched: median ${(await userWarmAppMs(peer, 'sssp', 5)).toFixed(0)} ms`);
