/**
 * One run of a chunk graph on the distributed executor. The scheduler state is the same as for the
 * local and threads executors; what changes is where tasks go and where chunks live:
 * - the fetch chunks the graph reads are uploaded to the chunk store once per run;
 * - every ready task becomes a job, alone or batched with others (batching.ts; added in waves with
 *   `addBulk`) naming its kernel, its parameters and its input keys; its output goes to
 *   `{run}/{chunk key}` in the store, unless it is tiny: then it comes back in the job's result and
 *   the driver holds it, and a tiny task reading only such chunks runs on the driver (inlineResults.ts);
 * - completions come back through the executor's one QueueEvents subscription; a target's value is
 *   then fetched into the session's store, an intermediate stays remote until its last consumer is
 *   done and is then deleted;
 * - a failed job rebuilds its task's error (class, code, message, build site) and fails the run, or,
 *   with continueOnError, the chunk and what depends on it; a job that outlived MAX_STALLED_COUNT
 *   worker deaths fails with WorkerCrashedError.
 * Locality (locality.ts): the run remembers which workers hold each chunk (the one that produced it,
 * and those that read it: a worker keeps what it fetched in memory), and asks for a job to go to the
 * worker holding most of its tasks' input bytes; tasks share a job only with tasks that prefer the
 * same worker.
 * A chunk found missing from the store (its key deleted or expired) is recomputed from the DAG and the
 * task that missed it sent again (lineage.ts), a bounded number of times.
 * An abort or failure removes the run's queued jobs, deletes its chunks from the store (outputs of
 * jobs still running are deleted when they land) and leaves nothing of the run in the session store.
 * Everything that comes back from the event loop goes through `#guard`, as in the threads executor.
 */
import { randomBytes } from 'node:crypto';
import { CancelledError, type ErrorData, WorkerCrashedError } from '../../base/errors.js';
import type { ChunkGraph } from '../../dag/chunkGraph.js';
import { encodeChunkPieces, toJsonSafe } from '../../store/chunkCodec.js';
import type { ChunkStore } from '../../store/chunkStore.js';
import type { ChunkFailure, RunOptions, RunReport } from '../executor.js';
import { checkOutput, discardProduced, kernelError, pinInputs, runError, storeOutput } from '../runChunks.js';
import { SchedulerState } from '../schedulerState.js';
import { isDriverTask, isThenable, runTask, type TaskOutcome } from '../../kernels/task.js';
import { Batcher } from './batching.js';
import { decodeInline, DriverHeld, runsOnDriver } from './inlineResults.js';
import { Lineage } from './lineage.js';
import { Locality } from './locality.js';
import { type TaskData, type TaskEnd, taskEndsOf, type TaskResult } from './protocol.js';
import type { JobEnd, JobPort, JobToAdd } from './jobPort.js';

