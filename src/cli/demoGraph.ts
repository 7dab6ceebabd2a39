/**
 * The graph half of the demo: an R-MAT graph generated at run time (Graph500 parameters, seeded), loaded
 * as a property graph, with SSSP and 20-round PageRank run lazily (one DAG) and eagerly (as built),
 * printing a few results and checking both modes agree.
 */
import { type Context, graph as gs, type NdArray, newSession, type Session } from '../index.js';
import { RandomStream } from '../kernels/tensor/random.js';

interface Edges {
  readonly n: number;
  readonly src: Float64Array;
  readonly dst: Float64Array;
  readonly w: Float64Array;
}

/** Graph500 R-MAT (a, b, c = .57, .19, .19): each edge picks a quadrant per bit of the vertex ids. */
export function rmat(scale: number, edgeFactor: number, seed: number): Edges {
  const stream = new RandomStream(seed, 0);
  const rand = (): number => stream.nextDouble();
  const n = 1 << scale;
  const m = n * edgeFactor;
  const src = new Float64Array(m);
  const dst = new Float64Array(m);
  const w = new Float64Array(m);
  for (let e = 0; e < m; e++) {
    let u = 0;
    let v = 0;
    for (let bit = 0; bit < scale; bit++) {
      const r = rand();
      const down = r >= 0.57 + 0.19;
      const right = down ? r >= 0.57 + 0.19 + 0.19 : r >= 0.57;
      u |= (down ? 1 : 0) << bit;
      v |= (right ? 1 : 0) << bit;
    }
    src[e] = u;
    dst[e] = v;
    w[e] = 1 - rand();
  }
  return { n, src, dst, w };
}

function apps(sess: Session, edges: Edges): { sssp: Context; pagerank: Context } {
  return sess.scope(() => {
    const g = gs
      .g()
      .addVertices({ id: Float64Array.from({ length: edges.n }, (_, i) => i) })
      .addEdges({ src: edges.src, dst: edges.dst, weight: edges.w }, { src: 'src', dst: 'dst', properties: ['weight'] });
    return { sssp: gs.sssp(g, 0), pagerank: gs.pagerank(g, { delta: 0.85, maxRound: 20 }) };
  });
}

function describe(dist: NdArray, rank: NdArray): string[] {
  const d = dist.data as Float64Array;
  const reached = d.filter((x) => x < Infinity);
  const top = [...(rank.data as Float64Array)].map((r, v) => [v, r] as const).sort((a, b) => b[1] - a[1]).slice(0, 3);
  return [
    `  SSSP from vertex 0: ${reached.length} of ${d.length} vertices reachable, farthest at distance ${Math.max(...reached).toFixed(4)}`,
    `  PageRank top 3: ${top.map(([v, r]) => `${v} (${r.toExponential(3)})`).join(', ')}`,
  ];
}

export async function runGraphDemo(workers: number | undefined, log: (s: string) => void): Promise<boolean> {
  const edges = rmat(15, 16, 20260101);
  log(`\nGraph: R-MAT scale 15 (${edges.n} vertices, ${edges.src.length} edges, weights in (0, 1]), generated now`);
  let lazy: NdArray[];
  {
    await using sess = newSession({ mode: 'lazy', ...(workers ? { workers } : {}) });
    const { sssp, pagerank } = apps(sess, edges);
    const t0 = performance.now();
    lazy = (await sess.run([sssp.toArray('r'), pagerank.toArray('r')])) as NdArray[];
    log(`  lazy: load, project (CSR), SSSP and PageRank as one DAG: ${(performance.now() - t0).toFixed(0)} ms`);
  }
  const sess = newSession({ mode: 'eager', ...(workers ? { workers } : {}) });
  let eager: NdArray[];
  try {
    const t0 = performance.now();
    const { sssp, pagerank } = apps(sess, edges);
    eager = [(await sssp.toArray('r').fetch()) as NdArray, (await pagerank.toArray('r').fetch()) as NdArray];
    log(`  eager: the same ops, each run as it was built: ${(performance.now() - t0).toFixed(0)} ms`);
  } finally {
    await sess.close();
  }
  for (const line of describe(lazy[0]!, lazy[1]!)) log(line);
  const same = lazy.every((a, i) => a.data.every((x, k) => Object.is(x, eager[i]!.data[k])));
  log(`  Lazy and eager graph results ${same ? 'agree' : 'DISAGREE'}.`);
  return same;
}
