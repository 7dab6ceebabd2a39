/**
 * The distributed executor's numbers (issue 12 §4), through the public API, with Redis and the workers
 * on hosts of hosts.ts when this process may make network namespaces (root), else on loopback:
 * - speedup: a CPU-bound tensor pipeline (`tensors` x `rand([size, size]).map(f).sum()`) on one worker
 *   process with one thread, then on two such processes: median times and their ratio (target ≥ 1.7);
 * - overhead per task: a DAG of `tiny` one-element chunks (tasks per second) and one-op runs one after
 *   another (latency per run), on `distributed` (two workers) against `threads` (two threads) in this process;
 * - a 64 MiB chunk made on a worker, stored in Redis and fetched by the driver (built to held value,
 *   also into a reused array): MB/s, against a plain ioredis SET then GET of 64 MiB on the same Redis.
 * Medians of `runs`; JSON in bench/out/distributed-scale.json.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/distributed/scale.js [--runs 3] [--tensors 40] [--size 5000] [--loopback]
 */
import { parseArgs } from 'node:util';
import { Redis as IORedis } from 'ioredis';
import { newSession, type NdArray, type Session, tensor as tt } from '../../src/index.js';
import { fmt, summarize, writeResult } from '../harness.js';
import { startRedis, startWorker, type Worker } from './cluster.js';
import { type Hosts, hostsAvailable, hostsUp } from './hosts.js';

const MiB = 2 ** 20;
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    tensors: { type: 'string', default: '40' },
    size: { type: 'string', default: '5000' },
    tiny: { type: 'string', default: '2000' },
    loopback: { type: 'boolean', default: false },
  },
});
const runs = Number(args.runs);
const tensors = Number(args.tensors);
const size = Number(args.size);
const tiny = Number(args.tiny);

async function median(n: number, f: () => Promise<number>): Promise<number> {
  await f();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await f());
  return summarize(samples).median;
}

const timed = async (f: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
};

/** A fresh number per repetition, so no run finds the last one's results cached in the session. */
let repetition = 0;

/** `tensors` CPU-bound reductions, one run; rows of 500 make 10 chunks per tensor at the default size. */
function cpuBound(sess: Session): Promise<unknown> {
  const first = tensors * repetition++;
  const sums = sess.scope(() =>
    Array.from({ length: tensors }, (_, i) =>
      tt.random.rand([size, size], { seed: first + i, chunkSize: [Math.max(1, Math.floor(size / 10)), size] }).map((v) => Math.sqrt(v) * Math.sin(v) + Math.cos(v)).sum(),
    ),
  );
  return sess.run(sums);
}

/** `tiny` one-element chunks each through a task, summed: tasks per second. */
function tinyTasks(sess: Session): Promise<unknown> {
  const k = repetition++;
  return sess.run(sess.scope(() => tt.arange(tiny, undefined, undefined, { chunkSize: 1 }).add(k).map((v) => v + 1).sum()));
}

/** One one-op run after another: latency per run. */
async function oneOpRuns(sess: Session, count: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const k = repetition++;
    const v = (await sess.run(sess.scope(() => tt.full([1], k).map((x) => x * 2)))) as NdArray;
    if (v.data[0] !== 2 * k) throw new Error('wrong one-op result');
  }
  return (performance.now() - t0) / count;
}

