/**
 * Which layouts an app's run builds (issue 9 §1: a first BFS on a big directed graph should not wait
 * for a transpose it barely uses). On a big directed graph — one loaded from a file, whose size is not
 * known when it is built — the first BFS runs top-down over the out-arcs alone; from the second BFS on
 * the same graph handle (or once another app asked it for the in-CSR) BFS reads the in-arcs too. The depths
 * are the same either way, on both executors. SSSP likewise reads the graph renumbered hubs first from
 * its second search on a big graph.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TileableNode } from '../../src/dag/nodes.js';
import { buildGraph } from '../../src/graph/csr.js';
import { hubOrderOf } from '../../src/graph/ssspLayout.js';
import { graph as gs, type NdArray, newSession } from '../../src/index.js';

let root: string;
let edgeFile: string;
/** Depth of every vertex of the file's graph from vertex 0, by a plain queue (the reference). */
let expected: Map<number, number>;

const N = 400;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tessera-layouts-'));
  edgeFile = join(root, 'edges.txt');
  // A directed graph with hubs and long chains, so BFS has both wide and narrow levels.
  const arcs: [number, number][] = [];
  for (let v = 1; v < N; v++) arcs.push([Math.floor((v - 1) / 3), v]);
  for (let v = 0; v < N; v += 7) arcs.push([v, (v * 13 + 5) % N]);
  writeFileSync(edgeFile, arcs.map(([a, b]) => `${a} ${b}`).join('\n') + '\n');
  const out = new Map<number, number[]>();
  for (const [a, b] of arcs) out.set(a, [...(out.get(a) ?? []), b]);
  expected = new Map([[0, 0]]);
  const queue = [0];
  for (let i = 0; i < queue.length; i++) {
    for (const t of out.get(queue[i]!) ?? []) {
      if (!expected.has(t)) {
        expected.set(t, expected.get(queue[i]!)! + 1);
        queue.push(t);
      }
    }
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ops = (node: TileableNode): string[] => node.inputs.map((i) => i.op);

/** Depths from `source` over undirected edges by a plain queue (Infinity when unreached). */
function bfsReference(n: number, src: Int32Array, dst: Int32Array, source: number): number[] {
  const adjacent: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < src.length; i++) {
    adjacent[src[i]!]!.push(dst[i]!);
    adjacent[dst[i]!]!.push(src[i]!);
  }
  const depth = new Array<number>(n).fill(Infinity);
  depth[source] = 0;
  const queue = [source];
  for (let i = 0; i < queue.length; i++) {
    for (const t of adjacent[queue[i]!]!) {
      if (depth[t] === Infinity) {
        depth[t] = depth[queue[i]!]! + 1;
        queue.push(t);
      }
    }
  }
  return depth;
}

/** The first `count` arcs with every repeat of an arc left out. */
function distinct(edges: { readonly src: Int32Array; readonly dst: Int32Array }, count: number): { src: Int32Array; dst: Int32Array } {
  const seen = new Set<number>();
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < count; i++) {
    const key = edges.src[i]! * 1e6 + edges.dst[i]!;
    if (seen.has(key)) continue;
    seen.add(key);
    src.push(edges.src[i]!);
    dst.push(edges.dst[i]!);
  }
  return { src: Int32Array.from(src), dst: Int32Array.from(dst) };
}

function fileGraph() {
  return gs.loadFrom({ edges: edgeFile, delimiter: ' ', header: false, directed: true });
}

