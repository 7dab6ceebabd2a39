/**
 * What a distributed run (run.ts) and its executor (executor.ts) agree on: how a run adds jobs, hears
 * how they end, and reaches the chunk store.
 */
import type { JobData, JobResult } from './protocol.js';
import type { RemoteChunkStore } from './redisChunkStore.js';

/** How a job ended: its result, or the reason BullMQ gives for its failure. */
export type JobEnd = { readonly ok: true; readonly result: JobResult } | { readonly ok: false; readonly reason: string };

/** A job to add; `worker` is the worker the run would like it to run on (it holds the inputs). */
export interface JobToAdd {
  readonly jobId: string;
  readonly data: JobData;
  readonly worker?: string;
}

/** What a run needs from its executor: a way to add jobs and to hear how they end. */
export interface JobPort {
  /** The session's id (the prefix of its keys). */
  readonly session: string;
  /** Worker threads seen: how many jobs can run at once. */
  parallelism(): number;
  addJobs(jobs: readonly JobToAdd[]): Promise<void>;
  removeJobs(jobIds: readonly string[]): Promise<void>;
  /** Registers the handler of one job's end; the executor calls it once and forgets it. */
  onJobEnd(jobId: string, handler: (end: JobEnd) => void): void;
  readonly chunks: RemoteChunkStore;
  /** Outputs up to this many encoded bytes come back in their job's result (0: none). */
  readonly inlineBytes: number;
}
