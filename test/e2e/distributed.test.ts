/**
 * Sessions on the distributed executor, end to end: two `tessera worker` processes (1 thread each)
 * and a private redis-server. A kernel's error fails the run with its class, code and build site;
 * two sessions on one Redis keep to their own keys and their own queue, and a closed session leaves
 * none behind; a worker SIGKILLed mid-task has its task rerun by another worker within 10 s of the
 * kill, with a result bit-identical to the local executor's; a Redis nobody listens on fails the run
 * with RedisUnreachableError naming the URL; bad options are refused when the session is made.
 */
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisUnreachableError } from '../../src/executors/distributed/connect.js';
import { workerPattern } from '../../src/executors/distributed/protocol.js';
import { type NdArray, newSession, OptionError, type Session, type SessionOptions, tensor as tt } from '../../src/index.js';
import { clusterForSuite } from '../support/distributed.js';
import { settles } from '../support/events.js';
import { freePort } from '../support/redisServer.js';

const cluster = clusterForSuite(2, 1);
const opened: Session[] = [];
/** The id of every session this suite opened: an earlier test's closed session may still have keys landing. */
const everOpened = new Set<string>();
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

function open(options: SessionOptions = {}): Session {
  const s = newSession({ mode: 'lazy', default: false, executor: 'distributed', redis: cluster().url, ...options });
  opened.push(s);
  everOpened.add(s.id);
  return s;
}

const bytes = (a: unknown): Buffer => {
  const d = (a as NdArray).data as Float64Array;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
};

