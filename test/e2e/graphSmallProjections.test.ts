/**
 * Which projection an app on a small graph (every edge given as columns) reads (issue 9 §1: a first
 * app on a small graph pays only for what it reads). Only SSSP reads weights: BFS and PageRank read a
 * grouped projection without them, and a first WCC the arcs as a list; once an app asked the graph for
 * a grouped projection, the others share it. The answers are those of a graph loaded from a file,
 * which always reads the sorted, weighted projection, on both executors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TileableNode } from '../../src/dag/nodes.js';
import { graph as gs, type NdArray, newSession } from '../../src/index.js';

const N = 300;
const src: number[] = [];
const dst: number[] = [];
const weight: number[] = [];
for (let v = 1; v < N; v++) {
  src.push(Math.floor((v - 1) / 3), (v * 7) % N);
  dst.push(v, (v * 11 + 3) % N);
  weight.push(1 + (v % 5), 0.5 + (v % 3));
}

const columnGraph = () => gs.loadFrom({ edges: { src: Int32Array.from(src), dst: Int32Array.from(dst), weight: Float64Array.from(weight) }, directed: true });
/** What the app's projection is: its layout and whether it carries the weights. */
const projection = (ctx: { readonly node: TileableNode }): string => {
  const p = ctx.node.inputs[0]!.params as { grouped?: boolean; arcs?: boolean; edgeProp?: string };
  return `${p.grouped ? 'grouped' : p.arcs ? 'arcs' : 'sorted'}${p.edgeProp !== undefined ? ' weighted' : ''}`;
};

describe('apps on a small graph read only what they need', () => {
  it('BFS and PageRank read a grouped projection without weights, a first WCC the arcs, SSSP the weights', () => {
    expect(projection(gs.bfs(columnGraph(), 0))).toBe('grouped');
    expect(projection(gs.pagerank(columnGraph()))).toBe('grouped');
    expect(projection(gs.wcc(columnGraph()))).toBe('arcs');
    expect(projection(gs.sssp(columnGraph(), 0))).toBe('grouped weighted');
  });

  it('a second WCC reads the grouped projection (union-find reads rows faster than the list)', () => {
    const g = columnGraph();
    expect(projection(gs.wcc(g))).toBe('arcs');
    expect(projection(gs.wcc(g))).toBe('grouped');
    expect(projection(gs.bfs(g, 0))).toBe('grouped');
  });

  it('apps after the first share the grouped projection it asked for', () => {
    const g = columnGraph();
    const bfs = gs.bfs(g, 0);
    const wcc = gs.wcc(g);
    expect(projection(wcc)).toBe('grouped');
    expect(wcc.node.inputs[0]!.key).toBe(bfs.node.inputs[0]!.key);
    const h = columnGraph();
    const sssp = gs.sssp(h, 0);
    for (const ctx of [gs.bfs(h, 0), gs.pagerank(h), gs.wcc(h)]) {
      expect(projection(ctx)).toBe('grouped weighted');
      expect(ctx.node.inputs[0]!.key).toBe(sssp.node.inputs[0]!.key);
    }
  });
});

describe('answers on a small graph match the file-loaded graph', () => {
  let root: string;
  let edgeFile: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'tessera-small-'));
    edgeFile = join(root, 'edges.txt');
    writeFileSync(edgeFile, src.map((s, i) => `${s} ${dst[i]} ${weight[i]}`).join('\n') + '\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  for (const executor of ['local', 'threads'] as const) {
    it(`BFS, WCC, PageRank and SSSP, in either order (${executor})`, async () => {
      const sess = newSession({ mode: 'lazy', default: false, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });
      try {
        const apps = (g: ReturnType<typeof columnGraph>, order: readonly string[]) =>
          order.map((app) => {
            const ctx = sess.scope(() => (app === 'bfs' ? gs.bfs(g, 0) : app === 'wcc' ? gs.wcc(g) : app === 'pagerank' ? gs.pagerank(g) : gs.sssp(g, 0)));
            return [ctx.toArray('v.id'), ctx.toArray('r')];
          });
        const byId = async (g: ReturnType<typeof columnGraph>, order: readonly string[]) => {
          const arrays = (await sess.run(apps(g, order).flat())) as NdArray[];
          const out: Record<string, Map<number, number>> = {};
          order.forEach((app, k) => {
            const ids = arrays[2 * k]!.data as ArrayLike<number>;
            const r = arrays[2 * k + 1]!.data as ArrayLike<number>;
            out[app] = new Map(Array.from(ids, (id, i) => [Number(id), Number(r[i])]));
          });
          return out;
        };
        const file = sess.scope(() => gs.loadFrom({ edges: edgeFile, delimiter: ' ', header: false, directed: true, edgeProperties: [2] }));
        const expected = await byId(file, ['bfs', 'wcc', 'pagerank', 'sssp']);
        for (const order of [['bfs', 'wcc', 'pagerank', 'sssp'], ['sssp', 'pagerank', 'wcc', 'bfs'], ['wcc', 'sssp', 'bfs', 'pagerank']]) {
          const got = await byId(sess.scope(columnGraph), order);
          for (const app of order) expect(got[app], `${app} after ${order.join(', ')}`).toEqual(expected[app]);
        }
      } finally {
        await sess.close();
      }
    });
  }
});

