/**
 * A distributed worker (`tessera worker`): serves chunk tasks of every session that uses its queue
 * name, on any machine that reaches the Redis server. Per session it runs one BullMQ `Worker` on the
 * session's queue; each job's processor reads the inputs from the chunk store, runs the kernel on this
 * process's own thread pool (pool.ts: CPU work stays off the event loop, so job locks keep being
 * renewed while a kernel runs), writes the output under the job's deterministic key and returns only
 * a summary (a tiny output the driver asked for comes back in the summary instead: inlineResults.ts). A driver kernel (a graph app) runs whole here, on a gang of this worker's threads.
 *
 * A task's own error fails its job with `UnrecoverableError` carrying the error as data (class, code,
 * message, stack, properties), so the driver rebuilds the same typed error and nothing retries it. A
 * worker that dies mid-task loses its lock; another worker's stalled check reruns the job.
 *
 * The worker announces itself with a heartbeat key (id, host, pid, threads, running jobs, load) that
 * expires a few seconds after it stops; it serves the sessions listed for its queue whose driver is
 * alive, and stops serving a session once its driver closed it (at once: the driver announces it and
 * waits for the answer, sessionLeave.ts) or stopped refreshing its alive key.
 * A session whose lease expired (its driver died) is dropped at the next discovery: its running
 * kernels are aborted, and its keys (queue, jobs, chunks) deleted, so nothing of it outlives the
 * driver by more than its lease plus DISCOVERY_MS.
 *
 * Locality: the worker keeps the chunk values it produced or fetched in memory (chunkCache.ts, bounded
 * by `cacheBytes`), and per session it takes jobs from its own queue too, where the driver routes the
 * tasks whose inputs it holds; their inputs then cost one EXISTS each instead of a GET and a decode.
 */
import { hostname, loadavg, totalmem } from 'node:os';
import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { errorToData, WorkerCrashedError } from '../../base/errors.js';
import '../../kernels/index.js';
import { isDriverTask, type TaskMessage, type TaskOutcome } from '../../kernels/task.js';
import { fromJsonSafe } from '../../store/chunkCodec.js';
import { ChunkNotFoundError } from '../../store/chunkStore.js';
import { runGang } from '../gang.js';
import { noteStored } from '../../base/recycledBuffers.js';
import { createPool, type KernelPool } from '../pool.js';
import {
  aliveKey,
  inputGen,
  DISCOVERY_MS,
  HEARTBEAT_MS,
  HEARTBEAT_TTL_SECONDS,
  type JobData,
  type JobResult,
  type TaskEnd,
  type TaskData,
  type TaskResult,
  LOCK_DURATION_MS,
  MAX_STALLED_COUNT,
  queuePrefix,
  sessionsKey,
  STALLED_INTERVAL_MS,
  summarise,
  taskErrorReason,
  type WorkerInfo,
  workerKey,
  workerQueue,
} from './protocol.js';
import { ChunkCache, defaultCacheBytes } from './chunkCache.js';
import { deleteByPrefix } from './connect.js';
import { encodeOutput } from './inlineResults.js';
import type { RemoteChunkStore } from './redisChunkStore.js';
import { storeForWorker } from './s3ChunkStore.js';
import { listenForClosed } from './sessionLeave.js';

/** A session this worker serves: its BullMQ workers (shared queue and own queue), their connection, its running kernels. */
interface Served {
  readonly workers: Worker<JobData, JobResult>[];
  readonly connection: Redis;
  readonly running: Set<AbortController>;
}

/** Beats for job starts and ends are this far apart at least. */
const BEAT_COALESCE_MS = 100;

export interface WorkerOptions {
  readonly redis: string;
  /** Threads of the kernel pool, and jobs run at once per session. */
  readonly threads: number;
  readonly queue: string;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /** Bytes of chunk values kept in memory for later tasks (default: defaultCacheBytes; 0 turns it off). */
  readonly cacheBytes?: number;
  readonly log?: (line: string) => void;
}

