/**
 * The `distributed` executor: a session's chunk tasks run on `tessera worker` processes on any number
 * of machines, through BullMQ on Redis (the control plane) and chunk bytes in Redis (the data plane,
 * redisChunkStore.ts); see run.ts for one run and protocol.ts for the key layout.
 *
 * Per session: one queue (`tessera:{session}:{queue}:*`), one QueueEvents subscription that dispatches
 * every job's end to its run, and an alive key the workers check before serving the session. The
 * first use probes Redis with a short timeout, so a wrong or dead address fails the run at once with
 * RedisUnreachableError instead of hanging. `close` stops the session being served, removes its
 * queue and deletes every key under its prefix.
 */
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { CancelledError } from '../../base/errors.js';
import type { ChunkGraph } from '../../dag/chunkGraph.js';
import type { ChunkStore } from '../../store/chunkStore.js';
import type { Executor, RunOptions, RunReport } from '../executor.js';
import { probeRedis } from './connect.js';
import {
  ALIVE_REFRESH_MS,
  ALIVE_TTL_SECONDS,
  aliveKey,
  HEARTBEAT_MS,
  type JobData,
  type JobResult,
  queuePrefix,
  sessionsKey,
  type WorkerInfo,
  workerPattern,
} from './protocol.js';
import { RedisChunkStore } from './redisChunkStore.js';
import { DistributedRun, type JobPort } from './run.js';

export interface DistributedExecutorOptions {
  /** A Redis URL (checked by the session's options). */
  readonly redis: string;
  /** The queue name its workers serve (`tessera worker --queue`). */
  readonly queue: string;
  /** The session's id: the prefix of every key it makes. */
  readonly session: string;
}

type JobEnd = Parameters<Parameters<JobPort['onJobEnd']>[1]>[0];

/** Events a stream keeps: far more than a run's in-flight jobs emit before the subscription reads them. */
const EVENTS_MAX_LEN = 200_000;

interface Connected {
  readonly redis: Redis;
  readonly queue: Queue<JobData, JobResult>;
  readonly events: QueueEvents;
  readonly eventsConnection: Redis;
  readonly chunks: RedisChunkStore;
  readonly timers: readonly NodeJS.Timeout[];
}

export class DistributedExecutor implements Executor {
  readonly name = 'distributed';
  readonly #o: DistributedExecutorOptions;
  readonly #handlers = new Map<string, (end: JobEnd) => void>();
  #connected: Promise<Connected> | undefined;
  #workersSeen: readonly WorkerInfo[] = [];
  #closed: Promise<void> | undefined;

  constructor(options: DistributedExecutorOptions) {
    this.#o = options;
  }

  /** Threads of the workers last seen (refreshed every few seconds while connected). */
  get workers(): number {
    return this.#workersSeen.reduce((s, w) => s + w.threads, 0);
  }

  /** The workers whose heartbeat was last seen: id, host, threads, running jobs, load. */
  get workersSeen(): readonly WorkerInfo[] {
    return this.#workersSeen;
  }

  /** Connects on first use (a probe first, so a bad address fails fast) and announces the session. */
  connect(): Promise<Connected> {
    this.#connected ??= this.#connect();
    return this.#connected;
  }

