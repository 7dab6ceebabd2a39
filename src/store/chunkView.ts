/**
 * `store.chunks`: the object store as the engine sees it, keyed by chunk key. It is the `ChunkStore` the
 * executors write through — every computed chunk becomes one object (typename from its codec, e.g.
 * `tessera::Tensor`), and a chunk keeps its object id across eviction and recompute — plus what the
 * session needs on top: holds (`retain`/`release`: how many live handles use a chunk), results (a
 * global object per executed tileable whose members are its chunk objects), `infos` for `fetchInfos`,
 * and eviction notices.
 *
 * Semantics the session can rely on:
 * - `pin`/`unpin` and `retain`/`release` count per key in the store's one `ChunkLedger`: they nest, may
 *   precede the chunk's `put` and never go below zero. Releasing the last hold deletes the chunk (unless
 *   asked to keep it as cache); `delete(key)` keeps a held chunk; either waits for the last unpin when
 *   the chunk is pinned. Deleting by object id (the Vineyard API) is the user's explicit act and does
 *   not wait.
 * - Under memory pressure, unpinned transient chunks are evicted: unheld ones first (LRU), then held
 *   ones. Spilled chunks come back on `get`; dropped ones make `has` false and `get` throw
 *   `ObjectNotExists`, and every `onEvict` listener hears `(key, 'spilled' | 'dropped')`.
 * - Deleting a chunk keeps its object while another object (a registered result) still has it as a
 *   member; for a persisted chunk it only forgets the key, since the catalog's copy belongs to every
 *   session.
 */
import type { ChunkLedger } from './chunkLedger.js';
import type { ChunkStore } from './chunkStore.js';
import { codecForValue } from './codecs.js';
import { ObjectNotExistsError } from './errors.js';
import type { EvictListener, MemoryManager } from './memoryManager.js';
import { ObjectID } from './objectId.js';
import type { JsonValue } from './objectMeta.js';
import type { StoreGraph } from './storeGraph.js';

export type ChunkLevel = 'memory' | 'disk';

export interface ChunkInfo {
  readonly key: string;
  /** Printed object id, `o` + 16 hex digits. */
  readonly objectId: string;
  readonly nbytes: number;
  readonly level: ChunkLevel;
  readonly typename: string;
  readonly persisted: boolean;
  /** From the object's fields, for tensors. */
  readonly shape?: readonly number[];
  readonly dtype?: string;
}

export interface ResultOptions {
  /** Default `tessera::GlobalObject`. */
  readonly typename?: string;
  readonly fields?: Readonly<Record<string, JsonValue>>;
}

interface ViewHooks {
  open(): void;
  clear(): void;
  usedBytes(): number;
  asObject(id: ObjectID): unknown;
}

export class ChunkView implements ChunkStore {
  readonly #graph: StoreGraph;
  readonly #memory: MemoryManager;
  readonly #ledger: ChunkLedger;
  readonly #hooks: ViewHooks;
  /** Tileable key → its registered global object. */
  readonly #results = new Map<string, bigint>();

  constructor(graph: StoreGraph, memory: MemoryManager, ledger: ChunkLedger, hooks: ViewHooks) {
    this.#graph = graph;
    this.#memory = memory;
    this.#ledger = ledger;
    this.#hooks = hooks;
  }

  has(key: string): boolean {
    this.#hooks.open();
    const id = this.#graph.chunkId(key);
    return id !== undefined && this.#graph.visible(id) !== undefined;
  }

  /** The chunk's value (restored from disk if it was spilled); marks it as recently used. */
  get(key: string): unknown {
    this.#hooks.open();
    const id = this.#graph.chunkId(key);
    const entry = id === undefined ? undefined : this.#graph.visible(id);
    if (id === undefined || !entry) {
      this.#memory.counters.misses++;
      throw new ObjectNotExistsError(
        id === undefined
          ? `No chunk with key ${key} is in the store (never computed, or deleted).`
          : `Chunk ${key} was evicted under the memory limit and dropped; recompute it from the DAG.`,
      );
    }
    return this.#graph.valueOf(id, (oid) => this.#hooks.asObject(oid));
  }

  /** Stores a chunk's value; a key stored before keeps its object id. May throw `NotEnoughMemory`. */
  put(key: string, value: unknown): void {
    this.#hooks.open();
    const codec = codecForValue(value);
    const id = this.#graph.chunkId(key);
    const reuse = id !== undefined && this.#graph.isLocal(id) ? id : undefined;
    this.#graph.storeValue(codec, value, { chunkKey: key, ...(reuse !== undefined ? { reuse } : {}) });
  }

  /** Deletes the chunk unless it is held; a pinned one goes at its last unpin. */
  delete(key: string): void {
    this.#hooks.open();
    this.#ledger.dispose(key);
  }

  /** The ledger's deletion: what `delete` does once nothing holds or pins the chunk. */
  static drop(graph: StoreGraph, key: string): void {
    const id = graph.chunkId(key);
    if (id === undefined) return;
    if (!graph.isLocal(id)) graph.unmapChunk(key);
    else graph.delete([id], false, true);
  }

  get usedBytes(): number {
    return this.#hooks.usedBytes();
  }

  /**
   * Counts `bytes` kept outside the store (a run's intermediates, held by the session's run store)
   * against the memory limit: evicts like a put would, or throws `NotEnoughMemory`.
   */
  reserve(bytes: number, what: string): void {
    this.#hooks.open();
    this.#memory.reserveExternal(bytes, what);
  }

