/**
 * A session: where tileables are evaluated and their results cached. It owns an executor (and the
 * threads behind it) and a store; runs are serialised per session so every run sees a consistent
 * cache. `execute` tiles the targets against the cache (reusing every chunk already stored), fuses,
 * orders depth-first and runs; results are registered only when their run succeeds, so a failed or
 * cancelled run leaves the session usable and its other results intact. Sessions are isolated:
 * fetching something another session computed fails with Mars's text.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { CancelledError, InvalidArgumentError, SessionClosedError, UnexecutedError } from '../base/errors.js';
import type { TileableNode } from '../dag/nodes.js';
import { reprNode } from '../dag/repr.js';
import { depthFirstPriority } from '../dag/topo.js';
import type { ExecEvent, Executor } from '../executors/executor.js';
import { LocalExecutor } from '../executors/local.js';
import { assemble } from '../ops/assemble.js';
import type { Tiled } from '../ops/op.js';
import { fuseElementwise } from '../ops/tensor/fuse.js';
import type { ChunkInfo } from '../store/chunkView.js';
import { ObjectStore } from '../store/objectStore.js';
import { OverlayStore } from '../store/overlayStore.js';
import { refuseOversized } from './capacity.js';
import { setProcessDefault, isProcessDefault, runWithDefault } from './defaults.js';
import { EagerBatcher } from './eager.js';
import { createExecutor } from './executorFactory.js';
import { type ResolvedOptions, resolveOptions, type SessionOptions } from './options.js';
import { type HoldingStore, ResultRegistry } from './results.js';
import { RunStore } from './runStore.js';
import { readGlobal } from './sharing.js';
import { type TilePlan, tileTargets } from './tiler.js';

export interface ExecuteOptions {
  readonly signal?: AbortSignal;
}

export interface ProgressEvent {
  readonly run: number;
  readonly progress: number;
  readonly done: number;
  readonly total: number;
}

/** Emitted as `'run'` after every run: the shape of the DAG it ran. */
export interface RunStats {
  readonly run: number;
  /** Tileables that had to be tiled (not already cached). */
  readonly tileables: number;
  /** Chunks in the planned graph, and how many of them were already stored (fetch chunks). */
  readonly chunks: number;
  readonly reused: number;
  /** Chunks fused away into their consumers. */
  readonly fused: number;
  /** Tasks actually run. */
  readonly executed: number;
  readonly durationMs: number;
  readonly peakBytes: number;
}

export interface SessionInfo {
  readonly id: string;
  readonly name: string | undefined;
  readonly mode: 'eager' | 'lazy';
  readonly status: 'active' | 'closed';
  readonly executor: string;
  readonly workers: number;
  readonly results: number;
  readonly memory: { readonly used: number; readonly limit: number };
}

/** Anything that stands for a tileable: a handle (with `.node`) or the node itself. */
export type Fetchable = { readonly node: TileableNode } | TileableNode;

export function nodeOf(f: Fetchable): TileableNode {
  if (typeof f === 'object' && f !== null) {
    if ('kind' in f && f.kind === 'tileable') return f;
    const node = (f as { node?: TileableNode }).node;
    if (typeof node === 'object' && node !== null && node.kind === 'tileable') return node;
  }
  throw new InvalidArgumentError(
    `Expected a handle (a Tensor, Graph, Context, ...) or a tileable node, got ${f === null ? 'null' : typeof f === 'object' ? (f as object).constructor?.name ?? 'an object' : typeof f}.`,
  );
}

