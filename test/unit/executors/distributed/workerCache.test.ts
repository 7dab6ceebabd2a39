/**
 * A distributed worker's chunk cache (chunkCache.ts), in process against a private redis-server and
 * driven by hand through BullMQ: an input the worker produced or fetched before is served from memory
 * (Redis sees an EXISTS for it, never a GET: watched with MONITOR); a task naming a newer generation of
 * a key (the driver recomputed it) never gets the value cached for an older one; a key deleted from
 * Redis is never served from memory; an input's last reader and an output only the driver reads leave
 * nothing behind. The LRU's byte accounting is checked on its own.
 */
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkCache } from '../../../../src/executors/distributed/chunkCache.js';
import { aliveKey, type JobData, type JobResult, queuePrefix, sessionsKey, type TaskData, taskEndsOf, workerQueue } from '../../../../src/executors/distributed/protocol.js';
import { chunkKey, RedisChunkStore } from '../../../../src/executors/distributed/redisChunkStore.js';
import { type RunningWorker, startWorker } from '../../../../src/executors/distributed/worker.js';
import { toJsonSafe } from '../../../../src/store/chunkCodec.js';
import { settles } from '../../../support/events.js';
import { type CommandWatch, watchCommands } from '../../../support/redisMonitor.js';
import { redisForSuite } from '../../../support/redisServer.js';

const server = redisForSuite();
const SESSION = 'cacheTestSession';
type JobEnd = { ok: true; value: JobResult } | { ok: false; reason: string };
const IN0 = { t: 'in', i: 0, dtype: 'float64' };

/** A task doubling its one input of `n` float64 (`gen`: the input's generation). */
function double(out: string, input: string, n: number, gen = 0): TaskData {
  const params = { expr: { t: 'bin', op: 'add', a: IN0, b: IN0, dtype: 'float64' }, shape: [n], dtype: 'float64' };
  return { key: out, kernel: 'tensor.ew', params: toJsonSafe(params), inputs: [input], out, ...(gen > 0 ? { gens: [gen] } : {}) };
}