describe('distributed sessions', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(cluster().url);
  });
  afterAll(() => redis.disconnect());

  it('computes what the local executor computes, bit for bit, and lists the workers it saw', async () => {
    const build = () => tt.random.rand([40_000], { seed: 3, chunkSize: 10_000 }).map((v) => Math.sqrt(v) * 3 + 1).mul(tt.random.rand([40_000], { seed: 4, chunkSize: 10_000 }));
    const sess = open();
    const local = newSession({ mode: 'lazy', default: false, executor: 'local' });
    try {
      const got = await sess.run(build());
      expect(bytes(got).equals(bytes(await local.run(build())))).toBe(true);
    } finally {
      await local.close();
    }
    const workers = sess.info.remoteWorkers!;
    expect(sess.info.executor).toBe('distributed');
    expect(workers.map((w) => w.id).sort()).toEqual(cluster().workers.map((w) => w.id).sort());
    expect(workers.every((w) => w.threads === 1 && typeof w.load === 'number')).toBe(true);
  });

  it('a target that other chunks also read stays readable until they ran', async () => {
    const sess = open();
    const x = tt.arange(12, undefined, undefined, { chunkSize: 3 }).mul(2);
    const [xs, total] = (await sess.run([x, x.sum()])) as NdArray[];
    expect([...xs!.data]).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
    expect(total!.item()).toBe(132);
  });

  it('a kernel that throws fails the run with its class, code and build site; the session stays usable', async () => {
    const sess = open();
    const bad = tt.ones([8], { chunkSize: 4 }).map((v) => {
      throw Object.assign(new RangeError(`no ${v}`), { code: 'E_NOPE' });
    });
    const e = (await sess.run(bad.sum()).catch((x: unknown) => x)) as RangeError & { code?: string };
    expect(e).toBeInstanceOf(RangeError);
    expect(e.code).toBe('E_NOPE');
    expect(e.message).toBe('no 1');
    expect(e.stack).toContain('distributed.test.ts');
    expect(((await sess.run(tt.ones([8], { chunkSize: 4 }).sum())) as NdArray).item()).toBe(8);
  });

  it('two sessions on one Redis keep to their own keys and queue; a closed one leaves no key behind', async () => {
    // A session an earlier test closed mid-run (a kernel threw while another chunk ran) may still have a
    // job finishing on a worker, whose ends land after the driver deleted its keys; the worker deletes
    // them when it leaves the session (within a discovery period). Waiting until none is left was not
    // enough: a job still running then writes its keys later, while a and b run (a fresh-clone CI run
    // of 2026-12-04 saw one such session's 4 keys). So keys of those closed sessions are told apart by
    // id, and every other key must be a's or b's.
    const closedBefore = new Set(everOpened);
    const a = open();
    const b = open();
    // The same graph in both: the same chunk keys, which must not meet.
    const graph = (seed: number) => tt.random.rand([20_000], { seed, chunkSize: 5_000 }).mul(2).sum();
    const seen = new Set<string>();
    const watch = setInterval(() => {
      void redis.keys('tessera:*').then((ks) => ks.forEach((k) => seen.add(k)));
    }, 20);
    try {
      const [ra, rb] = await Promise.all([a.run(graph(1)), b.run(graph(2))]);
      const la = newSession({ mode: 'lazy', default: false, executor: 'local' });
      try {
        expect((ra as NdArray).item()).toBe(((await la.run(graph(1))) as NdArray).item());
        expect((rb as NdArray).item()).toBe(((await la.run(graph(2))) as NdArray).item());
      } finally {
        await la.close();
      }
    } finally {
      clearInterval(watch);
    }
    const owners = [...seen].map((k) => k.split(':')[1]);
    expect(owners.filter((o) => o !== a.id && o !== b.id && o !== 'pool' && !closedBefore.has(o!))).toEqual([]);
    expect(owners).toContain(a.id);
    expect(owners).toContain(b.id);
    await a.close();
    expect(await redis.keys(`tessera:${a.id}:*`)).toEqual([]);
    expect(await redis.sismember('tessera:pool:tessera:sessions', a.id)).toBe(0);
    expect(((await b.run(tt.ones([10], { chunkSize: 5 }).sum())) as NdArray).item()).toBe(10);
  });

  it('refuses bad options when the session is made', () => {
    const make = (o: SessionOptions) => () => newSession({ default: false, ...o });
    expect(make({ executor: 'distributed' })).toThrow(OptionError);
    expect(make({ executor: 'distributed' })).toThrow(/needs redis/);
    expect(make({ executor: 'distributed', redis: 'http://127.0.0.1:6379' })).toThrow(/must be a Redis URL/);
    expect(make({ executor: 'threads', redis: cluster().url })).toThrow(/option of executor 'distributed'/);
    expect(make({ executor: 'distributed', redis: cluster().url, workers: 4 })).toThrow(/tessera worker --threads/);
    expect(make({ executor: 'distributed', redis: cluster().url, queue: 'a b' })).toThrow(/queue must be/);
    expect(make({ executor: 'distributed', redis: cluster().url, driverTtl: 1 })).toThrow(/driverTtl must be a whole number of seconds from 2/);
    expect(make({ executor: 'distributed', redis: cluster().url, driverTtl: 2.5 })).toThrow(OptionError);
    expect(make({ executor: 'threads', driverTtl: 30 })).toThrow(/driverTtl is an option of executor 'distributed'/);
  });

  it('a Redis nobody listens on fails the run with RedisUnreachableError naming the URL', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const sess = open({ redis: url });
    const e = await settles(sess.run(tt.ones([4]).sum()).catch((x: unknown) => x), 'the run against a dead Redis to fail');
    expect(e).toBeInstanceOf(RedisUnreachableError);
    expect((e as RedisUnreachableError).code).toBe('RedisUnreachable');
    expect((e as Error).message).toContain(url);
  });

  it('a worker SIGKILLed mid-task: another worker reruns the task within 10 s and the result is bit-identical to local', async () => {
    const sess = open();
    // Slow chunks (a busy loop per element that does not change the value): a task is surely mid-run
    // when the worker running it is killed.
    const build = () =>
      tt.random.rand([20_000], { seed: 9, chunkSize: 10_000 }).map((v) => {
        let s = 0;
        for (let i = 0; i < 20_000; i++) s += Math.sqrt(i);
        return v * 7 - 2 + s * 0;
      });
    // The session's shared queue events: BullMQ reports a dead worker's job as stalled when it requeues
    // it; a job the driver had routed to the dead worker's own queue (it held the job's input) comes
    // back on the shared queue as a copy (`{job id}.x{n}`) once the worker's heartbeat expired.
    const connection = new Redis(cluster().url, { maxRetriesPerRequest: null });
    const events = new QueueEvents('tessera', { connection, prefix: `tessera:${sess.id}`, lastEventId: '0-0' });
    let requeuedAt: number | undefined;
    events.on('stalled', () => (requeuedAt ??= performance.now()));
    events.on('waiting', ({ jobId }) => {
      if (/\.x\d+$/.test(jobId)) requeuedAt ??= performance.now();
    });
    await events.waitUntilReady();
    const running = sess.run(build());
    const victim = await settles(
      (async () => {
        for (;;) {
          const keys = await redis.keys(workerPattern('tessera'));
          const infos = (await Promise.all(keys.map((k) => redis.get(k)))).flatMap((v) => (v ? [JSON.parse(v) as { pid: number; running: number }] : []));
          const busy = infos.find((w) => w.running > 0);
          if (busy) return cluster().workers.find((w) => w.pid === busy.pid)!;
          await new Promise((r) => setTimeout(r, 25));
        }
      })(),
      'a worker to start a task',
    );
    await cluster().kill(victim);
    const killedAt = performance.now();
    const got = await running;
    await events.close();
    connection.disconnect();
    // The bound: the task is requeued for another worker within 10 s of the kill (lock 5 s +
    // stalled check every 3 s; or heartbeat 6 s + the driver's check every 1 s); a worker with a free
    // slot takes it at once.
    expect(requeuedAt).toBeDefined();
    expect(requeuedAt! - killedAt).toBeLessThan(10_000);
    process.stdout.write(`worker killed → job requeued in ${Math.round(requeuedAt! - killedAt)} ms; run settled ${Math.round(performance.now() - killedAt)} ms after the kill\n`);
    const local = newSession({ mode: 'lazy', default: false, executor: 'local' });
    try {
      expect(bytes(got).equals(bytes(await local.run(build())))).toBe(true);
    } finally {
      await local.close();
    }
    await cluster().addWorker();
  }, 60_000);
});
