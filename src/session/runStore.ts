/**
 * The store a run writes through, and what the run holds. A run's results (its targets) go to the
 * session's object store, where they become objects with ids, names and eviction; its intermediates —
 * released the moment their last consumer finishes, never seen by the user — stay in a plain map beside
 * it. They still count against the memory limit (reserved in the object store, which evicts to make room
 * or refuses with NotEnoughMemory), so the limit holds for the whole run, but they skip object
 * bookkeeping they would never use: on graphs of many small chunks that bookkeeping was most of the cost.
 *
 * The run holds each target in the chunk ledger from the start, and counts every pin an executor takes
 * through it. `dispose()` — called by the session once it has registered the run's results, whatever
 * the executor did or failed to do — drops the intermediates, unpins what is still pinned and releases
 * the target holds, so a target no result took over is deleted and no pin outlives its run.
 */
import { dropAll, holdValue, readPrivately } from '../base/bufferHolds.js';
import { nbytesOf } from '../base/nbytes.js';
import type { ChunkStore } from '../store/chunkStore.js';
import { ChunkNotFoundError } from '../store/chunkStore.js';
import type { ChunkView } from '../store/chunkView.js';

export class RunStore implements ChunkStore {
  readonly #base: ChunkView;
  readonly #keep: ReadonlySet<string>;
  readonly #scratch = new Map<string, { readonly value: unknown; readonly nbytes: number }>();
  /** Pins this run holds on the base store, per key. */
  readonly #pins = new Map<string, number>();
  /**
   * Workers' buffers this run's tasks wrote or read, held until it ends (base/bufferHolds.ts): a task
   * may still be reading an input whose chunk is deleted meanwhile (by id, which does not wait for pins).
   */
  readonly #held = new Set<bigint>();
  #bytes = 0;
  #disposed = false;

  /** `keep`: the chunk keys that are this run's results (everything else is an intermediate). */
  constructor(base: ChunkView, keep: ReadonlySet<string>) {
    this.#base = base;
    this.#keep = keep;
    for (const k of keep) base.retain(k);
  }

  has(key: string): boolean {
    return this.#scratch.has(key) || this.#base.has(key);
  }

  /** A value for a task: its buffers are held by the run, not exposed. */
  get(key: string): unknown {
    const e = this.#scratch.get(key);
    if (e) return e.value;
    if (!this.#base.has(key)) throw new ChunkNotFoundError(key);
    const value = readPrivately(() => this.#base.get(key));
    if (!this.#disposed) holdValue(value, this.#held);
    return value;
  }

  put(key: string, value: unknown): void {
    this.#open();
    // Held by the run before anything can refuse it: an output that waits for room is still read by the
    // run when its inputs are released to make that room.
    holdValue(value, this.#held);
    if (this.#keep.has(key)) {
      this.#base.put(key, value);
      return;
    }
    const nbytes = nbytesOf(value);
    this.#base.reserve(nbytes, `intermediate chunk ${key}`);
    this.#scratch.set(key, { value, nbytes });
    this.#bytes += nbytes;
  }

  delete(key: string): void {
    const e = this.#scratch.get(key);
    if (!e) {
      // Not the run's to delete: targets are handed to results, inputs belong to theirs.
      return;
    }
    this.#scratch.delete(key);
    this.#bytes -= e.nbytes;
    this.#base.unreserve(e.nbytes);
  }

  get usedBytes(): number {
    return this.#base.usedBytes + this.#bytes;
  }

  pin(key: string): void {
    if (this.#scratch.has(key)) return;
    this.#open();
    this.#pins.set(key, (this.#pins.get(key) ?? 0) + 1);
    this.#base.pin(key);
  }

  unpin(key: string): void {
    const n = this.#pins.get(key);
    if (n === undefined) return;
    if (n > 1) this.#pins.set(key, n - 1);
    else this.#pins.delete(key);
    this.#base.unpin(key);
  }

  /**
   * Ends the run: intermediates left over (a failed run) stop counting against the limit, leftover pins
   * are undone and the targets' run holds released. Idempotent.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#base.unreserve(this.#bytes);
    this.#scratch.clear();
    this.#bytes = 0;
    for (const [key, n] of this.#pins) for (let i = 0; i < n; i++) this.#base.unpin(key);
    this.#pins.clear();
    for (const k of this.#keep) this.#base.release(k);
    dropAll(this.#held);
  }

  #open(): void {
    // An executor still finishing tasks of a run the session has given up on must not touch the store.
    if (this.#disposed) throw new ChunkNotFoundError('(the run has ended)');
  }
}
