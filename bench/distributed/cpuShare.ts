/**
 * Where the CPU of the distributed speedup benchmark goes (scale.ts's CPU-bound pipeline): per run, the
 * wall time and the CPU milliseconds of the driver (this process), Redis's main thread, and each
 * worker's main thread (BullMQ, Redis I/O, codec) and kernel threads, read from /proc. On 2 cores the
 * driver, Redis and the workers' main threads share the CPUs with the kernels, so their CPU per task is
 * what the speedup from one worker to two loses; unlike wall times it hardly depends on the machine's
 * other load, so it is the figure to compare between two builds.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/distributed/cpuShare.js [--runs 3] [--tensors 40] [--size 1500] [--workers 2] [--loopback]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis as IORedis } from 'ioredis';
import { newSession, type Session, tensor as tt } from '../../src/index.js';
import { startRedis, startWorker, type Worker } from './cluster.js';
import { type Hosts, hostsAvailable, hostsUp } from './hosts.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    tensors: { type: 'string', default: '40' },
    size: { type: 'string', default: '1500' },
    workers: { type: 'string', default: '2' },
    loopback: { type: 'boolean', default: false },
  },
});
const runs = Number(args.runs);
const tensors = Number(args.tensors);
const size = Number(args.size);

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU ms of a process's main thread (tid = pid) and of its other threads, from /proc. */
function cpuOf(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    if (Number(tid) === pid) main += ms;
    else others += ms;
  }
  return { main, others };
}

let repetition = 0;
function cpuBound(sess: Session): Promise<unknown> {
  const first = tensors * repetition++;
  const sums = sess.scope(() =>
    Array.from({ length: tensors }, (_, i) =>
      tt.random.rand([size, size], { seed: first + i, chunkSize: [Math.max(1, Math.floor(size / 10)), size] }).map((v) => Math.sqrt(v) * Math.sin(v) + Math.cos(v)).sum(),
    ),
  );
  return sess.run(sums);
}

async function main(): Promise<void> {
  const hosts: Hosts | undefined = !args.loopback && hostsAvailable() ? hostsUp({ prefix: 'tcs', workers: 2, net: 79 }) : undefined;
  const redis = await startRedis(hosts?.redis);
  const workers: Worker[] = [];
  try {
    for (let w = 0; w < Number(args.workers); w++) workers.push(await startWorker(redis.url, 1, hosts?.workers[w]));
    const sess = newSession({ mode: 'lazy', executor: 'distributed', redis: redis.url, default: false });
    await cpuBound(sess);
    const rows: string[] = [];
    for (let r = 0; r < runs; r++) {
      const before = { driver: process.cpuUsage(), redis: cpuOf(redis.pid), workers: workers.map((w) => cpuOf(w.pid)) };
      const t0 = performance.now();
      await cpuBound(sess);
      const wall = performance.now() - t0;
      const driver = process.cpuUsage(before.driver);
      const redisCpu = cpuOf(redis.pid).main - before.redis.main;
      const ws = workers.map((w, k) => {
        const now = cpuOf(w.pid);
        return { main: now.main - before.workers[k]!.main, kernels: now.others - before.workers[k]!.others };
      });
      rows.push(
        `wall ${wall.toFixed(0)} ms; cpu ms: driver ${((driver.user + driver.system) / 1000).toFixed(0)}, redis ${redisCpu}, ` +
          ws.map((w, k) => `worker${k + 1} main ${w.main} kernels ${w.kernels}`).join(', '),
      );
    }
    const client = new IORedis(redis.url);
    const stats = String(await client.info('commandstats'))
      .split('\n')
      .flatMap((l) => {
        const m = /^cmdstat_(\S+):calls=(\d+),usec=(\d+)/.exec(l);
        return m ? [{ cmd: m[1]!, calls: Number(m[2]) / (runs + 1), ms: Number(m[3]) / 1000 / (runs + 1) }] : [];
      })
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 12);
    client.disconnect();
    rows.push(`redis per run: ${stats.map((c) => `${c.cmd} ${c.calls.toFixed(0)} calls ${c.ms.toFixed(0)} ms`).join(', ')}`);
    console.log(`${workers.length} worker(s), ${tensors} x rand([${size}, ${size}]).map(f).sum():\n  ${rows.join('\n  ')}`);
    await sess.close();
  } finally {
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    await redis.stop();
    hosts?.down();
  }
}

await main();
