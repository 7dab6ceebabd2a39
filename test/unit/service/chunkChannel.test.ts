/**
 * A headless session's chunk events between its child and the server (headless/chunkChannel.ts): what
 * the feed replays is what the child's session emitted (the same graph shape, owners and settled
 * chunks), batched; and a batch the feed cannot believe (the child runs a user's module, which could
 * write anything on the channel) is dropped without a throw, event by event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newSession, type Session, tensor as tt } from '../../../src/index.js';
import { type ChunkBatch, ChunkFeed, forwardChunks } from '../../../src/service/headless/chunkChannel.js';
import type { ChunkRunEvent } from '../../../src/session/session.js';

const opened: Session[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

interface Seen {
  readonly type: string;
  readonly run: number;
  readonly index?: number;
  readonly kernels?: readonly (string | null)[];
  readonly succs?: number[];
  readonly owners?: (string | undefined)[];
}

function seen(e: ChunkRunEvent): Seen {
  if (e.type !== 'planned') return { ...e };
  const owners = Array.from({ length: e.graph.size }, (_, i) => e.ownerOf(i)?.key);
  return { type: e.type, run: e.run, kernels: [...e.graph.kernels], succs: Array.from(e.graph.succs), owners };
}

describe('forwardChunks and ChunkFeed', () => {
  it('replay on the server what the child session emitted, in batches, with its store usage', async () => {
    const child = newSession({ executor: 'local', mode: 'lazy', default: false });
    opened.push(child);
    const direct: Seen[] = [];
    child.on('chunks', (e: ChunkRunEvent) => direct.push(seen(e)));
    const feed = new ChunkFeed(1 << 20);
    const replayed: Seen[] = [];
    feed.on('chunks', (e: ChunkRunEvent) => replayed.push(seen(e)));
    const batches: ChunkBatch[] = [];
    const stop = forwardChunks(child, (b) => {
      batches.push(b);
      feed.push(structuredClone(b));
    });
    const x = tt.arange(1000, undefined, undefined, { chunkSize: 100 });
    await child.run(x.mul(2).sum());
    const bad = x.reduce((a, v) => {
      if (v === 555) throw new Error('no');
      return a + v;
    });
    await expect(child.run(bad)).rejects.toThrow('no');
    stop();
    expect(replayed).toEqual(direct);
    expect(direct.filter((e) => e.type === 'ended').length).toBe(2);
    // A run's end is sent at once; its chunks ride along in as few batches as the timer allows.
    expect(batches.length).toBeLessThan(direct.length);
    expect(batches.at(-1)!.events.at(-1)).toMatchObject({ type: 'ended', run: 2, ok: false });
    expect(feed.store.status()).toEqual({ memoryUsage: child.store.status().memoryUsage, memoryLimit: child.store.status().memoryLimit, objects: expect.any(Number) });
    // The runs as the session's registry record counts them: two, the second failed, no chunk done twice.
    const progress = feed.progress();
    expect(progress).toMatchObject({ runs: 2, running: false, failedRuns: 1 });
    expect(progress.chunksDone).toBeLessThan(progress.chunksTotal);
    const firstRunChunks = (direct[0]!.kernels ?? []).filter((k) => k !== null).length;
    expect(direct.filter((e) => e.type === 'finished' && e.run === 1).length).toBe(firstRunChunks);
    let closed = 0;
    feed.once('close', () => closed++);
    feed.end();
    feed.end();
    expect([closed, feed.closed, feed.listenerCount('chunks')]).toEqual([1, true, 0]);
  });

  it('drops what it cannot believe, event by event, and never throws', () => {
    const feed = new ChunkFeed(1000);
    const got: ChunkRunEvent[] = [];
    feed.on('chunks', (e: ChunkRunEvent) => got.push(e));
    const plan = (over: Record<string, unknown> = {}) => ({
      type: 'planned',
      run: 1,
      kernels: ['a', 'b', null],
      depStart: Int32Array.from([0, 0, 1, 2]),
      deps: Int32Array.from([0, 1]),
      ownerKeys: ['t1'],
      ownerOf: Int32Array.from([0, 0, -1]),
      ...over,
    });
    const push = (...events: unknown[]): void => feed.push({ events, store: { memoryUsage: 10, memoryLimit: 1000, objects: 1 } });
    for (const junk of [null, 3, 'x', { events: 'x' }, { events: [null, 1, 'planned'] }]) expect(() => feed.push(junk)).not.toThrow();
    push(
      plan({ deps: Int32Array.from([0, 7]) }),
      plan({ depStart: Int32Array.from([0, 2, 1, 2]) }),
      plan({ depStart: [0, 0, 1, 2] }),
      plan({ kernels: ['a', 3, null] }),
      plan({ ownerOf: Int32Array.from([0, 5, -1]) }),
      plan({ run: 'one' }),
      { type: 'finished', run: 1, index: 0 },
    );
    expect(got).toEqual([]);
    push(plan(), { type: 'finished', run: 1, index: 3 }, { type: 'finished', run: 1, index: -1 }, { type: 'finished', run: 1, index: 0.5 }, { type: 'failed', run: 2, index: 0 });
    push({ type: 'ended', run: 1, ok: 'yes' }, { type: 'ended', run: 1, ok: false, failedIndex: 9 }, { type: 'mystery', run: 1 });
    push({ type: 'finished', run: 1, index: 1 }, { type: 'ended', run: 1, ok: true });
    expect(got.map((e) => e.type)).toEqual(['planned', 'finished', 'ended']);
    const planned = got[0] as Extract<ChunkRunEvent, { type: 'planned' }>;
    expect([planned.graph.size, Array.from(planned.graph.succs), planned.ownerOf(1)?.key, planned.ownerOf(2)]).toEqual([3, [1, 2], 't1', undefined]);
    feed.push({ events: [], store: { memoryUsage: -1, memoryLimit: 1000, objects: 1 } });
    expect(feed.store.status()).toEqual({ memoryUsage: 10, memoryLimit: 1000, objects: 1 });
    feed.end();
    feed.push({ events: [plan({ run: 3 })] });
    expect(got.length).toBe(3);
  });
});
