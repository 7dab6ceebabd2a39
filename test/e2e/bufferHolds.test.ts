/**
 * A task's result array — a worker's, or one a small driver run filled on the calling thread (a BFS this
 * small runs there: executors/threads.ts) — is refilled as soon as the engine lets go of it, without a collection
 * (base/bufferHolds.ts) — and never while anyone outside the engine's holders can still read it: a
 * value the user read from the store by id, a persisted result. BFS from a different source each run
 * writes different depths, so memory refilled under a reader changes what it reads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldBufferCount } from '../../src/base/bufferHolds.js';
import { recycledBufferStats } from '../../src/base/recycledBuffers.js';
import { type Graph, graph as gs, type NdArray, newSession, type Session } from '../../src/index.js';

/** Vertices: enough for a 256 KB depth array (recycled: base/recycledBuffers.ts RECYCLE_MIN_BYTES). */
const N = 70_000;

/** A ring with chords: every vertex reached from every source, at depths that depend on the source. */
function load(sess: Session): Graph {
  const src = new Int32Array(2 * N);
  const dst = new Int32Array(2 * N);
  for (let i = 0; i < N; i++) {
    src[i] = i;
    dst[i] = (i + 1) % N;
    src[N + i] = i;
    dst[N + i] = (i * 7919 + 13) % N;
  }
  return sess.scope(() => gs.loadFrom({ edges: { src, dst }, directed: true }));
}

/** BFS depths from `source` by the book, to check every run against. */
function referenceDepths(source: number): Float64Array {
  const depth = new Float64Array(N).fill(Infinity);
  const queue = new Int32Array(N);
  let head = 0;
  let tail = 0;
  depth[source] = 0;
  queue[tail++] = source;
  while (head < tail) {
    const v = queue[head++]!;
    for (const w of [(v + 1) % N, (v * 7919 + 13) % N]) {
      if (depth[w] !== Infinity) continue;
      depth[w] = depth[v]! + 1;
      queue[tail++] = w;
    }
  }
  return depth;
}

function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe('workers’ result arrays, refilled once the engine lets go of them', () => {
  let sess: Session;
  let g: Graph;

  beforeAll(() => {
    sess = newSession({ mode: 'lazy', executor: 'threads', workers: 2, default: false });
    g = load(sess);
  });
  afterAll(async () => {
    await sess.close();
  });

  /** Runs BFS from `source` and fetches its depths, then releases both handles. */
  async function bfsOnce(source: number): Promise<Float64Array> {
    const ctx = sess.scope(() => gs.bfs(g, source));
    const array = ctx.toArray('r');
    const got = (await sess.run(array)) as NdArray;
    array.release({ session: sess });
    ctx.release({ session: sess });
    return got.data as Float64Array;
  }

  it('a warm loop refills its results without a collection, every run correct, and its holds balance', async () => {
    const before = recycledBufferStats().deadCounted;
    const held: number[] = [];
    for (let run = 0; run < 12; run++) {
      const source = (run * 5003) % N;
      expect(firstDifference(await bfsOnce(source), referenceDepths(source))).toBe(-1);
      held.push(heldBufferCount());
    }
    // Each run's depth array (and the selection viewing it) was let go by the store and the run.
    expect(recycledBufferStats().deadCounted - before).toBeGreaterThanOrEqual(10);
    // What stays held is the graph's (its CSR and layouts, built by the first runs), not the runs' results.
    expect(held.slice(4)).toEqual(held.slice(4).map(() => held[3]));
  });

  it('a result read from the store by id, or persisted, keeps its values through later runs', async () => {
    const ctx = sess.scope(() => gs.bfs(g, 1));
    const array = ctx.toArray('r');
    const persistedCtx = sess.scope(() => gs.bfs(g, 2));
    const persistedArray = persistedCtx.toArray('r');
    await sess.execute([array, persistedArray]);
    const [info] = await sess.fetchInfos(array);
    const [persistedInfo] = await sess.fetchInfos(persistedArray);
    // The selection's raw value: a view of the worker's depth array (every vertex is reached: the
    // depths as they are), handed out by the store.
    const raw = sess.store.get(info!.objectId!) as { readonly values: Int32Array };
    expect(firstDifference(raw.values, referenceDepths(1))).toBe(-1);
    await sess.persist(persistedArray);
    for (const h of [array, ctx, persistedArray, persistedCtx]) h.release({ session: sess });
    const before = recycledBufferStats().deadCounted;
    for (let run = 0; run < 12; run++) {
      const source = 100 + run * 4001;
      expect(firstDifference(await bfsOnce(source), referenceDepths(source))).toBe(-1);
    }
    // The loop did refill memory, but not these two arrays.
    expect(recycledBufferStats().deadCounted - before).toBeGreaterThanOrEqual(10);
    expect(firstDifference(raw.values, referenceDepths(1))).toBe(-1);
    const persisted = sess.store.get(persistedInfo!.objectId!) as { readonly values: Int32Array };
    expect(firstDifference(persisted.values, referenceDepths(2))).toBe(-1);
  });
});

describe('workers’ result arrays spilled under the memory limit', () => {
  it('come back from disk as they were, while their memory serves later runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-holds-'));
    // Room for the graph and a few results: the rest are spilled as more are kept, and a spilled
    // result's memory (no longer held by the store) is refilled by the runs after it.
    const sess = newSession({ mode: 'lazy', executor: 'threads', workers: 2, memoryLimit: '6Mi', spillDir: dir, default: false });
    try {
      const g = load(sess);
      const dead = recycledBufferStats().deadCounted;
      const kept: { readonly source: number; readonly array: ReturnType<ReturnType<typeof gs.bfs>['toArray']> }[] = [];
      for (let k = 0; k < 24; k++) {
        const source = (k * 2903 + 7) % N;
        const array = sess.scope(() => gs.bfs(g, source).toArray('r'));
        await sess.execute([array]);
        kept.push({ source, array });
      }
      expect(sess.store.status().spills).toBeGreaterThan(0);
      // Every result is still held by its handle: only spilling let their memory go.
      expect(recycledBufferStats().deadCounted).toBeGreaterThan(dead);
      for (const { source, array } of kept) {
        const got = (await sess.run(array)) as NdArray;
        expect(firstDifference(got.data as Float64Array, referenceDepths(source))).toBe(-1);
      }
    } finally {
      await sess.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
