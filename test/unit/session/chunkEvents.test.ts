/**
 * The session's `'chunks'` events (what the dashboard draws a run from): a run's graph when it is
 * planned, each chunk as it settles, the run's end with the chunk that stopped it — and nothing at all
 * while nobody listens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ListenerError, newSession, type Session, type SessionOptions, tensor as tt } from '../../../src/index.js';
import type { ChunkRunEvent } from '../../../src/session/session.js';

const opened: Session[] = [];
function open(options: SessionOptions = {}): Session {
  const s = newSession({ executor: 'local', mode: 'lazy', default: false, ...options });
  opened.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

/** Records events in order; for `planned` also each chunk's op and kernel, read while the event lasts. */
function record(s: Session): { events: ChunkRunEvent[]; ops: Map<number, string[]> } {
  const events: ChunkRunEvent[] = [];
  const ops = new Map<number, string[]>();
  s.on('chunks', (e: ChunkRunEvent) => {
    events.push(e);
    if (e.type === 'planned') ops.set(e.run, e.graph.keys.map((_, i) => e.ownerOf(i)?.op ?? 'fetch'));
  });
  return { events, ops };
}

describe("session 'chunks' events", () => {
  it('a run: planned first, every computed chunk finished once, after its inputs, then ended ok', async () => {
    const s = open();
    const { events, ops } = record(s);
    const total = tt.arange(1000, undefined, undefined, { chunkSize: 100 }).mul(2).sum();
    expect((await s.run(total) as { item(): number }).item()).toBe(999_000);

    const planned = events[0]!;
    expect(planned.type).toBe('planned');
    if (planned.type !== 'planned') return;
    const graph = planned.graph;
    expect(events.at(-1)).toEqual({ type: 'ended', run: planned.run, ok: true });
    const finished = events.filter((e) => e.type === 'finished').map((e) => (e as { index: number }).index);
    const computed = graph.kernels.flatMap((k, i) => (k === null ? [] : [i]));
    expect([...finished].sort((a, b) => a - b)).toEqual(computed);
    const at = new Map(finished.map((i, k) => [i, k]));
    for (const i of finished) for (const d of graph.inputsOf(i)) if (graph.kernels[d] !== null) expect(at.get(d)!).toBeLessThan(at.get(i)!);
    const runOps = ops.get(planned.run)!;
    // Each arange chunk runs inside the task of the reduction map that reads it (a chained task, owned by the reduction).
    expect(graph.kernels.filter((k) => k === 'chain')).toHaveLength(10);
    expect(runOps).toContain('tensor.reduce');
    expect(runOps.every((o) => ['tensor.ew', 'tensor.reduce'].includes(o))).toBe(true);
  });

  it('a failing chunk: the run ends not ok, naming the chunk that failed', async () => {
    const s = open();
    const { events, ops } = record(s);
    const bad = tt.arange(1000, undefined, undefined, { chunkSize: 100 }).reduce((a, x) => {
      if (x === 777) throw new Error('no sevens');
      return a + x;
    });
    await expect(s.run(bad)).rejects.toThrow('no sevens');
    const ended = events.at(-1)!;
    expect(ended).toMatchObject({ type: 'ended', ok: false });
    if (ended.type !== 'ended') return;
    expect(ops.get(ended.run)![ended.failedIndex!]).toBe('tensor.user_reduce');
    expect(events.some((e) => e.type === 'finished' && e.index === ended.failedIndex)).toBe(false);
  });

  it('a second run reading a stored result plans it as a fetch chunk', async () => {
    const s = open();
    const x = tt.arange(400, undefined, undefined, { chunkSize: 100 }).add(1);
    await s.execute([x]);
    const { events } = record(s);
    await s.execute([x.sum()]);
    const planned = events.find((e) => e.type === 'planned');
    if (planned?.type !== 'planned') throw new Error('no planned event');
    expect(planned.graph.kernels.filter((k) => k === null)).toHaveLength(4);
    expect(planned.ownerOf(planned.graph.kernels.indexOf(null))).toBeUndefined();
  });

  it('eager batches that fail per node report the failed chunk and end not ok', async () => {
    const s = open({ mode: 'eager' });
    const { events } = record(s);
    const bad = s.scope(() => tt.arange(10, undefined, undefined, { chunkSize: 5 }).map((x) => (x > 6 ? ({} as number) : x)));
    await expect(bad.fetch()).rejects.toThrow();
    const failed = events.filter((e) => e.type === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ type: 'ended', ok: false });
  });

  it('a listener that throws stops the run with a ListenerError and the session stays usable', async () => {
    const s = open();
    const listener = (e: ChunkRunEvent): void => {
      if (e.type === 'finished') throw new Error('viewer broke');
    };
    s.on('chunks', listener);
    const x = tt.arange(300, undefined, undefined, { chunkSize: 100 }).sum();
    await expect(s.run(x)).rejects.toBeInstanceOf(ListenerError);
    s.off('chunks', listener);
    expect((await s.run(x) as { item(): number }).item()).toBe(44_850);
  });

  it('without a listener a run emits no chunk events', async () => {
    const s = open();
    const emitted: string[] = [];
    const emit = s.emit.bind(s);
    s.emit = (name: string | symbol, ...args: unknown[]) => {
      emitted.push(String(name));
      return emit(name, ...args);
    };
    await s.run(tt.arange(300, undefined, undefined, { chunkSize: 100 }).sum());
    expect(emitted).toContain('run');
    expect(emitted).not.toContain('chunks');
  });
});
