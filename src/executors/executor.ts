/**
 * The one executor interface. An executor runs the non-fetch chunks of a chunk graph against a
 * chunk store: it reads inputs from the store, writes every result to it, releases intermediates as
 * soon as their last consumer is done, and leaves the targets in the store. Every executor is driven
 * by the same pure scheduler state (schedulerState.ts) and passes the same conformance suite.
 */
import type { ChunkGraph } from '../dag/chunkGraph.js';
import type { ChunkStore } from '../store/chunkStore.js';

export type ExecEvent =
  | {
      readonly type: 'finished';
      readonly index: number;
      readonly done: number;
      readonly total: number;
      /** The distributed worker that ran it (its id), for executors that use remote workers. */
      readonly worker?: string;
    }
  | { readonly type: 'failed'; readonly index: number; readonly error: Error };

export interface RunOptions {
  /** Chunks whose results must stay in the store after the run. */
  readonly targets: readonly number[];
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: ExecEvent) => void;
  /** Lower runs first among ready chunks (see dag/topo.ts `depthFirstPriority`). */
  readonly priority?: Int32Array;
  /**
   * Keep running every chunk that does not depend on a failed one, and report failures instead of
   * rejecting (eager batches: one bad handle must not fail its independent neighbours).
   */
  readonly continueOnError?: boolean;
  /**
   * The store's memory limit: an executor running tasks in parallel holds back a task whose output
   * (estimated from its chunk meta) would not fit next to what is stored and in flight, unless nothing
   * else is running — so parallelism never pushes a pipeline that fits sequentially over the limit.
   */
  readonly memoryLimit?: number;
  /** The stack of the line that built the op a chunk belongs to, for error reports. */
  readonly buildStackOf?: (index: number) => string | undefined;
}

export interface ChunkFailure {
  readonly index: number;
  readonly key: string;
  readonly error: Error;
}

export interface RunReport {
  /** Chunks computed (fetch chunks are not counted). */
  readonly executed: number;
  readonly failures: readonly ChunkFailure[];
  /** For each chunk that could not run because an input failed: the index of the failed chunk. */
  readonly blockedBy: ReadonlyMap<number, number>;
  readonly durationMs: number;
  /** Highest store usage seen during the run. */
  readonly peakBytes: number;
}

/** A worker process an executor sends tasks to on other machines (the distributed executor's workers). */
export interface RemoteWorker {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly threads: number;
  /** Jobs it is running now. */
  readonly running: number;
  /** Its machine's 1-minute load average. */
  readonly load: number;
  /** Its chunk cache (distributed workers): values and bytes held, the limit, inputs served from it and fetched. */
  readonly cache?: { readonly entries: number; readonly bytes: number; readonly limit: number; readonly hits: number; readonly misses: number };
}

export interface Executor {
  readonly name: string;
  /** The worker processes it has seen alive lately, for executors that use any (distributed). */
  readonly workersSeen?: readonly RemoteWorker[];
  /** Tasks it runs at once on worker threads (0 for the same-thread executor). */
  readonly workers: number;
  run(graph: ChunkGraph, store: ChunkStore, options: RunOptions): Promise<RunReport>;
  /** Stops every thread the executor owns and gives back its share of a shared pool; idempotent. */
  close(): Promise<void>;
}
