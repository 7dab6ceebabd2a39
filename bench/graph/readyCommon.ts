/**
 * What the sections of bench/graph/ready.ts share: the benchmark graph as the columns a user holds (ids
 * as Int32, Float64 or strings), loading them through `gs.loadFrom`, the four apps, and a fresh session.
 * Public API only.
 */
import { type Context, type Graph, graph as gs, newSession, type Session, tensor as tt } from '../../src/index.js';
import { summarize } from '../harness.js';
import type { PeerGraph } from './generate.js';

export type App = 'sssp' | 'bfs' | 'wcc' | 'pagerank';
export type IdType = 'int32' | 'float64' | 'string';
export const APPS: readonly App[] = ['sssp', 'bfs', 'wcc', 'pagerank'];

/** The graph's columns as a user holds them, with ids of one type (strings: 'v' + the number). */
export function columnsOf(peer: PeerGraph, ids: IdType) {
  if (ids === 'string') {
    const names = Array.from({ length: peer.n }, (_, i) => `v${i}`);
    return { id: names, src: Array.from(peer.src, (s) => names[s]!), dst: Array.from(peer.dst, (d) => names[d]!), weight: peer.weights, source: names[peer.source]! };
  }
  const ctor = ids === 'int32' ? Int32Array : Float64Array;
  const id = new ctor(peer.n);
  for (let i = 0; i < peer.n; i++) id[i] = i;
  return { id, src: ctor.from(peer.src), dst: ctor.from(peer.dst), weight: peer.weights, source: peer.source };
}

export type Columns = ReturnType<typeof columnsOf>;

export function loadColumns(sess: Session, c: Columns): Graph {
  return sess.scope(() =>
    gs.loadFrom({
      vertices: { id: c.id },
      edges: { src: c.src, dst: c.dst, weight: c.weight },
      directed: true,
      ...(typeof c.source === 'string' ? { oidType: 'string' as const } : {}),
    }),
  );
}

export function appOf(g: Graph, app: App, source: number | string): Context {
  switch (app) {
    case 'sssp':
      return gs.sssp(g, source);
    case 'bfs':
      return gs.bfs(g, source);
    case 'wcc':
      return gs.wcc(g);
    case 'pagerank':
      return gs.pagerank(g, { delta: 0.85, maxRound: 20 });
  }
}

/**
 * A lazy session on the thread pool with its workers up, so session start-up is not counted as a
 * graph's cost: a tensor sum of chunks big enough to go to the pool, and WCC on a three-vertex graph,
 * whose gang has every worker load the kernels (a tiny sum runs on the calling thread, and the first
 * graph would pay the workers' module loading). Three vertices leave the graph code as cold as it was.
 */
export async function freshSession(): Promise<Session> {
  const sess = newSession({ mode: 'lazy', default: false });
  await sess.run(tt.ones([1 << 20], { chunkSize: 1 << 16 }).sum());
  await sess.run(sess.scope(() => gs.wcc(gs.g().addEdges({ a: [0, 1], b: [1, 2] }, { src: 'a', dst: 'b' }))).toArray('r'));
  return sess;
}

export const seconds = (t0: number): number => (performance.now() - t0) / 1000;

/** Untimed runs before a warm app's timed ones: an app's layouts are built by its first run or by its second. */
const WARM_UP_RUNS = 2;

/**
 * `runs` timings (seconds) of `app` on `g`, loaded from `c` in `sess`, through the public API from building
 * the context to holding its `toArray('r')`: the `warm` section's figure (ready.ts). Two untimed runs
 * first: an app's layouts are built by its first run or by its second (BFS's in-CSR and in-hubs, a big
 * graph's SSSP hub order: ops/graph/apps.ts), and a timed run that builds one is not a warm app.
 */
export async function warmAppSeconds(sess: Session, g: Graph, c: Columns, app: App, runs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs + WARM_UP_RUNS; i++) {
    const t0 = performance.now();
    const ctx = sess.scope(() => appOf(g, app, c.source));
    const array = ctx.toArray('r');
    const held = await sess.run(array);
    if (i >= WARM_UP_RUNS) samples.push(seconds(t0));
    if (held === undefined) throw new Error('no result');
    array.release({ session: sess });
    ctx.release({ session: sess });
  }
  return samples;
}

/**
 * The user's figure beside a kernel probe's (bfsCpu.ts, bfsSteps.ts, deltaStepping.ts): the median ms of
 * `app` warm on `peer` loaded from Int32 columns in a fresh lazy session on the pool, `toArray('r')`
 * fetched (as ready.ts's `warm` section times it).
 */
export async function userWarmAppMs(peer: PeerGraph, app: App, runs: number): Promise<number> {
  const c = columnsOf(peer, 'int32');
  const sess = await freshSession();
  try {
    const samples = await warmAppSeconds(sess, loadColumns(sess, c), c, app, runs);
    return 1000 * summarize(samples).median;
  } finally {
    await sess.close();
  }
}
