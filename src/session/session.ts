/**
 * A session: where tileables are evaluated and their results cached. It owns an executor (a fair
 * share of the process's worker pool, or a pool of its own: executors/pool.ts) and a store; runs are
 * serialised per session so every run sees a consistent cache. `execute` tiles the targets against
 * the cache (reusing every chunk already stored; running first what iterative tiles ask for, preRuns.ts),
 * fuses, orders depth-first and runs (runPlan.ts);
 * results are registered only when their run succeeds, so a failed or cancelled run leaves the
 * session usable and its other results intact. Sessions are isolated: fetching something another
 * session computed fails with Mars's text.
 *
 * Lifetime: a result is held by the objects that asked for it (handles, nodes; holders.ts) and by
 * nothing else. When the last is garbage-collected, or the user releases it, a job on the session's
 * queue releases it, and the store's chunk ledger deletes every chunk no other result holds — at once,
 * or when the last run reading it unpins it. So once handles are unreachable and GC has run, the store
 * holds only what is named, persisted or still referenced.
 */
import { EventEmitter } from 'node:events';
import { CancelledError, InvalidArgumentError, SessionClosedError, UnexecutedError } from '../base/errors.js';
import { booleanOption, optionsObject } from '../base/args.js';
import { CollectionPacer, nudgeCollection } from '../base/gcNudge.js';
import { readPrivately } from '../base/bufferHolds.js';
import { collectIfUndecided } from '../base/recycledBuffers.js';
import { dropUnfinishedSpares } from '../base/warmSpares.js';
import { show } from '../base/show.js';
import { ListenerError } from '../base/runErrors.js';
import type { TileableNode } from '../dag/nodes.js';
import { reprNode } from '../dag/repr.js';
import type { Executor } from '../executors/executor.js';
import { assemble, assemblyCopies, type AssembleOptions } from '../ops/assemble.js';
import type { Tiled } from '../ops/op.js';
import type { ChunkInfo } from '../store/chunkView.js';
import { ObjectNotExistsError } from '../store/errors.js';
import { ObjectStore } from '../store/objectStore.js';
import { refuseOversized } from './capacity.js';
import { endScopes, isProcessDefault, runWithDefault, setProcessDefault } from './defaults.js';
import { EagerBatcher } from './eager.js';
import { createExecutor } from './executorFactory.js';
import { HolderTracker } from './holders.js';
import { type ResolvedOptions, resolveOptions, type SessionOptions } from './options.js';
import { ResultRegistry } from './results.js';
import type { RunContext, RunRequest } from './runPlan.js';
import { readGlobal, sharedInputs, sharedObjectId } from './sharing.js';
import { noteHeld, SESSION_BRAND, type SessionLike } from './sessionLike.js';
import { PlanLog, planAndRun } from './preRuns.js';
import { fetchSliceOfExecuted } from './sliceFetch.js';
import type { ProgressEvent, SessionInfo } from './sessionInfo.js';
import { checkName, type ExecuteOptions, type Fetchable, newSessionId, nodeOf, runOptions, untilAborted } from './sessionArgs.js';

export { type ExecuteOptions, type Fetchable, nodeOf } from './sessionArgs.js';

export type { ChunkRunEvent, RunStats } from './runPlan.js';
export type { ProgressEvent, SessionInfo } from './sessionInfo.js';

const INFO_FIELDS: readonly (keyof ChunkInfo)[] = ['key', 'objectId', 'nbytes', 'level', 'typename', 'persisted', 'shape', 'dtype'];

/** Store growth between GC nudges (or an eighth of the memory limit, when that is less). */
const GC_STEP_BYTES = 16 * 2 ** 20;

export class Session extends EventEmitter implements SessionLike {
  readonly [SESSION_BRAND] = true as const;
  readonly id = newSessionId();
  readonly config: ResolvedOptions;
  readonly #executor: Executor;
  readonly #objects: ObjectStore;
  readonly #results: ResultRegistry;
  readonly #holders = new HolderTracker((key) => this.#unheld(key));
  readonly #eager: EagerBatcher;
  readonly #closing = new AbortController();
  /** Nudges a GC as the store grows, so results of handles that died are released promptly (gcNudge.ts). */
  readonly #pacer: CollectionPacer;
  /** Results whose release is queued: no longer visible, their chunks freed when the job runs. */
  readonly #releasing = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();
  /** Jobs queued or running: with none, a job may run at once (nothing can interleave with it). */
  #jobs = 0;
  #closed = false;
  #closePromise: Promise<void> | undefined;
  #runs = 0;
  readonly #plans = new PlanLog();

