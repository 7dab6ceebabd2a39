/**
 * Follows one engine session's runs for the dashboard (or a headless session's, replayed from its child
 * process by headless/chunkChannel.ts): the latest run's drawn DAG and every chunk's
 * state. Executors report chunks as they settle, not as they start, so "running" means "every input is
 * done": dispatched, or about to be. Changes are batched (`flushMs`) and handed to subscribers as count
 * deltas per drawn node; a new run is sent whole. The tracker keeps the last run after the session
 * closes, so a finished session still shows what it ran.
 */
import type { ChunkGraph } from '../../../dag/chunkGraph.js';
import type { TileableNode } from '../../../dag/nodes.js';
import type { ChunkRunEvent } from '../../../session/session.js';
import type { ChunkSource } from '../context.js';
import { DEFAULT_DAG_LIMITS, type DagLayout, type DagLimits, type DagNode, layoutDag } from './dagView.js';

export const CHUNK_STATES = ['pending', 'running', 'done', 'failed'] as const;
const PENDING = 0;
const RUNNING = 1;
const DONE = 2;
const FAILED = 3;

export type RunStatus = 'idle' | 'running' | 'done' | 'failed';

export interface StoreUsage {
  readonly memoryInUse: number;
  readonly memoryLimit: number;
  readonly objects: number;
}

export interface DagSnapshot {
  /** The run's number in its session; 0 before the tracker saw one. */
  readonly run: number;
  readonly status: RunStatus;
  readonly chunks: number;
  /** Chunks by state, in `CHUNK_STATES` order. */
  readonly totals: readonly number[];
  readonly grouped: boolean;
  readonly nodes: readonly DagNode[];
  readonly edges: readonly number[];
  /** Per drawn node, its chunks by state: four numbers a node, flat. */
  readonly counts: readonly number[];
  readonly hiddenChunks: number;
  readonly hiddenEdges: number;
  readonly store: StoreUsage | undefined;
}

export interface DagUpdate {
  readonly run: number;
  readonly status: RunStatus;
  readonly totals: readonly number[];
  /** Changed nodes: `[node, pending, running, done, failed]` each, flat. */
  readonly changes: readonly number[];
  readonly store: StoreUsage | undefined;
}

export type DagMessage = { readonly type: 'snapshot'; readonly snapshot: DagSnapshot } | { readonly type: 'update'; readonly update: DagUpdate };
export type DagListener = (message: DagMessage) => void;

interface RunView {
  readonly run: number;
  readonly layout: DagLayout;
  readonly state: Uint8Array;
  /** Inputs of each chunk not done yet (one per argument slot, as the graph counts them). */
  readonly waiting: Int32Array;
  readonly succStart: Int32Array;
  readonly succs: Int32Array;
  readonly counts: Int32Array;
  readonly totals: number[];
  readonly dirty: Uint8Array;
  readonly dirtyList: number[];
  status: RunStatus;
}

export class DagTracker {
  readonly #session: ChunkSource;
  readonly #limits: DagLimits;
  readonly #flushMs: number;
  readonly #listeners = new Set<DagListener>();
  readonly #onChunks = (event: ChunkRunEvent): void => this.#handle(event);
  readonly #onClose = (): void => this.detach();
  #view: RunView | undefined;
  #store: StoreUsage | undefined;
  #newRun = false;
  #timer: NodeJS.Timeout | undefined;
  #attached = true;

