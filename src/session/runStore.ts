/**
 * The store a run writes through. A run's results (its targets) go to the session's object store, where
 * they become objects with ids, names and eviction; its intermediates — released the moment their last
 * consumer finishes, never seen by the user — stay in a plain map beside it. They still count against
 * the memory limit (reserved in the object store, which evicts to make room or refuses with
 * NotEnoughMemory), so the limit holds for the whole run, but they skip object bookkeeping they would
 * never use: on graphs of many small chunks that bookkeeping was most of the cost.
 */
import { nbytesOf } from '../base/nbytes.js';
import type { ChunkStore } from '../store/chunkStore.js';
import { ChunkNotFoundError } from '../store/chunkStore.js';
import type { ChunkView } from '../store/chunkView.js';

export class RunStore implements ChunkStore {
  readonly #base: ChunkView;
  readonly #keep: ReadonlySet<string>;
  readonly #scratch = new Map<string, { readonly value: unknown; readonly nbytes: number }>();
  #bytes = 0;

  /** `keep`: the chunk keys that are this run's results (everything else is an intermediate). */
  constructor(base: ChunkView, keep: ReadonlySet<string>) {
    this.#base = base;
    this.#keep = keep;
  }

  has(key: string): boolean {
    return this.#scratch.has(key) || this.#base.has(key);
  }

  get(key: string): unknown {
    const e = this.#scratch.get(key);
    if (e) return e.value;
    if (!this.#base.has(key)) throw new ChunkNotFoundError(key);
    return this.#base.get(key);
  }

  put(key: string, value: unknown): void {
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
      this.#base.delete(key);
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
    if (!this.#scratch.has(key)) this.#base.pin(key);
  }

  unpin(key: string): void {
    if (!this.#scratch.has(key)) this.#base.unpin(key);
  }

  /** Ends the run: whatever intermediates are left (a failed run) stop counting against the limit. */
  dispose(): void {
    this.#base.unreserve(this.#bytes);
    this.#scratch.clear();
    this.#bytes = 0;
  }
}
