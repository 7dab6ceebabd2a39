/**
 * The entries a store keeps, and the byte accounting over them. A store has one table for its transient
 * objects and the shared catalog has one for persisted objects; an entry lives in exactly one of them.
 *
 * Invariants the store maintains:
 * - `usage` is the byte length of the blobs in this table whose bytes are in memory, each counted once
 *   however many objects share it.
 * - A blob's `referrers` holds every object listing it as a member, except dropped objects (they hold no
 *   data, so they hold nothing); `residentRefs` counts the referrers whose data is in memory, and a blob
 *   with resident referrers always has its bytes in memory. In a store's table, a blob in memory without
 *   resident referrers has no referrers at all (a blob made with `createBlob`): once its last in-memory
 *   user goes, it is deleted, spilled with its users, or written out by `MemoryManager.settle`.
 * - `byView` maps each in-memory blob's typed array to its id, so putting the same array twice stores it
 *   once.
 */
import { dropBuffer, holdBuffer, shareBuffer } from '../base/bufferHolds.js';
import type { ObjectMeta } from './objectMeta.js';
import type { SpillLocation } from './spill.js';

/** Where an object's data is: in memory, spilled to disk, or dropped (recompute it from its chunk key). */
export type Residency = 'memory' | 'disk' | 'dropped';

export interface BlobEntry {
  readonly kind: 'blob';
  meta: ObjectMeta;
  /** The bytes while in memory; undefined once spilled. */
  data: ArrayBufferView | undefined;
  spill: SpillLocation | undefined;
  readonly referrers: Set<bigint>;
  residentRefs: number;
}

export interface ObjectEntry {
  readonly kind: 'object';
  meta: ObjectMeta;
  residency: Residency;
  /** What `get` returns, cached while the data is in memory and `resolved` is set. */
  value: unknown;
  resolved: boolean;
  /** The codec's in-memory layout, kept while spilled so the value can be rebuilt. */
  layout: unknown;
  readonly referrers: Set<bigint>;
}

export type Entry = BlobEntry | ObjectEntry;

export class ObjectTable {
  readonly entries = new Map<bigint, Entry>();
  readonly byView = new Map<ArrayBufferView, bigint>();
  usage = 0;
  /**
   * The shared catalog's table: its blobs belong to every session of the process, whose runs do not
   * hold them (base/bufferHolds.ts), so a worker's buffer that lands here is left to collection.
   */
  readonly #shared: boolean;
  /** In-memory blobs whose buffer this table counts as one of its holders (base/bufferHolds.ts). */
  readonly #holding = new Set<ArrayBufferView>();
  /** Ids in ascending order for listing; rebuilt lazily when an insert arrives out of order or ids leave. */
  #sorted: bigint[] = [];
  #sortedValid = true;

  constructor(options: { readonly shared?: boolean } = {}) {
    this.#shared = options.shared === true;
  }

  get(id: bigint): Entry | undefined {
    return this.entries.get(id);
  }

  insert(id: bigint, entry: Entry): void {
    this.entries.set(id, entry);
    const last = this.#sorted[this.#sorted.length - 1];
    if (this.#sortedValid && (last === undefined || id > last)) this.#sorted.push(id);
    else this.#sortedValid = false;
    if (entry.kind === 'blob' && entry.data) this.#addBytes(id, entry.data, entry.meta.nbytes);
  }

  remove(id: bigint): Entry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    this.#sortedValid = false;
    if (entry.kind === 'blob' && entry.data) this.#dropBytes(entry.data, entry.meta.nbytes);
    return entry;
  }

  /** A blob's bytes leave memory (spilled or dropped). */
  releaseBytes(entry: BlobEntry): void {
    if (!entry.data) return;
    this.#dropBytes(entry.data, entry.meta.nbytes);
    entry.data = undefined;
  }

  /** A blob's bytes come back into memory (restored from disk). */
  restoreBytes(id: bigint, entry: BlobEntry, data: ArrayBufferView): void {
    entry.data = data;
    this.#addBytes(id, data, entry.meta.nbytes);
  }

  /** Ids in ascending (creation) order. */
  sortedIds(): readonly bigint[] {
    if (!this.#sortedValid) {
      this.#sorted = [...this.entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      this.#sortedValid = true;
    }
    return this.#sorted;
  }

  clear(): void {
    for (const data of this.#holding) dropBuffer(data.buffer);
    this.#holding.clear();
    this.entries.clear();
    this.byView.clear();
    this.usage = 0;
    this.#sorted = [];
    this.#sortedValid = true;
  }

  #addBytes(id: bigint, data: ArrayBufferView, nbytes: number): void {
    this.byView.set(data, id);
    this.usage += nbytes;
    if (this.#shared) shareBuffer(data.buffer);
    else if (holdBuffer(data.buffer)) this.#holding.add(data);
  }
  #dropBytes(data: ArrayBufferView, nbytes: number): void {
    this.byView.delete(data);
    this.usage -= nbytes;
    if (this.#holding.delete(data)) dropBuffer(data.buffer);
  }
}
