/**
 * The distributed executor's faults below the tasks (issue 12 §2), each against a private redis-server
 * and two `tessera worker` processes started here and ended by pid:
 * - a chunk whose Redis key is deleted mid-run is recomputed from the DAG (an intermediate by rerunning
 *   its task, a fetch chunk by uploading it again); one deleted every time it is recomputed fails the run
 *   with ChunkLostError after MAX_LOSSES recomputations instead of looping;
 * - Redis killed and restarted mid-run fails the run at once with RedisConnectionLostError (documented in
 *   the README: no resume), and the next run on the same executor works again;
 * - job events trimmed before the driver read them fail the run with JobEventsLostError (the watchdog);
 * - a lease found expired while the driver lives fails the run with SessionLeaseLostError;
 * - a driver SIGKILLed mid-run: the workers abort its running task and delete every key of its session
 *   within its lease (`driverTtl`, 2 s here) plus a discovery interval.
 * Deletions are driven by Redis keyspace notifications, so they land right after the write they follow.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArrayData } from '../../src/base/ndarray.js';
import type { Expr } from '../../src/base/expr.js';
import { ChunkGraphBuilder, type ChunkSpec } from '../../src/dag/chunkGraph.js';
import { ChunkLostError, JobEventsLostError, RedisConnectionLostError, SessionLeaseLostError } from '../../src/executors/distributed/errors.js';
import { DistributedExecutor } from '../../src/executors/distributed/executor.js';
import { MAX_LOSSES } from '../../src/executors/distributed/lineage.js';
import { DISCOVERY_MS, sessionsKey, workerPattern } from '../../src/executors/distributed/protocol.js';
import { MemoryChunkStore } from '../../src/store/chunkStore.js';
import { spawnWorker, type TestWorker } from '../support/distributed.js';
import { settles } from '../support/events.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';
import { startRedis } from '../support/redisServer.js';

const DRIVER = fileURLToPath(new URL('../support/distributedDriver.ts', import.meta.url));
const IN0: Expr = { t: 'in', i: 0, dtype: 'float64' };

function full(key: string, value: number): ChunkSpec {
  return { key, kernel: 'tensor.full', params: { shape: [4], dtype: 'float64', value }, inputs: [], meta: { shape: [4], dtype: 'float64' } };
}
function add(key: string, a: string, b: string): ChunkSpec {
  const expr: Expr = { t: 'bin', op: 'add', a: IN0, b: { t: 'in', i: 1, dtype: 'float64' }, dtype: 'float64' };
  return { key, kernel: 'tensor.ew', params: { expr, shape: [4], dtype: 'float64' }, inputs: [a, b], meta: { shape: [4], dtype: 'float64' } };
}
function fn(key: string, input: string, source: string): ChunkSpec {
  const expr: Expr = { t: 'fn', f: 0, a: IN0, dtype: 'float64' };
  return { key, kernel: 'tensor.ew', params: { expr, shape: [4], dtype: 'float64', fns: [source] }, inputs: [input], meta: { shape: [4], dtype: 'float64' } };
}
function build(specs: ChunkSpec[], fetch: string[] = []) {
  const b = new ChunkGraphBuilder();
  for (const f of fetch) b.addFetch(f, null);
  for (const s of specs) b.add(s);
  return b.build();
}
const values = (store: MemoryChunkStore, key: string) => [...(store.get(key) as ArrayData).data];
/** A kernel function that busies its thread for `ms` per element (a task surely mid-run when we strike). */
const slowly = (ms: number) => `(v) => { const until = Date.now() + ${ms}; while (Date.now() < until); return v + 1; }`;

failOnUnhandledRejections();

let redis: Awaited<ReturnType<typeof startRedis>>;
let client: Redis;
const workers: TestWorker[] = [];

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  workers.push(...(await Promise.all([spawnWorker(redis.url), spawnWorker(redis.url)])));
}, 240_000);

afterAll(async () => {
  client?.disconnect();
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) process.kill(w.pid, 'SIGTERM');
  await Promise.all(workers.map((w) => settles(w.exited, `worker ${w.pid} to exit`).catch(() => process.kill(w.pid, 'SIGKILL'))));
  await redis?.stop();
}, 60_000);