async function main(): Promise<void> {
  const useHosts = !args.loopback && hostsAvailable();
  const hosts: Hosts | undefined = useHosts ? hostsUp({ prefix: 'tsb', workers: 2, net: 78 }) : undefined;
  const redis = await startRedis(hosts?.redis);
  const workers: Worker[] = [];
  const results: Record<string, unknown> = { where: hosts ? 'network namespaces (Redis host + 2 worker hosts, veth + bridge)' : 'loopback', runs, tensors, size };
  try {
    // Speedup: one worker process with one thread, then a second one.
    workers.push(await startWorker(redis.url, 1, hosts?.workers[0]));
    const dist = newSession({ mode: 'lazy', executor: 'distributed', redis: redis.url, default: false });
    const oneMs = await median(runs, () => timed(() => cpuBound(dist)));
    workers.push(await startWorker(redis.url, 1, hosts?.workers[1]));
    const twoMs = await median(runs, () => timed(() => cpuBound(dist)));
    results.speedup = { oneWorkerMs: +oneMs.toFixed(0), twoWorkersMs: +twoMs.toFixed(0), speedup: +(oneMs / twoMs).toFixed(2), target: 1.7 };
    // Inputs the workers served from memory (locality) and fetched, as their heartbeats last said.
    const caches = (dist.info.remoteWorkers ?? []).flatMap((w) => (w.cache ? [w.cache] : []));
    results.workerCaches = caches.map(({ hits, misses, bytes, limit }) => ({ hits, misses, bytes, limit }));
    console.log(`cpu-bound ${tensors} x rand([${size}, ${size}]).map(f).sum(): 1 worker ${fmt(oneMs)}, 2 workers ${fmt(twoMs)}: ${(oneMs / twoMs).toFixed(2)}x (target >= 1.7)`);

    // Overhead per task against threads in this process.
    const threads = newSession({ mode: 'lazy', executor: 'threads', workers: 2, default: false });
    const distTinyMs = await median(runs, () => timed(() => tinyTasks(dist)));
    const threadsTinyMs = await median(runs, () => timed(() => tinyTasks(threads)));
    const distRunMs = await median(runs, () => oneOpRuns(dist, 20));
    const threadsRunMs = await median(runs, () => oneOpRuns(threads, 20));
    results.overhead = {
      tinyTasks: tiny,
      distributedTasksPerSecond: Math.round(tiny / (distTinyMs / 1000)),
      threadsTasksPerSecond: Math.round(tiny / (threadsTinyMs / 1000)),
      distributedOneOpRunMs: +distRunMs.toFixed(2),
      threadsOneOpRunMs: +threadsRunMs.toFixed(2),
    };
    console.log(
      `${tiny} tiny tasks: distributed ${Math.round(tiny / (distTinyMs / 1000))}/s, threads ${Math.round(tiny / (threadsTinyMs / 1000))}/s; ` +
        `one-op run: distributed ${fmt(distRunMs)}, threads ${fmt(threadsRunMs)}`,
    );
    await threads.close();

    // A 64 MiB chunk made on a worker, stored in Redis and fetched by the driver: built to held value
    // (the fill is a memset), against a plain SET then GET of 64 MiB on the same Redis.
    const into = new Float64Array((64 * MiB) / 8);
    const moved = async (options: { into?: Float64Array }): Promise<number> => {
      const k = repetition++;
      const t0 = performance.now();
      const v = await dist.scope(() => tt.full([(64 * MiB) / 8], k, { chunkSize: (64 * MiB) / 8 })).add(0).execute({ session: dist });
      const got = await v.fetch({ session: dist, ...options });
      const ms = performance.now() - t0;
      if (got.data[12345] !== k || got.data.length !== (64 * MiB) / 8) throw new Error('wrong 64 MiB chunk');
      v.release({ session: dist });
      return ms;
    };
    const fetchMs = await median(runs, () => moved({}));
    const fetchIntoMs = await median(runs, () => moved({ into }));
    const client = new IORedis(redis.url);
    const payload = Buffer.alloc(64 * MiB, 7);
    const setGetMs = await median(runs, () => timed(async () => {
      await client.set('tessera-bench:plain', payload);
      const got = await client.getBuffer('tessera-bench:plain');
      if (got?.length !== 64 * MiB) throw new Error('plain GET lost bytes');
    }));
    await client.del('tessera-bench:plain');
    client.disconnect();
    const mbps = (ms: number): number => Math.round(64 / (ms / 1000));
    results.chunk64MiB = {
      workerToDriverMs: +fetchMs.toFixed(1), workerToDriverMBps: mbps(fetchMs), intoReusedArrayMs: +fetchIntoMs.toFixed(1), intoReusedArrayMBps: mbps(fetchIntoMs),
      plainSetThenGetMs: +setGetMs.toFixed(1), plainSetThenGetMBps: mbps(setGetMs), ratioToPlain: +(fetchMs / setGetMs).toFixed(2),
    };
    console.log(
      `64 MiB chunk worker -> Redis -> driver: ${fmt(fetchMs)} (${mbps(fetchMs)} MB/s), into a reused array ${fmt(fetchIntoMs)} (${mbps(fetchIntoMs)} MB/s); ` +
        `plain SET then GET ${fmt(setGetMs)} (${mbps(setGetMs)} MB/s)`,
    );
    await dist.close();
  } finally {
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    await redis.stop();
    hosts?.down();
  }
  writeResult('distributed-scale', results);
}

await main();
