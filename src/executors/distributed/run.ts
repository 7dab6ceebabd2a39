/**
 * One run of a chunk graph on the distributed executor. The scheduler state is the same as for the
 * local and threads executors; what changes is where tasks go and where chunks live:
 * - the fetch chunks the graph reads are uploaded to the chunk store once per run;
 * - every ready task becomes a job (added in waves with `addBulk`) naming its kernel, its parameters
 *   and its input keys; its output goes to `{run}/{chunk key}` in the store;
 * - completions come back through the executor's one QueueEvents subscription; a target's value is
 *   then fetched into the session's store, an intermediate stays remote until its last consumer is
 *   done and is then deleted;
 * - a failed job rebuilds its task's error (class, code, message, build site) and fails the run, or,
 *   with continueOnError, the chunk and what depends on it; a job that outlived MAX_STALLED_COUNT
 *   worker deaths fails with WorkerCrashedError.
 * An abort or failure removes the run's queued jobs, deletes its chunks from the store (outputs of
 * jobs still running are deleted when they land) and leaves nothing of the run in the session store.
 * Everything that comes back from the event loop goes through `#guard`, as in the threads executor.
 */
import { randomBytes } from 'node:crypto';
import { CancelledError, WorkerCrashedError } from '../../base/errors.js';
import type { ChunkGraph } from '../../dag/chunkGraph.js';
import { toJsonSafe } from '../../store/chunkCodec.js';
import type { ChunkStore } from '../../store/chunkStore.js';
import type { ChunkFailure, RunOptions, RunReport } from '../executor.js';
import { checkOutput, discardProduced, kernelError, pinInputs, runError, storeOutput } from '../runChunks.js';
import { SchedulerState } from '../schedulerState.js';
import { isDriverTask } from '../../kernels/task.js';
import { type JobData, type JobResult, type TaskData, type TaskEnd, taskEndsOf, type TaskResult } from './protocol.js';
import type { RemoteChunkStore } from './redisChunkStore.js';

/** What a run needs from its executor: a way to add jobs and to hear how they end. */
/** Tasks with fewer output elements than this are light: they may share a job with others. */
const LIGHT_ELEMENTS = 32 * 1024;
const MAX_BATCH = 64;

export interface JobPort {
  /** Worker threads seen: how many jobs can run at once. */
  parallelism(): number;
  addJobs(jobs: readonly { readonly jobId: string; readonly data: JobData }[]): Promise<void>;
  removeJobs(jobIds: readonly string[]): Promise<void>;
  /** Registers the handler of one job's end; the executor calls it once and forgets it. */
  onJobEnd(jobId: string, handler: (end: { readonly ok: true; readonly result: JobResult } | { readonly ok: false; readonly reason: string }) => void): void;
  readonly chunks: RemoteChunkStore;
}

export class DistributedRun {
  readonly #state: SchedulerState;
  readonly #id = randomBytes(6).toString('base64url');
  readonly #produced = new Set<number>();
  readonly #failures: ChunkFailure[] = [];
  readonly #unpin: () => void;
  readonly #started = performance.now();
  /** Remote chunk keys of this run still in the store, with their encoded sizes. */
  readonly #remote = new Map<string, number>();
  #remoteBytes = 0;
  readonly #inFlight = new Set<string>();
  /** Targets being fetched into the session store. */
  #fetching = 0;
  #executed = 0;
  #peak: number;
  #done = false;
  #pumpScheduled = false;
  readonly #onAbort = (): void => this.#fail(new CancelledError());

  constructor(
    readonly port: JobPort,
    readonly graph: ChunkGraph,
    readonly store: ChunkStore,
    readonly options: RunOptions,
    readonly resolve: (r: RunReport) => void,
    readonly reject: (e: unknown) => void,
  ) {
    this.#state = new SchedulerState(graph, options.targets, options.priority);
    this.#unpin = pinInputs(graph, store);
    this.#peak = store.usedBytes;
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  #remoteKey(i: number): string {
    return `${this.#id}/${this.graph.keys[i]!}`;
  }