/** A target's parts from this size on are kept as views over the Redis reply instead of copied. */
const VIEW_AT_LEAST = 1 << 20;
/** Tasks run on the driver yield to the event loop after this long (job ends keep being read). */
const DRIVER_SLICE_MS = 8;

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
  /** Tiny chunks the driver holds instead of the chunk store (inlineResults.ts), until released. */
  readonly #held: DriverHeld;
  /** Targets being fetched into the session store. */
  #fetching = 0;
  #executed = 0;
  #peak: number;
  #done = false;
  #pumpScheduled = false;
  /** Jobs sent again (after a lost input was recomputed) or recomputing a chunk: their ids must be new. */
  #resent = 0;
  /** Recoveries of lost chunks under way: the run cannot finish before they do. */
  #recovering = 0;
  readonly #lineage: Lineage;
  readonly #locality: Locality;
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
    this.#locality = new Locality(
      graph,
      (i) => this.#remote.get(this.#remoteKey(i)) ?? 0,
      (i) => this.#state.isTarget(i),
    );
    this.#held = new DriverHeld({
      stored: (i) => this.#remote.has(this.#remoteKey(i)),
      put: async (entries) => {
        const keys = entries.map(([d]) => this.#remoteKey(d));
        const sizes = await this.port.chunks.put(entries.map(([, value], k) => [keys[k]!, value] as const));
        // Uploaded after the run ended: nobody will read or delete them otherwise.
        if (this.#done) return void this.port.chunks.delete(keys).catch(() => {});
        keys.forEach((key, k) => this.#holdRemote(key, sizes[k]!));
      },
    });
    this.#lineage = new Lineage({
      graph,
      session: port.session,
      held: (i) => this.#remote.has(this.#remoteKey(i)) || this.#held.has(i),
      reupload: async (i) => {
        this.#locality.reproduced(i);
        const [size] = await this.port.chunks.put([[this.#remoteKey(i), this.store.get(graph.keys[i]!)]]);
        if (!this.#remote.has(this.#remoteKey(i))) this.#holdRemote(this.#remoteKey(i), size!);
      },
      runTask: (i) => this.#runAlone(i),
      restored: (i, end) => {
        this.#locality.ran([i], end.result.worker);
        if (!this.#remote.has(this.#remoteKey(i))) this.#holdRemote(this.#remoteKey(i), end.result.results[0]!.nbytes);
      },
      lostInput: (end) => this.#lostInput(end),
      failure: (i, end) => this.#endError(i, end, 0),
    });
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
    this.#peak = Math.max(this.#peak, this.store.usedBytes + this.#remoteBytes + this.#held.bytes);
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
   * Sends every ready task that does not run on the driver, in jobs (batching.ts); driver-held chunks
   * those tasks read are uploaded first.
   */
  #pump(): void {
    const state = this.#state;
    const batcher = new Batcher(this.graph, state.readyCount, Math.max(1, this.port.parallelism()));
    const sent: number[] = [];
    const started = performance.now();
    while (!this.#done && state.readyCount > 0) {
      const i = state.next();
      if (this.#runHere(i)) {
        if (performance.now() - started <= DRIVER_SLICE_MS) continue;
        this.#schedulePump();
        break;
      }
      sent.push(i);
      batcher.add(i, this.#locality.preferred(i) ?? '', state.readyCount);
    }
    const jobs = batcher.finish().map(({ tasks, worker }) => this.#job(tasks, worker));
    if (jobs.length > 0) {
      const uploads = this.#held.upload(sent.flatMap((i) => Array.from(this.graph.inputsOf(i))));
      // A run that failed while its uploads were under way sends nothing more.
      (uploads ? uploads.then(() => (this.#done ? undefined : this.port.addJobs(jobs))) : this.port.addJobs(jobs)).catch((e: unknown) => this.#fail(runError('distributed', e)));
    }
    this.#maybeFinish();
  }

  /**
   * Runs task `i` here when the driver holds all its inputs and it is tiny (inlineResults.ts); false
   * when it must go to a worker.
   */
  #runHere(i: number): boolean {
    const inputs = this.#held.inputsOf(this.graph, i);
    if (!inputs || !runsOnDriver(this.graph, i, inputs)) return false;
    const outcome = runTask({ key: this.graph.keys[i]!, kernel: this.graph.kernels[i]!, params: this.graph.params[i], inputs });
    if (!isThenable(outcome)) {
      this.#ranHere(i, outcome);
      return true;
    }
    this.#fetching++;
    void outcome.then((o) => {
      this.#fetching--;
      if (!this.#done) this.#guard(() => this.#ranHere(i, o));
      this.#maybeFinish();
    });
    return true;
  }

  #ranHere(i: number, outcome: TaskOutcome): void {
    if (!outcome.ok) return this.#chunkFailed(i, kernelError(outcome, this.graph, i, this.options));
    checkOutput(this.graph, i, outcome.value);
    this.#hold(i, outcome.value, encodeChunkPieces(outcome.value).byteLength);
  }

  /** Keeps a tiny output on the driver (a target goes to the session store too), and completes its task. */
  #hold(i: number, value: unknown, nbytes: number, worker?: string): void {
    this.#held.set(i, value, nbytes);
    if (this.#state.isTarget(i)) {
      const full = storeOutput(this.graph, this.store, this.#state, i, value);
      if (full) throw full;
    }
    this.#completed(i, worker);
  }


  /** Task `i`'s job data; `inline`: a tiny output may come back in the result (not for recomputations, which restore the store). */
  #task(i: number, inline = true): TaskData {
    const g = this.graph;
    const inputs = Array.from(g.inputsOf(i));
    const gens = inputs.map((d) => this.#locality.generation(d));
    const outGen = this.#locality.generation(i);
    const { lastReads, keepOutput } = this.#locality.sending(i);
    return {
      key: g.keys[i]!,
      kernel: g.kernels[i]!,
      params: toJsonSafe(g.params[i]),
      inputs: inputs.map((d) => this.#remoteKey(d)),
      out: this.#remoteKey(i),
      ...(gens.some((n) => n > 0) ? { gens } : {}),
      ...(outGen > 0 ? { outGen } : {}),
      ...(lastReads.length > 0 ? { lastReads } : {}),
      ...(keepOutput ? {} : { keepOutput }),
      ...(inline && this.port.inlineBytes > 0 && !isDriverTask(g.kernels[i]!) ? { inlineUpTo: this.port.inlineBytes } : {}),
    };
  }

  /**
   * A job for a batch of ready tasks, to run on `worker` if it can ('' for any); `resend` when it is
   * sent again after a lost input came back.
   */
  #job(batch: readonly number[], worker = '', resend = false): JobToAdd {
    const g = this.graph;
    const jobId = resend ? `${this.#id}.${batch[0]!}.r${++this.#resent}` : `${this.#id}.${batch[0]!}`;
    const tasks: TaskData[] = batch.map((i) => this.#task(i));
    this.#inFlight.add(jobId);
    this.port.onJobEnd(jobId, (end) => {
      this.#inFlight.delete(jobId);
      if (this.#done) {
        // A job that ended after its run: its outputs belong to nobody.
        this.port.chunks.delete(tasks.map((t) => t.out)).catch(() => {});
        return;
      }
      this.#guard(() => {
        const lost = this.#lostInput(end);
        if (lost !== undefined) return this.#recoverThenResend(batch, lost);
        if (end.ok) this.#locality.ran(batch, end.result.worker);
        const ends: readonly TaskEnd[] = end.ok ? end.result.results.map((result) => ({ ok: true, result })) : (taskEndsOf(end.reason) ?? []);
        batch.forEach((i, k) => {
          if (this.#done) return;
          const e = ends[k];
          if (e?.ok) this.#finished(i, e.result, end.ok ? end.result.worker : undefined);
          else this.#chunkFailed(i, this.#endError(i, end, k));
        });
        this.#maybeFinish();
      });
    });
    return { jobId, data: { tasks }, ...(worker ? { worker } : {}) };
  }

  /** The error of task `i`, the `k`th of a failed job: its kernel's own, or the job's death. */
  #endError(i: number, end: JobEnd, k: number): Error {
    const e = end.ok ? undefined : taskEndsOf(end.reason)?.[k];
    if (e && !e.ok) return kernelError({ ok: false, error: e.error }, this.graph, i, this.options);
    const reason = end.ok ? 'it returned no result' : end.reason;
    return new WorkerCrashedError(this.graph.keys[i]!, `its job failed on the distributed workers: ${reason}`);
  }

  /**
   * The chunk of this run a failed job could not read (its workers fetch a job's inputs together, so
   * every task of the job fails with the same missing key), or undefined for any other failure.
   */
  #lostInput(end: JobEnd): number | undefined {
    if (end.ok) return undefined;
    const first = taskEndsOf(end.reason)?.[0];
    return first && !first.ok ? this.#missingChunk(first.error) : undefined;
  }

  #missingChunk(error: ErrorData | Error): number | undefined {
    const key = error instanceof Error ? (error as { key?: unknown }).key : error.props?.['key'];
    if (error.name !== 'ChunkNotFoundError' || typeof key !== 'string' || !key.startsWith(`${this.#id}/`)) return undefined;
    const i = this.graph.indexOf(key.slice(this.#id.length + 1));
    return i >= 0 ? i : undefined;
  }

  /** Recomputes a lost input, then sends the batch that missed it again. */
  #recoverThenResend(batch: readonly number[], lost: number): void {
    this.#recovering++;
    this.#lineage.lost(lost).then(
      () => {
        this.#recovering--;
        if (this.#done) return;
        const job = this.#job(batch, '', true);
        this.port.addJobs([job]).catch((e: unknown) => this.#fail(runError('distributed', e)));
      },
      (e: unknown) => {
        this.#recovering--;
        this.#fail(runError('distributed', e));
      },
    );
  }

  /** Runs task `i` alone (a recomputation); resolves with the job's end. */
  async #runAlone(i: number): Promise<JobEnd> {
    await this.#held.upload(Array.from(this.graph.inputsOf(i)));
    this.#locality.reproduced(i);
    const jobId = `${this.#id}.${i}.r${++this.#resent}`;
    this.#inFlight.add(jobId);
    return new Promise((resolve, reject) => {
      this.port.onJobEnd(jobId, (end) => {
        this.#inFlight.delete(jobId);
        resolve(end);
      });
      this.port.addJobs([{ jobId, data: { tasks: [this.#task(i, false)] } }]).catch((e: unknown) => {
        this.#inFlight.delete(jobId);
        reject(e);
      });
    });
  }

  #finished(i: number, result: TaskResult, worker?: string): void {
    if (result.inline !== undefined) {
      const value = decodeInline(result.inline);
      checkOutput(this.graph, i, value);
      return this.#hold(i, value, result.nbytes, worker);
    }
    this.#holdRemote(this.#remoteKey(i), result.nbytes);
    checkOutput(this.graph, i, { shape: result.shape, dtype: result.dtype, ...(result.length !== undefined ? { data: { length: result.length } } : {}) });
    if (!this.#state.isTarget(i)) {
      this.#completed(i, worker);
      return;
    }
    this.#fetching++;
    this.#fetchTarget(i).then(
      (value) => {
        this.#fetching--;
        if (this.#done) return;
        this.#guard(() => {
          const full = storeOutput(this.graph, this.store, this.#state, i, value);
          if (full) throw full;
          this.#completed(i, worker);
        });
      },
      (e: unknown) => {
        this.#fetching--;
        this.#fail(runError('distributed', e));
      },
    );
  }

  /** A target's value from the chunk store, recomputed first (and again, within bounds) when it is lost. */
  async #fetchTarget(i: number): Promise<unknown> {
    for (;;) {
      try {
        // Big parts stay views over the reply (no second copy): the session store keeps them in this process.
        const [value] = await this.port.chunks.get([this.#remoteKey(i)], { viewAtLeast: VIEW_AT_LEAST });
        return value;
      } catch (e) {
        if (this.#done || !(e instanceof Error) || this.#missingChunk(e) !== i) throw e;
        await this.#lineage.lost(i);
      }
    }
  }

  #completed(i: number, worker?: string): void {
    this.#produced.add(i);
    this.#executed++;
    this.#peak = Math.max(this.#peak, this.store.usedBytes + this.#remoteBytes + this.#held.bytes);
    const release = this.#state.complete(i);
    this.#release(release);
    this.options.onEvent?.({ type: 'finished', index: i, done: this.#state.settled, total: this.#state.total, ...(worker ? { worker } : {}) });
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
    for (const d of indices) {
      this.#produced.delete(d);
      this.#held.delete(d);
    }
    this.#locality.released(indices);
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
    if (this.#done || this.#inFlight.size > 0 || this.#fetching > 0 || this.#recovering > 0 || !this.#state.finished()) return;
    this.#done = true;
    this.options.signal?.removeEventListener('abort', this.#onAbort);
    this.#dropRemote([...this.#remote.keys()]);
    this.#held.clear();
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

  /** Fails the run from outside (its executor lost Redis): as any failure, it removes what it can. */
  fail(error: Error): void {
    this.#fail(error);
  }

  #fail(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.options.signal?.removeEventListener('abort', this.#onAbort);
    this.port.removeJobs([...this.#inFlight]).catch(() => {});
    this.#dropRemote([...this.#remote.keys()]);
    this.#held.clear();
    try {
      discardProduced(this.graph, this.store, this.#state, new Set([...this.#produced].filter((i) => this.#state.isTarget(i))));
      this.#unpin();
    } catch {
      // As in the other executors: the session's run store undoes the rest; report the run's error.
    }
    this.reject(error);
  }
}
