/**
 * A scratch store layered over another: reads fall through to the base store, writes and deletes stay
 * in the scratch layer. Used to compute something from cached results (a slice of an executed tensor)
 * without adding anything to, or removing anything from, the session's store.
 */
import { type ChunkStore, MemoryChunkStore } from './chunkStore.js';

export class OverlayStore implements ChunkStore {
  readonly #base: ChunkStore;
  readonly #scratch = new MemoryChunkStore();

  constructor(base: ChunkStore) {
    this.#base = base;
  }
  has(key: string): boolean {
    return this.#scratch.has(key) || this.#base.has(key);
  }
  get(key: string): unknown {
    return this.#scratch.has(key) ? this.#scratch.get(key) : this.#base.get(key);
  }
  put(key: string, value: unknown): void {
    this.#scratch.put(key, value);
  }
  delete(key: string): void {
    this.#scratch.delete(key);
  }
  get usedBytes(): number {
    return this.#scratch.usedBytes;
  }
  pin(key: string): void {
    if (!this.#scratch.has(key)) this.#base.pin(key);
  }
  unpin(key: string): void {
    if (!this.#scratch.has(key)) this.#base.unpin(key);
  }
}