  async start(): Promise<void> {
    if (this.options.signal?.aborted) return this.#fail(new CancelledError());
    try {
      await this.#uploadInputs();
    } catch (e) {
      return this.#fail(runError('distributed', e));
    }
    this.#guard(() => this.#pump());
  }

  /** Sends the fetch chunks some task reads to the chunk store. */
  async #uploadInputs(): Promise<void> {
    const g = this.graph;
    const entries: [string, unknown][] = [];
    for (let i = 0; i < g.size; i++) {
      if (g.kernels[i] === null && g.succStart[i + 1]! > g.succStart[i]!) entries.push([this.#remoteKey(i), this.store.get(g.keys[i]!)]);
    }
    const sizes = await this.port.chunks.put(entries);
    entries.forEach(([key], k) => this.#holdRemote(key, sizes[k]!));
  }

  #holdRemote(key: string, nbytes: number): void {
    this.#remote.set(key, nbytes);
    this.#remoteBytes += nbytes;
    this.#peak = Math.max(this.#peak, this.store.usedBytes + this.#remoteBytes);
  }

  #dropRemote(keys: readonly string[]): void {
    const gone = keys.filter((k) => this.#remote.has(k));
    for (const k of gone) {
      this.#remoteBytes -= this.#remote.get(k)!;
      this.#remote.delete(k);
    }
    if (gone.length > 0) this.port.chunks.delete(gone).catch(() => {});
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#fail(runError('distributed', e));
    }
  }

  /**
   * Sends every ready task. When many are ready, light ones (small known outputs) travel in batches
   * sized to give every worker thread about two jobs, so tiny tasks do not each pay the queue's round
   * trips; heavy ones and driver kernels travel alone.
   */
  #pump(): void {
    const state = this.#state;
    const jobs: { jobId: string; data: JobData }[] = [];
    const threads = Math.max(1, this.port.parallelism());
    const ready = state.readyCount;
    const batchMax = ready > 4 * threads ? Math.min(MAX_BATCH, Math.ceil(ready / (2 * threads))) : 1;
    while (!this.#done && state.readyCount > 0) {
      const batch: number[] = [];
      while (state.readyCount > 0 && batch.length < batchMax) {
        const i = state.next();
        batch.push(i);
        if (!this.#light(i)) break;
      }
      jobs.push(this.#job(batch));
    }
    if (jobs.length > 0) this.port.addJobs(jobs).catch((e: unknown) => this.#fail(runError('distributed', e)));
    this.#maybeFinish();
  }

  #light(i: number): boolean {
    const g = this.graph;
    const shape = (g.metas[i] as { shape?: readonly number[] } | null)?.shape;
    return Array.isArray(shape) && shape.reduce((a, b) => a * b, 1) < LIGHT_ELEMENTS && !isDriverTask(g.kernels[i]!);
  }

  #job(batch: readonly number[]): { jobId: string; data: JobData } {
    const g = this.graph;
    const jobId = `${this.#id}.${batch[0]!}`;
    const tasks: TaskData[] = batch.map((i) => ({
      key: g.keys[i]!,
      kernel: g.kernels[i]!,
      params: toJsonSafe(g.params[i]),
      inputs: Array.from(g.inputsOf(i), (d) => this.#remoteKey(d)),
      out: this.#remoteKey(i),
    }));
    this.#inFlight.add(jobId);
    this.port.onJobEnd(jobId, (end) => {
      this.#inFlight.delete(jobId);
      if (this.#done) {
        // A job that ended after its run: its outputs belong to nobody.
        this.port.chunks.delete(tasks.map((t) => t.out)).catch(() => {});
        return;
      }
      this.#guard(() => {
        const ends: readonly TaskEnd[] = end.ok ? end.result.results.map((result) => ({ ok: true, result })) : (taskEndsOf(end.reason) ?? []);
        batch.forEach((i, k) => {
          if (this.#done) return;
          const e = ends[k];
          if (e?.ok) this.#finished(i, e.result);
          else if (e) this.#chunkFailed(i, kernelError({ ok: false, error: e.error }, this.graph, i, this.options));
          else this.#chunkFailed(i, new WorkerCrashedError(g.keys[i]!, `its job failed on the distributed workers: ${(end as { reason: string }).reason}`));
        });
        this.#maybeFinish();
      });
    });
    return { jobId, data: { tasks } };
  }

