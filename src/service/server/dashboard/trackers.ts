/**
 * One DAG tracker per hosted session (a headless one follows the chunk events its child sends), attached
 * as soon as the registry shows the session Pending or Running (so a viewer who arrives mid-run still
 * sees that run), or when a viewer asks first.
 * Viewers follow a session by id: they get its current snapshot, then its changes; a viewer of a session
 * with no tracker yet (still starting) is handed the tracker once it exists; when the session leaves the
 * registry its viewers are ended and its tracker dropped.
 */
import type { Patch } from 'immer';
import type { Caller, ServerContext } from '../context.js';
import { DagTracker, type DagListener, type DagMessage, type DagSnapshot } from './dagTracker.js';
import type { DagLimits } from './dagView.js';

export interface DagViewer {
  readonly send: DagListener;
  /** The session is gone (or the server is closing): the viewer's stream should end. */
  readonly end: () => void;
}

interface Follow {
  readonly viewer: DagViewer;
  unsubscribe: (() => void) | undefined;
}

const IDLE: DagSnapshot = {
  run: 0, status: 'idle', chunks: 0, totals: [0, 0, 0, 0], grouped: false, nodes: [], edges: [], counts: [], hiddenChunks: 0, hiddenEdges: 0, store: undefined,
};

export class SessionTrackers {
  readonly #ctx: ServerContext;
  readonly #options: { readonly limits?: DagLimits; readonly flushMs?: number };
  readonly #trackers = new Map<string, DagTracker>();
  readonly #follows = new Map<string, Set<Follow>>();
  readonly #unsubscribe: () => void;
  #closed = false;

  constructor(ctx: ServerContext, options: { readonly limits?: DagLimits; readonly flushMs?: number } = {}) {
    this.#ctx = ctx;
    this.#options = options;
    this.#unsubscribe = ctx.registry.subscribe((patches) => this.#changed(patches));
    for (const id of Object.keys(ctx.registry.state.sessions)) this.#attach(id);
  }

  /** The session's current DAG (idle when it has none); the caller must already own `id`. */
  snapshot(caller: Caller, id: string): DagSnapshot {
    return (this.#trackers.get(id) ?? this.#attach(id, caller))?.snapshot() ?? IDLE;
  }

  /** Sends the current snapshot, then every change, until the returned function is called. */
  follow(caller: Caller, id: string, viewer: DagViewer): () => void {
    const follow: Follow = { viewer, unsubscribe: undefined };
    let set = this.#follows.get(id);
    if (!set) this.#follows.set(id, (set = new Set()));
    set.add(follow);
    const tracker = this.#trackers.get(id) ?? this.#attach(id, caller);
    if (tracker) this.#connect(follow, tracker);
    else viewer.send({ type: 'snapshot', snapshot: IDLE });
    return () => {
      follow.unsubscribe?.();
      set.delete(follow);
      if (set.size === 0 && this.#follows.get(id) === set) this.#follows.delete(id);
    };
  }

  get size(): number {
    return this.#trackers.size;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    for (const id of [...this.#follows.keys(), ...this.#trackers.keys()]) this.#drop(id);
  }

  #connect(follow: Follow, tracker: DagTracker): void {
    follow.unsubscribe = tracker.subscribe(follow.viewer.send);
    follow.viewer.send({ type: 'snapshot', snapshot: tracker.snapshot() } satisfies DagMessage);
  }

  #changed(patches: readonly Patch[]): void {
    const ids = new Set<string>();
    for (const p of patches) if (p.path[0] === 'sessions' && p.path.length >= 2) ids.add(String(p.path[1]));
    for (const id of ids) {
      if (!this.#ctx.registry.get(id)) this.#drop(id);
      // Not from inside the registry's update: the context may look the session up (or touch it) itself.
      else if (!this.#trackers.has(id)) queueMicrotask(() => this.#attach(id));
    }
  }

  /** Starts tracking `id` if its engine session (or a headless session's child) is up; undefined otherwise. */
  #attach(id: string, caller?: Caller): DagTracker | undefined {
    const existing = this.#trackers.get(id);
    if (existing || this.#closed) return existing;
    const record = this.#ctx.registry.get(id);
    if (!record || (record.status !== 'Pending' && record.status !== 'Running')) return undefined;
    let tracker: DagTracker;
    try {
      tracker = new DagTracker(this.#ctx.chunkSourceFor(caller ?? { owner: record.owner }, id), this.#options);
    } catch {
      // Not up yet (Pending) or already closing: a later registry change tries again.
      return undefined;
    }
    this.#trackers.set(id, tracker);
    for (const follow of this.#follows.get(id) ?? []) this.#connect(follow, tracker);
    return tracker;
  }

  #drop(id: string): void {
    this.#trackers.get(id)?.close();
    this.#trackers.delete(id);
    const follows = this.#follows.get(id);
    this.#follows.delete(id);
    for (const follow of follows ?? []) {
      follow.unsubscribe?.();
      follow.viewer.end();
    }
  }
}
