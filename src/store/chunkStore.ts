/**
 * The contract between executors and whatever holds chunk results. Executors only ever see this
 * interface: they read inputs, write outputs and release intermediates by chunk key. The session's
 * object store (Vineyard semantics, memory limit, spill) implements it; `MemoryChunkStore` is the
 * minimal in-memory implementation used where no object store is wanted (unit tests, fetch of slices).
 */
import { TesseraError } from '../base/errors.js';
import { nbytesOf } from '../base/nbytes.js';

export interface ChunkStore {
  has(key: string): boolean;
  /** The value of a chunk; throws a `TesseraError` with code `ObjectNotExists` when it is not there. */
  get(key: string): unknown;
  /** Stores a result. May throw `NotEnoughMemory`; must leave the store unchanged when it does. */
  put(key: string, value: unknown): void;
  /** Drops a chunk; deleting a missing key is a no-op. */
  delete(key: string): void;
  /** Bytes currently held. */
  readonly usedBytes: number;
  /** Keeps a chunk from eviction while a task reads it. Pins nest; each pin needs one unpin. */
  pin(key: string): void;
  unpin(key: string): void;
}

export class ChunkNotFoundError extends TesseraError {
  /** The missing chunk's key (a property, so the error carries it across processes as data). */
  readonly key: string;
  constructor(key: string) {
    super('ObjectNotExists', `No chunk with key ${key} is in the store (never computed, released or evicted).`);
    this.key = key;
  }
}

export class MemoryChunkStore implements ChunkStore {
  readonly #values = new Map<string, { value: unknown; nbytes: number }>();
  #used = 0;

  has(key: string): boolean {
    return this.#values.has(key);
  }
  get(key: string): unknown {
    const e = this.#values.get(key);
    if (!e) throw new ChunkNotFoundError(key);
    return e.value;
  }
  put(key: string, value: unknown): void {
    const nbytes = nbytesOf(value);
    const old = this.#values.get(key);
    if (old) this.#used -= old.nbytes;
    this.#values.set(key, { value, nbytes });
    this.#used += nbytes;
  }
  delete(key: string): void {
    const e = this.#values.get(key);
    if (!e) return;
    this.#used -= e.nbytes;
    this.#values.delete(key);
  }
  get usedBytes(): number {
    return this.#used;
  }
  get size(): number {
    return this.#values.size;
  }
  keys(): IterableIterator<string> {
    return this.#values.keys();
  }
  pin(): void {}
  unpin(): void {}
}
