/**
 * A small cluster for the distributed executor's tests: a private redis-server (redisServer.ts) and
 * `tessera worker` child processes started from the TypeScript source (`node --import tsx`, as the
 * CLI tests do), each awaited until it prints its ready line, and each ended by its pid — SIGKILL in
 * the fault tests, SIGTERM at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { DistributedExecutor } from '../../src/executors/distributed/executor.js';
import type { Executor } from '../../src/executors/executor.js';
import { settles } from './events.js';
import { startRedis } from './redisServer.js';

export const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface TestWorker {
  readonly pid: number;
  readonly id: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

export interface TestCluster {
  readonly url: string;
  readonly workers: readonly TestWorker[];
  /** Starts one more worker and resolves once it serves. */
  addWorker(threads?: number): Promise<TestWorker>;
  /** SIGKILLs a worker by pid and resolves once it is gone. */
  kill(worker: TestWorker): Promise<void>;
}

/**
 * A worker process compiles the engine from source (tsx) and starts its threads before it is ready:
 * seconds on a quiet machine, over ten on a loaded 2-core one; the bound only turns a hang into a failure.
 */
const WORKER_START_MS = 120_000;

function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const missing = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting for ${what} after ${ms} ms`)), ms);
  });
  return Promise.race([p, missing]).finally(() => clearTimeout(timer));
}

export async function spawnWorker(url: string, threads = 1, extra: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<TestWorker> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, 'worker', '--redis', url, '--threads', String(threads), ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const id = await within(
    WORKER_START_MS,
    new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /tessera worker (\S+) ready/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`tessera worker exited with ${code} before it was ready:\n${err}`)));
    }),
    `a tessera worker (pid ${child.pid}) to be ready`,
  ).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  return { pid: child.pid!, id, child, exited };
}

/** A redis-server and `workers` worker processes (with environment `env`) for the calling describe block or file. */
export function clusterForSuite(workers = 2, threads = 1, env: NodeJS.ProcessEnv = process.env): () => TestCluster {
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  const running: TestWorker[] = [];
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    redis = await startRedis();
    running.push(...(await Promise.all(Array.from({ length: workers }, () => spawnWorker(redis!.url, threads, [], env)))));
    cluster = {
      url: redis.url,
      workers: running,
      async addWorker(t = threads) {
        const w = await spawnWorker(redis!.url, t, [], env);
        running.push(w);
        return w;
      },
      async kill(w) {
        if (w.child.exitCode === null && w.child.signalCode === null) process.kill(w.pid, 'SIGKILL');
        await w.exited;
      },
    };
  }, 2 * WORKER_START_MS);
  afterAll(async () => {
    for (const w of running) if (w.child.exitCode === null && w.child.signalCode === null) process.kill(w.pid, 'SIGTERM');
    await Promise.all(running.map((w) => settles(w.exited, `worker ${w.pid} to exit on SIGTERM`).catch(() => process.kill(w.pid, 'SIGKILL'))));
    await redis?.stop();
  }, 60_000);
  return () => {
    if (!cluster) throw new Error('the test cluster has not started (use it inside a test or hook)');
    return cluster;
  };
}

/** A distributed executor on the suite's cluster, connected on first use (after beforeAll), closed with it. */
export function distributedExecutor(cluster: () => TestCluster): Executor {
  let ex: DistributedExecutor | undefined;
  const open = (): DistributedExecutor =>
    (ex ??= new DistributedExecutor({ redis: cluster().url, queue: 'tessera', session: `conf${randomBytes(6).toString('hex')}` }));
  return {
    name: 'distributed',
    get workers() {
      return ex?.workers ?? 0;
    },
    run: (graph, store, options) => open().run(graph, store, options),
    close: async () => {
      await ex?.close();
    },
  };
}