  async #connect(): Promise<Connected> {
    const { redis: url, queue: name, session } = this.#o;
    await probeRedis(url);
    const redis = new Redis(url, { maxRetriesPerRequest: null });
    const eventsConnection = new Redis(url, { maxRetriesPerRequest: null });
    const prefix = queuePrefix(session);
    const queue = new Queue<JobData, JobResult>(name, { connection: redis, prefix, streams: { events: { maxLen: EVENTS_MAX_LEN } } });
    // The session's queue is new, so reading its event stream from the start misses nothing and replays nothing.
    const events = new QueueEvents(name, { connection: eventsConnection, prefix, lastEventId: '0-0' });
    events.on('completed', ({ jobId, returnvalue }) => {
      const result = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as JobResult;
      this.#end(jobId, { ok: true, result });
    });
    events.on('failed', ({ jobId, failedReason }) => this.#end(jobId, { ok: false, reason: failedReason }));
    await events.waitUntilReady();
    await queue.waitUntilReady();
    const refreshAlive = (): Promise<unknown> => redis.set(aliveKey(session), '1', 'EX', ALIVE_TTL_SECONDS);
    await refreshAlive();
    await redis.sadd(sessionsKey(name), session);
    const alive = setInterval(() => void refreshAlive().catch(() => {}), ALIVE_REFRESH_MS);
    const seen = setInterval(() => void this.#seeWorkers(redis).catch(() => {}), HEARTBEAT_MS);
    alive.unref();
    seen.unref();
    await this.#seeWorkers(redis);
    return { redis, queue, events, eventsConnection, chunks: new RedisChunkStore(redis, session), timers: [alive, seen] };
  }

  async #seeWorkers(redis: Redis): Promise<void> {
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: workerPattern(this.#o.queue), count: 100 })) keys.push(...(batch as string[]));
    const values = keys.length === 0 ? [] : await redis.mget(...keys);
    this.#workersSeen = values.flatMap((v) => (v ? [JSON.parse(v) as WorkerInfo] : [])).sort((a, b) => a.id.localeCompare(b.id));
  }

  #end(jobId: string, end: JobEnd): void {
    const handler = this.#handlers.get(jobId);
    if (!handler) return;
    this.#handlers.delete(jobId);
    handler(end);
  }

  #port(c: Connected): JobPort {
    return {
      chunks: c.chunks,
      parallelism: () => this.workers,
      addJobs: async (jobs) => {
        await c.queue.addBulk(
          jobs.map(({ jobId, data }) => ({
            name: data.tasks[0]!.kernel,
            data,
            // One attempt: a task's own error is deterministic (UnrecoverableError anyway); a worker's
            // death is handled by the stalled check, which reruns the job without counting an attempt.
            opts: { jobId, attempts: 1, removeOnComplete: true, removeOnFail: true },
          })),
        );
      },
      removeJobs: async (jobIds) => {
        await Promise.all(jobIds.map((id) => c.queue.remove(id).catch(() => 0)));
        for (const id of jobIds) this.#handlers.delete(id);
      },
      onJobEnd: (jobId, handler) => {
        this.#handlers.set(jobId, handler);
      },
    };
  }

  async run(graph: ChunkGraph, store: ChunkStore, options: RunOptions): Promise<RunReport> {
    if (this.#closed) throw new CancelledError('The executor is closed.');
    const c = await this.connect();
    return new Promise((resolve, reject) => {
      void new DistributedRun(this.#port(c), graph, store, options, resolve, reject).start();
    });
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    if (!this.#connected) return;
    let c: Connected;
    try {
      c = await this.#connected;
    } catch {
      return;
    }
    for (const t of c.timers) clearInterval(t);
    const { session, queue: name } = this.#o;
    try {
      // Workers stop serving the session first, then its queue and chunks go.
      await c.redis.srem(sessionsKey(name), session);
      await c.redis.del(aliveKey(session));
      await c.events.close();
      await c.queue.obliterate({ force: true }).catch(() => {});
      await c.queue.close();
      await deleteByPrefix(c.redis, `${queuePrefix(session)}:`);
    } finally {
      c.eventsConnection.disconnect();
      c.redis.disconnect();
    }
  }
}

/** Deletes every key that starts with `prefix` (SCAN, so the server never blocks on a big KEYS). */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  const escaped = prefix.replace(/[*?[\]\\]/g, '\\$&');
  for await (const batch of redis.scanStream({ match: `${escaped}*`, count: 500 })) {
    const keys = batch as string[];
    if (keys.length > 0) await redis.unlink(...keys);
  }
}