  #finished(i: number, result: TaskResult): void {
    this.#holdRemote(this.#remoteKey(i), result.nbytes);
    checkOutput(this.graph, i, { shape: result.shape, dtype: result.dtype, ...(result.length !== undefined ? { data: { length: result.length } } : {}) });
    if (!this.#state.isTarget(i)) {
      this.#completed(i);
      return;
    }
    this.#fetching++;
    this.port.chunks.get([this.#remoteKey(i)]).then(
      ([value]) => {
        this.#fetching--;
        if (this.#done) return;
        this.#guard(() => {
          const full = storeOutput(this.graph, this.store, this.#state, i, value);
          if (full) throw full;
          this.#completed(i);
        });
      },
      (e: unknown) => {
        this.#fetching--;
        this.#fail(runError('distributed', e));
      },
    );
  }

  #completed(i: number): void {
    this.#produced.add(i);
    this.#executed++;
    this.#peak = Math.max(this.#peak, this.store.usedBytes + this.#remoteBytes);
    const release = this.#state.complete(i);
    this.#release(release);
    this.options.onEvent?.({ type: 'finished', index: i, done: this.#state.settled, total: this.#state.total });
    this.#schedulePump();
  }

  /**
   * Job ends arrive in batches (one read of the event stream); the tasks they make ready go out together
   * in one `addBulk` after the batch, instead of one round trip per completion.
   */
  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      if (!this.#done) this.#guard(() => this.#pump());
    });
  }

  /**
   * Frees released chunks. Only targets (never released) and fetch chunks (never released either) are in
   * the session store, so a released chunk lives in the chunk store alone.
   */
  #release(indices: readonly number[]): void {
    for (const d of indices) this.#produced.delete(d);
    this.#dropRemote(indices.map((d) => this.#remoteKey(d)));
  }

  #chunkFailed(i: number, error: Error): void {
    if (!this.options.continueOnError) return this.#fail(error);
    this.#failures.push({ index: i, key: this.graph.keys[i]!, error });
    this.#release(this.#state.fail(i));
    this.options.onEvent?.({ type: 'failed', index: i, error });
    this.#schedulePump();
  }

  #maybeFinish(): void {
    if (this.#done || this.#inFlight.size > 0 || this.#fetching > 0 || !this.#state.finished()) return;
    this.#done = true;
    this.options.signal?.removeEventListener('abort', this.#onAbort);
    this.#dropRemote([...this.#remote.keys()]);
    try {
      for (const i of this.#produced) if (this.#state.isTarget(i)) this.store.unpin(this.graph.keys[i]!);
      this.#unpin();
    } catch (e) {
      this.reject(runError('distributed', e));
      return;
    }
    this.resolve({
      executed: this.#executed,
      failures: this.#failures,
      blockedBy: this.#state.blockedBy,
      durationMs: performance.now() - this.#started,
      peakBytes: this.#peak,
    });
  }

  #fail(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.options.signal?.removeEventListener('abort', this.#onAbort);
    this.port.removeJobs([...this.#inFlight]).catch(() => {});
    this.#dropRemote([...this.#remote.keys()]);
    try {
      discardProduced(this.graph, this.store, this.#state, new Set([...this.#produced].filter((i) => this.#state.isTarget(i))));
      this.#unpin();
    } catch {
      // As in the other executors: the session's run store undoes the rest; report the run's error.
    }
    this.reject(error);
  }
}
