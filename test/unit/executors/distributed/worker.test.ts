/**
 * A distributed worker on its own, driven by hand through BullMQ (as a driver would): it announces
 * itself, serves a session once that session is listed and alive, reads inputs from the chunk store,
 * writes the output under the job's key and returns only a summary; a kernel's error fails the job
 * with the error as data, once (no retry).
 */
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorFromData } from '../../../../src/base/errors.js';
import { aliveKey, type JobData, type JobResult, queuePrefix, sessionsKey, taskEndsOf, workerPattern } from '../../../../src/executors/distributed/protocol.js';
import { RedisChunkStore } from '../../../../src/executors/distributed/redisChunkStore.js';
import { type RunningWorker, startWorker } from '../../../../src/executors/distributed/worker.js';
import { toJsonSafe } from '../../../../src/store/chunkCodec.js';
import { settles } from '../../../support/events.js';
import { redisForSuite } from '../../../support/redisServer.js';

const server = redisForSuite();
const SESSION = 'workerTestSession';

describe('tessera worker (in process)', () => {
  let redis: Redis;
  let worker: RunningWorker;
  let queue: Queue<JobData, JobResult>;
  let events: QueueEvents;
  const connections: Redis[] = [];
  const connection = (url: string): Redis => {
    const c = new Redis(url, { maxRetriesPerRequest: null });
    connections.push(c);
    return c;
  };
  beforeAll(async () => {
    const url = server().url;
    redis = new Redis(url);
    await redis.set(aliveKey(SESSION), '1', 'EX', 60);
    await redis.sadd(sessionsKey('tq'), SESSION);
    worker = await startWorker({ redis: url, threads: 1, queue: 'tq' });
    queue = new Queue('tq', { connection: connection(url), prefix: queuePrefix(SESSION) });
    events = new QueueEvents('tq', { connection: connection(url), prefix: queuePrefix(SESSION), lastEventId: '0-0' });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await events.close();
    await queue.close();
    for (const c of connections) c.disconnect();
    await worker.close();
    redis.disconnect();
  });

  const outcome = (jobId: string) =>
    settles(
      new Promise<{ ok: true; value: JobResult } | { ok: false; reason: string }>((resolve) => {
        events.on('completed', (a) => {
          if (a.jobId === jobId) resolve({ ok: true, value: (typeof a.returnvalue === 'string' ? JSON.parse(a.returnvalue) : a.returnvalue) as JobResult });
        });
        events.on('failed', (a) => {
          if (a.jobId === jobId) resolve({ ok: false, reason: a.failedReason });
        });
      }),
      `job ${jobId} to settle`,
    );

  it('announces itself with a heartbeat naming its threads', async () => {
    const keys = await redis.keys(workerPattern('tq'));
    expect(keys).toHaveLength(1);
    const info = JSON.parse((await redis.get(keys[0]!))!) as { id: string; threads: number; pid: number };
    expect(info).toMatchObject({ id: worker.id, threads: 1, pid: process.pid });
  });

  it('runs a kernel on inputs from the chunk store and writes its output under the job key', async () => {
    const store = new RedisChunkStore(redis, SESSION);
    await store.put([['r1/a', { dtype: 'float64', shape: [3], data: Float64Array.from([1, 2, 3]) }]]);
    const params = { expr: { t: 'bin', op: 'add', a: { t: 'in', i: 0, dtype: 'float64' }, b: { t: 'in', i: 0, dtype: 'float64' }, dtype: 'float64' }, shape: [3], dtype: 'float64' };
    const done = outcome('j1');
    await queue.add('tensor.ew', { tasks: [{ key: 'b', kernel: 'tensor.ew', params: toJsonSafe(params), inputs: ['r1/a'], out: 'r1/b' }] }, { jobId: 'j1' });
    const result = await done;
    expect(result).toMatchObject({ ok: true, value: { results: [{ shape: [3], dtype: 'float64', length: 3 }], worker: worker.id } });
    const [b] = (await store.get(['r1/b'])) as { data: Float64Array }[];
    expect([...b!.data]).toEqual([2, 4, 6]);
  });

  it('fails a job whose kernel throws with the error as data, after one attempt', async () => {
    const store = new RedisChunkStore(redis, SESSION);
    await store.put([['r2/a', { dtype: 'float64', shape: [1], data: Float64Array.from([5]) }]]);
    const params = { expr: { t: 'fn', f: 0, a: { t: 'in', i: 0, dtype: 'float64' }, dtype: 'float64' }, shape: [1], dtype: 'float64', fns: ['(x) => { throw new RangeError("bad " + x); }'] };
    const done = outcome('j2');
    await queue.add('tensor.ew', { tasks: [{ key: 'bad', kernel: 'tensor.ew', params: toJsonSafe(params), inputs: ['r2/a'], out: 'r2/bad' }] }, { jobId: 'j2', attempts: 3 });
    const result = await done;
    expect(result.ok).toBe(false);
    const [end] = taskEndsOf((result as { reason: string }).reason)!;
    expect(end!.ok).toBe(false);
    const err = errorFromData((end as { error: Parameters<typeof errorFromData>[0] }).error);
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe('bad 5');
    expect((await queue.getJob('j2'))?.attemptsMade).toBe(1);
  });

  it('fails a job whose input is missing with ObjectNotExists', async () => {
    const done = outcome('j3');
    await queue.add('tensor.ew', { tasks: [{ key: 'c', kernel: 'tensor.ew', params: toJsonSafe({}), inputs: ['r3/gone'], out: 'r3/c' }] }, { jobId: 'j3' });
    const result = await done;
    expect(taskEndsOf((result as { reason: string }).reason)).toMatchObject([{ ok: false, error: { code: 'ObjectNotExists' } }]);
  });
});
