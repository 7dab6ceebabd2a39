/**
 * Which sessions the dashboard tracks and when: an interactive session from the moment its engine
 * session is up (so a viewer arriving mid-run sees that run), a viewer who came first handed the
 * tracker when it exists, a headless session through the chunk events its child sends, and a
 * session that leaves the registry lets its viewers go.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newSession, type Session, tensor as tt } from '../../../src/index.js';
import { ChunkFeed, forwardChunks } from '../../../src/service/headless/chunkChannel.js';
import type { ServerContext } from '../../../src/service/server/context.js';
import type { DagMessage } from '../../../src/service/server/dashboard/dagTracker.js';
import { SessionTrackers } from '../../../src/service/server/dashboard/trackers.js';
import { type SessionRecord, SessionRegistry } from '../../../src/service/server/registry.js';

const opened: Session[] = [];
const trackers: SessionTrackers[] = [];
afterEach(async () => {
  for (const t of trackers.splice(0)) t.close();
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

function setup() {
  const registry = new SessionRegistry();
  const engines = new Map<string, Session>();
  const feeds = new Map<string, ChunkFeed>();
  const engineSessionFor = (caller: { owner: string }, id: string): Session => {
    const r = registry.get(id);
    const engine = engines.get(id);
    if (!r || r.owner !== caller.owner || r.kind !== 'interactive' || !engine) throw Object.assign(new Error('not running'), { statusCode: 409 });
    return engine;
  };
  const ctx = {
    registry,
    engineSessionFor,
    chunkSourceFor: (caller: { owner: string }, id: string) => {
      const feed = feeds.get(id);
      return registry.get(id)?.kind === 'headless' && feed && !feed.closed ? feed : engineSessionFor(caller, id);
    },
  } as unknown as ServerContext;
  const add = (id: string, patch: Partial<SessionRecord> = {}): void =>
    registry.add({
      id, name: id, kind: 'interactive', owner: 'o1', status: 'Running', startTime: '', expiryTime: '', workers: 1, memory: 0, memoryRequested: '',
      memoryInUse: 0, storeObjects: 0, replica: { id: 1, count: 1 }, dag: { runs: 0, chunksTotal: 0, chunksDone: 0, running: false, failedRuns: 0 }, ...patch,
    });
  const engine = (id: string): Session => {
    const s = newSession({ executor: 'local', mode: 'lazy', default: false });
    opened.push(s);
    engines.set(id, s);
    return s;
  };
  const make = (): SessionTrackers => {
    const t = new SessionTrackers(ctx, { flushMs: 1 });
    trackers.push(t);
    return t;
  };
  return { registry, add, engine, make, feeds };
}

const caller = { owner: 'o1' };
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SessionTrackers', () => {
  it('tracks a running session before anyone looks, so a later viewer sees its run', async () => {
    const { add, engine, make } = setup();
    const t = make();
    const s = engine('a');
    add('a');
    await tick();
    expect(t.size).toBe(1);
    await s.run(tt.arange(300, undefined, undefined, { chunkSize: 100 }).sum());
    expect(t.snapshot(caller, 'a')).toMatchObject({ run: 1, status: 'done' });
  });

  it('hands a viewer who came while the session was pending the tracker once it is up', async () => {
    const { registry, add, engine, make } = setup();
    const t = make();
    add('p', { status: 'Pending' });
    const got: DagMessage[] = [];
    let ended = false;
    let sawDone = (): void => {};
    const done = new Promise<void>((resolve) => (sawDone = resolve));
    t.follow(caller, 'p', {
      send: (m) => {
        got.push(m);
        // A run quicker than one flush arrives as a single snapshot, already done.
        const view = m.type === 'snapshot' ? m.snapshot : m.update;
        if (view.run === 1 && view.status === 'done') sawDone();
      },
      end: () => (ended = true),
    });
    expect(got).toEqual([{ type: 'snapshot', snapshot: expect.objectContaining({ run: 0, status: 'idle' }) }]);
    const s = engine('p');
    registry.patch('p', (r) => void (r.status = 'Running'));
    await tick();
    expect(t.size).toBe(1);
    await s.run(tt.arange(300, undefined, undefined, { chunkSize: 100 }).sum());
    await done;
    expect(got.filter((m) => m.type === 'snapshot').map((m) => m.type === 'snapshot' && m.snapshot.run)).toEqual([0, 0, 1]);
    registry.remove('p');
    expect(ended).toBe(true);
    expect(t.size).toBe(0);
  });

  it('never tracks a finished session, nor a headless one whose child sends nothing yet', async () => {
    const { add, engine, make } = setup();
    const t = make();
    engine('h');
    engine('c');
    add('h', { kind: 'headless' });
    add('c', { status: 'Completed' });
    await tick();
    expect(t.size).toBe(0);
    expect(t.snapshot(caller, 'h')).toMatchObject({ run: 0, status: 'idle' });
  });

  it("tracks a headless session through its child's chunk feed, and keeps its last run when the child is done", async () => {
    const { add, make, feeds } = setup();
    const t = make();
    const feed = new ChunkFeed(1 << 20);
    feeds.set('h', feed);
    add('h', { kind: 'headless', status: 'Pending' });
    await tick();
    expect(t.size).toBe(1);
    // The child's side, in this process: a session whose events reach the feed as batches.
    const child = newSession({ executor: 'local', mode: 'lazy', default: false });
    opened.push(child);
    const stop = forwardChunks(child, (batch) => feed.push(structuredClone(batch)), 1);
    await child.run(tt.arange(300, undefined, undefined, { chunkSize: 100 }).sum());
    stop();
    feed.end();
    expect(t.snapshot(caller, 'h')).toMatchObject({ run: 1, status: 'done', totals: [0, 0, expect.any(Number), 0] });
    expect(t.snapshot(caller, 'h').totals[2]).toBe(t.snapshot(caller, 'h').chunks);
  });

  it('closing lets every viewer go and stops listening to sessions', async () => {
    const { add, engine, make } = setup();
    const t = make();
    const s = engine('a');
    add('a');
    await tick();
    let ended = 0;
    t.follow(caller, 'a', { send: () => {}, end: () => ended++ });
    expect(s.listenerCount('chunks')).toBe(1);
    t.close();
    expect(ended).toBe(1);
    expect(s.listenerCount('chunks')).toBe(0);
  });
});