describe('BFS on a big directed graph builds the in-CSR only once it is asked again', () => {
  it('the first BFS on a projection reads no in-arcs; the second and later do', () => {
    const g = fileGraph();
    expect(ops(gs.bfs(g, 0).node)).not.toContain('graph.in_csr');
    expect(ops(gs.bfs(g, 1).node)).toContain('graph.in_csr');
    // The same graph built again (as in another session) starts afresh.
    const again = fileGraph();
    expect(again.node.key).toBe(g.node.key);
    expect(ops(gs.bfs(again, 0).node)).not.toContain('graph.in_csr');
    expect(ops(gs.bfs(again, 0).node)).toContain('graph.in_csr');
  });

  it('a BFS after another app asked for the in-CSR reads it at once', () => {
    const g = gs.loadFrom({ edges: edgeFile, delimiter: ' ', header: false, directed: true, comment: '%' });
    expect(ops(gs.lcc(g).node)).toContain('graph.in_csr');
    expect(ops(gs.bfs(g, 0).node)).toContain('graph.in_csr');
  });

  it('PageRank on a sorted projection asks for no in-CSR: its pull layout is made from the out-arcs', () => {
    const g = gs.loadFrom({ edges: edgeFile, delimiter: ' ', header: false, directed: true, comment: '#' });
    const pr = gs.pagerank(g).node;
    expect(ops(pr)).not.toContain('graph.in_csr');
    const layout = pr.inputs.find((i) => i.op === 'graph.pull_layout')!;
    expect(ops(layout)).toEqual(['graph.project']);
    // So a BFS after it is still the graph's first to ask for one.
    expect(ops(gs.bfs(g, 0).node)).not.toContain('graph.in_csr');
  });

  it('a small graph built from columns reads in-arcs from its second BFS on', () => {
    const g = gs.loadFrom({ edges: { src: Int32Array.of(0, 1, 2), dst: Int32Array.of(1, 2, 0) }, directed: true });
    expect(ops(gs.bfs(g, 0).node)).not.toContain('graph.in_csr');
    expect(ops(gs.bfs(g, 0).node)).toContain('graph.in_csr');
  });

  it('PageRank on a small graph from columns places its slot layout from the grouped rows, or reads an in-CSR asked for before', () => {
    const columns = { src: Int32Array.of(0, 1, 2, 0), dst: Int32Array.of(1, 2, 0, 2) };
    const g = gs.loadFrom({ edges: columns, directed: true });
    const pr = gs.pagerank(g).node;
    expect(ops(pr)).not.toContain('graph.in_csr');
    expect(ops(pr.inputs.find((i) => i.op === 'graph.pull_layout')!)).toEqual(['graph.project']);
    gs.bfs(g, 0);
    expect(ops(gs.pagerank(g).node)).toContain('graph.in_csr');
  });

  for (const executor of ['local', 'threads'] as const) {
    it(`PageRank on a small graph gives the same ranks, bit for bit, with its layout placed from the rows or made over the in-CSR, parallel arcs merged (${executor})`, async () => {
      // Hubs, parallel arcs (merged: PageRank reads the merged graph) and self-loops, over 2^16 vertices.
      const n = 70_000;
      const m = 600_000;
      let x = 99;
      const rand = (k: number): number => {
        x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
        return (x >>> 12) % k;
      };
      const edges = { src: new Int32Array(m), dst: new Int32Array(m) };
      for (let i = 0; i < m; i++) {
        edges.src[i] = rand(4) === 0 ? rand(50) : rand(n);
        edges.dst[i] = rand(4) === 0 ? rand(200) : rand(n);
      }
      const sess = newSession({ mode: 'lazy', default: false, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });
      try {
        const ranks = async (withParallelArcs: boolean, afterBfs: boolean): Promise<number[]> => {
          const cut = withParallelArcs ? m : m / 2;
          // Half the arcs, each once (no repeats: the layout's own path), or all of them (repeats: the merged transpose).
          const g = sess.scope(() => gs.loadFrom({ vertices: { id: Int32Array.from({ length: n }, (_, i) => i) }, edges: withParallelArcs ? edges : distinct(edges, cut), directed: true }));
          if (afterBfs) sess.scope(() => gs.bfs(g, 0));
          const ctx = sess.scope(() => gs.pagerank(g, { maxRound: 7 }));
          expect(ops(ctx.node).includes('graph.in_csr')).toBe(afterBfs);
          return Array.from(((await sess.run(ctx.toArray('r'))) as NdArray).data as ArrayLike<number>);
        };
        for (const withParallelArcs of [false, true]) {
          const placed = await ranks(withParallelArcs, false);
          expect(placed).toEqual(await ranks(withParallelArcs, true));
          expect(Math.abs(placed.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
        }
      } finally {
        await sess.close();
      }
    }, 120_000);
  }

  for (const executor of ['local', 'threads'] as const) {
    it(`a small dense graph's searches with the in-arcs (bottom-up steps split, rows grouped) give the first one's depths (${executor})`, async () => {
      // 3000 vertices, 16 arcs each, skewed towards low ids: levels wide enough to go bottom-up.
      const n = 3000;
      const m = 16 * n;
      let x = 99;
      const rand = (k: number): number => {
        x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
        return (x >>> 12) % k;
      };
      const src = Int32Array.from({ length: m }, () => rand(n));
      const dst = Int32Array.from({ length: m }, () => (rand(2) === 0 ? rand(64) : rand(n)));
      const sess = newSession({ mode: 'lazy', default: false, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });
      try {
        const g = sess.scope(() => gs.loadFrom({ edges: { src, dst }, directed: true }));
        const runs: number[][] = [];
        for (let k = 0; k < 3; k++) {
          const ctx = sess.scope(() => gs.bfs(g, 5));
          expect(ops(ctx.node).includes('graph.in_csr')).toBe(k > 0);
          // With the in-CSR, the vertices' in-hubs, where the bottom-up steps look first (graph/inHubs.ts).
          expect(ops(ctx.node).includes('graph.in_hubs')).toBe(k > 0);
          runs.push(Array.from(((await sess.run(ctx.toArray('r'))) as NdArray).data as ArrayLike<number>));
        }
        expect(runs[1]).toEqual(runs[0]);
        expect(runs[2]).toEqual(runs[0]);
        expect(runs[0]!.filter((d) => Number.isFinite(d)).length).toBeGreaterThan(n / 2);
      } finally {
        await sess.close();
      }
    });
  }

  for (const executor of ['local', 'threads'] as const) {
    it(`an undirected graph's BFS looks at the in-hubs from its second run on, with the same depths (${executor})`, async () => {
      // Skewed towards low ids, 12 edges a vertex: levels wide enough to go bottom-up over the rows.
      const n = 3000;
      let x = 7;
      const rand = (k: number): number => {
        x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
        return (x >>> 12) % k;
      };
      const src = Int32Array.from({ length: 12 * n }, () => rand(n));
      const dst = Int32Array.from({ length: 12 * n }, () => (rand(2) === 0 ? rand(64) : rand(n)));
      const reference = bfsReference(n, src, dst, 5);
      const sess = newSession({ mode: 'lazy', default: false, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });
      try {
        const g = sess.scope(() => gs.loadFrom({ edges: { src, dst }, directed: false }));
        for (let k = 0; k < 3; k++) {
          const ctx = sess.scope(() => gs.bfs(g, 5));
          expect(ops(ctx.node).includes('graph.in_hubs')).toBe(k > 0);
          expect(ops(ctx.node)).not.toContain('graph.in_csr');
          expect(Array.from(((await sess.run(ctx.toArray('r'))) as NdArray).data as ArrayLike<number>)).toEqual(reference);
        }
      } finally {
        await sess.close();
      }
    });
  }

  for (const executor of ['local', 'threads'] as const) {
    it(`gives the same depths with and without the in-arcs (${executor})`, async () => {
      const sess = newSession({ mode: 'lazy', default: false, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });
      try {
        const g = sess.scope(() => gs.loadFrom({ edges: edgeFile, delimiter: ' ', header: false, directed: true, comment: '#' }));
        const depths: Map<number, number>[] = [];
        for (const source of [0, 0]) {
          const ctx = sess.scope(() => gs.bfs(g, source));
          const [ids, depth] = (await sess.run([ctx.toArray('v.id'), ctx.toArray('r')])) as [NdArray, NdArray];
          depths.push(new Map(Array.from(ids.data as ArrayLike<number | bigint>, (id, i) => [Number(id), Number(depth.data[i])])));
        }
        expect(depths[1]).toEqual(depths[0]);
        for (const [id, d] of expected) expect(depths[0]!.get(id)).toBe(d);
        expect(depths[0]!.size).toBe(expected.size);
      } finally {
        await sess.close();
      }
    });
  }
});

describe('a big graph projected by the whole gang', () => {
  // Over 2^21 arcs, also after parallel arcs merge: the size from which the projection and the in-CSR are built in parts on a gang.
  const n = 1 << 17;
  const m = (1 << 21) + (1 << 18);
  const src = new Int32Array(m);
  const dst = new Int32Array(m);
  const weight = new Float64Array(m);
  let x = 12345;
  const rand = (k: number) => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    // The high bits: an LCG's low bits repeat with short periods.
    return (x >>> 12) % k;
  };
  for (let i = 0; i < m; i++) {
    // Skewed like R-MAT (hubs, parallel arcs, self-loops), so the rows need sorting and merging.
    src[i] = rand(4) === 0 ? rand(64) : rand(n);
    dst[i] = rand(4) === 0 ? rand(256) : rand(n);
    weight[i] = 1 + rand(50);
  }
  const id = Int32Array.from({ length: n }, (_, i) => i);

  async function results(executor: 'local' | 'threads'): Promise<number[][]> {
    const sess = newSession({ mode: 'lazy', default: false, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });
    try {
      const g = sess.scope(() => gs.loadFrom({ vertices: { id }, edges: { src, dst, weight }, directed: true }));
      const apps = sess.scope(() => [gs.sssp(g, 0), gs.bfs(g, 0), gs.bfs(g, 1), gs.wcc(g), gs.pagerank(g, { maxRound: 5 })]);
      // The second BFS reads the in-CSR; PageRank (2^17 vertices) the ordered pull layout, made from the out-arcs.
      expect(ops(apps[2]!.node)).toContain('graph.in_csr');
      expect(ops(apps[4]!.node)).not.toContain('graph.in_csr');
      const out = (await sess.run(apps.map((c) => c.toArray('r')))) as NdArray[];
      return out.map((a) => Array.from(a.data as ArrayLike<number>));
    } finally {
      await sess.close();
    }
  }

  it('gives every app the answer of the one-thread build (local executor)', async () => {
    const [threads, local] = [await results('threads'), await results('local')];
    expect(threads.length).toBe(5);
    for (let k = 0; k < local.length; k++) expect(threads[k]).toEqual(local[k]);
    // Not all unreached: the search did run.
    expect(threads[1]!.filter((d) => Number.isFinite(d)).length).toBeGreaterThan(n / 2);
  }, 120_000);
});

describe('SSSP reads the hub order from its second run on a big graph', () => {
  // A file graph (its size unknown when it is built) with more vertices than the hub order's minimum,
  // heads skewed to a few ids (x^10: 1/16 of the ids take 58% of the arcs), weights with zeros and ties.
  const n = 1 << 17;
  const m = 3 * n;
  let hubFile: string;
  let reference: Map<number, number>;

  beforeAll(() => {
    let x = 987654321;
    const next = (): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 4294967296;
    };
    const arcs: [number, number, number][] = [];
    // A chain through every vertex, so every id occurs and most are reachable from 0.
    for (let v = 0; v + 1 < n; v++) arcs.push([v, v + 1, 5 + Math.floor(next() * 4)]);
    for (let i = 0; i < m; i++) arcs.push([Math.floor(next() * n), Math.floor(next() ** 10 * n), Math.floor(next() * 8) / 4]);
    hubFile = join(root, 'hubs.txt');
    writeFileSync(hubFile, arcs.map((a) => a.join(' ')).join('\n') + '\n');
    reference = dijkstra(arcs, 0);
    // Skewed enough for the hub order to be built, so the second search does read it.
    const csr = buildGraph({ n, src: Int32Array.from(arcs, (a) => a[0]), dst: Int32Array.from(arcs, (a) => a[1]), weights: Float64Array.from(arcs, (a) => a[2]) }, { directed: true });
    expect(hubOrderOf(csr).order).toBeDefined();
  });

  const load = () => gs.loadFrom({ edges: hubFile, delimiter: ' ', header: false, directed: true, edgeProperties: [2] });

  it('the first SSSP on a projection builds no hub order; the second does; a small column graph never', () => {
    const g = load();
    expect(ops(gs.sssp(g, 0).node)).not.toContain('graph.hub_order');
    expect(ops(gs.sssp(g, 1).node)).toContain('graph.hub_order');
    const small = gs.loadFrom({ edges: { src: Int32Array.of(0, 1, 2), dst: Int32Array.of(1, 2, 0), w: Float64Array.of(1, 2, 3) }, directed: true });
    expect(ops(gs.sssp(small, 0).node)).not.toContain('graph.hub_order');
    expect(ops(gs.sssp(small, 0).node)).not.toContain('graph.hub_order');
  });

  for (const executor of ['local', 'threads'] as const) {
    it(`gives the reference distances with and without it (${executor})`, async () => {
      const sess = newSession({ mode: 'lazy', default: false, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });
      try {
        const g = sess.scope(() => load());
        for (let run = 0; run < 2; run++) {
          const ctx = sess.scope(() => gs.sssp(g, 0));
          expect(ops(ctx.node).includes('graph.hub_order')).toBe(run === 1);
          const [ids, dist] = (await sess.run([ctx.toArray('v.id'), ctx.toArray('r')])) as [NdArray, NdArray];
          const got = new Map(Array.from(ids.data as ArrayLike<number | bigint>, (id, i) => [Number(id), Number(dist.data[i])]));
          expect(got.size).toBe(n);
          const wrong = [...got].filter(([v, d]) => d !== (reference.get(v) ?? Infinity));
          expect(wrong).toEqual([]);
        }
      } finally {
        await sess.close();
      }
    }, 120_000);
  }
});

