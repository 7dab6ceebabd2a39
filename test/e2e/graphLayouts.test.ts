/**
 * Which layouts an app's run builds (issue 9 §1: a first BFS on a big directed graph should not wait
 * for a transpose it barely uses). On a big directed graph — one loaded from a file, whose size is not
 * known when it is built — the first BFS runs top-down over the out-arcs alone; from the second BFS on
 * the same graph handle (or once another app asked it for the in-CSR) BFS reads the in-arcs too. The depths
 * are the same either way, on both executors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TileableNode } from '../../src/dag/nodes.js';
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
    expect(ops(gs.pagerank(g).node)).toContain('graph.in_csr');
    expect(ops(gs.bfs(g, 0).node)).toContain('graph.in_csr');
  });

  it('a small graph built from columns never reads in-arcs for BFS', () => {
    const g = gs.loadFrom({ edges: { src: Int32Array.of(0, 1, 2), dst: Int32Array.of(1, 2, 0) }, directed: true });
    expect(ops(gs.bfs(g, 0).node)).not.toContain('graph.in_csr');
    expect(ops(gs.bfs(g, 0).node)).not.toContain('graph.in_csr');
  });

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
      // The second BFS reads the in-CSR, and PageRank the pull layout made from it.
      expect(ops(apps[2]!.node)).toContain('graph.in_csr');
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