/** `p`, or a CancelledError as soon as `signal` aborts, whichever comes first. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const INFO_FIELDS: readonly (keyof ChunkInfo)[] = ['key', 'objectId', 'nbytes', 'level', 'typename', 'persisted', 'shape', 'dtype'];

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function newSessionId(): string {
  return [...randomBytes(24)].map((b) => ID_CHARS[b % ID_CHARS.length]).join('');
}

export class Session extends EventEmitter {
  readonly id = newSessionId();
  readonly config: ResolvedOptions;
  readonly #executor: Executor;
  readonly #objects: ObjectStore;
  readonly #store: HoldingStore;
  readonly #results: ResultRegistry;
  readonly #eager: EagerBatcher;
  readonly #closing = new AbortController();
  /** Live handles per result key; when the last is garbage-collected the result becomes evictable cache. */
  readonly #handles = new Map<string, number>();
  readonly #finalizer = new FinalizationRegistry<string>((key) => this.#handleCollected(key));
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #closePromise: Promise<void> | undefined;
  #runs = 0;

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
    this.#store = this.#objects.chunks;
    this.#executor = deps.executor ?? createExecutor(this.config, deps.exitWhenIdle ? { exitWhenIdle: true } : {});
    this.#results = new ResultRegistry(this.#store, this.#objects);
    this.#eager = new EagerBatcher((nodes) => this.#executeNodes(nodes, { continueOnError: true }));
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
      memory: { used: this.#closed ? 0 : this.#store.usedBytes, limit: this.config.memoryLimit },
    };
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
    return this.#results.lookup(node.key) !== undefined;
  }

  /** Eager mode: submit a freshly built node; resolves when it has run. */
  submitEager(node: TileableNode): Promise<void> {
    this.#check();
    return this.#eager.submit(node);
  }

  eagerStatus(node: TileableNode): Promise<void> | undefined {
    return this.#eager.status(node.key);
  }

  /** Runs every node not yet executed here, as one graph; rejects with the first failure. */
  async execute(nodes: readonly TileableNode[], options: ExecuteOptions = {}): Promise<void> {
    this.#check();
    const { signal } = options;
    if (signal?.aborted) throw new CancelledError();
    const eager = Promise.all(nodes.map((n) => this.#eager.status(n.key)?.catch(() => undefined)));
    // Waiting on an eager computation is cancellable; the computation itself belongs to its batch.
    await (signal ? untilAborted(eager, signal) : eager);
    await this.#executeNodes(nodes, { signal });
  }

  /** The value of an executed node (a slice of an executed tensor needs no execution). */
  async fetch(node: TileableNode): Promise<unknown> {
    this.#check();
    await this.#eager.status(node.key);
    const tiled = this.#results.lookup(node.key);
    if (tiled) return assemble(node, tiled, tiled.chunks.map((k) => this.#store.get(k)));
    if (this.#results.entry(node.key)) {
      // Executed, but a chunk was evicted under the memory limit: recompute it from the DAG.
      await this.#executeNodes([node], {});
      return this.fetch(node);
    }
    if (node.op === 'tensor.slice' && this.#sliceable(node.inputs[0]!)) return this.#fetchSlice(node);
    throw new UnexecutedError(reprNode(node));
  }

  /**
   * GraphScope's `run`: executes one handle or an array of them as one graph and returns their
   * values in the same shape.
   */
  async run<T extends Fetchable | readonly Fetchable[]>(fetches: T, options: ExecuteOptions = {}): Promise<T extends readonly Fetchable[] ? unknown[] : unknown> {
    const list = (Array.isArray(fetches) ? fetches : [fetches]) as readonly Fetchable[];
    const nodes = list.map(nodeOf);
    await this.execute(nodes, options);
    const values = await Promise.all(nodes.map((n) => this.fetch(n)));
    return (Array.isArray(fetches) ? values : values[0]) as T extends readonly Fetchable[] ? unknown[] : unknown;
  }

  /**
   * Where an executed result's chunks are: object ids, sizes, memory or disk (Mars's `fetch_infos`).
   * `fields` keeps only those fields of each chunk's info.
   */
  async fetchInfos(f: Fetchable, options: { readonly fields?: readonly (keyof ChunkInfo)[] } = {}): Promise<Partial<ChunkInfo>[]> {
    this.#check();
    const unknown = (options.fields ?? []).filter((k) => !INFO_FIELDS.includes(k));
    if (unknown.length > 0) {
      throw new InvalidArgumentError(`fetchInfos got unexpected field name${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (known: ${INFO_FIELDS.join(', ')}).`);
    }
    const node = nodeOf(f);
    await this.#eager.status(node.key);
    if (!this.#results.lookup(node.key)) throw new UnexecutedError(reprNode(node));
    return options.fields ? this.#objects.chunks.infos(node.key, options.fields) : this.#objects.chunks.infos(node.key);
  }

  /**
   * Makes an executed result visible to other sessions of this process: its global object (and its
   * chunks) move to the shared catalog, optionally under a name another session can `getNamed`.
   * Returns the object id.
   */
  async persist(f: Fetchable, options: { readonly name?: string; readonly overwrite?: boolean } = {}): Promise<string> {
    this.#check();
    const node = nodeOf(f);
    await this.#eager.status(node.key);
    if (!this.#results.lookup(node.key)) throw new UnexecutedError(reprNode(node));
    const id = this.#results.objectId(node.key)!;
    this.#objects.persist(id);
    if (options.name !== undefined) this.#objects.putName(id, options.name, options.overwrite ? { overwrite: true } : {});
    return id;
  }

  /** The value of a result persisted under `name` (by this or another session of the process). */
  async getNamed(name: string, options: { readonly wait?: boolean; readonly timeoutMs?: number; readonly signal?: AbortSignal } = {}): Promise<unknown> {
    this.#check();
    const id = options.wait
      ? await this.#objects.getName(name, { wait: true, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), ...(options.signal ? { signal: options.signal } : {}) })
      : this.#objects.getName(name);
    return readGlobal(this.#objects, id);
  }

  /**
   * Counts `holder` (a user handle) as a reference to `node`'s result: when every holder of a result has
   * been garbage-collected, the result stops being held and its chunks become evictable cache.
   */
  track(holder: object, node: TileableNode): void {
    if (this.#closed) return;
    this.#handles.set(node.key, (this.#handles.get(node.key) ?? 0) + 1);
    this.#finalizer.register(holder, node.key);
  }

  #handleCollected(key: string): void {
    const n = (this.#handles.get(key) ?? 1) - 1;
    if (n > 0) {
      this.#handles.set(key, n);
      return;
    }
    this.#handles.delete(key);
    if (this.#closed) return;
    this.#eager.forget(key);
    this.#results.release(key, true);
  }

  /**
   * Drops a cached result: its chunks are freed now (unless another result shares them), or with
   * `keepCached` left in the store as unheld cache — evicted first under the memory limit, and reused if
   * the same computation is asked for again.
   */
  release(node: TileableNode, options: { readonly keepCached?: boolean } = {}): boolean {
    if (this.#closed) return false;
    this.#eager.forget(node.key);
    return this.#results.release(node.key, options.keepCached ?? false);
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
    this.#closing.abort(new CancelledError('The session was closed while this run was in progress.'));
    this.#eager.abort(new SessionClosedError());
    await this.#queue.catch(() => undefined);
    for (const key of [...this.#results.keys()]) this.#results.release(key);
    this.#results.clear();
    this.#eager.clear();
    this.#objects.close();
    await this.#executor.close();
    this.emit('close');
  }

  #check(): void {
    if (this.#closed) throw new SessionClosedError();
  }

  #sliceable(node: TileableNode): boolean {
    if (this.#results.lookup(node.key)) return true;
    return node.op === 'tensor.slice' && this.#sliceable(node.inputs[0]!);
  }

  async #fetchSlice(node: TileableNode): Promise<unknown> {
    const plan = tileTargets([node], { executed: (k) => this.#results.lookup(k), stored: (k) => this.#store.has(k) });
    const scratch = new OverlayStore(this.#store);
    await new LocalExecutor().run(plan.graph, scratch, { targets: plan.targets });
    const tiled = plan.tiled.get(node.key)!;
    return assemble(node, tiled, tiled.chunks.map((k) => scratch.get(k)));
  }

  #enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** One run; with `continueOnError`, returns per-node errors instead of rejecting. */
  #executeNodes(
    nodes: readonly TileableNode[],
    opts: { readonly signal?: AbortSignal | undefined; readonly continueOnError?: boolean },
  ): Promise<ReadonlyMap<string, Error>> {
    return this.#enqueue(async () => {
      this.#check();
      if (opts.signal?.aborted) throw new CancelledError();
      const runId = ++this.#runs;
      const unique = [...new Map(nodes.map((n) => [n.key, n])).values()];
      const todo = unique.filter((n) => !this.#results.lookup(n.key));
      if (todo.length === 0) {
        this.#progress(runId, 0, 0);
        return new Map();
      }
      refuseOversized(todo, this, 'run');
      const plan = tileTargets(todo, { executed: (k) => this.#results.lookup(k), stored: (k) => this.#store.has(k) });
      return this.#runPlan(runId, todo, plan, opts);
    });
  }

  async #runPlan(
    runId: number,
    todo: readonly TileableNode[],
    plan: TilePlan,
    opts: { readonly signal?: AbortSignal | undefined; readonly continueOnError?: boolean },
  ): Promise<ReadonlyMap<string, Error>> {
    const targetKeys = new Set(plan.targets.map((i) => plan.graph.keys[i]!));
    const graph = this.config.fuse ? fuseElementwise(plan.graph, (i) => targetKeys.has(plan.graph.keys[i]!)) : plan.graph;
    const targets = [...targetKeys].map((k) => graph.indexOf(k));
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.#closing.signal]) : this.#closing.signal;
    const computed = targets.filter((i) => graph.kernels[i] !== null).map((i) => graph.keys[i]!);
    let lastDone = -1;
    const onEvent = (e: ExecEvent): void => {
      if (e.type === 'finished' && e.done !== lastDone) {
        lastDone = e.done;
        if (e.done < e.total) this.#progress(runId, e.done, e.total);
      }
    };
    let report;
    this.#progress(runId, 0, graph.kernels.filter((k) => k !== null).length);
    const runStore = new RunStore(this.#objects.chunks, targetKeys);
    try {
      report = await this.#executor.run(graph, runStore, {
        targets,
        signal,
        onEvent,
        priority: depthFirstPriority(graph, targets),
        memoryLimit: this.config.memoryLimit,
        ...(opts.continueOnError ? { continueOnError: true } : {}),
        buildStackOf: (i) => plan.ownerOf.get(graph.keys[i]!)?.origin?.stack,
      });
    } catch (e) {
      this.#dropUnheld(computed);
      if (e instanceof CancelledError || signal.aborted) throw e instanceof CancelledError ? e : new CancelledError();
      throw e;
    } finally {
      runStore.dispose();
    }
    const errors = new Map<string, Error>();
    const failedAt = (k: string): Error | undefined => {
      const i = graph.indexOf(k);
      const root = report.blockedBy.get(i) ?? i;
      return report.failures.find((f) => f.index === root)?.error;
    };
    for (const node of [...todo, ...plan.cached]) {
      const tiled = plan.tiled.get(node.key)!;
      const error = tiled.chunks.map(failedAt).find((e) => e !== undefined);
      if (error) errors.set(node.key, error);
      else this.#results.register(node, tiled);
    }
    this.#dropUnheld(computed);
    const reused = plan.graph.kernels.filter((k) => k === null).length;
    const stats: RunStats = {
      run: runId,
      tileables: new Set(plan.ownerOf.values()).size,
      chunks: plan.graph.size,
      reused,
      fused: plan.graph.size - graph.size,
      executed: report.executed,
      durationMs: report.durationMs,
      peakBytes: report.peakBytes,
    };
    this.emit('run', stats);
    this.#progress(runId, report.executed, report.executed);
    return errors;
  }

  /** Target chunks computed by a run but owned by no registered result (their node failed). */
  #dropUnheld(keys: readonly string[]): void {
    for (const k of keys) if (!this.#results.isHeld(k)) this.#store.delete(k);
  }

  #progress(run: number, done: number, total: number): void {
    const event: ProgressEvent = { run, progress: total === 0 ? 1 : done / total, done, total };
    this.emit('progress', event);
  }

  tiledOf(node: TileableNode): Tiled | undefined {
    return this.#results.lookup(node.key);
  }
}