  constructor(
    options: SessionOptions = {},
    deps: { readonly executor?: Executor; readonly exitWhenIdle?: boolean } = {},
  ) {
    super();
    this.config = resolveOptions(options);
    this.#objects = new ObjectStore({
      memoryLimit: this.config.memoryLimit,
      ...(this.config.spillDir !== undefined ? { spillDir: this.config.spillDir } : {}),
    });
    this.#executor = deps.executor ?? createExecutor(this.config, { owner: this.id, ...(deps.exitWhenIdle ? { exitWhenIdle: true } : {}) });
    this.#results = new ResultRegistry(this.#objects);
    this.#pacer = new CollectionPacer(Math.min(GC_STEP_BYTES, this.config.memoryLimit / 8));
    this.#eager = new EagerBatcher((nodes) => this.#enqueue(() => this.#runNodes(nodes, { continueOnError: true })));
    if (this.config.default) setProcessDefault(this);
  }

  get closed(): boolean {
    return this.#closed;
  }
  get mode(): 'eager' | 'lazy' {
    return this.config.mode;
  }
  /** This session's object store (Vineyard's API: ids, metas, names, persist, delete, status, ...). */
  get store(): ObjectStore {
    this.#check();
    return this.#objects;
  }

  get info(): SessionInfo {
    return {
      id: this.id,
      name: this.config.name,
      mode: this.config.mode,
      status: this.#closed ? 'closed' : 'active',
      executor: this.#executor.name,
      workers: this.#executor.workers,
      results: this.#results.size,
      memory: { used: this.#closed ? 0 : this.#objects.usedBytes, limit: this.config.memoryLimit },
      plans: this.#plans.list(),
      ...(this.#executor.workersSeen ? { remoteWorkers: this.#executor.workersSeen } : {}),
    };
  }

  /**
   * Runs a chunk graph built elsewhere (the service's `/remote/chunks`) on this session's own executor:
   * its share of the pool, so it counts against the session's `workers` with its runs.
   */
  runChunkGraph(...args: Parameters<Executor['run']>): ReturnType<Executor['run']> {
    this.#check();
    return this.#executor.run(...args);
  }

  /** Makes this the process-wide default session and returns it. */
  asDefault(): this {
    this.#check();
    setProcessDefault(this);
    return this;
  }

  /** Runs `fn` with this session as the default of its async context. */
  scope<T>(fn: () => T): T {
    this.#check();
    return runWithDefault(this, fn);
  }

  /** Whether `node`'s result is cached in this session (with every chunk still stored). */
  isExecuted(node: TileableNode): boolean {
    return this.#lookup(node.key) !== undefined;
  }

  /** Eager mode: submit a freshly built node; resolves when it has run. */
  submitEager(node: TileableNode): Promise<void> {
    this.#check();
    return this.#eager.submit(node);
  }

  eagerStatus(node: TileableNode): Promise<void> | undefined {
    return this.#eager.status(node.key);
  }

  /**
   * Runs every target not yet executed here, as one graph; rejects with the first failure. Each target
   * (a handle, or a node) holds its result: the result stays cached while the object is reachable. A
   * target whose eager run failed rejects with that failure; it is not run again.
   */
  async execute(targets: readonly Fetchable[], options?: ExecuteOptions): Promise<void> {
    this.#check();
    const { signal } = runOptions(options, 'execute');
    if (!Array.isArray(targets)) throw new InvalidArgumentError(`execute takes an array of handles, got ${show(targets)}.`);
    const nodes = targets.map(nodeOf);
    targets.forEach((t, i) => this.track(t, nodes[i]!));
    if (signal?.aborted) throw new CancelledError();
    const eager = Promise.all(nodes.map((n) => this.#eager.status(n.key)?.catch(() => undefined)));
    // Waiting on an eager computation is cancellable; the computation itself belongs to its batch.
    await (signal ? untilAborted(eager, signal) : eager);
    const failed = nodes.map((n) => this.#eager.failure(n.key)).find((e) => e !== undefined);
    if (failed) throw failed;
    await this.#enqueue(() => this.#runNodes(nodes, { signal }));
  }

  /**
   * The value of an executed node (a slice of an executed tensor needs no execution). `holder` (the
   * handle asking) holds the result from then on. A result evicted under the memory limit is
   * recomputed once and read in the same step, so it cannot be evicted again before it is read.
   */
  async fetch(node: TileableNode, holder?: object, options: AssembleOptions = {}): Promise<unknown> {
    this.#check();
    await this.#eager.status(node.key);
    if (holder) this.track(holder, node);
    if (!this.#kept(node.key) && node.op === 'tensor.slice' && this.#sliceable(node.inputs[0]!)) return fetchSliceOfExecuted(node, this.#objects.chunks, (k) => this.#lookup(k), options);
    // Assembled as the chunks are read, in one step: nothing can release them in between.
    return this.#chunksOf(node, (tiled, chunks) => assemble(node, tiled, chunks, options), assemblyCopies(node));
  }

  /**
   * An executed result's tiling and chunk values, unassembled (the service writes a big result out chunk
   * by chunk). They are the cache's own: never write them. Evicted results are recomputed as for `fetch`.
   */
  async fetchChunks(node: TileableNode): Promise<{ readonly tiled: Tiled; readonly chunks: readonly unknown[] }> {
    this.#check();
    await this.#eager.status(node.key);
    return this.#chunksOf(node, (tiled, chunks) => ({ tiled, chunks }), false);
  }

  /** Whether `key`'s result is stored, or held and so recomputed when read. */
  #kept(key: string): boolean {
    return this.#lookup(key) !== undefined || (this.#results.has(key) && !this.#releasing.has(key));
  }

  /**
   * `use` of an executed result's tiling and chunk values, past `fetchChunks`'s entry checks. `copies`:
   * `use` copies what it reads of them, so they are read privately (base/bufferHolds.ts).
   */
  #chunksOf<T>(node: TileableNode, use: (tiled: Tiled, chunks: unknown[]) => T, copies: boolean): Promise<T> | T {
    if (this.#lookup(node.key)) return this.#readChunks(node, use, copies);
    if (!this.#kept(node.key)) throw new UnexecutedError(reprNode(node));
    return this.#enqueue(async () => {
      if (!this.#lookup(node.key)) await this.#runNodes([node], {});
      return this.#readChunks(node, use, copies);
    });
  }

  /**
   * GraphScope's `run`: executes one handle or an array of them as one graph and returns their
   * values in the same shape.
   */
  async run<T extends Fetchable | readonly Fetchable[]>(fetches: T, options?: ExecuteOptions): Promise<T extends readonly Fetchable[] ? unknown[] : unknown> {
    runOptions(options, 'run');
    const list = (Array.isArray(fetches) ? fetches : [fetches]) as readonly Fetchable[];
    const nodes = list.map(nodeOf);
    await this.execute(list, options);
    const values = await Promise.all(nodes.map((n) => this.fetch(n)));
    return (Array.isArray(fetches) ? values : values[0]) as T extends readonly Fetchable[] ? unknown[] : unknown;
  }

  /**
   * Where an executed result's chunks are: object ids, sizes, memory or disk (Mars's `fetch_infos`).
   * `fields` keeps only those fields of each chunk's info.
   */
  async fetchInfos(f: Fetchable, options?: { readonly fields?: readonly (keyof ChunkInfo)[] }): Promise<Partial<ChunkInfo>[]> {
    this.#check();
    options = optionsObject(options, 'fetchInfos', ['fields']);
    const unknown = (options.fields ?? []).filter((k) => !INFO_FIELDS.includes(k));
    if (unknown.length > 0) {
      throw new InvalidArgumentError(`fetchInfos got unexpected field name${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (known: ${INFO_FIELDS.join(', ')}).`);
    }
    const node = nodeOf(f);
    await this.#eager.status(node.key);
    if (!this.#lookup(node.key)) throw new UnexecutedError(reprNode(node));
    return options.fields ? this.#objects.chunks.infos(node.key, options.fields) : this.#objects.chunks.infos(node.key);
  }

  /**
   * Makes an executed result visible to other sessions of this process: its global object (and its
   * chunks) move to the shared catalog, optionally under a name another session can `getNamed`; a graph
   * or a context is shared with what another session needs to compute with it (sharing.ts).
   * Returns the object id.
   */
  async persist(f: Fetchable, options?: { readonly name?: string; readonly overwrite?: boolean }): Promise<string> {
    this.#check();
    options = optionsObject(options, 'persist', ['name', 'overwrite']);
    booleanOption(options.overwrite, 'overwrite', false);
    const node = nodeOf(f);
    if (options.name !== undefined) checkName(options.name);
    await this.#eager.status(node.key);
    if (!this.#lookup(node.key)) throw new UnexecutedError(reprNode(node));
    const inputs = sharedInputs(node).filter((n) => !this.#lookup(n.key));
    if (inputs.length > 0) await this.execute(inputs);
    const id = sharedObjectId(this.#objects, node, (n) => this.#results.objectId(n.key)!);
    this.#objects.persist(id);
    if (options.name !== undefined) this.#objects.putName(id, options.name, options.overwrite ? { overwrite: true } : {});
    return id;
  }

  /**
   * A result persisted under `name` (by this or another session of the process): the value of data (a
   * tensor, an array, a table); for a graph or a context, a `Graph` / `Context` handle of this session,
   * whose apps and selectors run here.
   */
  async getNamed(name: string, options?: { readonly wait?: boolean; readonly timeoutMs?: number; readonly signal?: AbortSignal }): Promise<unknown> {
    this.#check();
    options = optionsObject(options, 'getNamed', ['wait', 'timeoutMs', 'signal']);
    checkName(name);
    const id = options.wait
      ? await this.#objects.getName(name, { wait: true, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), ...(options.signal ? { signal: options.signal } : {}) })
      : this.#objects.getName(name);
    return readGlobal(this.#objects, id, this);
  }

  /**
   * Counts `holder` (a user handle, or a node passed directly) as a reference to `node`'s result: when
   * every holder of a result has been garbage-collected, the result is released and its chunks freed.
   */
  track(holder: object, node: TileableNode): void {
    if (this.#closed) return;
    this.#holders.hold(holder, node.key);
    noteHeld(holder, this);
  }

  /**
   * Drops a cached result: it stops counting as executed at once, and its chunks are freed by a job on
   * the session's queue — after any run already queued, which may still read them — unless another
   * result shares them. With `keepCached` they stay in the store as unheld cache: evicted first under
   * the memory limit, and reused if the same computation is asked for again. False when there was no
   * such result.
   */
  release(node: TileableNode, options: { readonly keepCached?: boolean } = {}): boolean {
    if (this.#closed) return false;
    const key = node.key;
    const had = this.#lookup(key) !== undefined || (this.#results.has(key) && !this.#releasing.has(key));
    this.#eager.forget(key);
    this.#releasing.add(key);
    this.#serially(() => {
      this.#releasing.delete(key);
      this.#results.release(key, options.keepCached ?? false);
      this.#observeStore();
    });
    return had;
  }

  close(): Promise<void> {
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(): Promise<void> {
    this.#closed = true;
    if (isProcessDefault(this)) setProcessDefault(undefined);
    endScopes(this);
    this.#closing.abort(new CancelledError('The session was closed while this run was in progress.'));
    this.#eager.abort(new SessionClosedError());
    await this.#queue.catch(() => undefined);
    const held = this.#objects.usedBytes;
    for (const key of [...this.#results.keys()]) this.#results.release(key);
    this.#eager.clear();
    this.#objects.close();
    await this.#executor.close();
    // Shared memory goes back to the allocator only once every thread has collected its handle of it
    // (kernels/workerCollection.ts): collect here too, so the next session reuses it warm — but not
    // for sessions that held little, which a server may open and close by the hundred.
    if (held >= GC_STEP_BYTES / 2) nudgeCollection();
    // Memory of earlier graphs whose handles have died since goes back to the next load warm.
    else collectIfUndecided();
    dropUnfinishedSpares();
    this.emit('close');
  }

  #check(): void {
    if (this.#closed) throw new SessionClosedError();
  }

  #lookup(key: string): Tiled | undefined {
    return this.#releasing.has(key) ? undefined : this.#results.lookup(key);
  }

  /** `use` of a present result's chunks, read pinned so restoring one from disk cannot evict another. */
  #readChunks<T>(node: TileableNode, use: (tiled: Tiled, chunks: unknown[]) => T, copies: boolean): T {
    const tiled = this.#lookup(node.key);
    if (!tiled) {
      throw new ObjectNotExistsError(
        `The result of ${reprNode(node)} was recomputed but could not be kept in the store; raise memoryLimit or set spillDir.`,
      );
    }
    const chunks = this.#objects.chunks;
    for (const k of tiled.chunks) chunks.pin(k);
    try {
      const read = (): T => use(tiled, tiled.chunks.map((k) => chunks.get(k)));
      return copies ? readPrivately(read) : read();
    } finally {
      for (const k of tiled.chunks) chunks.unpin(k);
    }
  }

  /** The last holder of `key` was collected: release its result, on the queue, unless a new holder came. */
  #unheld(key: string): void {
    this.#serially(() => {
      if (this.#closed || this.#holders.count(key) > 0) return;
      this.#eager.forget(key);
      this.#results.release(key);
      this.#observeStore();
    });
  }

  #sliceable(node: TileableNode): boolean {
    if (this.#lookup(node.key)) return true;
    return node.op === 'tensor.slice' && this.#sliceable(node.inputs[0]!);
  }

  #enqueue<T>(fn: () => Promise<T>): Promise<T> {
    this.#jobs++;
    const run = this.#queue.then(fn, fn).finally(() => this.#jobs--);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** A synchronous job in queue order: now when the queue is idle, else after the jobs before it. */
  #serially(fn: () => void): void {
    if (this.#closed) return;
    if (this.#jobs === 0) fn();
    else void this.#enqueue(async () => fn());
  }

  /** One run, on the queue; with `continueOnError`, returns per-node errors instead of rejecting. */
  async #runNodes(nodes: readonly TileableNode[], opts: RunRequest): Promise<ReadonlyMap<string, Error>> {
    this.#check();
    if (opts.signal?.aborted) throw new CancelledError();
    const runId = ++this.#runs;
    const unique = [...new Map(nodes.map((n) => [n.key, n])).values()];
    const todo = unique.filter((n) => !this.#lookup(n.key));
    if (todo.length === 0) {
      this.#progress(runId, 0, 0);
      return new Map();
    }
    refuseOversized(todo, this, 'run');
    const context: Omit<RunContext, 'progress'> = {
      config: this.config,
      executor: this.#executor,
      objects: this.#objects,
      results: this.#results,
      holders: this.#holders,
      closing: this.#closing.signal,
      finished: (stats) => {
        this.#plans.record(stats.plans);
        this.#emitChecked('run', stats);
      },
      chunks: this.listenerCount('chunks') > 0 ? (event) => this.#emitChecked('chunks', event) : undefined,
    };
    try {
      return await planAndRun(context, runId, todo, opts, {
        executed: (k) => this.#lookup(k),
        progress: (run, done, total, progress) => this.#progress(run, done, total, progress),
        // A pre-run fails the whole plan; an eager batch must not fail neighbours that did not need it.
        planFailed: opts.continueOnError && todo.length > 1 ? () => this.#runEach(todo, opts) : undefined,
      });
    } finally {
      this.#observeStore();
    }
  }

  /** Runs nodes one plan each, collecting their errors (an eager batch whose joint plan failed). */
  async #runEach(nodes: readonly TileableNode[], opts: RunRequest): Promise<ReadonlyMap<string, Error>> {
    const errors = new Map<string, Error>();
    for (const n of nodes) {
      try {
        for (const [k, e] of await this.#runNodes([n], opts)) errors.set(k, e);
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        errors.set(n.key, e instanceof Error ? e : new Error(String(e)));
      }
    }
    return errors;
  }

  #observeStore(): void {
    if (!this.#closed) this.#pacer.observe(this.#objects.usedBytes);
  }

  #progress(run: number, done: number, total: number, progress = total === 0 ? 1 : done / total): void {
    const event: ProgressEvent = { run, progress, done, total };
    this.#emitChecked('progress', event);
  }

  /** Emits to the user's listeners; one that throws stops the run with a ListenerError. */
  #emitChecked(event: string, payload: unknown): void {
    try {
      this.emit(event, payload);
    } catch (e) {
      throw new ListenerError(event, e);
    }
  }

  tiledOf(node: TileableNode): Tiled | undefined {
    return this.#lookup(node.key);
  }

  /** Live bookkeeping, for leak checks: results, keys with holders, eager statuses, counted chunks. */
  get bookkeeping(): { readonly results: number; readonly holders: number; readonly eager: number } {
    return { results: this.#results.size, holders: this.#holders.size, eager: this.#eager.size };
  }
}
