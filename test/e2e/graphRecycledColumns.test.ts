/**
 * A graph's big inline columns are copied into recycled memory (base/recycledBuffers.ts), on both
 * executors: a graph loaded after another one's handles and session are gone refills that memory, while
 * everything still readable — a fetched column, a graph whose handle lives, the new graph — keeps its
 * own values. On `threads` the edge and vertex tables come back from a worker as other objects for the
 * same memory, which must count as readers.
 */
import { describe, expect, it } from 'vitest';
import { recycledBufferStats } from '../../src/base/recycledBuffers.js';
import { type Graph, graph as gs, type NdArray, newSession, type Session } from '../../src/index.js';
import { collectGarbage } from '../support/collect.js';

/** Every vertex has score k*i; 2n arcs. The score, src and dst columns (8n bytes each) are recycled, and of one size. */
function load(sess: Session, k: number, n: number): Graph {
  const id = Int32Array.from({ length: n }, (_, i) => i);
  const score = Float64Array.from({ length: n }, (_, i) => k * i);
  const src = Int32Array.from({ length: 2 * n }, (_, i) => i % n);
  const dst = Int32Array.from({ length: 2 * n }, (_, i) => (i * 7 + k) % n);
  return sess.scope(() => gs.loadFrom({ vertices: { id, score }, edges: { src, dst }, directed: true }));
}

function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** The score column of an exported graph value: its one Float64Array. */
function scoresIn(value: unknown, depth = 0): Float64Array {
  if (value instanceof Float64Array) return value;
  if (typeof value === 'object' && value !== null && depth < 8 && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) {
      const found = scoresIn(v, depth + 1);
      if (found) return found;
    }
  }
  return undefined as unknown as Float64Array;
}

function firstWrong(a: NdArray | Float64Array, k: number, n: number): number {
  const data = (a instanceof Float64Array ? a : a.data) as Float64Array;
  if (data.length !== n) return -2;
  for (let i = 0; i < n; i++) if (data[i] !== k * i) return i;
  return -1;
}

// Graphs of a size of their own per executor: memory the first describe left idle must not serve the second.
describe.each([
  ['local', 300_000],
  ['threads', 340_000],
] as const)('graph columns in recycled memory on the %s executor', (executor, n) => {
  const open = () => newSession({ mode: 'lazy', executor, ...(executor === 'threads' ? { workers: 2 } : {}), default: false });

  /**
   * Loads three graphs and keeps: nothing of the first, a fetched column and the exported raw value of
   * the second (no handle), the third's handle. In a function of its own, so that no handle it made
   * outlives it in a register of the test's frame.
   */
  async function firstSession(): Promise<{ readonly kept: NdArray; readonly exportedScores: Float64Array; readonly live: Graph; readonly dist: NdArray; readonly distCopy: Float64Array }> {
    const first = open();
    try {
      const dead = load(first, 1, n);
      const exportedGraph = load(first, 2, n);
      const live = load(first, 4, n);
      const [deadScores, kept, exported, dist] = (await first.run([
        first.scope(() => gs.wcc(dead).toArray('v.data')),
        first.scope(() => gs.wcc(exportedGraph).toArray('v.data')),
        exportedGraph.exportValue(),
        // A result array made by a worker (on threads), its CSR too: recycled memory of that thread.
        first.scope(() => gs.sssp(exportedGraph, 0).toArray('r')),
        first.scope(() => gs.sssp(dead, 0).toArray('r')),
      ])) as [NdArray, NdArray, unknown, NdArray];
      expect(firstWrong(deadScores, 1, n)).toBe(-1);
      // The raw graph value views the columns as the task that built it returned them: on threads,
      // other objects for the memory of the handle's columns.
      const exportedScores = scoresIn(exported);
      expect(firstWrong(exportedScores, 2, n)).toBe(-1);
      return { kept, exportedScores, live, dist, distCopy: Float64Array.from(dist.data as Float64Array) };
    } finally {
      await first.close();
    }
  }

  it('refill a dead graph’s memory, and leave what can still be read its values', async () => {
    const dead = recycledBufferStats().dead;
    const { kept, exportedScores, live, dist, distCopy } = await firstSession();
    await collectGarbage();
    // The dead graph's columns, CSR and results, whichever thread made them, are marked dead.
    expect(recycledBufferStats().dead).toBeGreaterThan(dead);
    const before = recycledBufferStats().reused;
    const second = open();
    try {
      // The first takes the dead graph's memory; the second finds none left that nobody reads.
      const next = [load(second, 3, n), load(second, 5, n)];
      expect(recycledBufferStats().reused).toBeGreaterThan(before);
      const results = (await second.run([
        ...next.map((g) => second.scope(() => gs.wcc(g).toArray('v.data'))),
        second.scope(() => gs.wcc(live).toArray('v.data')),
        // Apps whose CSR and results reuse the dead graph's memory on the worker that made it.
        ...next.map((g) => second.scope(() => gs.sssp(g, 0).toArray('r'))),
      ])) as NdArray[];
      expect(results.slice(0, 3).map((r, k) => firstWrong(r, [3, 5, 4][k]!, n))).toEqual([-1, -1, -1]);
      expect(results[3]!.data.length).toBe(n);
      expect(firstWrong(kept, 2, n)).toBe(-1);
      expect(firstWrong(exportedScores, 2, n)).toBe(-1);
      expect(firstDifference(dist.data as Float64Array, distCopy)).toBe(-1);
    } finally {
      await second.close();
    }
  });
});
