/**
 * The `threads` executor: the session's default. The scheduler state lives on the main thread; ready
 * chunks go as plain data (chunk data is SharedArrayBuffer-backed, so nothing is copied) to the
 * executor's lane of the process's shared Piscina pool, where they take turns with other sessions'
 * tasks (fairPool.ts), or to a pool of its own (pool.ts). While a run has the pool to itself and more
 * tasks are ready than it has workers, they go as one claimed batch (claimedBatch.ts): an entry per
 * worker, each taking the next task from a shared counter, so no worker waits for a round trip through
 * this thread between two tasks and all finish together (this thread takes its share of a batch of
 * safe tensor kernels in place of one worker: #runHere). Otherwise small chunks travel in batches so
 * trivial tasks are not dominated by message round trips, and big ones alone or a few to an entry.
 * A kernel that throws fails its run with its own error (rebuilt from data, with the chunk key and the
 * build site); a worker that dies is a system failure — its tasks are retried once, one by one, and a
 * second death fails the run with `WorkerCrashedError`. Aborting a run aborts its in-flight tasks
 * (Piscina terminates those threads).
 *
 * Every way back into a run from the event loop — a pool task settling, a gang finishing, a deferred
 * pump, an abort — goes through `#guard`: whatever throws there (a chunk deleted from the store, a
 * spill that cannot be read back, a wrong kernel output, a throwing listener, a bug) fails the run
 * with a typed error and frees what it holds, instead of escaping as an unhandled rejection and
 * leaving the run unsettled. The local executor gets the same from its single async loop.
 */
import { CancelledError, errorToData, WorkerCrashedError } from '../base/errors.js';
import { fillingForTask } from '../base/recycledBuffers.js';
import { adopt } from '../base/wasmMemory.js';
import type { ChunkGraph } from '../dag/chunkGraph.js';
import { driverRunsInPlace } from '../kernels/registry.js';
import { isDriverTask, runDriverTaskNow, runTask, type TaskMessage, type TaskOutcome, withInputMemories } from '../kernels/task.js';
import type { ChunkStore } from '../store/chunkStore.js';
import type { ChunkFailure, Executor, RunOptions, RunReport } from './executor.js';
import { type ClaimedBatchRun, runClaimedBatch } from './claimedBatch.js';
import { runGang } from './gang.js';
import { Lane, type TaskRunner } from './fairPool.js';
import { leasePool, type PoolKind, type PoolLease } from './pool.js';
import { SchedulerState } from './schedulerState.js';
import { madeElements, outputBytes, readElements, safeToRunInPlace, TINY_TASK_ELEMENTS, workIsElements } from './taskSize.js';
import { discardProduced, kernelError, pinInputs, releaseChunks, runError, storeOutput } from './runChunks.js';

/** Tasks reading or writing fewer elements than this are batched. */
const LIGHT_ELEMENTS = 32 * 1024;
const MAX_BATCH = 64;
/**
 * Heavy tasks one entry may carry when a claimed batch does not apply (one worker, or one place free).
 * While many wait, an entry takes ready / (2 · workers) of them, up to
 * this (guided self-scheduling: entries shrink toward the run's end, so the workers still finish
 * together): a worker runs them back to back instead of waiting, between each two, for its result to
 * reach this thread and the next task to come back — 0.3-0.5 ms a task on this VM (a row sum of 12
 * chunks of 417x5000 on 2 workers, traced: 1.2-1.9 ms kernels with such gaps between them). Only while
 * the run's session has the pool to itself (see #pump).
 */
const MAX_HEAVY_BATCH = 4;
/**
 * File bytes one batch may read. Tasks that read a file range (a CSV quote count: no output to speak
 * of, but a memchr over its range) batch up to this much: one batch of all of them would put the whole
 * file's count on one worker while every parse that needs a count waits for the batch to end; alone,
 * each would cost a round trip and hold a dispatch slot the parses need.
 */
const BATCH_READ_BYTES = 64 * 2 ** 20;
/** Inline work yields to the event loop after this long, so aborts and I/O stay responsive. */
const INLINE_SLICE_MS = 8;
/**
 * A run's only task runs here below this many elements read and made: a round trip through the pool
 * costs 0.5-0.6 ms on this project's VMs, the time this thread takes for a fused reduction over ~1M
 * elements, and `x.mul(2).sum()` of a 300x300 x took 1.0 ms on the pool against 0.42 ms in place.
 */