/** Every output goes through the chunk store (inlineBytes 0): these tests delete and watch chunk keys. */
function executor(options: { session?: string } = {}): DistributedExecutor {
  return new DistributedExecutor({ redis: redis.url, queue: 'tessera', session: options.session ?? `f${randomBytes(5).toString('hex')}`, inlineBytes: 0 });
}

/** Calls `onSet(chunk, n, key)` each time a chunk key of `session` is written (n counts that chunk's writes). */
async function watchChunkWrites(session: string, onSet: (chunk: string, n: number, key: string) => void): Promise<{ writes: Map<string, number>; stop(): void }> {
  await client.config('SET', 'notify-keyspace-events', 'K$');
  const sub = new Redis(redis.url);
  const writes = new Map<string, number>();
  const channelPrefix = '__keyspace@0__:';
  sub.on('pmessage', (_pattern: string, channel: string, op: string) => {
    if (op !== 'set') return;
    const key = channel.slice(channelPrefix.length);
    // Chunk keys are `tessera:{session}:chunk:{run}/{chunk key}`; the test's chunk keys have no '/'.
    const chunk = key.slice(key.lastIndexOf('/') + 1);
    const n = (writes.get(chunk) ?? 0) + 1;
    writes.set(chunk, n);
    onSet(chunk, n, key);
  });
  await sub.psubscribe(`${channelPrefix}tessera:${session}:chunk:*`);
  return { writes, stop: () => sub.disconnect() };
}

