/**
 * BFS on a big directed graph given as columns (more edges than the small-graph bound, 2^21) reads a
 * grouped projection without weights, as on a small graph (ops/graph/apps.ts `takesGrouped`): its first
 * search on one range without in-arcs, its later ones with their bottom-up steps split over the gang.
 * PageRank and SSSP keep the sorted, weighted projection there. Depths are checked against a plain queue search
 * over the same columns, on the threads executor (two workers, so the big graph's search is a gang).
 */
import { describe, expect, it } from 'vitest';
import type { TileableNode } from '../../src/dag/nodes.js';
import { graph as gs, type NdArray, newSession } from '../../src/index.js';

const N = 150_000;
const M = (1 << 21) + 50_000;

/** A skewed random directed graph (hubs among the first vertices), with repeated arcs and self-loops. */
function columns(): { src: Int32Array; dst: Int32Array; weight: Float64Array } {
  let x = 11;
  const rand = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
  const src = new Int32Array(M);
  const dst = new Int32Array(M);
  const weight = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    src[i] = Math.floor(N * rand() ** 2);
    dst[i] = Math.floor(N * rand() ** 3);
    weight[i] = 1 + (i % 7);
  }
  return { src, dst, weight };
}

/** Depths of a queue search from `source` over the arcs (Infinity where unreached). */
function referenceDepths(src: Int32Array, dst: Int32Array, source: number): Float64Array {
  const offsets = new Int32Array(N + 1);
  for (let i = 0; i < M; i++) offsets[src[i]! + 1]!++;
  for (let v = 0; v < N; v++) offsets[v + 1]! += offsets[v]!;
  const fill = offsets.slice(0, N);
  const targets = new Int32Array(M);
  for (let i = 0; i < M; i++) targets[fill[src[i]!]!++] = dst[i]!;
  const depth = new Float64Array(N).fill(Infinity);
  const queue = new Int32Array(N);
  depth[source] = 0;
  queue[0] = source;
  for (let head = 0, tail = 1; head < tail; head++) {
    const u = queue[head]!;
    for (let e = offsets[u]!; e < offsets[u + 1]!; e++) {
      const t = targets[e]!;
      if (depth[t] !== Infinity) continue;
      depth[t] = depth[u]! + 1;
      queue[tail++] = t;
    }
  }
  return depth;
}

const projection = (ctx: { readonly node: TileableNode }): string => {
  const p = ctx.node.inputs[0]!.params as { grouped?: boolean; arcs?: boolean; edgeProp?: string };
  return `${p.grouped ? 'grouped' : p.arcs ? 'arcs' : 'sorted'}${p.edgeProp !== undefined ? ' weighted' : ''}`;
};

describe('BFS on a big directed graph given as columns', () => {
  const arcs = columns();
  const load = () => gs.loadFrom({ vertices: { id: Int32Array.from({ length: N }, (_, i) => i) }, edges: arcs, directed: true });

  it('reads a grouped projection without weights; PageRank and SSSP read the sorted one', () => {
    const g = load();
    expect(projection(gs.bfs(g, 0))).toBe('grouped');
    expect(projection(gs.pagerank(g))).toBe('sorted weighted');
    expect(projection(gs.sssp(g, 0))).toBe('sorted weighted');
    // A graph loaded from a file (size unknown at build time) is unchanged: tested with the small graphs.
  });

  it("gives a queue search's depths on its first run and on later runs, which read the in-arcs", async () => {
    const sess = newSession({ mode: 'lazy', default: false, executor: 'threads', workers: 2 });
    try {
      const g = sess.scope(load);
      for (const source of [0, 1, 4242]) {
        const expected = Array.from(referenceDepths(arcs.src, arcs.dst, source));
        for (let run = 0; run < 2; run++) {
          const ctx = sess.scope(() => gs.bfs(g, source));
          const inputs = ctx.node.inputs.map((n) => n.op);
          // The first search on the projection reads no in-arcs; the second does, with the in-hubs.
          expect(inputs.includes('graph.in_csr'), `source ${source}, run ${run}`).toBe(source !== 0 || run > 0);
          const depths = (await sess.run(ctx.toArray('r'))) as NdArray;
          const got = Array.from(depths.data as ArrayLike<number>);
          if (got.some((d, v) => d !== expected[v])) expect(got).toEqual(expected);
        }
      }
    } finally {
      await sess.close();
    }
  });
});