describe('the worker chunk cache (in process)', () => {
  let redis: Redis;
  let monitor: CommandWatch;
  let worker: RunningWorker;
  let shared: Queue<JobData, JobResult>;
  let own: Queue<JobData, JobResult>;
  const eventStreams: QueueEvents[] = [];
  /** Jobs awaited, by id. */
  const waiting = new Map<string, (end: JobEnd) => void>();
  const connections: Redis[] = [];
  /** Chunk-store commands Redis saw, as `get r/a` / `exists r/a`. */
  const chunkCommands: string[] = [];
  const store = () => new RedisChunkStore(redis, SESSION);

  beforeAll(async () => {
    const url = server().url;
    redis = new Redis(url);
    const prefix = chunkKey(SESSION, '');
    monitor = await watchCommands(url, (args) => {
      const [cmd, key] = args;
      if (key?.startsWith(prefix) && (cmd === 'get' || cmd === 'exists')) chunkCommands.push(`${cmd} ${key.slice(prefix.length)}`);
    });
    await redis.set(aliveKey(SESSION), '1', 'EX', 120);
    await redis.sadd(sessionsKey('tc'), SESSION);
    worker = await startWorker({ redis: url, threads: 1, queue: 'tc', cacheBytes: 2 ** 20 });
    const connection = () => {
      const c = new Redis(url, { maxRetriesPerRequest: null });
      connections.push(c);
      return c;
    };
    shared = new Queue('tc', { connection: connection(), prefix: queuePrefix(SESSION) });
    own = new Queue(workerQueue('tc', worker.id), { connection: connection(), prefix: queuePrefix(SESSION) });
    for (const name of ['tc', workerQueue('tc', worker.id)]) {
      const events = new QueueEvents(name, { connection: connection(), prefix: queuePrefix(SESSION), lastEventId: '0-0' });
      events.on('completed', (a) => waiting.get(a.jobId)?.({ ok: true, value: (typeof a.returnvalue === 'string' ? JSON.parse(a.returnvalue) : a.returnvalue) as JobResult }));
      events.on('failed', (a) => waiting.get(a.jobId)?.({ ok: false, reason: a.failedReason }));
      eventStreams.push(events);
      await events.waitUntilReady();
    }
  });
  afterAll(async () => {
    await Promise.all(eventStreams.map((e) => e.close()));
    await Promise.all([shared.close(), own.close()]);
    for (const c of connections) c.disconnect();
    monitor.close();
    await worker.close();
    redis.disconnect();
  });

  let jobs = 0;
  /** Runs one task as a job (on the worker's own queue when `routed`) and gives its end. */
  async function run(task: TaskData, routed = false): Promise<JobEnd> {
    const jobId = `j${++jobs}`;
    const ended = new Promise<JobEnd>((resolve) => waiting.set(jobId, resolve));
    await (routed ? own : shared).add(task.kernel, { tasks: [task] }, { jobId });
    return settles(ended, `job ${jobId} to end`);
  }
  const valueOf = async (key: string) => [...((await store().get([key])) as { data: Float64Array }[])[0]!.data];
  /** Waits until MONITOR has shown every command before this one (its lines come in order, after the replies). */
  async function seen(marker: string): Promise<void> {
    await redis.exists(chunkKey(SESSION, marker));
    await settles(
      (async () => {
        while (!chunkCommands.includes(`exists ${marker}`)) await new Promise((r) => setTimeout(r, 5));
      })(),
      'the MONITOR marker',
    );
  }
  /** The chunk commands the step makes, and nothing from before it. */
  async function commandsOf(step: () => Promise<unknown>): Promise<string[]> {
    await seen('before');
    chunkCommands.length = 0;
    await step();
    await seen('after');
    return chunkCommands.filter((c) => c !== 'exists after');
  }

  it('serves an input it produced from memory: Redis sees an EXISTS, no GET', async () => {
    await store().put([['r/a', { dtype: 'float64', shape: [3], data: Float64Array.from([1, 2, 3]) }]]);
    const first = await commandsOf(() => run(double('r/b', 'r/a', 3)));
    expect(first).toEqual(['get r/a']);
    let end: Awaited<ReturnType<typeof run>> | undefined;
    const second = await commandsOf(async () => (end = await run(double('r/c', 'r/b', 3), true)));
    expect(second).toEqual(['exists r/b']);
    expect(end).toMatchObject({ ok: true, value: { worker: worker.id, hits: 1, fetched: 0 } });
    expect(await valueOf('r/c')).toEqual([4, 8, 12]);
    // And an input it fetched once: r/a again costs only an EXISTS.
    expect(await commandsOf(() => run(double('r/d', 'r/a', 3)))).toEqual(['exists r/a']);
  });

  it('never serves the value of an older generation of a key the driver recomputed', async () => {
    await store().put([['r/e', { dtype: 'float64', shape: [2], data: Float64Array.from([1, 1]) }]]);
    await run(double('r/f', 'r/e', 2));
    // The key is rewritten with other bytes, as a non-deterministic task recomputed after a loss would.
    await store().put([['r/e', { dtype: 'float64', shape: [2], data: Float64Array.from([5, 7]) }]]);
    // A task naming the generation the worker holds gets its memory (the generation is what tells them apart)...
    await run(double('r/g', 'r/e', 2));
    expect(await valueOf('r/g')).toEqual([2, 2]);
    // ...and one naming the recomputed generation fetches the new bytes.
    expect(await commandsOf(() => run(double('r/h', 'r/e', 2, 1)))).toEqual(['get r/e']);
    expect(await valueOf('r/h')).toEqual([10, 14]);
  });

  it('never serves a key deleted from Redis, though it holds its value', async () => {
    await store().put([['r/k', { dtype: 'float64', shape: [1], data: Float64Array.from([3]) }]]);
    await run(double('r/l', 'r/k', 1));
    await redis.del(chunkKey(SESSION, 'r/k'));
    const end = await run(double('r/m', 'r/k', 1), true);
    expect(end.ok).toBe(false);
    expect(taskEndsOf((end as { reason: string }).reason)).toMatchObject([{ ok: false, error: { code: 'ObjectNotExists', props: { key: 'r/k' } } }]);
    // Put back (recomputed), the key is fetched again: the failed read dropped it from memory.
    await store().put([['r/k', { dtype: 'float64', shape: [1], data: Float64Array.from([3]) }]]);
    expect(await commandsOf(() => run(double('r/n', 'r/k', 1)))).toEqual(['get r/k']);
  });

  it("forgets an input after its last reader, and does not keep an output only the driver reads", async () => {
    await store().put([['r/p', { dtype: 'float64', shape: [2], data: Float64Array.from([1, 2]) }]]);
    expect(await commandsOf(() => run({ ...double('r/q', 'r/p', 2), lastReads: [0], keepOutput: false }))).toEqual(['get r/p']);
    // Both were dropped: reading them again fetches them.
    expect(await commandsOf(() => run(double('r/s', 'r/p', 2)))).toEqual(['get r/p']);
    expect(await commandsOf(() => run(double('r/t', 'r/q', 2)))).toEqual(['get r/q']);
    expect(await valueOf('r/t')).toEqual([4, 8]);
  });

  it('reports its cache in its heartbeat', async () => {
    await settles(
      (async () => {
        for (;;) {
          const beat = JSON.parse((await redis.get(`tessera:pool:tc:worker:${worker.id}`))!) as { cache?: { hits: number; limit: number } };
          if (beat.cache && beat.cache.hits >= 3) return beat.cache;
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      'the heartbeat to count the hits',
    );
  });
});

describe('ChunkCache', () => {
  const value = (n: number) => ({ data: new Float64Array(n) });

  it('keeps at most its limit in bytes, dropping the least recently used first', () => {
    const c = new ChunkCache(100);
    c.set('s', 'a', 0, value(1), 40);
    c.set('s', 'b', 0, value(1), 40);
    expect(c.get('s', 'a', 0)).toBeDefined(); // a is now the most recent
    c.set('s', 'c', 0, value(1), 40);
    expect(c.get('s', 'b', 0)).toBeUndefined();
    expect(c.get('s', 'a', 0)).toBeDefined();
    expect(c.get('s', 'c', 0)).toBeDefined();
    expect(c.stats).toMatchObject({ entries: 2, bytes: 80, limit: 100 });
    // A value larger than the limit is not kept, and pushes nothing out.
    c.set('s', 'huge', 0, value(1), 101);
    expect(c.stats).toMatchObject({ entries: 2, bytes: 80 });
  });

  it('tells generations and sessions apart, and forgets a session whole', () => {
    const c = new ChunkCache(1000);
    const v0 = value(1);
    c.set('s1', 'k', 0, v0, 10);
    c.set('s2', 'k', 0, value(2), 10);
    expect(c.get('s1', 'k', 1)).toBeUndefined();
    expect(c.get('s1', 'k', 0)).toBe(v0);
    c.set('s1', 'k', 1, value(3), 20);
    expect(c.get('s1', 'k', 0)).toBeUndefined();
    expect(c.stats.bytes).toBe(30);
    c.dropSession('s1');
    expect(c.get('s1', 'k', 1)).toBeUndefined();
    expect(c.get('s2', 'k', 0)).toBeDefined();
    expect(c.stats).toMatchObject({ entries: 1, bytes: 10 });
    expect(new ChunkCache(0).stats.limit).toBe(0);
  });
});