describe('a small graph grouped by the whole gang', () => {
  // Over 2^17 arcs (graph/parallelGroup.ts groups in parts from there), with hubs, parallel arcs and self-loops.
  const n = 40_000;
  const m = (1 << 17) + 5000;
  let x = 7;
  const rand = (k: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return (x >>> 12) % k;
  };
  const arcs = { src: new Int32Array(m), dst: new Int32Array(m), weight: new Float64Array(m) };
  for (let i = 0; i < m; i++) {
    arcs.src[i] = rand(4) === 0 ? rand(32) : rand(n);
    arcs.dst[i] = rand(4) === 0 ? rand(128) : rand(n);
    arcs.weight[i] = 1 + rand(20);
  }

  async function answers(executor: 'local' | 'threads'): Promise<number[][]> {
    const sess = newSession({ mode: 'lazy', default: false, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });
    try {
      const g = sess.scope(() => gs.loadFrom({ vertices: { id: Int32Array.from({ length: n }, (_, i) => i) }, edges: arcs, directed: true }));
      const out: number[][] = [];
      for (const app of ['sssp', 'bfs', 'pagerank', 'bfs']) {
        const ctx = sess.scope(() => (app === 'sssp' ? gs.sssp(g, 0) : app === 'bfs' ? gs.bfs(g, 0) : gs.pagerank(g, { maxRound: 5 })));
        // SSSP asked first for the weighted grouping: the others share it.
        expect(projection(ctx)).toBe('grouped weighted');
        out.push(Array.from(((await sess.run(ctx.toArray('r'))) as NdArray).data as ArrayLike<number>));
      }
      return out;
    } finally {
      await sess.close();
    }
  }

  it('gives every app the answer of the one-thread grouping (local executor)', async () => {
    const [threads, local] = [await answers('threads'), await answers('local')];
    for (let k = 0; k < local.length; k++) expect(threads[k]).toEqual(local[k]);
    expect(threads[1]!.filter((d) => Number.isFinite(d)).length).toBeGreaterThan(n / 4);
    expect(threads[3]).toEqual(threads[1]);
  }, 120_000);
});

describe('a small dense graph skips the out-slot layouts it could not use', () => {
  // 500 declared vertices, 12 arcs each: more than the widest slot rows (8 arcs) could hold 90% of.
  const n = 500;
  const m = 12 * n;
  const dense = {
    src: Int32Array.from({ length: m }, (_, i) => i % n),
    dst: Int32Array.from({ length: m }, (_, i) => (i * 7 + (i >> 3)) % n),
    weight: Float64Array.from({ length: m }, (_, i) => 1 + (i % 9)),
  };
  const id = Int32Array.from({ length: n }, (_, i) => i);
  const inputOps = (ctx: { readonly node: TileableNode }): string[] => ctx.node.inputs.map((i) => i.op);

  it('BFS never asks for the out-slots; SSSP asks for its layout from its second search', () => {
    const g = gs.loadFrom({ vertices: { id }, edges: dense, directed: true });
    expect(inputOps(gs.bfs(g, 0))).not.toContain('graph.out_slots');
    expect(inputOps(gs.bfs(g, 0))).not.toContain('graph.out_slots');
    expect(inputOps(gs.sssp(g, 0))).not.toContain('graph.sssp_layout');
    expect(inputOps(gs.sssp(g, 0))).toContain('graph.sssp_layout');
  });

  it('keeps the layouts when the vertices are not declared, or the graph is sparse', () => {
    const undeclared = gs.loadFrom({ edges: dense, directed: true });
    expect(inputOps(gs.bfs(undeclared, 0))).toContain('graph.out_slots');
    expect(inputOps(gs.sssp(undeclared, 0))).toContain('graph.sssp_layout');
    const sparse = gs.loadFrom({ vertices: { id }, edges: { src: dense.src.subarray(0, 2 * n), dst: dense.dst.subarray(0, 2 * n) }, directed: true });
    expect(inputOps(gs.bfs(sparse, 0))).toContain('graph.out_slots');
  });

  for (const executor of ['local', 'threads'] as const) {
    it(`gives the answers of the graph loaded from a file (${executor})`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'tessera-dense-'));
      const sess = newSession({ mode: 'lazy', default: false, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });
      try {
        const file = join(root, 'edges.txt');
        writeFileSync(file, Array.from(dense.src, (s, i) => `${s} ${dense.dst[i]} ${dense.weight[i]}`).join('\n') + '\n');
        const fromFile = sess.scope(() => gs.loadFrom({ edges: file, delimiter: ' ', header: false, directed: true, edgeProperties: [2] }));
        const fromColumns = sess.scope(() => gs.loadFrom({ vertices: { id }, edges: dense, directed: true }));
        const run = async (g: typeof fromFile, app: 'bfs' | 'sssp') => {
          const ctx = sess.scope(() => (app === 'bfs' ? gs.bfs(g, 3) : gs.sssp(g, 3)));
          const [ids, r] = (await sess.run([ctx.toArray('v.id'), ctx.toArray('r')])) as NdArray[];
          return new Map(Array.from(ids!.data as ArrayLike<number>, (v, i) => [Number(v), Number(r!.data[i])]));
        };
        for (const app of ['bfs', 'sssp'] as const) {
          const expected = await run(fromFile, app);
          // The first search without the layout, the second (SSSP) with it.
          expect(await run(fromColumns, app)).toEqual(expected);
          expect(await run(fromColumns, app)).toEqual(expected);
        }
      } finally {
        await sess.close();
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
});