/** Plain Dijkstra with a binary heap over (tail, head, weight) arcs: the reference distances. */
function dijkstra(arcs: readonly (readonly [number, number, number])[], source: number): Map<number, number> {
  const out = new Map<number, [number, number][]>();
  for (const [a, b, w] of arcs) out.set(a, [...(out.get(a) ?? []), [b, w]]);
  const dist = new Map<number, number>([[source, 0]]);
  const heap: [number, number][] = [[0, source]];
  const done = new Set<number>();
  while (heap.length > 0) {
    const [d, u] = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let s = i;
        if (l < heap.length && heap[l]![0] < heap[s]![0]) s = l;
        if (r < heap.length && heap[r]![0] < heap[s]![0]) s = r;
        if (s === i) break;
        [heap[i], heap[s]] = [heap[s]!, heap[i]!];
        i = s;
      }
    }
    if (done.has(u)) continue;
    done.add(u);
    for (const [t, w] of out.get(u) ?? []) {
      const nd = d + w;
      if (nd < (dist.get(t) ?? Infinity)) {
        dist.set(t, nd);
        heap.push([nd, t]);
        for (let i = heap.length - 1; i > 0; ) {
          const p = (i - 1) >> 1;
          if (heap[p]![0] <= heap[i]![0]) break;
          [heap[i], heap[p]] = [heap[p]!, heap[i]!];
          i = p;
        }
      }
    }
  }
  return dist;
}
