/**
 * The `distributed` executor: a session's chunk tasks run on `tessera worker` processes on any number
 * of machines, through BullMQ on Redis (the control plane) and chunk bytes in Redis (the data plane,
 * redisChunkStore.ts); see run.ts for one run and protocol.ts for the key layout.
 *
 * Per session: one queue (`tessera:{session}:{queue}:*`), one QueueEvents subscription that dispatches
 * every job's end to its run, and an alive key (the session's lease) the workers check before serving
 * the session. The first use probes Redis with a short timeout, so a wrong or dead address fails the
 * run at once with RedisUnreachableError instead of hanging. `close` stops the session being served
 * (and waits, up to LEAVE_WAIT_MS, for every worker to be off its queues: sessionLeave.ts), removes its
 * queue and deletes every key under its prefix.
 *
 * Locality: a run may ask for a job to go to a worker (the one holding most of its tasks' inputs); the
 * executor puts it on that worker's own queue (workerRoutes.ts) if the worker's heartbeat is fresh and
 * fewer of its routed jobs are in flight than twice its threads, else on the shared queue. A routed job
 * whose worker's heartbeat expires is sent again on the shared queue (nobody else takes jobs from a
 * dead worker's queue, nor checks them for stalls); if the worker was only late, whichever copy ends
 * first counts.
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
  workerKey,
  workerPattern,
} from './protocol.js';
import { INLINE_BYTES } from './inlineResults.js';
import { RedisChunkStore, type RemoteChunkStore } from './redisChunkStore.js';
import { S3ChunkStore, s3StoreForDriver, type S3StoreOptions, storeKey } from './s3ChunkStore.js';
import type { JobEnd, JobPort, JobToAdd } from './jobPort.js';
import { DistributedRun } from './run.js';
import { withdrawSession } from './sessionLeave.js';
import { listenForEnds, WorkerRoutes } from './workerRoutes.js';

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
  /**
   * Task outputs up to this many encoded bytes come back in their job's result instead of going to the
   * chunk store (default INLINE_BYTES; 0 sends every output through the store): inlineResults.ts.
   */
  readonly inlineBytes?: number;
  /** Keep chunk bytes in S3-compatible storage instead of Redis (s3ChunkStore.ts). */
  readonly s3?: S3StoreOptions;
}


/**
 * How often the driver looks whether the workers it routed jobs to still beat: a worker's heartbeat
 * expires HEARTBEAT_TTL_SECONDS after its last beat, so its routed jobs go to the shared queue at most
 * that plus this after it died.
 */
const ROUTED_CHECK_MS = 1_000;

/** Events a stream keeps: far more than a run's in-flight jobs emit before the subscription reads them. */
const EVENTS_MAX_LEN = 200_000;

interface Connected {
  readonly redis: Redis;
  readonly queue: Queue<JobData, JobResult>;
  readonly events: CountingQueueEvents;
  readonly eventsConnection: Redis;
  readonly chunks: RemoteChunkStore;
  readonly routes: WorkerRoutes;
  readonly timers: NodeJS.Timeout[];
  /** Set once the connection failed (or was closed): its timers are stopped and it is not reused. */
  dropped: boolean;
}

/** What the driver counts about locality since the executor was made. */
export interface LocalityStats {
  /** Jobs put on a worker's own queue, and on the shared queue. */
  readonly routedJobs: number;
  readonly sharedJobs: number;
  /** Routed jobs sent again on the shared queue because their worker's heartbeat expired. */
  readonly rescuedJobs: number;
  /** Distinct job inputs the workers served from memory, and fetched from the chunk store. */
  readonly inputsFromCache: number;
  readonly inputsFetched: number;
}

/** A job in flight: its data (to send it again), where it went, and its handler (shared by its copies). */
interface Placed {
  readonly data: JobData;
  readonly worker: string | undefined;
  readonly end: { readonly handler: (end: JobEnd) => void; readonly ids: string[] };
}

export class DistributedExecutor implements Executor {
  readonly name = 'distributed';
  readonly #o: DistributedExecutorOptions;
  readonly #placed = new Map<string, Placed>();
  /** Routed jobs in flight per worker. */
  readonly #routedTo = new Map<string, number>();
  #locality = { routedJobs: 0, sharedJobs: 0, rescuedJobs: 0, inputsFromCache: 0, inputsFetched: 0 };
  #rescues = 0;
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

