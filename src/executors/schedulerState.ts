/**
 * Scheduler state: which chunks are ready, which are waiting, and which results can be released.
 * Pure bookkeeping over a chunk graph's arrays — no I/O, no timers, no promises — so every executor
 * (same thread, thread pool, many machines) makes the same decisions, and the rules are unit-tested in
 * isolation.
 *
 * Invariants:
 * - A chunk is *ready* exactly when it is not a fetch chunk, has not started, and every input is a
 *   fetch chunk or has completed. `waiting[i]` counts its input edges from chunks not yet completed
 *   (an input used twice counts twice, and is decremented twice).
 * - Ready chunks leave in increasing `priority` (a binary heap; ties by index), so with depth-first
 *   priorities a branch is finished — and its intermediates freed — before the next one starts.
 * - `remaining[i]` counts the consumer edges of i that have not completed. When it reaches zero and i
 *   is neither a target nor a fetch chunk (fetch chunks belong to the session's cache, targets to the
 *   caller), i is returned as releasable exactly once. A computed chunk with no consumers that is not
 *   a target is releasable as soon as it completes.
 * - `fail(i)` marks i and everything downstream of it as never-to-run, so `finished()` still becomes
 *   true; each blocked chunk remembers the failure that blocked it. Inputs that a failed or blocked
 *   chunk would have consumed are released once nothing else still needs them.
 * - `finished()` is true when every non-fetch chunk has completed, failed or been blocked.
 */
import type { ChunkGraph } from '../dag/chunkGraph.js';

export class SchedulerState {
  readonly graph: ChunkGraph;
  /** Number of chunks to compute (non-fetch). */
  readonly total: number;
  readonly #waiting: Int32Array;
  readonly #remaining: Int32Array;
  readonly #isTarget: Uint8Array;
  /** 0 = pending, 1 = ready/started, 2 = completed, 3 = failed or blocked. */
  readonly #status: Uint8Array;
  readonly #priority: Int32Array | undefined;
  readonly #heap: Int32Array;
  #heapSize = 0;
  #settled = 0;
  readonly blockedBy = new Map<number, number>();

