/**
 * The progress feed: an engine session's progress events reach the record as counters, at most once per
 * interval however many events come; a run that ends without its 'run' event counts as failed.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Session } from '../../../src/session/index.js';
import { ProgressFeed, type ProgressSink } from '../../../src/service/server/progressFeed.js';

function fakeSession(): EventEmitter & { closed: boolean } {
  return Object.assign(new EventEmitter(), {
    closed: false,
    store: { status: () => ({ memoryUsage: 4096, objects: 7, persisted: 2 }) },
  });
}

function sink(): ProgressSink & { records: Parameters<ProgressSink['record']>[0][]; lines: string[] } {
  const records: Parameters<ProgressSink['record']>[0][] = [];
  const lines: string[] = [];
  return { records, lines, record: (u) => void records.push(u), log: (l) => void lines.push(l) };
}

describe('ProgressFeed', () => {
  it('sums chunks over runs, counts a run that never finished as failed, and logs one line per run start and end', () => {
    const session = fakeSession();
    const out = sink();
    const feed = new ProgressFeed(session as unknown as Session, out, 1e9);
    session.emit('progress', { run: 1, done: 0, total: 4, progress: 0 });
    session.emit('progress', { run: 1, done: 2, total: 4, progress: 0.5 });
    session.emit('run', { run: 1, executed: 4, reused: 0, durationMs: 3 });
    session.emit('progress', { run: 1, done: 4, total: 4, progress: 1 });
    session.emit('progress', { run: 2, done: 0, total: 3, progress: 0 });
    session.emit('progress', { run: 2, done: 1, total: 3, progress: 1 / 3 });
    session.emit('progress', { run: 3, done: 0, total: 0, progress: 1 });
    feed.stop();
    expect(out.records.at(-1)).toEqual({
      dag: { runs: 3, chunksTotal: 7, chunksDone: 5, running: false, failedRuns: 1 },
      memoryInUse: 4096,
      storeObjects: 5,
    });
    expect(out.lines).toEqual([
      'run 1: 4 chunks to run',
      'run 1 done: 4 chunks run, 0 reused, in 3 ms',
      'run 2: 3 chunks to run',
      'run 2 failed or was cancelled after 1 of 3 chunks',
    ]);
  });

  it('reports a run in progress as running', async () => {
    const session = fakeSession();
    const out = sink();
    const recorded = new Promise<void>((resolve) => {
      out.record = (u) => {
        out.records.push(u);
        resolve();
      };
    });
    const feed = new ProgressFeed(session as unknown as Session, out, 10);
    session.emit('progress', { run: 1, done: 1, total: 4, progress: 0.25 });
    await recorded;
    expect(out.records[0]!.dag).toEqual({ runs: 1, chunksTotal: 4, chunksDone: 1, running: true, failedRuns: 0 });
    feed.stop();
  });

  it('writes the record at most once per interval, however many events arrive', () => {
    const session = fakeSession();
    const out = sink();
    const feed = new ProgressFeed(session as unknown as Session, out, 1e9);
    for (let i = 0; i <= 1000; i++) session.emit('progress', { run: 1, done: i, total: 1000, progress: i / 1000 });
    expect(out.records).toHaveLength(0);
    feed.stop();
    expect(out.records).toHaveLength(1);
    expect(session.listenerCount('progress')).toBe(0);
    expect(session.listenerCount('run')).toBe(0);
  });
});
