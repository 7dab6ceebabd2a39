/**
 * String id columns are packed into recycled memory (ops/graph/sources.ts) and their codes are recycled
 * task outputs (graph/stringDict.ts), on both executors: a graph loaded after another one's handles and
 * session are gone refills that memory, while a graph whose handle lives, and the ids and results
 * fetched from it, keep their own values. The strings of graphs `k` differ in content but not in length,
 * so every graph's buffers are of one size and can serve each other.
 */
import { describe, expect, it } from 'vitest';
import { recycledBufferStats } from '../../src/base/recycledBuffers.js';
import { type Graph, graph as gs, type NdArray, newSession, type Session } from '../../src/index.js';
import { collectGarbage } from '../support/collect.js';

/** Vertex i of graph k: 12 bytes, so n vertices are 12n bytes of ids and each edge column 24n. */
const nameOf = (k: number, i: number): string => `g${k}-v${String(i).padStart(8, '0')}`;

/** A ring i -> i+1 plus chords i -> 7i+k: BFS from vertex 0 gives depths the test computes itself. */
function arcs(k: number, n: number): { src: Int32Array; dst: Int32Array } {
  const src = Int32Array.from({ length: 2 * n }, (_, e) => e % n);
  const dst = Int32Array.from({ length: 2 * n }, (_, e) => (e < n ? (e + 1) % n : (7 * (e - n) + k) % n));
  return { src, dst };
}

function load(sess: Session, k: number, n: number): Graph {
  const { src, dst } = arcs(k, n);
  const ids = Array.from({ length: n }, (_, i) => nameOf(k, i));
  return sess.scope(() =>
    gs.loadFrom({
      vertices: { id: ids },
      edges: { src: Array.from(src, (v) => ids[v]!), dst: Array.from(dst, (v) => ids[v]!) },
      directed: true,
      oidType: 'string',
    }),
  );
}

/** BFS depths from vertex 0 by the arcs, in the vertices' string order (the results' order). */
function expectedDepths(k: number, n: number): Map<string, number> {
  const { src, dst } = arcs(k, n);
  const out: number[][] = Array.from({ length: n }, () => []);
  src.forEach((s, e) => out[s]!.push(dst[e]!));
  const depth = new Array<number>(n).fill(Infinity);
  depth[0] = 0;
  const queue = [0];
  for (let at = 0; at < queue.length; at++) {
    for (const t of out[queue[at]!]!) {
      if (depth[t] === Infinity) {
        depth[t] = depth[queue[at]!]! + 1;
        queue.push(t);
      }
    }
  }
  return new Map(depth.map((d, i) => [nameOf(k, i), d]));
}

/** The first id whose depth is wrong, or '' when all are right. */
function firstWrong(ids: readonly string[], depths: NdArray, k: number, n: number): string {
  const expected = expectedDepths(k, n);
  if (ids.length !== n || depths.data.length !== n) return `${ids.length} ids, ${depths.data.length} depths`;
  for (let i = 0; i < n; i++) if (expected.get(ids[i]!) !== depths.data[i]) return `${ids[i]}: ${depths.data[i]}`;
  return '';
}

async function bfsOf(sess: Session, g: Graph, k: number): Promise<[string[], NdArray]> {
  const ctx = sess.scope(() => gs.bfs(g, nameOf(k, 0)));
  return (await sess.run([ctx.toArray('v.id'), ctx.toArray('r')])) as [string[], NdArray];
}

// Graphs of a size of their own per executor: memory the first describe left idle must not serve the second.
describe.each([
  ['local', 30_000],
  ['threads', 36_000],
] as const)('string id columns in recycled memory on the %s executor', (executor, n) => {
  const open = () => newSession({ mode: 'lazy', executor, ...(executor === 'threads' ? { workers: 2 } : {}), default: false });

  /** Loads two graphs and keeps the second's handle and what was fetched from it; in a function of its own, so no handle outlives it in a register. */
  async function firstSession(): Promise<{ readonly live: Graph; readonly ids: string[]; readonly depths: NdArray }> {
    const first = open();
    try {
      const [deadIds, deadDepths] = await bfsOf(first, load(first, 1, n), 1);
      expect(firstWrong(deadIds, deadDepths, 1, n)).toBe('');
      const live = load(first, 2, n);
      const [ids, depths] = await bfsOf(first, live, 2);
      expect(firstWrong(ids, depths, 2, n)).toBe('');
      return { live, ids, depths };
    } finally {
      await first.close();
    }
  }

  it('refill a dead graph’s memory, and leave the live graph and fetched values theirs', async () => {
    const { live, ids, depths } = await firstSession();
    await collectGarbage();
    const before = recycledBufferStats().reused;
    const second = open();
    try {
      const next = [load(second, 3, n), load(second, 4, n)];
      // The columns of the dead graph (k = 1) are refilled; the live one's (k = 2) are not.
      expect(recycledBufferStats().reused).toBeGreaterThan(before);
      const [ids3, depths3] = await bfsOf(second, next[0]!, 3);
      const [ids4, depths4] = await bfsOf(second, next[1]!, 4);
      expect(firstWrong(ids3, depths3, 3, n)).toBe('');
      expect(firstWrong(ids4, depths4, 4, n)).toBe('');
      // The live graph reloaded in the new session from its own columns, and the values fetched before.
      const [again, againDepths] = await bfsOf(second, live, 2);
      expect(firstWrong(again, againDepths, 2, n)).toBe('');
      expect(firstWrong(ids, depths, 2, n)).toBe('');
    } finally {
      await second.close();
    }
  });
});