export interface RunningWorker {
  readonly id: string;
  /** Stops taking jobs, lets running ones finish, ends the pool and the heartbeat. Idempotent. */
  close(): Promise<void>;
}

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const log = o.log ?? (() => {});
  const redis = new Redis(o.redis, { maxRetriesPerRequest: null });
  await redis.ping();
  const pool: KernelPool = createPool({ workers: o.threads });
  // Start every thread now (an empty batch each), so the first jobs do not wait for threads to load.
  await Promise.all(Array.from({ length: o.threads }, () => pool.run([])));
  const cache = new ChunkCache(o.cacheBytes ?? defaultCacheBytes(totalmem()));
  /** Per session: its BullMQ workers (the shared queue's, then this worker's own) and its running jobs. */
  const served = new Map<string, Served>();
  let running = 0;
  let closing: Promise<void> | undefined;

  const heartbeat = async (): Promise<void> => {
    const info: WorkerInfo = { id, host: hostname(), pid: process.pid, threads: o.threads, running, load: loadavg()[0]!, sessions: served.size, cache: cache.stats };
    await redis.set(workerKey(o.queue, id), JSON.stringify(info), 'EX', HEARTBEAT_TTL_SECONDS);
  };
  const beat = (): void => {
    if (!closing) heartbeat().catch((e: unknown) => log(`heartbeat failed: ${(e as Error).message}`));
  };
  /**
   * A job started or ended: the heartbeat says so. Going from idle to busy or back beats at once (the
   * driver, `sess.info` and the fault tests read `running` to find a busy worker); other changes beat at
   * most once per BEAT_COALESCE_MS. A beat per job start and end was the biggest CPU cost of this
   * thread: a SET of the whole info and a read of the load average each.
   */
  let lastBeat = 0;
  let beatRunning = 0;
  let beatTimer: NodeJS.Timeout | undefined;
  const changed = (): void => {
    const now = (): void => {
      clearTimeout(beatTimer);
      beatTimer = undefined;
      lastBeat = performance.now();
      beatRunning = running;
      beat();
    };
    if ((running === 0) !== (beatRunning === 0)) return now();
    if (beatTimer) return;
    const wait = lastBeat + BEAT_COALESCE_MS - performance.now();
    if (wait <= 0) now();
    else beatTimer = setTimeout(now, wait);
  };

  /** Runs a job's tasks: a driver kernel alone on a gang, a batch as one pool entry. */
  const runTasks = async (tasks: readonly TaskMessage[], signal: AbortSignal): Promise<TaskOutcome[]> => {
    if (tasks.length === 1 && isDriverTask(tasks[0]!.kernel)) {
      const task = tasks[0]!;
      const { outcome, crashed } = await runGang(pool, task, o.threads, signal);
      return [outcome ?? { ok: false, error: errorToData(new WorkerCrashedError(task.key, crashed ?? 'a gang member died')) }];
    }
    try {
      return (await pool.run(tasks, { signal })) as TaskOutcome[];
    } catch (e) {
      const error = errorToData(new WorkerCrashedError(tasks[0]!.key, (e as Error)?.message ?? String(e)));
      return tasks.map(() => ({ ok: false, error }));
    }
  };

  /**
   * Every distinct input of a job's tasks in one round trip: from memory when the cache holds it at the
   * generation the task names (Redis is only asked whether it still exists), else fetched and kept.
   */
  const readInputs = async (session: string, store: RemoteChunkStore, tasks: readonly TaskData[]) => {
    const gens = new Map<string, number>();
    for (const t of tasks) t.inputs.forEach((k, n) => gens.set(k, inputGen(t, n)));
    const keys = [...gens.keys()];
    const held = new Map<string, unknown>();
    for (const k of keys) {
      const v = cache.get(session, k, gens.get(k)!);
      if (v !== undefined) held.set(k, v);
    }
    let got: { values: unknown[]; sizes: number[] };
    try {
      got = await store.getUnlessHeld(keys, held);
    } catch (e) {
      // A key gone from the store is gone from memory too: the driver recomputes it under a new generation.
      if (e instanceof ChunkNotFoundError) cache.delete(session, e.key);
      throw e;
    }
    keys.forEach((k, n) => {
      if (!held.has(k)) cache.set(session, k, gens.get(k)!, got.values[n], got.sizes[n]!);
    });
    cache.countReads(held.size, keys.length - held.size);
    return { values: new Map(keys.map((k, n) => [k, got.values[n]] as const)), reads: { hits: held.size, fetched: keys.length - held.size } };
  };

  /** Each served session's chunk store (Redis, or the S3 store it published): read once, when serving starts. */
  const stores = new Map<string, Promise<RemoteChunkStore & { deleteAll?: () => Promise<void> }>>();
  const storeOf = (session: string) => {
    let store = stores.get(session);
    if (!store) {
      stores.set(session, (store = storeForWorker(redis, session)));
      store.catch(() => {});
    }
    return store;
  };
  /** Deletes what a gone session left: its S3 objects (if it kept chunks there), then its Redis keys. */
  const deleteSession = async (session: string): Promise<void> => {
    const store = await storeOf(session).catch(() => undefined);
    stores.delete(session);
    await store?.deleteAll?.();
    await deleteByPrefix(redis, `${queuePrefix(session)}:`);
  };

  const processor = (session: string) => {
    return async (job: Job<JobData, JobResult>): Promise<JobResult> => {
      running++;
      changed();
      const abort = new AbortController();
      served.get(session)?.running.add(abort);
      try {
        const tasks = job.data.tasks;
        let outcomes: TaskOutcome[];
        let reads = { hits: 0, fetched: 0 };
        // A worker that cannot reach the session's store (no S3 credentials here) fails the tasks saying so.
        const store = await storeOf(session).catch((e: unknown) => e as Error);
        try {
          if (store instanceof Error) throw store;
          const inputs = await readInputs(session, store, tasks);
          reads = inputs.reads;
          const messages = tasks.map((t) => ({ key: t.key, kernel: t.kernel, params: fromJsonSafe(t.params), inputs: t.inputs.map((k) => inputs.values.get(k)) }));
          outcomes = await runTasks(messages, abort.signal);
          // This thread holds every reader of what the pool made (the outputs it encodes and caches): the
          // pool's recycled buffers are filled again once these are gone (base/recycledBuffers.ts), not
          // kept LIVE until the pool lets them go.
          for (const out of outcomes) if (out.ok) noteStored(out.value);
        } catch (e) {
          const error = errorToData(e);
          outcomes = tasks.map(() => ({ ok: false, error }));
        }
        // A session closed while this ran: nobody will read the outputs, so they are not written.
        if (!served.has(session)) throw new UnrecoverableError(`session ${session} closed`);
        const ends: TaskEnd[] = [];
        try {
          if (store instanceof Error) throw store;
          // Tiny outputs go back in the result (inlineResults.ts); the others to the store, in one round trip.
          const encoded = outcomes.map((out, k) => (out.ok ? encodeOutput(out.value, tasks[k]!.inlineUpTo) : undefined));
          await store.putEncoded(encoded.flatMap((e, k) => (e && e.inline === undefined ? [[tasks[k]!.out, e.encoded] as const] : [])));
          outcomes.forEach((out, k) => {
            if (!out.ok) return ends.push({ ok: false, error: out.error });
            const { encoded: { byteLength }, inline } = encoded[k]!;
            if (inline === undefined && tasks[k]!.keepOutput !== false) cache.set(session, tasks[k]!.out, tasks[k]!.outGen ?? 0, out.value, byteLength);
            return ends.push({ ok: true, result: summarise(out.value, byteLength, inline) });
          });
        } catch (e) {
          const error = errorToData(e);
          throw new UnrecoverableError(taskErrorReason(tasks.map(() => ({ ok: false, error }))));
        }
        if (ends.some((e) => !e.ok)) throw new UnrecoverableError(taskErrorReason(ends));
        return { results: ends.map((e) => (e as { result: TaskResult }).result), worker: id, ...reads };
      } finally {
        // Inputs no later task reads: their memory goes back for the next chunks.
        for (const t of job.data.tasks) for (const k of t.lastReads ?? []) cache.delete(session, t.inputs[k]!);
        served.get(session)?.running.delete(abort);
        abort.abort();
        running--;
        changed();
      }
    };
  };

  const serve = (session: string): void => {
    const connection = redis.duplicate();
    const handle = processor(session);
    // The shared queue, and this worker's own (tasks routed here because it holds their inputs).
    const workers = [o.queue, workerQueue(o.queue, id)].map((name) => {
      const w = new Worker<JobData, JobResult>(name, handle, {
        connection,
        prefix: queuePrefix(session),
        // Twice the threads: a job's input and output transfers overlap another's kernel (the pool queues
        // the rest, off the event loop, so locks still renew).
        concurrency: 2 * o.threads,
        lockDuration: o.lockDurationMs ?? LOCK_DURATION_MS,
        stalledInterval: o.stalledIntervalMs ?? STALLED_INTERVAL_MS,
        maxStalledCount: MAX_STALLED_COUNT,
      });
      w.on('error', (e) => log(`session ${session}: ${e.message}`));
      return w;
    });
    served.set(session, { workers, connection, running: new Set() });
    log(`serving session ${session}`);
  };
  /** Sessions being left, until their leave is done (see stopServing). */
  const stopping = new Map<string, Promise<void>>();
  /**
   * Stops serving a session. When the session is gone (closed, or its driver dead), its running kernels
   * are aborted (nobody will read their outputs), the BullMQ worker still closes gracefully so that those
   * jobs' ends are written before it returns, and then whatever they wrote under the session's prefix is
   * deleted: the driver may have deleted its keys before they landed. When this worker stops, its jobs
   * simply finish.
   */
  const stopServing = (session: string, gone: boolean): Promise<void> => {
    const s = served.get(session);
    // A second call while the first still closes (discovery and a close announcement at once) waits
    // for it: "left" is only said once nothing more can be written.
    if (!s) return stopping.get(session) ?? Promise.resolve();
    served.delete(session);
    const stopped = leave(session, s, gone).finally(() => stopping.delete(session));
    stopping.set(session, stopped);
    return stopped;
  };
  const leave = async (session: string, s: Served, gone: boolean): Promise<void> => {
    if (gone) for (const abort of s.running) abort.abort();
    await Promise.all(s.workers.map((w) => w.close()));
    s.connection.disconnect();
    cache.dropSession(session);
    if (gone && (await redis.exists(aliveKey(session))) === 0) await deleteSession(session);
    else stores.delete(session);
    log(`left session ${session}`);
  };

  /** Serves the listed sessions whose driver is alive; leaves the others (and forgets dead ones). */
  const discover = async (): Promise<void> => {
    const listed = await redis.smembers(sessionsKey(o.queue));
    const alive = listed.length === 0 ? [] : await redis.pipeline(listed.map((s) => ['exists', aliveKey(s)])).exec();
    const live = new Set<string>();
    listed.forEach((s, k) => {
      if (alive?.[k]?.[1] === 1) live.add(s);
    });
    const dead = listed.filter((s) => !live.has(s));
    if (dead.length > 0) await redis.srem(sessionsKey(o.queue), ...dead);
    if (closing) return;
    // A session announced closed after the listing was read is not served again; once it is no longer
    // listed it is forgotten.
    for (const s of left) if (!listed.includes(s)) left.delete(s);
    for (const s of live) if (!served.has(s) && !left.has(s)) serve(s);
    await Promise.all([...served.keys()].filter((s) => !live.has(s)).map((s) => stopServing(s, true)));
    // A listed session without a lease lost its driver (a closed session unlists itself first and
    // deletes its own keys): whichever worker sees it first deletes what the driver left.
    await Promise.all(dead.map((s) => deleteSession(s)));
    if (dead.length > 0) log(`dropped the keys of session(s) ${dead.join(', ')}: their driver stopped refreshing its lease`);
  };

  /** Sessions whose driver announced its close (sessionLeave.ts) and that may still be listed. */
  const left = new Set<string>();
  const stopListening = await listenForClosed(redis, o.queue, id, async (session) => {
    left.add(session);
    await stopServing(session, true);
  });

  let discovering = false;
  const discoverTimer = setInterval(() => {
    if (discovering || closing) return;
    discovering = true;
    discover()
      .catch((e: unknown) => log(`discovery failed: ${(e as Error).message}`))
      .finally(() => (discovering = false));
  }, DISCOVERY_MS);
  const heartbeatTimer = setInterval(beat, HEARTBEAT_MS);
  await heartbeat();
  await discover();
  log(`worker ${id} on ${o.redis}, queue ${o.queue}, ${o.threads} thread(s)`);

  return {
    id,
    close() {
      closing ??= (async () => {
        clearInterval(discoverTimer);
        clearInterval(heartbeatTimer);
        clearTimeout(beatTimer);
        stopListening();
        await Promise.all([...served.keys()].map((s) => stopServing(s, false)));
        await redis.del(workerKey(o.queue, id)).catch(() => 0);
        await pool.destroy();
        redis.disconnect();
      })();
      return closing;
    },
  };
}
