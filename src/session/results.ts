/**
 * The session's record of executed results: tileable key → its tiled form (chunk grid and keys), and
 * for every chunk how many executed results hold it (concatenate, for one, reuses its inputs' chunks).
 * A result counts as executed only while every one of its chunks is still in the store, so a chunk
 * evicted under the memory limit turns its result back into "recompute from the DAG". When the last
 * result holding a chunk is released the chunk is handed back to the store: deleted when the user
 * released the result explicitly, or — when the result was let go because no handle referenced it any
 * more — kept as an unheld cache entry (stores with `release` evict those first under the limit).
 */
import type { TileableNode } from '../dag/nodes.js';
import type { Tiled } from '../ops/op.js';
import type { ChunkStore } from '../store/chunkStore.js';
import type { ObjectStore } from '../store/objectStore.js';

/** Stores that track holders keep released chunks as evictable cache instead of deleting them. */
export interface HoldingStore extends ChunkStore {
  retain?(key: string): void;
  release?(key: string): void;
}

export interface ResultEntry {
  readonly node: TileableNode;
  readonly tiled: Tiled;
}

/** The typename and fields a result's global object gets, so it can be read back without its DAG. */
export function resultDescription(node: TileableNode, tiled: Tiled): { typename: string; fields: Record<string, unknown> } {
  const meta = node.meta as { type: string; shape?: readonly number[]; dtype?: string };
  const kind = meta.type.charAt(0).toUpperCase() + meta.type.slice(1);
  const fields: Record<string, unknown> = { type: meta.type, nsplits: tiled.nsplits.map((s) => [...s]) };
  if (meta.shape) fields.shape = [...meta.shape];
  if (meta.dtype) fields.dtype = meta.dtype;
  return { typename: `tessera::Global${kind}`, fields };
}

export class ResultRegistry {
  readonly #store: HoldingStore;
  readonly #objects: ObjectStore | undefined;
  readonly #entries = new Map<string, ResultEntry>();
  readonly #holds = new Map<string, number>();

  /** With an object store, every registered result is also a global object whose members are its chunks. */
  constructor(store: HoldingStore, objects?: ObjectStore) {
    this.#store = store;
    this.#objects = objects;
  }

  get size(): number {
    return this.#entries.size;
  }

  entry(key: string): ResultEntry | undefined {
    return this.#entries.get(key);
  }

  /** The tiled result, or undefined when it was never executed or lost a chunk to eviction. */
  lookup(key: string): Tiled | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    for (const c of e.tiled.chunks) if (!this.#store.has(c)) return undefined;
    return e.tiled;
  }

  register(node: TileableNode, tiled: Tiled): void {
    // Hold the new chunks before letting go of an older record of the same result: they may be the same.
    for (const c of tiled.chunks) {
      const n = this.#holds.get(c) ?? 0;
      this.#holds.set(c, n + 1);
      if (n === 0) this.#store.retain?.(c);
    }
    const old = this.#entries.get(node.key);
    if (old) this.#drop(old);
    this.#entries.set(node.key, { node, tiled });
    if (this.#objects) {
      const { typename, fields } = resultDescription(node, tiled);
      this.#objects.chunks.registerResult(node.key, tiled.chunks, { typename, fields: fields as never });
    }
  }

  /** The printed id of a result's global object (object store only). */
  objectId(key: string): string | undefined {
    return this.#objects?.chunks.resultId(key)?.toString();
  }

  isHeld(chunkKey: string): boolean {
    return (this.#holds.get(chunkKey) ?? 0) > 0;
  }

  /** Forgets a result; `keepAsCache` leaves its chunks in the store as evictable cache instead of deleting them. */
  release(key: string, keepAsCache = false): boolean {
    const e = this.#entries.get(key);
    if (!e) return false;
    this.#entries.delete(key);
    this.#drop(e, keepAsCache);
    return true;
  }

  #drop(e: ResultEntry, keepAsCache = false): void {
    const id = this.#objects?.chunks.resultId(e.node.key);
    // Shallow: the global record goes, its chunk members stay for the release below to hand back.
    if (id && !this.#objects!.getMeta(id).isPersist) this.#objects!.delete(id, { deep: false });
    for (const c of e.tiled.chunks) {
      const n = (this.#holds.get(c) ?? 1) - 1;
      if (n > 0) {
        this.#holds.set(c, n);
        continue;
      }
      this.#holds.delete(c);
      this.#store.release?.(c);
      if (!keepAsCache || !this.#store.release) this.#store.delete(c);
    }
  }

  keys(): IterableIterator<string> {
    return this.#entries.keys();
  }

  clear(): void {
    this.#entries.clear();
    this.#holds.clear();
  }
}
