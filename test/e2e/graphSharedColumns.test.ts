/**
 * Columns a user already holds in shared memory (SharedArrayBuffer-backed Int32Array, Float64Array and
 * BigInt64Array) are adopted by `gs.loadFrom`, not copied: the workers read them as they are. The
 * engine must then never write them, and a graph built from them must give the same results as the
 * same columns in ordinary memory — on both executors, for the apps that read ids, arcs and weights.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graph as gs, type NdArray, newSession, type Session } from '../../src/index.js';

const N = 3000;
const M = 24_000;

/** A seeded random directed graph with a chain through every vertex (so all are reached). */
function columns() {
  let seed = 12345;
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const src = new Int32Array(M);
  const dst = new Int32Array(M);
  const weight = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    src[i] = i < N - 1 ? i : Math.floor(next() * N);
    dst[i] = i < N - 1 ? i + 1 : Math.floor(next() * N);
    weight[i] = 0.5 + next();
  }
  const id = new Int32Array(N);
  for (let v = 0; v < N; v++) id[v] = v;
  return { id, src, dst, weight };
}

function sharedCopy<T extends Int32Array | Float64Array | BigInt64Array>(a: T): T {
  const out = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

function load(c: ReturnType<typeof columns>, id: Int32Array | BigInt64Array = c.id) {
  return gs.loadFrom({ vertices: { id }, edges: { src: c.src, dst: c.dst, weight: c.weight }, directed: true });
}

async function results(sess: Session, g: ReturnType<typeof load>): Promise<number[][]> {
  const apps = [gs.sssp(g, 0), gs.bfs(g, 0), gs.wcc(g), gs.pagerank(g, { delta: 0.85, maxRound: 10 })];
  const out: number[][] = [];
  for (const ctx of apps) out.push(Array.from(((await sess.run(ctx.toArray('r'))) as NdArray).data as Float64Array));
  return out;
}

describe.each(['local', 'threads'] as const)('shared columns are adopted (%s)', (executor) => {
  let sess: Session;
  beforeAll(() => {
    sess = newSession({ executor, mode: 'lazy', default: false, ...(executor === 'threads' ? { workers: 2 } : {}) });
  });
  afterAll(() => sess.close());

  it('give the results of the same columns in ordinary memory, and are never written', async () => {
    const plain = columns();
    const shared = { id: sharedCopy(plain.id), src: sharedCopy(plain.src), dst: sharedCopy(plain.dst), weight: sharedCopy(plain.weight) };
    const expected = await results(sess, sess.scope(() => load(plain)));
    const got = await results(sess, sess.scope(() => load(shared)));
    expect(got).toEqual(expected);
    // Running every app read the shared columns in place; none of them was written.
    const again = columns();
    expect(Array.from(shared.src)).toEqual(Array.from(again.src));
    expect(Array.from(shared.dst)).toEqual(Array.from(again.dst));
    expect(Array.from(shared.weight)).toEqual(Array.from(again.weight));
    expect(Array.from(shared.id)).toEqual(Array.from(again.id));
  });

  it('a shared BigInt64Array of ids is adopted too, and the results name the original ids', async () => {
    const plain = columns();
    const big = sharedCopy(BigInt64Array.from(plain.id, (v) => BigInt(v) + 2n ** 40n));
    const before = Array.from(big);
    const g = sess.scope(() =>
      gs.loadFrom({
        vertices: { id: big },
        edges: { src: BigInt64Array.from(plain.src, (v) => BigInt(v) + 2n ** 40n), dst: BigInt64Array.from(plain.dst, (v) => BigInt(v) + 2n ** 40n) },
        directed: true,
      }),
    );
    const labels = (await sess.run(sess.scope(() => gs.wcc(g)).toArray('r'))) as NdArray | BigInt64Array;
    const values = labels instanceof BigInt64Array ? Array.from(labels, Number) : Array.from(labels.data as Float64Array);
    // The chain joins every vertex: one component, labelled by the smallest original id.
    expect(values).toHaveLength(N);
    expect(new Set(values)).toEqual(new Set([2 ** 40]));
    expect(Array.from(big)).toEqual(before);
  });
});