  constructor(session: ChunkSource, options: { readonly limits?: DagLimits; readonly flushMs?: number } = {}) {
    this.#session = session;
    this.#limits = options.limits ?? DEFAULT_DAG_LIMITS;
    this.#flushMs = options.flushMs ?? 100;
    this.#store = this.#readStore();
    session.on('chunks', this.#onChunks);
    session.once('close', this.#onClose);
  }

  get attached(): boolean {
    return this.#attached;
  }

  snapshot(): DagSnapshot {
    const v = this.#view;
    if (!v) {
      return { run: 0, status: 'idle', chunks: 0, totals: [0, 0, 0, 0], grouped: false, nodes: [], edges: [], counts: [], hiddenChunks: 0, hiddenEdges: 0, store: this.#store };
    }
    return {
      run: v.run,
      status: v.status,
      chunks: v.state.length,
      totals: [...v.totals],
      grouped: v.layout.grouped,
      nodes: v.layout.nodes,
      edges: v.layout.edges,
      counts: Array.from(v.counts),
      hiddenChunks: v.layout.hiddenChunks,
      hiddenEdges: v.layout.hiddenEdges,
      store: this.#store,
    };
  }

  /** Listens for changes until the returned function is called; the current state is `snapshot()`. */
  subscribe(listener: DagListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops following the session (it closed, or the server is closing); the last run stays readable. */
  detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.#session.off('chunks', this.#onChunks);
    this.#session.off('close', this.#onClose);
    if (this.#view?.status === 'running') this.#end(false, -1);
    this.#flush();
  }

  /** Detaches and lets every subscriber go. */
  close(): void {
    this.detach();
    this.#listeners.clear();
  }

  #handle(event: ChunkRunEvent): void {
    switch (event.type) {
      case 'planned':
        this.#plan(event.run, event.graph, event.ownerOf);
        break;
      case 'finished':
        this.#finished(event.run, event.index);
        break;
      case 'failed':
        if (this.#view?.run === event.run) this.#set(this.#view, event.index, FAILED);
        break;
      case 'ended':
        if (this.#view?.run === event.run) this.#end(event.ok, event.failedIndex ?? -1);
        break;
    }
    this.#schedule();
  }

  #plan(run: number, graph: ChunkGraph, ownerOf: (index: number) => TileableNode | undefined): void {
    const layout = layoutDag(graph, ownerOf, this.#limits);
    const n = graph.size;
    const v: RunView = {
      run,
      layout,
      state: new Uint8Array(n),
      waiting: new Int32Array(n),
      succStart: graph.succStart,
      succs: graph.succs,
      counts: new Int32Array(4 * layout.nodes.length),
      totals: [n, 0, 0, 0],
      dirty: new Uint8Array(layout.nodes.length),
      dirtyList: [],
      status: 'running',
    };
    for (let i = 0; i < n; i++) {
      const node = layout.nodeOf[i]!;
      if (node >= 0) v.counts[4 * node + PENDING]!++;
      for (let e = graph.depStart[i]!; e < graph.depStart[i + 1]!; e++) if (graph.kernels[graph.deps[e]!] !== null) v.waiting[i]!++;
    }
    for (let i = 0; i < n; i++) {
      if (graph.kernels[i] === null) this.#set(v, i, DONE);
      else if (v.waiting[i] === 0) this.#set(v, i, RUNNING);
    }
    this.#view = v;
    this.#newRun = true;
  }

  #finished(run: number, index: number): void {
    const v = this.#view;
    if (v?.run !== run) return;
    this.#set(v, index, DONE);
    for (let e = v.succStart[index]!; e < v.succStart[index + 1]!; e++) {
      const c = v.succs[e]!;
      if (--v.waiting[c]! === 0 && v.state[c] === PENDING) this.#set(v, c, RUNNING);
    }
  }

  /** The run is over: chunks that were ready but never finished go back to pending. */
  #end(ok: boolean, failedIndex: number): void {
    const v = this.#view!;
    if (failedIndex >= 0) this.#set(v, failedIndex, FAILED);
    if (v.totals[RUNNING]! > 0) for (let i = 0; i < v.state.length; i++) if (v.state[i] === RUNNING) this.#set(v, i, PENDING);
    v.status = ok && v.totals[FAILED] === 0 ? 'done' : 'failed';
    this.#store = this.#readStore();
  }

  #set(v: RunView, chunk: number, to: number): void {
    const from = v.state[chunk]!;
    if (from === to) return;
    v.state[chunk] = to;
    v.totals[from]!--;
    v.totals[to]!++;
    const node = v.layout.nodeOf[chunk]!;
    if (node < 0) return;
    v.counts[4 * node + from]!--;
    v.counts[4 * node + to]!++;
    if (!v.dirty[node]) {
      v.dirty[node] = 1;
      v.dirtyList.push(node);
    }
  }

  #schedule(): void {
    if (this.#timer || this.#listeners.size === 0) return;
    this.#timer = setTimeout(() => this.#flush(), this.#flushMs);
    this.#timer.unref();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const v = this.#view;
    if (!v || this.#listeners.size === 0) {
      if (v) this.#clearDirty(v);
      return;
    }
    let message: DagMessage;
    if (this.#newRun) {
      message = { type: 'snapshot', snapshot: this.snapshot() };
    } else {
      if (v.dirtyList.length === 0 && v.status === 'running') return;
      const changes: number[] = [];
      for (const node of v.dirtyList) changes.push(node, ...v.counts.subarray(4 * node, 4 * node + 4));
      message = { type: 'update', update: { run: v.run, status: v.status, totals: [...v.totals], changes, store: this.#store } };
    }
    this.#newRun = false;
    this.#clearDirty(v);
    for (const listener of this.#listeners) {
      try {
        listener(message);
      } catch {
        // One viewer's broken stream must not keep the others from their updates.
      }
    }
  }

  #clearDirty(v: RunView): void {
    for (const node of v.dirtyList) v.dirty[node] = 0;
    v.dirtyList.length = 0;
  }

  #readStore(): StoreUsage | undefined {
    if (this.#session.closed) return undefined;
    const status = this.#session.store.status();
    return { memoryInUse: status.memoryUsage, memoryLimit: status.memoryLimit, objects: status.objects };
  }
}
