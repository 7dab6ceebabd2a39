/**
 * The `distributed` executor: a session's chunk tasks run on `tessera worker` processes on any number
 * of machines, through BullMQ on Redis (the control plane) and chunk bytes in Redis (the data plane,
 * redisChunkStore.ts); see run.ts for one run and protocol.ts for the key layout.
 *
 * Per session: one queue (`tessera:{session}:{queue}:*`), one QueueEvents subscription that dispatches
 * every job's end to its run, and an alive key (the session's lease) the workers check before serving
 * the session. The first use probes Redis with a short timeout, so a wrong or dead address fails the
 * run at once with RedisUnreachableError instead of hanging. `close` stops the session being served,
 * removes its queue and deletes every key under its prefix.
 *
 * Faults never leave a run waiting (errors.ts): a connection to Redis that closes (Redis restarted or
 * died) fails the runs in flight with RedisConnectionLostError; a lease found expired on refresh fails
 * them with SessionLeaseLostError; job events trimmed unread fail them with JobEventsLostError
 * (eventsWatchdog.ts). Each drops the connection, and the next run connects afresh.
 */
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { CancelledError } from '../../base/errors.js';
import type { ChunkGraph } from '../../dag/chunkGraph.js';
import type { ChunkStore } from '../../store/chunkStore.js';
import type { Executor, RunOptions, RunReport } from '../executor.js';
import { deleteByPrefix, probeRedis } from './connect.js';
import { JobEventsLostError, RedisConnectionLostError, SessionLeaseLostError } from './errors.js';
import { CountingQueueEvents, streamPosition, unreadTrimmed, WATCHDOG_MS } from './eventsWatchdog.js';
import {
  aliveKey,
  DRIVER_TTL_SECONDS,
  HEARTBEAT_MS,
  type JobData,
  type JobResult,
  queuePrefix,
  sessionsKey,
  type WorkerInfo,
  workerPattern,
} from './protocol.js';
import { RedisChunkStore } from './redisChunkStore.js';
import { DistributedRun, type JobEnd, type JobPort } from './run.js';

export interface DistributedExecutorOptions {
  /** A Redis URL (checked by the session's options). */
  readonly redis: string;
  /** The queue name its workers serve (`tessera worker --queue`). */
  readonly queue: string;
  /** The session's id: the prefix of every key it makes. */
  readonly session: string;
  /**
   * Seconds the session's lease outlives its last refresh (default DRIVER_TTL_SECONDS): when the driver
   * dies, workers drop its tasks and delete its keys within this plus DISCOVERY_MS.
   */
  readonly driverTtlSeconds?: number;
  /** Entries the job-event stream keeps before Redis trims the oldest. */
  readonly eventsMaxLen?: number;
}


/** Events a stream keeps: far more than a run's in-flight jobs emit before the subscription reads them. */
const EVENTS_MAX_LEN = 200_000;

interface Connected {
  readonly redis: Redis;
  readonly queue: Queue<JobData, JobResult>;
  readonly events: CountingQueueEvents;
  readonly eventsConnection: Redis;
  readonly chunks: RedisChunkStore;
  readonly timers: NodeJS.Timeout[];
  /** Set once the connection failed (or was closed): its timers are stopped and it is not reused. */
  dropped: boolean;
}

