/**
 * The graph apps through a session on the thread pool (issue 4's numbers). For each peer workload —
 * R-MAT scale 20 and the 1024x1024 grid against scipy, the scale-16 R-MAT and 256x256 grid against
 * graphology too — the graph is built once (columns → property graph → projection with its CSR; timed
 * separately as "load"), then SSSP, BFS, WCC and 20-iteration PageRank run as apps, each a median of
 * several runs (the projection is cached by the session, as for any user; PageRank's pull layout and
 * BFS's and SSSP's out-slot layout are cached with it after their first run, whose time is reported
 * too: SSSP runs first, so its first run builds the out-slots that BFS then reuses). Baselines in the same run: scipy
 * (scipy_kernels.py, when python3 has scipy; else shared/peers/results.md) and graphology on the
 * small graphs.
 *
 *   npx tsx bench/graph/session.ts [--quick] [--runs N]
 */
import { DirectedGraph } from 'graphology';
import { connectedComponents } from 'graphology-components';
import { pagerank as graphologyPagerank } from 'graphology-metrics/centrality/index.js';
import { dijkstra } from 'graphology-shortest-path';
import { bfsFromNode } from 'graphology-traversal';
import { graph as gs, newSession, type Session, tensor as tt } from '../../src/index.js';
import { summarize, type Timing, writeResult } from '../harness.js';
import { GRAPHS, loadOrGenerate, type PeerGraph } from './generate.js';
import { appOf } from './readyCommon.js';
import { type Kernel, RESULTS_MD, runScipy } from './scipy.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsArg = args.indexOf('--runs');
type App = Exclude<Kernel, 'load'>;
const APPS: readonly App[] = ['sssp', 'bfs', 'wcc', 'pagerank'];

async function timed(fn: () => Promise<unknown>, runs: number): Promise<Timing> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) / 1000);
  }
  return summarize(samples);
}

function build(sess: Session, peer: PeerGraph) {
  return sess.scope(() =>
    gs
      .g()
      .addVertices({ id: Float64Array.from({ length: peer.n }, (_, i) => i) })
      .addEdges({ src: peer.src, dst: peer.dst, w: peer.weights }, { src: 'src', dst: 'dst', properties: ['w'] }),
  );
}

async function graphologyTimes(peer: PeerGraph, runs: number): Promise<{ load: number; apps: Record<App, Timing> }> {
  const t0 = performance.now();
  const g = new DirectedGraph();
  for (let v = 0; v < peer.n; v++) g.addNode(String(v));
  for (let e = 0; e < peer.src.length; e++) g.addEdge(String(peer.src[e]), String(peer.dst[e]), { w: peer.weights[e] });
  const load = (performance.now() - t0) / 1000;
  const src = String(peer.source);
  const fns: Record<App, () => unknown> = {
    sssp: () => dijkstra.singleSource(g, src, 'w'),
    bfs: () => bfsFromNode(g, src, () => false),
    wcc: () => connectedComponents(g),
    // graphology stops only at convergence; with no tolerance it runs maxIterations and throws, so the
    // time to that throw is the time of exactly 20 iterations.
    pagerank: () => {
      try {
        graphologyPagerank(g, { maxIterations: 20, tolerance: 0, getEdgeWeight: null });
      } catch {
        return undefined;
      }
      return undefined;
    },
  };
  const apps = {} as Record<App, Timing>;
  for (const [k, fn] of Object.entries(fns) as [App, () => unknown][]) apps[k] = await timed(async () => fn(), Math.max(1, Math.floor(runs / 3)));
  return { load, apps };
}

export async function benchGraphSession(): Promise<Record<string, unknown>[]> {
  const names = Object.keys(GRAPHS).filter((n) => !quick || n.endsWith('s16') || n.endsWith('256'));
  const rows: Record<string, unknown>[] = [];
  for (const name of names) {
    const { graph: peer, path } = loadOrGenerate(name);
    const big = name.endsWith('s20') || name.endsWith('1024');
    const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : big ? 5 : 9;
    const sess = newSession({ mode: 'lazy', default: false });
    try {
      await sess.run(tt.arange(4).sum()); // start the pool's threads before timing anything
      const t0 = performance.now();
      const g = build(sess, peer);
      // Through the public API the graph is loaded by executing it; its CSR projection is built by the
      // first app that needs it, so that cost is in the first runs below, not here.
      await g.execute({ session: sess });
      const load = (performance.now() - t0) / 1000;
      const apps = {} as Record<App, Timing>;
      // The first run of an app that builds a per-graph layout (later runs reuse the cached one).
      const firstRun: Partial<Record<App, number>> = {};
      for (const app of APPS) {
        const run = async () => {
          // As a user gets a result: the app's values fetched with toArray('r'), then released.
          const ctx = sess.scope(() => appOf(g, app, peer.source));
          const values = ctx.toArray('r');
          if ((await sess.run(values)) === undefined) throw new Error(`${app}: no result`);
          values.release({ session: sess });
          ctx.release({ session: sess });
        };
        {
          const p0 = performance.now();
          await run();
          firstRun[app] = (performance.now() - p0) / 1000;
        }
        apps[app] = await timed(run, runs);
      }
      const scipy = big ? runScipy(path, runs) : undefined;
      const base = (k: Kernel) => (scipy ? summarize(scipy.times[k]).median : RESULTS_MD[name]![k]);
      const gl = big ? undefined : (await graphologyTimes(peer, runs)).apps;
      console.log(`\n${name}: ${peer.n.toLocaleString()} vertices, ${peer.src.length.toLocaleString()} arcs (${sess.info.workers} workers); load ${load.toFixed(3)} s (scipy load + CSR ${base('load').toFixed(3)} s${scipy ? ', same run' : ', results.md'})`);
      const row: Record<string, unknown> = { graph: name, n: peer.n, arcs: peer.src.length, workers: sess.info.workers, loadSeconds: load, scipyLoadSeconds: base('load'), pagerankFirstRunSeconds: firstRun.pagerank, firstRunSeconds: firstRun, apps: {} };
      for (const app of APPS) {
        const t = apps[app].median;
        const vsScipy = base(app) / t;
        const vsGraphology = gl ? gl[app].median / t : undefined;
        (row.apps as Record<string, unknown>)[app] = { seconds: apps[app], scipySeconds: base(app), speedupOverScipy: +vsScipy.toFixed(3), ...(gl ? { graphologySeconds: gl[app].median, speedupOverGraphology: +vsGraphology!.toFixed(1) } : {}) };
        console.log(`  ${app.padEnd(9)} ${t.toFixed(4)} s  scipy ${base(app).toFixed(4)} s (${vsScipy.toFixed(2)}x)${gl ? `  graphology ${gl[app].median.toFixed(3)} s (${vsGraphology!.toFixed(0)}x)` : ''}`);
      }
      console.log(`  first runs (build the projection and layouts): ${APPS.map((a) => `${a} ${firstRun[a]!.toFixed(4)} s`).join(', ')}`);
      rows.push(row);
    } finally {
      await sess.close();
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchGraphSession();
  console.log(`wrote ${writeResult('graph-session', { rows })}`);
}