  unreserve(bytes: number): void {
    this.#memory.releaseExternal(bytes);
  }

  pin(key: string): void {
    this.#hooks.open();
    this.#ledger.pin(key);
  }
  /** Unpinning a key that is not pinned is a no-op; the last unpin of a doomed chunk deletes it. */
  unpin(key: string): void {
    this.#hooks.open();
    this.#ledger.unpin(key);
  }
  /** One more holder (a result, a run's target) needs the chunk; returns how many do. */
  retain(key: string): number {
    this.#hooks.open();
    return this.#ledger.retain(key);
  }
  /**
   * One holder fewer; returns how many remain. At zero the chunk is deleted (at its last unpin if it is
   * pinned), or with `keepCached` stays as unheld cache: evicted first under the memory limit.
   */
  release(key: string, options: { readonly keepCached?: boolean } = {}): number {
    this.#hooks.open();
    return this.#ledger.release(key, options.keepCached ?? false);
  }
  holds(key: string): number {
    return this.#ledger.holds(key);
  }
  pins(key: string): number {
    return this.#ledger.pins(key);
  }
  /** The same as the store's `clear()`. */
  clear(): void {
    this.#hooks.clear();
  }

  /** Listens for evictions; returns the function that stops listening. */
  onEvict(listener: EvictListener): () => void {
    this.#hooks.open();
    return this.#memory.onEvict(listener);
  }

  /**
   * Records an executed tileable as a global object whose members (`chunk-0`, `chunk-1`, ...) are its chunk
   * objects. Registering the same chunks again returns the same id; different chunks replace the record.
   */
  registerResult(tileableKey: string, chunkKeys: readonly string[], options: ResultOptions = {}): ObjectID {
    this.#hooks.open();
    const members = new Map<string, bigint>();
    chunkKeys.forEach((key, i) => {
      const id = this.#graph.chunkId(key);
      if (id === undefined || !this.#graph.visible(id)) {
        throw new ObjectNotExistsError(`Cannot register result ${tileableKey}: its chunk ${key} is not in the store (execute it first).`);
      }
      members.set(`chunk-${i}`, id);
    });
    const previous = this.#resultId(tileableKey);
    if (previous !== undefined) {
      const old = Object.values(this.#graph.lookup(previous)!.meta.members).map((m) => m.value);
      if (old.length === members.size && [...members.values()].every((m, i) => m === old[i])) return ObjectID.fromBigInt(previous);
      this.#graph.delete([previous], false, false);
    }
    const fields = { ...options.fields, tileableKey, chunkKeys: [...chunkKeys] };
    const id = this.#graph.createGlobal(options.typename ?? 'tessera::GlobalObject', fields, members);
    this.#results.set(tileableKey, id);
    return ObjectID.fromBigInt(id);
  }

  /** The global object registered for a tileable, if it still exists. */
  resultId(tileableKey: string): ObjectID | undefined {
    this.#hooks.open();
    const id = this.#resultId(tileableKey);
    return id === undefined ? undefined : ObjectID.fromBigInt(id);
  }

  /**
   * Where each chunk is and how big: for a registered tileable key (string) or a list of chunk keys.
   * With `fields`, each info has only those fields.
   */
  infos(target: string | readonly string[]): ChunkInfo[];
  infos<F extends keyof ChunkInfo>(target: string | readonly string[], fields: readonly F[]): Pick<ChunkInfo, F>[];
  infos(target: string | readonly string[], fields?: readonly (keyof ChunkInfo)[]): Partial<ChunkInfo>[] {
    this.#hooks.open();
    const keys = typeof target === 'string' ? this.#chunkKeysOf(target) : target;
    return keys.map((key) => {
      const info = this.#info(key);
      if (!fields) return info;
      return Object.fromEntries(fields.filter((f) => f in info).map((f) => [f, info[f]])) as Partial<ChunkInfo>;
    });
  }

  #info(key: string): ChunkInfo {
    const id = this.#graph.chunkId(key);
    if (id === undefined) throw new ObjectNotExistsError(`No chunk with key ${key} is in the store.`);
    const entry = this.#graph.require(id);
    const { meta } = entry;
    const shape = meta.get('shape');
    const dtype = meta.get('dtype');
    return {
      key,
      objectId: meta.id.toString(),
      nbytes: meta.nbytes,
      level: entry.kind === 'object' && entry.residency === 'disk' ? 'disk' : 'memory',
      typename: meta.typename,
      persisted: meta.isPersist,
      ...(Array.isArray(shape) ? { shape: shape as readonly number[] } : {}),
      ...(typeof dtype === 'string' ? { dtype } : {}),
    };
  }

  #chunkKeysOf(tileableKey: string): readonly string[] {
    const id = this.#resultId(tileableKey);
    if (id === undefined) {
      throw new ObjectNotExistsError(`No result is registered for tileable ${tileableKey} (not executed in this session, or released).`);
    }
    return this.#graph.lookup(id)!.meta.get('chunkKeys') as readonly string[];
  }

  #resultId(tileableKey: string): bigint | undefined {
    const id = this.#results.get(tileableKey);
    if (id !== undefined && !this.#graph.lookup(id)) {
      this.#results.delete(tileableKey);
      return undefined;
    }
    return id;
  }
}
