/**
 * What the distributed executor's driver and its workers agree on: Redis key names, the job's data and
 * return value, and how a task's error crosses as a failed job's reason.
 *
 * Layout in Redis (every key of a session starts with `tessera:{session}:`, so sessions never meet and
 * closing one deletes exactly its keys):
 * - `tessera:{session}:chunk:{run}/{chunk key}`: chunk bytes (redisChunkStore.ts);
 * - `tessera:{session}:{queue}:*`: the session's BullMQ queue (BullMQ `prefix` = `tessera:{session}`);
 * - `tessera:{session}:{queue}.on.{worker id}:*`: a worker's own queue in the session, for the tasks
 *   the driver routes to it because it holds their inputs (locality; the worker takes these besides
 *   the shared queue's);
 * - `tessera:{session}:alive`: set by the driver with a short TTL and refreshed while it lives;
 * - `tessera:pool:{queue}:sessions`: the sessions a pool of workers serves (a set; workers poll it);
 * - `tessera:pool:{queue}:worker:{id}`: a worker's heartbeat (JSON, expires when it stops refreshing);
 * - channels `tessera:pool:{queue}:closed` (a closing driver publishes its session's id) and
 *   `tessera:pool:{queue}:left` (each worker answers `{session} {worker id}` once off that session's
 *   queues): sessionLeave.ts.
 */
import { type ErrorData } from '../../base/errors.js';
import type { RemoteWorker } from '../executor.js';

export const DEFAULT_QUEUE = 'tessera';

/**
 * The session's lease: the driver sets its alive key to live this many seconds (the session option
 * `driverTtl`) and refreshes it every quarter of that. When the driver dies, the key expires, and the
 * workers drop its tasks and delete the session's keys at their next discovery (DISCOVERY_MS later).
 */
export const DRIVER_TTL_SECONDS = 20;
/** A worker refreshes its heartbeat this often; the key lives HEARTBEAT_TTL_SECONDS. */
export const HEARTBEAT_MS = 2_000;
export const HEARTBEAT_TTL_SECONDS = 6;
/** How often a worker looks for sessions to serve (and for sessions gone). */
export const DISCOVERY_MS = 500;

/**
 * Lock and stall settings: a worker renews its job locks every lockDuration/2; a job whose worker died
 * is found by another worker's stalled check (every STALLED_INTERVAL_MS) once its lock expired, so it
 * reruns within LOCK_DURATION_MS + STALLED_INTERVAL_MS of the death (8 s). Kernels run on the worker's
 * thread pool, never its event loop, so a busy worker still renews its locks.
 */
export const LOCK_DURATION_MS = 5_000;
export const STALLED_INTERVAL_MS = 3_000;
/** A job whose workers died this many times fails (`WorkerCrashedError`) instead of killing another. */
export const MAX_STALLED_COUNT = 2;

export const queuePrefix = (session: string): string => `tessera:${session}`;
export const aliveKey = (session: string): string => `tessera:${session}:alive`;
export const sessionsKey = (queue: string): string => `tessera:pool:${queue}:sessions`;
export const workerKey = (queue: string, id: string): string => `tessera:pool:${queue}:worker:${id}`;
export const closedChannel = (queue: string): string => `tessera:pool:${queue}:closed`;
export const leftChannel = (queue: string): string => `tessera:pool:${queue}:left`;
export const workerPattern = (queue: string): string => `tessera:pool:${queue}:worker:*`;
/** The name of worker `id`'s own queue (within the session's prefix, as the shared queue). */
export const workerQueue = (queue: string, id: string): string => `${queue}.on.${id}`;

/** One chunk task: names and keys only, never chunk bytes. */
export interface TaskData {
  readonly key: string;
  readonly kernel: string;
  /** The kernel's parameters in `toJsonSafe` form (typed arrays survive the JSON of job data). */
  readonly params: unknown;
  /** Chunk-store keys of the inputs, in order (within the session's prefix). */
  readonly inputs: readonly string[];
  /** Chunk-store key the output goes to: deterministic, so a rerun overwrites it with the same bytes. */
  readonly out: string;
  /**
   * The generation of each input, and of the output (absent: all 0). The driver bumps a chunk's
   * generation each time it produces it again after a loss, so a worker's cached value of an earlier
   * generation is never taken for it (chunkCache.ts).
   */
  readonly gens?: readonly number[];
  readonly outGen?: number;
  /** Positions of the inputs this task is the last to read: the worker forgets them after it. */
  readonly lastReads?: readonly number[];
  /** False when nobody but the driver reads the output: the worker does not keep it. */
  readonly keepOutput?: boolean;
  /**
   * An output of at most this many encoded bytes comes back in the job's result (`TaskResult.inline`)
   * and is not written to the chunk store: the driver holds it (inlineResults.ts).
   */
  readonly inlineUpTo?: number;
}

/**
 * A job: one task, or a batch of independent light tasks (so thousands of tiny tasks do not each pay
 * the queue's round trips). A driver kernel (a graph app) is always alone in its job.
 */
export interface JobData {
  readonly tasks: readonly TaskData[];
}

/** What a finished task returns: enough for the driver to check the output against its meta. */
export interface TaskResult {
  readonly nbytes: number;
  /** The output's encoding (base64), when it came back in the result instead of going to the store. */
  readonly inline?: string;
  readonly shape?: readonly number[];
  readonly dtype?: string;
  readonly length?: number;
}

export interface JobResult {
  readonly results: readonly TaskResult[];
  /** The worker that ran the job: the driver routes the tasks that read these outputs to it. */
  readonly worker: string;
  /** The job's distinct inputs served from the worker's memory, and fetched from the chunk store. */
  readonly hits?: number;
  readonly fetched?: number;
}

/** Each task's end in a job that failed: its result, or its error as data. */
export type TaskEnd = { readonly ok: true; readonly result: TaskResult } | { readonly ok: false; readonly error: ErrorData };

/** What a worker announces in its heartbeat. */
export interface WorkerInfo extends RemoteWorker {
  /** Sessions it serves. */
  readonly sessions: number;
}

/** Generation `k` of a task's inputs (0 when the task names none). */
export const inputGen = (task: TaskData, k: number): number => task.gens?.[k] ?? 0;

/** The reason of a job failed by its tasks' own errors: a marker, then every task's end (JSON). */
const TASK_ERROR = 'tessera-task-error:';

export function taskErrorReason(ends: readonly TaskEnd[]): string {
  return TASK_ERROR + JSON.stringify(ends);
}

/** The task ends a failed job's reason carries, or undefined for BullMQ's own reasons (a stalled job). */
export function taskEndsOf(reason: string): TaskEnd[] | undefined {
  if (!reason.startsWith(TASK_ERROR)) return undefined;
  try {
    return JSON.parse(reason.slice(TASK_ERROR.length)) as TaskEnd[];
  } catch {
    return undefined;
  }
}

/** A summary of a chunk value for the driver's output check (runChunks.checkOutput reads these fields). */
export function summarise(value: unknown, nbytes: number, inline?: string): TaskResult {
  const v = (typeof value === 'object' && value !== null ? value : {}) as { shape?: unknown; dtype?: unknown; data?: { length?: unknown } };
  return {
    nbytes,
    ...(inline !== undefined ? { inline } : {}),
    ...(Array.isArray(v.shape) && v.shape.every((d) => typeof d === 'number') ? { shape: v.shape as number[] } : {}),
    ...(typeof v.dtype === 'string' ? { dtype: v.dtype } : {}),
    ...(ArrayBuffer.isView(v.data) && typeof v.data.length === 'number' ? { length: v.data.length } : {}),
  };
}