const SOLO_TASK_ELEMENTS = 1 << 18;

class ThreadRun {
  readonly #state: SchedulerState;
  readonly #abort = new AbortController();
  readonly #produced = new Set<number>();
  readonly #failures: ChunkFailure[] = [];
  readonly #unpin: () => void;
  readonly #started = performance.now();
  #inFlight = 0;
  /** Estimated output bytes of the tasks in flight (see RunOptions.memoryLimit). */
  #reserved = 0;
  #executed = 0;
  /** Outputs the full store refused while other tasks were running: stored once those free memory. */
  readonly #waiting: { readonly i: number; readonly value: unknown }[] = [];
  #peak: number;
  #done = false;
  readonly #onAbort = (): void => this.#fail(new CancelledError());

  constructor(
    readonly pool: TaskRunner,
    /** Tasks the run may have at once: its gangs' size. */
    readonly workers: number,
    readonly maxJobs: number,
    readonly inline: boolean,
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

  start(): void {
    if (this.options.signal?.aborted) this.#fail(new CancelledError());
    else this.#guard(() => this.#pump());
  }

  /** Runs `fn`; anything it throws fails the run with a typed error (see the file's comment). */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#fail(runError('threads', e));
    }
  }

  #message(i: number): TaskMessage {
    const g = this.graph;
    return { key: g.keys[i]!, kernel: g.kernels[i]!, params: g.params[i], inputs: this.#inputs(i) };
  }

  /** Chunk i's input values, from the store. */
  #inputs(i: number): unknown[] {
    const g = this.graph;
    return Array.from(g.inputsOf(i), (d) => this.store.get(g.keys[d]!));
  }

  /** File bytes chunk i reads (its meta's `readBytes`; 0 when it reads no file). */
  #readBytes(i: number): number {
    const readBytes = (this.graph.metas[i] as { readBytes?: unknown } | null)?.readBytes;
    return typeof readBytes === 'number' ? readBytes : 0;
  }

  /** Elements chunk i reads and writes, counted only until `bound` is reached. */
  #elements(i: number, bound: number): number {
    const g = this.graph;
    // A chained task also makes its producers' outputs (kernels/chain.ts): that is work too.
    let elements = madeElements(g, i);
    // A dataframe chunk counts its rows; when they are unknown until it runs (a file range, a filter)
    // it may be big, so it is never batched as light.
    const rows = (g.metas[i] as { rows?: unknown } | null)?.rows;
    if (typeof rows === 'number') elements += Number.isNaN(rows) ? bound : rows;
    for (let e = g.depStart[i]!; e < g.depStart[i + 1]! && elements < bound; e++) {
      elements += readElements(g, i, e - g.depStart[i]!, this.store.get(g.keys[g.deps[e]!]!), LIGHT_ELEMENTS);
    }
    return elements;
  }

  /**
   * Whether the next ready task's output fits under the memory limit next to what is stored and in
   * flight (and `batched`: the outputs of the tasks already in the entry being filled).
   */
  #fits(i: number, batched = 0): boolean {
    const limit = this.options.memoryLimit;
    if (limit === undefined || limit === Infinity || (this.#inFlight === 0 && batched === 0)) return true;
    // Twice the output: room for it and for what consumes it, so inputs never fill the store on their own.
    return this.store.usedBytes + this.#reserved + batched + 2 * outputBytes(this.graph.metas[i]) <= limit;
  }

  /** Whether chunk i's size is known before it runs: no file range to read, no rows left to a filter. */
  #sizeKnown(i: number): boolean {
    const rows = (this.graph.metas[i] as { rows?: unknown } | null)?.rows;
    return this.#readBytes(i) === 0 && !(typeof rows === 'number' && Number.isNaN(rows));
  }

  /**
   * Whether chunk i is a tiny tensor task, or a chunk whose meta says `inline` (a view of shared
   * results), to run right here — or the run's only task while nothing is in flight and it is small
   * (SOLO_TASK_ELEMENTS): this thread would only wait for its round trip. User functions never run on
   * this thread (a bad one could take the process down with it), and neither does anything else
   * without a known shape.
   */
  #inlineable(i: number): boolean {
    const g = this.graph;
    if ((g.metas[i] as { inline?: unknown } | null)?.inline === true) return true;
    // A small driver run (kernels/registry.ts `DriverInPlace`), alone: a worker's round trip would cost about what it takes.
    if (isDriverTask(g.kernels[i]!)) return this.#inFlight === 0 && this.#state.readyCount === 1 && driverRunsInPlace(g.kernels[i]!, this.#inputs(i), g.params[i]);
    if (!safeToRunInPlace(g, i)) return false;
    const alone = this.#inFlight === 0 && this.#state.readyCount === 1 && workIsElements(g, i);
    const bound = alone ? SOLO_TASK_ELEMENTS : TINY_TASK_ELEMENTS;
    return this.#elements(i, bound) < bound;
  }

  #pump(): void {
    const state = this.#state;
    if (this.#waiting.length > 0 && !this.#retryWaiting()) return;
    const started = performance.now();
    while (this.inline && !this.#done && state.readyCount > 0 && this.#inlineable(state.peek())) {
      const i = state.next();
      const task = this.#message(i);
      // A small driver run goes whole, its ranges in turn; what it fills is counted as a worker's output is.
      this.#settle(i, isDriverTask(task.kernel) ? fillingForTask(() => runDriverTaskNow(task, { parallelism: 1 })) : (runTask(task) as TaskOutcome));
      if (performance.now() - started > INLINE_SLICE_MS) {
        setImmediate(() => this.#guard(() => this.#pump()));
        return;
      }
    }
    while (!this.#done && this.#inFlight < this.maxJobs && state.readyCount > 0 && this.#fits(state.peek())) {
      const batch: number[] = [];
      const messages: TaskMessage[] = [];
      // Only while no other session's lane is in the pool or waiting for it: another session's task then
      // waits for one task of this run, as the dispatcher promises (fairPool.ts), not for a whole entry.
      const alone = !(this.pool instanceof Lane) || this.pool.dispatcher.alone(this.pool);
      // More ready tasks than workers, and places for a worker each: a claimed batch (see #dispatchClaimed).
      const entries = Math.min(this.workers, this.maxJobs - this.#inFlight);
      const claimed = alone && entries > 1 && state.readyCount > this.workers;
      const batching = claimed || state.readyCount > this.maxJobs;
      const heavyPerEntry = claimed ? MAX_BATCH : alone ? Math.min(MAX_HEAVY_BATCH, Math.floor(state.readyCount / (2 * this.workers))) : 1;
      let readBytes = 0;
      let heavy = 0;
      let reserved = 0;
      while (state.readyCount > 0 && batch.length < MAX_BATCH && readBytes < BATCH_READ_BYTES) {
        const i = state.next();
        const m = this.#message(i);
        if (isDriverTask(m.kernel)) {
          this.#drive(i, m);
          break;
        }
        batch.push(i);
        messages.push(withInputMemories(m));
        readBytes += this.#readBytes(i);
        if (!batching) break;
        if (this.#elements(i, LIGHT_ELEMENTS) < LIGHT_ELEMENTS) continue;
        heavy++;
        reserved += outputBytes(this.graph.metas[i]);
        if (heavy >= heavyPerEntry || !this.#sizeKnown(i) || state.readyCount === 0 || !this.#fits(state.peek(), reserved)) break;
      }
      if (batch.length > 1 && claimed) this.#dispatchClaimed(batch, messages, Math.min(entries, batch.length));
      else if (batch.length > 0) this.#dispatch(batch, messages, 0);
    }
    if (!this.#done && this.#inFlight === 0 && this.#waiting.length === 0 && state.finished()) this.#finish();
  }

  /**
   * A driver chunk runs on a gang of workers (executors/gang.ts): the driver on one, its ranges on all.
   * A gang member that dies fails the gang; the whole driver runs once more, then the chunk fails.
   */
  #drive(i: number, task: TaskMessage): void {
    this.#inFlight++;
    const attempt = async (): Promise<TaskOutcome> => {
      for (let tries = 0; ; tries++) {
        const { outcome, crashed } = await runGang(this.pool, task, this.workers, this.#abort.signal);
        if (outcome) return outcome;
        if (this.#done || tries === 1) return { ok: false, error: errorToData(new WorkerCrashedError(task.key, crashed!)) };
      }
    };
    attempt().then(
      (o) => {
        this.#inFlight--;
        if (this.#done) return;
        this.#guard(() => {
          this.#settle(i, o);
          this.#pump();
        });
      },
      (e: unknown) => {
        this.#inFlight--;
        this.#fail(runError('threads', e));
      },
    );
  }

  #dispatch(batch: number[], messages: TaskMessage[], attempt: number): void {
    this.#inFlight++;
    const reserved = batch.reduce((s, i) => s + outputBytes(this.graph.metas[i]), 0);
    this.#reserved += reserved;
    this.pool.run(messages, { signal: this.#abort.signal }).then(
      (done: unknown) => {
        const outcomes = done as TaskOutcome[];
        this.#inFlight--;
        this.#reserved -= reserved;
        if (this.#done) return;
        this.#guard(() => {
          outcomes.forEach((o, k) => this.#settle(batch[k]!, o));
          this.#pump();
        });
      },
      (err: unknown) => {
        this.#inFlight--;
        this.#reserved -= reserved;
        if (this.#done) return;
        this.#guard(() => {
          for (let k = 0; k < batch.length; k++) {
            if (attempt === 0) this.#dispatch([batch[k]!], [messages[k]!], 1);
            else this.#chunkFailed(batch[k]!, new WorkerCrashedError(this.graph.keys[batch[k]!]!, (err as Error)?.message ?? String(err)));
          }
          this.#pump();
        });
      },
    );
  }

  /**
   * A claimed batch (executors/claimedBatch.ts): `entries` workers take the batch's tasks one by one
   * from a shared counter. Outcomes settle as workers send them; once every entry has ended, tasks
   * nobody claimed go back to the ready set and tasks whose worker died are retried alone, as a failed
   * entry's are in #dispatch.
   */
  #dispatchClaimed(batch: number[], messages: TaskMessage[], entries: number): void {
    const here = this.inline && batch.every((i) => safeToRunInPlace(this.graph, i));
    const posted = here ? entries - 1 : entries;
    this.#inFlight += posted;
    const bytes = batch.map((i) => outputBytes(this.graph.metas[i]));
    this.#reserved += bytes.reduce((s, b) => s + b, 0);
    const unreserve = (ks: readonly number[]): void => {
      for (const k of ks) this.#reserved -= bytes[k]!;
    };
    const onOutcomes = (ran: readonly number[], outcomes: readonly TaskOutcome[]): void => {
      unreserve(ran);
      if (this.#done) return;
      this.#guard(() => {
        ran.forEach((k, n) => this.#settle(batch[k]!, outcomes[n]!));
        this.#pump();
      });
    };
    const onEntryEnd = (): void => {
      this.#inFlight--;
      if (!this.#done) this.#guard(() => this.#pump());
    };
    const run = runClaimedBatch(this.pool, messages, posted, this.#abort.signal, onOutcomes, onEntryEnd);
    void run.ended.then(({ unclaimed, lost }) => {
      unreserve(unclaimed);
      unreserve(lost);
      if (this.#done) return;
      this.#guard(() => {
        for (const k of unclaimed) this.#state.putBack(batch[k]!);
        // Retried alone, once: a second death fails the chunk with WorkerCrashedError (#dispatch).
        for (const k of lost) this.#dispatch([batch[k]!], [messages[k]!], 1);
        this.#pump();
      });
    });
    if (here) {
      this.#inFlight++;
      this.#runHere(run, batch, messages, unreserve);
    }
  }

  /**
   * This thread's share of a claimed batch of safe tensor tasks (taskSize.ts): it takes tasks from the
   * batch's counter like a worker, so one fewer worker is woken — a wake-up costs 0.2-0.7 ms on a
   * 2-vCPU VM, where the second of two woken workers waits behind this thread — and this thread's
   * outcomes settle at once, with no message back. It yields to the event loop every INLINE_SLICE_MS,
   * as inline work does; the batch's workers go on meanwhile. Counted in flight until it is done, so
   * the run cannot finish under it.
   */
  #runHere(run: ClaimedBatchRun, batch: readonly number[], messages: readonly TaskMessage[], unreserve: (ks: readonly number[]) => void): void {
    const started = performance.now();
    for (let k = run.claimHere(); k >= 0; k = run.claimHere()) {
      unreserve([k]);
      // A failed run still claims the rest, so no worker starts them either.
      if (this.#done) continue;
      this.#settle(batch[k]!, runTask(messages[k]!) as TaskOutcome);
      if (performance.now() - started > INLINE_SLICE_MS) {
        setImmediate(() => this.#guard(() => this.#runHere(run, batch, messages, unreserve)));
        return;
      }
    }
    this.#inFlight--;
    if (!this.#done) this.#pump();
  }

  #settle(i: number, o: TaskOutcome): void {
    if (this.#done) return;
    // A value made in a worker's WebAssembly memory: known here by its buffer from now on (base/wasmMemory.ts).
    if (o.ok) adopt(o.memories);
    if (!o.ok) {
      this.#chunkFailed(i, kernelError(o, this.graph, i, this.options));
      return;
    }
    const full = storeOutput(this.graph, this.store, this.#state, i, o.value);
    if (full) {
      // Other tasks in flight will free memory when they finish; with none, nothing ever will.
      if (this.#inFlight > 0) this.#waiting.push({ i, value: o.value });
      else this.#fail(full);
      return;
    }
    this.#completed(i);
  }

  /** Stores waiting outputs in order; false (and the run failed) when the store is full with nothing left to free it. */
  #retryWaiting(): boolean {
    while (this.#waiting.length > 0) {
      const { i, value } = this.#waiting[0]!;
      const full = storeOutput(this.graph, this.store, this.#state, i, value);
      if (full) {
        if (this.#inFlight > 0) return true;
        this.#fail(full);
        return false;
      }
      this.#waiting.shift();
      this.#completed(i);
    }
    return true;
  }

  #completed(i: number): void {
    this.#produced.add(i);
    this.#executed++;
    this.#peak = Math.max(this.#peak, this.store.usedBytes);
    const release = this.#state.complete(i);
    for (const d of release) this.#produced.delete(d);
    releaseChunks(this.graph, this.store, release);
    this.options.onEvent?.({ type: 'finished', index: i, done: this.#state.settled, total: this.#state.total });
  }

  #chunkFailed(i: number, error: Error): void {
    if (this.#done) return;
    if (!this.options.continueOnError) {
      this.#fail(error);
      return;
    }
    this.#failures.push({ index: i, key: this.graph.keys[i]!, error });
    releaseChunks(this.graph, this.store, this.#state.fail(i));
    this.options.onEvent?.({ type: 'failed', index: i, error });
  }

  #fail(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.options.signal?.removeEventListener('abort', this.#onAbort);
    this.#abort.abort();
    try {
      discardProduced(this.graph, this.store, this.#state, this.#produced);
      this.#unpin();
    } catch {
      // A store that cannot even be cleaned up is past helping here; the session's run store undoes
      // the rest when it disposes. The run's own error is the one worth reporting.
    }
    this.reject(error);
  }

  #finish(): void {
    this.#done = true;
    this.options.signal?.removeEventListener('abort', this.#onAbort);
    try {
      for (const i of this.#produced) this.store.unpin(this.graph.keys[i]!);
      this.#unpin();
    } catch (e) {
      this.reject(runError('threads', e));
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
}

export interface ThreadsExecutorOptions {
  /**
   * The executor's concurrency: at most this many of its tasks run at once. On the shared pool (the
   * default) that is a cap on its share of the process's machine-sized pool, so a request above the
   * machine's cores gets the machine's cores (more could only queue); on a private pool it is also
   * the pool's thread count.
   */
  readonly workers: number;
  /** The process's shared pool (default), or a pool of its own (see pool.ts). */
  readonly pool?: PoolKind;
  /** Do not keep the process alive while idle (the implicit session). */
  readonly exitWhenIdle?: boolean;
  /** Who its tasks belong to in the shared pool's dispatch events (a session id). */
  readonly owner?: string;
  /** Run tiny tensor tasks, small driver runs and `inline` chunks on the calling thread (default true); false sends every task to the pool. */
  readonly inlineTinyTasks?: boolean;
}

export class ThreadsExecutor implements Executor {
  readonly name = 'threads';
  readonly workers: number;
  readonly #lease: PoolLease;
  readonly #inline: boolean;
  #closed: Promise<void> | undefined;

  constructor(options: ThreadsExecutorOptions) {
    this.#inline = options.inlineTinyTasks ?? true;
    this.#lease = leasePool(options);
    this.workers = this.#lease.workers;
  }

  run(graph: ChunkGraph, store: ChunkStore, options: RunOptions): Promise<RunReport> {
    if (this.#closed) return Promise.reject(new CancelledError('The executor is closed.'));
    return new Promise((resolve, reject) => {
      // Twice its concurrency in entries, so a finished task's successor is already queued in its lane.
      new ThreadRun(this.#lease.lane, this.workers, this.workers * 2, this.#inline, graph, store, options, resolve, reject).start();
    });
  }

  close(): Promise<void> {
    this.#closed ??= this.#lease.release();
    return this.#closed;
  }
}
