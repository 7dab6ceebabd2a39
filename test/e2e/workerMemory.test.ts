/**
 * The shared pool's workers outlive sessions, and a SharedArrayBuffer's memory is freed only once every
 * thread that held it has collected its handle. Workers whose heaps never grow never collected: each
 * closed session that had loaded a graph left its column copies mapped for good (15 MB a session for a
 * 1M-arc graph). Now a worker collects when it goes idle after handling shared bytes
 * (kernels/workerCollection.ts): after sessions close and the main thread collects, the memory the
 * process's allocator holds comes back to where it started.
 */
import { describe, expect, it } from 'vitest';
import { getOption, graph as gs, newSession, setOption, tensor as tt } from '../../src/index.js';
import { idleCollectionKind, sharedBytesIn } from '../../src/kernels/workerCollection.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';

failOnUnhandledRejections();

const MB = 2 ** 20;
const collect = (globalThis as { gc?: () => void }).gc!;
const heldBytes = (): number => process.memoryUsage().arrayBuffers;

/** Collects on this thread until the allocator holds at most `limit` bytes, or `ms` pass; returns what it holds then. */
async function settledBelow(limit: number, ms: number): Promise<number> {
  const until = Date.now() + ms;
  for (;;) {
    collect();
    const held = heldBytes();
    if (held <= limit || Date.now() > until) return held;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('worker threads let go of closed sessions’ shared buffers', () => {
  const arcs = 1 << 20;
  const src = new Int32Array(arcs);
  const dst = new Int32Array(arcs);
  const weight = new Float64Array(arcs);
  for (let i = 0; i < arcs; i++) {
    src[i] = i % 4096;
    dst[i] = (i * 7) % 4096;
    weight[i] = i % 10;
  }

  /** The baseline, then what the process holds after `sessions` sessions that each load the graph (once at most `limit` over it, or after 10 s). */
  async function heldAfter(sessions: number, limit: number): Promise<{ readonly baseline: number; readonly held: number }> {
    // A session on the shared pool, run once, so its threads are up before the baseline is read.
    const warm = newSession({ mode: 'lazy', default: false });
    await warm.run(tt.ones([1 << 16], { chunkSize: 1 << 12 }).sum());
    await warm.close();
    const baseline = await settledBelow(0, 200);
    for (let i = 0; i < sessions; i++) {
      const sess = newSession({ mode: 'lazy', default: false });
      // Each session's graph copies the 16 MB of columns into shared memory that its workers read.
      const g = sess.scope(() => gs.loadFrom({ edges: { src, dst, weight }, directed: true }));
      const summary = (await sess.run(g)) as { edgeCount?: number };
      expect(summary).toBeDefined();
      await sess.close();
    }
    return { baseline, held: await settledBelow(baseline + limit, 10_000) };
  }

  it('loading a graph in session after session keeps the process’s buffers flat', async () => {
    // Without recycled column memory (base/recycledBuffers.ts), which keeps some by design (next test).
    const saved = getOption('recycledMemory');
    setOption('recycledMemory', 0);
    try {
      const { baseline, held } = await heldAfter(5, 20 * MB);
      // Before: every session's 16 MB stayed (80 MB here); now at most one session's worth may be in flight.
      expect(held - baseline).toBeLessThanOrEqual(20 * MB);
    } finally {
      setOption('recycledMemory', saved);
    }
  });

  it('with recycled column memory, keeps a bounded amount, whatever the number of sessions', async () => {
    // Columns of the load before the previous one are refilled: two sessions' worth stay, ready.
    const { baseline, held } = await heldAfter(8, 3 * 17 * MB);
    expect(held - baseline).toBeLessThanOrEqual(3 * 17 * MB);
  });
});

describe('sharedBytesIn', () => {
  it('counts each shared buffer once, wherever it is reachable, and skips arrays of plain values', () => {
    const a = new SharedArrayBuffer(1024);
    const b = new SharedArrayBuffer(4096);
    const value = {
      x: new Float64Array(a),
      nested: [{ y: new Int32Array(a, 8, 4) }, { z: new Uint8Array(b) }],
      ids: ['a', 'b', 'c'],
      map: new Map([['k', { w: new Int32Array(b) }]]),
      plain: new Float64Array(16),
    };
    expect(sharedBytesIn(value)).toBe(1024 + 4096);
    expect(sharedBytesIn([value, value])).toBe(1024 + 4096);
    expect(sharedBytesIn(null)).toBe(0);
    expect(sharedBytesIn(['x', new Int32Array(b)])).toBe(0);
  });
});

describe('idleCollectionKind', () => {
  it('is minor (a pause of a few ms) until 512 MB were handled since the last major one', () => {
    const kinds = Array.from({ length: 6 }, () => idleCollectionKind(100 * MB));
    expect(kinds).toEqual(['minor', 'minor', 'minor', 'minor', 'minor', 'major']);
    expect(idleCollectionKind(16 * MB)).toBe('minor');
  });
});