export class DistributedExecutor implements Executor {
  readonly name = 'distributed';
  readonly #o: DistributedExecutorOptions;
  readonly #handlers = new Map<string, (end: JobEnd) => void>();
  #connected: Promise<Connected> | undefined;
  readonly #runs = new Set<DistributedRun>();
  /** A fault dropped a connection of this executor: closing must still clean up its keys. */
  #dropped = false;
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
    const ttl = this.#o.driverTtlSeconds ?? DRIVER_TTL_SECONDS;
    await probeRedis(url);
    const redis = new Redis(url, { maxRetriesPerRequest: null });
    const eventsConnection = new Redis(url, { maxRetriesPerRequest: null });
    const prefix = queuePrefix(session);
    const queue = new Queue<JobData, JobResult>(name, { connection: redis, prefix, streams: { events: { maxLen: this.#o.eventsMaxLen ?? EVENTS_MAX_LEN } } });
    const eventsKey = `${prefix}:${name}:events`;
    // Read from where the stream is now: no job of this connection has ended yet, and an earlier
    // connection's events (if Redis kept them) belong to runs that are over.
    const start = await streamPosition(redis, eventsKey);
    const events = new CountingQueueEvents(name, { connection: eventsConnection, prefix, lastEventId: start.lastId }, start.added);
    const c: Connected = { redis, queue, events, eventsConnection, chunks: new RedisChunkStore(redis, session), timers: [], dropped: false };
    // A connection that closes (Redis restarted or died) fails the runs at once; ioredis would otherwise
    // reconnect and leave them waiting for job ends that a restarted Redis has forgotten.
    const lost = new Promise<never>((_, reject) => {
      const onClose = (): void => {
        const error = new RedisConnectionLostError(url);
        this.#drop(c, error);
        reject(error);
      };
      redis.once('close', onClose);
      eventsConnection.once('close', onClose);
    });
    lost.catch(() => {});
    events.on('completed', ({ jobId, returnvalue }) => {
      const result = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as JobResult;
      this.#end(jobId, { ok: true, result });
    });
    events.on('failed', ({ jobId, failedReason }) => this.#end(jobId, { ok: false, reason: failedReason }));
    events.on('error', () => {});
    await Promise.race([Promise.all([events.waitUntilReady(), queue.waitUntilReady()]), lost]);
    await Promise.race([redis.set(aliveKey(session), '1', 'EX', ttl), lost]);
    await Promise.race([redis.sadd(sessionsKey(name), session), lost]);
    // SET ... GET answers the value it replaced: none means the lease had expired, and workers may
    // already have dropped the session's tasks and keys.
    const refreshAlive = async (): Promise<void> => {
      const previous = await redis.set(aliveKey(session), '1', 'EX', ttl, 'GET');
      if (previous === null && !c.dropped) this.#drop(c, new SessionLeaseLostError(session, ttl));
    };
    const watch = async (): Promise<void> => {
      const behind = await unreadTrimmed(redis, eventsKey, events);
      if (behind && !c.dropped) this.#drop(c, new JobEventsLostError(...behind));
    };
    c.timers.push(
      setInterval(() => void refreshAlive().catch(() => {}), (ttl * 1000) / 4),
      setInterval(() => void this.#seeWorkers(redis).catch(() => {}), HEARTBEAT_MS),
      setInterval(() => void watch().catch(() => {}), WATCHDOG_MS),
    );
    for (const t of c.timers) t.unref();
    await Promise.race([this.#seeWorkers(redis), lost]);
    return c;
  }

  /**
   * Gives up a connection after a fault: the runs in flight fail with `error`, and the next run connects
   * afresh (probing first, so a Redis still down fails it at once).
   */
  #drop(c: Connected, error: Error): void {
    if (c.dropped) return;
    c.dropped = true;
    this.#dropped = true;
    this.#connected = undefined;
    for (const t of c.timers) clearInterval(t);
    for (const run of [...this.#runs]) run.fail(error);
    this.#handlers.clear();
    c.events.close().catch(() => {});
    c.queue.close().catch(() => {});
    c.eventsConnection.disconnect();
    c.redis.disconnect();
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
      session: this.#o.session,
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
      const run: DistributedRun = new DistributedRun(
        this.#port(c),
        graph,
        store,
        options,
        (report) => {
          this.#runs.delete(run);
          resolve(report);
        },
        (e) => {
          this.#runs.delete(run);
          reject(e);
        },
      );
      this.#runs.add(run);
      void run.start();
    });
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    if (!this.#connected) {
      if (this.#dropped) await this.#forget().catch(() => {});
      return;
    }
    let c: Connected;
    try {
      c = await this.#connected;
    } catch {
      return;
    }
    if (c.dropped) return;
    c.dropped = true;
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

  /**
   * Closing after a fault dropped the connection: if Redis answers (the fault was a lost lease or lost
   * events, or Redis came back), the session's keys go as on a normal close; if not, workers delete them
   * once its lease expires.
   */
  async #forget(): Promise<void> {
    const { redis: url, session, queue: name } = this.#o;
    await probeRedis(url);
    const redis = new Redis(url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    try {
      await redis.srem(sessionsKey(name), session);
      await redis.del(aliveKey(session));
      await deleteByPrefix(redis, `${queuePrefix(session)}:`);
    } finally {
      redis.disconnect();
    }
  }
}