/** The pid of a worker whose heartbeat says it runs a task. */
async function busyWorker(): Promise<number> {
  for (;;) {
    const keys = await client.keys(workerPattern('tessera'));
    const infos = (await Promise.all(keys.map((k) => client.get(k)))).flatMap((v) => (v ? [JSON.parse(v) as { pid: number; running: number }] : []));
    const busy = infos.find((w) => w.running > 0);
    if (busy) return busy.pid;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The error `p` rejects with; a handler is attached at once, so a rejection is never unhandled meanwhile. */
function rejection(p: Promise<unknown>, what: string): Promise<Error> {
  const outcome = p.then(
    () => undefined,
    (x: unknown) => x,
  );
  return (async () => {
    const e = await settles(outcome, what);
    expect(e).toBeInstanceOf(Error);
    return e as Error;
  })();
}

describe('lost chunks', () => {
  it('an intermediate and a fetch chunk whose keys are deleted mid-run are recomputed; the result is exact', async () => {
    const session = `f${randomBytes(5).toString('hex')}`;
    const ex = executor({ session });
    const watch = await watchChunkWrites(session, (chunk, n, key) => {
      if ((chunk === 'a' || chunk === 'f') && n === 1) void client.del(key);
    });
    try {
      const store = new MemoryChunkStore();
      store.put('f', { dtype: 'float64', shape: [4], data: Float64Array.from([1, 2, 3, 4]) });
      const g = build([full('a', 10), fn('s', 'f', '(v) => v * 2'), add('c', 'a', 's')], ['f']);
      await settles(ex.run(g, store, { targets: [g.indexOf('c')] }), 'the run with lost chunks');
      expect(values(store, 'c')).toEqual([12, 14, 16, 18]);
      // Each lost chunk was written once, deleted, and written again when a reader found it missing.
      expect(watch.writes.get('a')).toBe(2);
      expect(watch.writes.get('f')).toBe(2);
      expect(watch.writes.get('s')).toBe(1);
      expect(watch.writes.get('c')).toBe(1);
      expect(await client.keys(`tessera:${session}:chunk:*`)).toEqual([]);
    } finally {
      watch.stop();
      await ex.close();
    }
  }, 60_000);

  it('a chunk lost every time it is recomputed fails the run with ChunkLostError, bounded', async () => {
    const session = `f${randomBytes(5).toString('hex')}`;
    const ex = executor({ session });
    const watch = await watchChunkWrites(session, (chunk, _n, key) => {
      if (chunk === 'a') void client.del(key);
    });
    try {
      const store = new MemoryChunkStore();
      const g = build([full('a', 1), full('b', 2), add('c', 'a', 'b')]);
      const e = await rejection(ex.run(g, store, { targets: [g.indexOf('c')] }), 'the run whose chunk is always lost');
      expect(e).toBeInstanceOf(ChunkLostError);
      expect((e as ChunkLostError).code).toBe('ChunkLost');
      expect((e as ChunkLostError).key).toBe('a');
      expect(e.message).toContain(`tessera:${session}:*`);
      // Computed once, then recomputed MAX_LOSSES times before the run gave up.
      expect(watch.writes.get('a')).toBe(1 + MAX_LOSSES);
      expect([...store.keys()]).toEqual([]);
      // The same executor runs the next graph.
      const g2 = build([full('x', 3), full('y', 4), add('z', 'x', 'y')]);
      await settles(ex.run(g2, store, { targets: [g2.indexOf('z')] }), 'the next run');
      expect(values(store, 'z')).toEqual([7, 7, 7, 7]);
    } finally {
      watch.stop();
      await ex.close();
    }
  }, 60_000);
});

/** A slow run on `ex` whose next job event is added and trimmed in one transaction: its reader can never see it. */
async function runWithTrimmedEvents(ex: ReturnType<typeof executor>, session: string): Promise<{ store: MemoryChunkStore; failed: Promise<unknown> }> {
  const store = new MemoryChunkStore();
  const g = build([full('a', 1), fn('s', 'a', slowly(1_500))]);
  const failed = rejection(ex.run(g, store, { targets: [g.indexOf('s')] }), 'the run whose events were trimmed unread');
  await settles(busyWorker(), 'a worker to start the slow task');
  const events = `tessera:${session}:tessera:events`;
  await client.multi().xadd(events, '*', 'event', 'completed', 'jobId', 'nobody').xtrim(events, 'MAXLEN', 0).exec();
  return { store, failed };
}

describe('the event reader watchdog', () => {
  it('job events trimmed before the driver read them fail the run with JobEventsLostError, not a hang', async () => {
    const session = `f${randomBytes(5).toString('hex')}`;
    const ex = executor({ session });
    try {
      const { store, failed } = await runWithTrimmedEvents(ex, session);
      const e = await failed;
      expect(e).toBeInstanceOf(JobEventsLostError);
      expect((e as JobEventsLostError).code).toBe('JobEventsLost');
      expect([...store.keys()]).toEqual([]);
      // The executor connects afresh and runs the next graph.
      const g2 = build([full('x', 3), full('y', 4), add('z', 'x', 'y')]);
      await settles(ex.run(g2, store, { targets: [g2.indexOf('z')] }), 'the next run');
      expect(values(store, 'z')).toEqual([7, 7, 7, 7]);
    } finally {
      await ex.close();
    }
  }, 60_000);

  it('an executor closed right after its connection was dropped still deletes its keys', async () => {
    const session = `f${randomBytes(5).toString('hex')}`;
    const ex = executor({ session });
    const { failed } = await runWithTrimmedEvents(ex, session);
    expect(await failed).toBeInstanceOf(JobEventsLostError);
    await ex.close();
    expect(await client.sismember(sessionsKey('tessera'), session)).toBe(0);
    // The worker that ran the slow task leaves the session and deletes what its aborted job wrote after.
    await settles(
      (async () => {
        while ((await client.keys(`tessera:${session}:*`)).length > 0) await new Promise((r) => setTimeout(r, 50));
      })(),
      "the closed session's keys to be gone",
    );
  }, 60_000);
});

describe('the driver dies', () => {
  it('SIGKILLed mid-run: workers abort its task and delete its keys within its lease plus a discovery interval', async () => {
    const ttl = 2;
    const driver = spawn(process.execPath, ['--import', 'tsx', DRIVER, redis.url, String(ttl)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => driver.once('exit', () => resolve()));
    let err = '';
    driver.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    try {
      let out = '';
      const session = await settles(
        new Promise<string>((resolve) =>
          driver.stdout!.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /session (\S+)/.exec(out);
            if (m) resolve(m[1]!);
          }),
        ),
        'the driver to open its session',
      );
      await settles(busyWorker(), "a worker to start the driver's task").catch((e: unknown) => {
        throw new Error(`${(e as Error).message}; the driver wrote:\n${err}`);
      });
      expect(await client.keys(`tessera:${session}:*`)).not.toEqual([]);
      process.kill(driver.pid!, 'SIGKILL');
      await exited;
      const killedAt = performance.now();
      // Until the workers drop it: no worker runs a task, and no key of the session is left.
      await settles(
        (async () => {
          for (;;) {
            const keys = await client.keys(`tessera:${session}:*`);
            const beats = await client.keys(workerPattern('tessera'));
            const running = (await Promise.all(beats.map((k) => client.get(k)))).some((v) => v !== null && (JSON.parse(v) as { running: number }).running > 0);
            if (keys.length === 0 && !running) return;
            await new Promise((r) => setTimeout(r, 50));
          }
        })(),
        'the workers to drop the dead driver',
      );
      const droppedAfter = performance.now() - killedAt;
      process.stdout.write(`driver killed → its task aborted and its keys deleted after ${Math.round(droppedAfter)} ms (lease ${ttl} s)\n`);
      // The task would have run for minutes; the documented bound is the lease plus a discovery interval
      // (and a heartbeat to report it), with room for a loaded machine.
      expect(droppedAfter).toBeLessThan(ttl * 1000 + DISCOVERY_MS + 5_000);
      expect(await client.sismember(sessionsKey('tessera'), session)).toBe(0);
    } finally {
      if (driver.exitCode === null && driver.signalCode === null) process.kill(driver.pid!, 'SIGKILL');
    }
  }, 120_000);
});

describe('a lease lost while the driver lives', () => {
  it('fails the run with SessionLeaseLostError at the next refresh instead of waiting for dropped jobs', async () => {
    // A queue no worker serves: the job waits, so only the lease can end the run.
    const session = `f${randomBytes(5).toString('hex')}`;
    const ex = new DistributedExecutor({ redis: redis.url, queue: 'lonely', session, driverTtlSeconds: 2 });
    try {
      const g = build([full('a', 1)]);
      const failed = rejection(ex.run(g, new MemoryChunkStore(), { targets: [g.indexOf('a')] }), 'the run whose lease was lost');
      await settles(
        (async () => {
          while ((await client.exists(`tessera:${session}:alive`)) === 0) await new Promise((r) => setTimeout(r, 20));
        })(),
        'the session to take its lease',
      );
      await client.del(`tessera:${session}:alive`);
      const e = await failed;
      expect(e).toBeInstanceOf(SessionLeaseLostError);
      expect((e as SessionLeaseLostError).code).toBe('SessionLeaseLost');
      expect(e.message).toContain('driverTtl');
    } finally {
      await ex.close();
    }
    expect(await client.keys(`tessera:${session}:*`)).toEqual([]);
  }, 60_000);
});

describe('Redis restarted mid-run', () => {
  it('fails the run at once with RedisConnectionLostError; once Redis is back, the next run works', async () => {
    const ex = executor();
    try {
      const store = new MemoryChunkStore();
      const g = build([full('a', 1), fn('s', 'a', slowly(1_500))]);
      const failed = rejection(ex.run(g, store, { targets: [g.indexOf('s')] }), 'the run to fail after Redis died');
      await settles(busyWorker(), 'a worker to start the slow task');
      client.disconnect();
      await redis.stop();
      const e = await failed;
      expect(e).toBeInstanceOf(RedisConnectionLostError);
      expect((e as RedisConnectionLostError).code).toBe('RedisConnectionLost');
      expect(e.message).toContain(redis.url);
      expect([...store.keys()]).toEqual([]);
      redis = await startRedis(redis.port);
      client = new Redis(redis.url);
      const g2 = build([full('x', 3), full('y', 4), add('z', 'x', 'y')]);
      await settles(ex.run(g2, store, { targets: [g2.indexOf('z')] }), 'a run after Redis came back');
      expect(values(store, 'z')).toEqual([7, 7, 7, 7]);
    } finally {
      await ex.close();
    }
  }, 90_000);
});