  constructor(graph: ChunkGraph, targets: readonly number[], priority?: Int32Array) {
    this.graph = graph;
    const n = graph.size;
    this.#waiting = new Int32Array(n);
    this.#remaining = new Int32Array(n);
    this.#isTarget = new Uint8Array(n);
    this.#status = new Uint8Array(n);
    this.#priority = priority;
    this.#heap = new Int32Array(n);
    for (const t of targets) this.#isTarget[t] = 1;
    let total = 0;
    for (let i = 0; i < n; i++) {
      this.#remaining[i] = graph.succStart[i + 1]! - graph.succStart[i]!;
      if (graph.kernels[i] === null) {
        this.#status[i] = 2;
        continue;
      }
      total++;
      let w = 0;
      for (let e = graph.depStart[i]!; e < graph.depStart[i + 1]!; e++) if (graph.kernels[graph.deps[e]!] !== null) w++;
      this.#waiting[i] = w;
    }
    this.total = total;
    for (let i = 0; i < n; i++) if (graph.kernels[i] !== null && this.#waiting[i] === 0) this.#push(i);
  }

  get readyCount(): number {
    return this.#heapSize;
  }

  /** Completed, failed or blocked chunks (not counting fetch chunks). */
  get settled(): number {
    return this.#settled;
  }

  finished(): boolean {
    return this.#settled === this.total;
  }

  isTarget(i: number): boolean {
    return this.#isTarget[i] === 1;
  }

  /** The ready chunk `next()` would return, without taking it; -1 when none is ready. */
  peek(): number {
    return this.#heapSize === 0 ? -1 : this.#heap[0]!;
  }

  /** The next ready chunk (lowest priority first), or -1 when none is ready. */
  next(): number {
    if (this.#heapSize === 0) return -1;
    const top = this.#heap[0]!;
    this.#heap[0] = this.#heap[--this.#heapSize]!;
    this.#siftDown(0);
    this.#status[top] = 1;
    return top;
  }

  /** Returns a chunk taken by `next()` that did not run (a claimed batch's unclaimed task) to the ready set. */
  putBack(i: number): void {
    if (this.#status[i] !== 1) throw new Error(`chunk ${i} was not taken, so it cannot be put back`);
    this.#status[i] = 0;
    this.#push(i);
  }

  /**
   * The inputs that `complete(i)` will release (without completing anything): lets an executor free
   * them before storing i's output when the store is full.
   */
  releasedBy(i: number): number[] {
    const g = this.graph;
    const uses = new Map<number, number>();
    for (let e = g.depStart[i]!; e < g.depStart[i + 1]!; e++) uses.set(g.deps[e]!, (uses.get(g.deps[e]!) ?? 0) + 1);
    return [...uses].filter(([d, k]) => this.#remaining[d] === k && !this.#isTarget[d] && g.kernels[d] !== null && this.#status[d] === 2).map(([d]) => d);
  }

  /** Marks i completed; returns the chunks that are now releasable (see the invariants above). */
  complete(i: number): number[] {
    this.#status[i] = 2;
    this.#settled++;
    const g = this.graph;
    for (let e = g.succStart[i]!; e < g.succStart[i + 1]!; e++) {
      const s = g.succs[e]!;
      if (this.#status[s] === 0 && --this.#waiting[s]! === 0) this.#push(s);
    }
    const release = this.#consumeInputs(i);
    if (this.#remaining[i] === 0 && !this.#isTarget[i]) release.push(i);
    return release;
  }

  /** Marks i failed and everything downstream blocked; returns inputs that are now releasable. */
  fail(i: number): number[] {
    const g = this.graph;
    const release: number[] = [];
    const stack = [i];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (this.#status[c] === 3) continue;
      if (this.#status[c] === 2) continue;
      this.#status[c] = 3;
      this.#settled++;
      if (c !== i) this.blockedBy.set(c, i);
      release.push(...this.#consumeInputs(c));
      for (let e = g.succStart[c]!; e < g.succStart[c + 1]!; e++) stack.push(g.succs[e]!);
    }
    this.#heapSize = this.#compactHeap();
    return release;
  }

  #consumeInputs(i: number): number[] {
    const g = this.graph;
    const release: number[] = [];
    for (let e = g.depStart[i]!; e < g.depStart[i + 1]!; e++) {
      const d = g.deps[e]!;
      if (--this.#remaining[d]! === 0 && !this.#isTarget[d] && g.kernels[d] !== null && this.#status[d] === 2) {
        release.push(d);
      }
    }
    return release;
  }

  #compactHeap(): number {
    let n = 0;
    for (let k = 0; k < this.#heapSize; k++) {
      const v = this.#heap[k]!;
      if (this.#status[v] !== 3) this.#heap[n++] = v;
    }
    this.#heapSize = n;
    for (let k = (n >> 1) - 1; k >= 0; k--) this.#siftDown(k);
    return n;
  }

  #less(a: number, b: number): boolean {
    const p = this.#priority;
    if (p) {
      const pa = p[a]!;
      const pb = p[b]!;
      if (pa !== pb) return pa < pb;
    }
    return a < b;
  }

  #push(i: number): void {
    const h = this.#heap;
    let k = this.#heapSize++;
    h[k] = i;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.#less(h[k]!, h[parent]!)) break;
      [h[k], h[parent]] = [h[parent]!, h[k]!];
      k = parent;
    }
  }

  #siftDown(k: number): void {
    const h = this.#heap;
    const n = this.#heapSize;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= n) return;
      const r = l + 1;
      const c = r < n && this.#less(h[r]!, h[l]!) ? r : l;
      if (!this.#less(h[c]!, h[k]!)) return;
      [h[k], h[c]] = [h[c]!, h[k]!];
      k = c;
    }
  }
}