  /** Locality counters since the executor was made (worker-side cache figures are in `workersSeen`). */
  get locality(): LocalityStats {
    return { ...this.#locality };
  }

  /** The S3 chunk store the options ask for, if any (credentials checked when the session was made). */
  #s3Store(): ReturnType<typeof s3StoreForDriver> | undefined {
    return this.#o.s3 ? s3StoreForDriver(this.#o.s3, this.#o.session, 'newSession({ s3 })') : undefined;
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
    const s3 = this.#s3Store();
    const redis = new Redis(url, { maxRetriesPerRequest: null });
    const eventsConnection = new Redis(url, { maxRetriesPerRequest: null });
    const prefix = queuePrefix(session);
    const queue = new Queue<JobData, JobResult>(name, { connection: redis, prefix, streams: { events: { maxLen: this.#o.eventsMaxLen ?? EVENTS_MAX_LEN } } });
    const eventsKey = `${prefix}:${name}:events`;
    // Read from where the stream is now: no job of this connection has ended yet, and an earlier
    // connection's events (if Redis kept them) belong to runs that are over.
    const start = await streamPosition(redis, eventsKey);
    const events = new CountingQueueEvents(name, { connection: eventsConnection, prefix, lastEventId: start.lastId }, start.added);
    let onClose = (): void => {};
    const routes = new WorkerRoutes({
      url,
      redis,
      session,
      queue: name,
      eventsMaxLen: this.#o.eventsMaxLen ?? EVENTS_MAX_LEN,
      onEnd: (jobId, end) => this.#end(jobId, end),
      onConnectionClosed: () => onClose(),
    });
    const c: Connected = { redis, queue, events, eventsConnection, chunks: s3?.store ?? new RedisChunkStore(redis, session), routes, timers: [], dropped: false };
    // A connection that closes (Redis restarted or died) fails the runs at once; ioredis would otherwise
    // reconnect and leave them waiting for job ends that a restarted Redis has forgotten.
    const lost = new Promise<never>((_, reject) => {
      onClose = (): void => {
        if (c.dropped) return;
        const error = new RedisConnectionLostError(url);
        this.#drop(c, error);
        reject(error);
      };
      redis.once('close', onClose);
      eventsConnection.once('close', onClose);
    });
    lost.catch(() => {});
    listenForEnds(events, (jobId, end) => this.#end(jobId, end));
    await Promise.race([Promise.all([events.waitUntilReady(), queue.waitUntilReady()]), lost]);
    // Workers read where the chunks live before they serve the session: published before it is listed.
    if (s3) await Promise.race([redis.set(storeKey(session), s3.published), lost]);
    await Promise.race([redis.set(aliveKey(session), '1', 'EX', ttl), lost]);
    await Promise.race([redis.sadd(sessionsKey(name), session), lost]);
    // SET ... GET answers the value it replaced: none means the lease had expired, and workers may
    // already have dropped the session's tasks and keys.
    const refreshAlive = async (): Promise<void> => {
      const previous = await redis.set(aliveKey(session), '1', 'EX', ttl, 'GET');
      if (previous === null && !c.dropped) this.#drop(c, new SessionLeaseLostError(session, ttl));
    };
    const watch = async (): Promise<void> => {
      const behind = (await unreadTrimmed(redis, eventsKey, events)) ?? (await routes.trimmed());
      if (behind && !c.dropped) this.#drop(c, new JobEventsLostError(...behind));
    };
    c.timers.push(
      setInterval(() => void refreshAlive().catch(() => {}), (ttl * 1000) / 4),
      setInterval(() => void this.#seeWorkers(redis).catch(() => {}), HEARTBEAT_MS),
      setInterval(() => void this.#checkRouted(c).catch(() => {}), ROUTED_CHECK_MS),
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
    this.#placed.clear();
    this.#routedTo.clear();
    c.routes.close().catch(() => {});
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
    const placed = this.#placed.get(jobId);
    if (!placed) return;
    for (const id of placed.end.ids) this.#unplace(id);
    if (end.ok) {
      this.#locality.inputsFromCache += end.result.hits ?? 0;
      this.#locality.inputsFetched += end.result.fetched ?? 0;
    }
    placed.end.handler(end);
  }

  #unplace(jobId: string): void {
    const p = this.#placed.get(jobId);
    if (!p) return;
    this.#placed.delete(jobId);
    if (p.worker !== undefined) this.#routedTo.set(p.worker, this.#routedTo.get(p.worker)! - 1);
  }

  /**
   * Whether a job may go to worker `id`'s own queue now: its heartbeat is fresh and fewer of its routed
   * jobs are in flight than it takes at once from a queue (twice its threads). Past that, tasks go to the
   * shared queue, so a worker that holds everything does not queue work another worker could do.
   */
  #canRoute(id: string): boolean {
    const w = this.#workersSeen.find((x) => x.id === id);
    return w !== undefined && (this.#routedTo.get(id) ?? 0) < 2 * w.threads;
  }

  /** Sends jobs, each on its worker's own queue when it names one that can take it, else on the shared queue. */
  async #addJobs(c: Connected, jobs: readonly JobToAdd[], handlers: Map<string, (end: JobEnd) => void>): Promise<void> {
    const shared: JobToAdd[] = [];
    const routed = new Map<string, JobToAdd[]>();
    for (const job of jobs) {
      const worker = job.worker !== undefined && this.#canRoute(job.worker) ? job.worker : undefined;
      const handler = handlers.get(job.jobId);
      handlers.delete(job.jobId);
      if (handler) this.#placed.set(job.jobId, { data: job.data, worker, end: { handler, ids: [job.jobId] } });
      if (worker === undefined) {
        shared.push(job);
        continue;
      }
      this.#routedTo.set(worker, (this.#routedTo.get(worker) ?? 0) + 1);
      routed.set(worker, [...(routed.get(worker) ?? []), job]);
    }
    this.#locality.sharedJobs += shared.length;
    this.#locality.routedJobs += jobs.length - shared.length;
    const bulk = (list: readonly JobToAdd[]) =>
      list.map(({ jobId, data }) => ({
        name: data.tasks[0]!.kernel,
        data,
        // One attempt: a task's own error is deterministic (UnrecoverableError anyway); a worker's
        // death is handled by the stalled check, which reruns the job without counting an attempt.
        opts: { jobId, attempts: 1, removeOnComplete: true, removeOnFail: true },
      }));
    await Promise.all([
      shared.length > 0 ? c.queue.addBulk(bulk(shared)) : undefined,
      ...[...routed].map(async ([worker, list]) => (await c.routes.route(worker)).queue.addBulk(bulk(list))),
    ]);
  }

  /** Looks whether the workers with routed jobs in flight still beat (one EXISTS each), and rescues the others' jobs. */
  async #checkRouted(c: Connected): Promise<void> {
    const workers = [...this.#routedTo].flatMap(([w, n]) => (n > 0 ? [w] : []));
    if (workers.length === 0) return;
    const beats = await c.redis.pipeline(workers.map((w) => ['exists', workerKey(this.#o.queue, w)])).exec();
    const gone = new Set(workers.filter((_, k) => beats?.[k]?.[0] === null && beats[k]![1] === 0));
    if (gone.size > 0) this.#rescue(c, gone);
  }

  /**
   * Routed jobs of workers whose heartbeat expired go again on the shared queue, under a new id with the
   * same handler: nobody takes jobs from a dead worker's queue or reruns its stalled ones.
   */
  #rescue(c: Connected, gone: ReadonlySet<string>): void {
    if (c.dropped) return;
    const orphans = [...this.#placed].filter(([, p]) => p.worker !== undefined && gone.has(p.worker));
    if (orphans.length === 0) return;
    const jobs: JobToAdd[] = [];
    for (const [jobId, p] of orphans) {
      this.#unplace(jobId);
      this.#placed.set(jobId, { ...p, worker: undefined });
      const again = `${jobId}.x${++this.#rescues}`;
      p.end.ids.push(again);
      this.#placed.set(again, { data: p.data, worker: undefined, end: p.end });
      jobs.push({ jobId: again, data: p.data });
      void c.routes.remove(p.worker!, jobId);
    }
    this.#locality.rescuedJobs += jobs.length;
    this.#addJobs(c, jobs, new Map()).catch((e: unknown) => {
      for (const run of [...this.#runs]) run.fail(e instanceof Error ? e : new Error(String(e)));
    });
  }

  #port(c: Connected): JobPort {
    /** Handlers registered for jobs not added yet. */
    const pending = new Map<string, (end: JobEnd) => void>();
    return {
      session: this.#o.session,
      chunks: c.chunks,
      inlineBytes: this.#o.inlineBytes ?? INLINE_BYTES,
      parallelism: () => this.workers,
      addJobs: (jobs) => this.#addJobs(c, jobs, pending),
      removeJobs: async (jobIds) => {
        const copies = jobIds.flatMap((id) => this.#placed.get(id)?.end.ids.map((x) => [x, this.#placed.get(x)?.worker] as const) ?? []);
        for (const [id] of copies) this.#unplace(id);
        for (const id of jobIds) pending.delete(id);
        await Promise.all(copies.map(([id, worker]) => (worker === undefined ? c.queue.remove(id).catch(() => 0) : c.routes.remove(worker, id))));
      },
      onJobEnd: (jobId, handler) => {
        pending.set(jobId, handler);
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
      // Workers stop serving the session first (all of them off its queues: sessionLeave.ts), then its
      // queue and chunks go.
      await withdrawSession(c.redis, name, session);
      await c.events.close();
      await c.routes.close();
      await c.queue.obliterate({ force: true }).catch(() => {});
      await c.queue.close();
      // Best effort: if this process's S3 credentials are refused, the workers that wrote the objects
      // delete them with theirs when they leave the session (worker.ts).
      if (c.chunks instanceof S3ChunkStore) await c.chunks.deleteAll().catch(() => {});
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
      await withdrawSession(redis, name, session);
      await this.#s3Store()?.store.deleteAll().catch(() => {});
      await deleteByPrefix(redis, `${queuePrefix(session)}:`);
    } finally {
      redis.disconnect();
    }
  }
}
