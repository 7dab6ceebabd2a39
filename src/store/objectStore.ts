/**
 * `ObjectStore`: one session's store of immutable results, with Vineyard's semantics (ids, sealed
 * metadata, members and blobs, delete rules, persist, names, listing by typename, status) and the chunk
 * interface the executors write through (`store.chunks`, keyed by chunk key), under a memory limit.
 *
 * Accounting: `memoryUsage` is the bytes of this store's transient blobs that are in memory. Persisting
 * moves an object and everything it refers to into the shared catalog, which accounts those bytes from
 * then on; so `clear()` and `close()` always leave the store at zero bytes while persisted objects live on.
 *
 * The mechanics live next door: storeGraph (objects, blobs, members; create, delete, persist), codecs
 * (value ⇄ fields + blobs), memoryManager (LRU, pins, holds, eviction and spill), catalog (persisted
 * entries and names), chunkView (the chunk-keyed interface); this file is the public API over them.
 */
import { totalmem } from 'node:os';
import { OptionError, UnknownOptionError } from '../base/errors.js';
import { parseSize } from '../base/size.js';
import { type SharedCatalog, sharedCatalog } from './catalog.js';
import { ChunkLedger } from './chunkLedger.js';
import { ChunkView } from './chunkView.js';
import { codecForTypename, codecForValue, type Codec } from './codecs.js';
import { InvalidError, ObjectNotExistsError, StoreTypeError } from './errors.js';
import { MemoryManager } from './memoryManager.js';
import { EMPTY_BLOB_ID, MAX_INSTANCE_ID, ObjectID, allocateInstanceId, formatId } from './objectId.js';
import { BLOB_TYPENAME, type MetaBuilder, type ObjectMeta } from './objectMeta.js';
import { ObjectTable, type BlobEntry, type Entry } from './objectTable.js';
import { compilePattern } from './pattern.js';
import { prepareSpillDir } from './spillDir.js';
import { BlobWriter, StoredBlob, StoredObject } from './storedObject.js';
import { StoreGraph } from './storeGraph.js';

export interface ObjectStoreOptions {
  /** Bytes, Vineyard's size syntax ('2Gi', '512M'), or `Infinity` for no limit. Default: half of RAM. */
  readonly memoryLimit?: string | number;
  /** Where evicted chunks are spilled (created if missing); without it they are dropped and recomputed. */
  readonly spillDir?: string;
  /** 0..1023, the 10 id bits that tell instances apart. Default: the next unused one in this process. */
  readonly instanceId?: number;
  /** The catalog of persisted objects and names. Default: the process-wide `sharedCatalog()`. */
  readonly catalog?: SharedCatalog;
}

interface ResolvedStoreOptions {
  readonly memoryLimit: number;
  readonly spillDir: string | undefined;
  readonly instanceId: number;
  readonly catalog: SharedCatalog;
}

const OPTION_KEYS = ['memoryLimit', 'spillDir', 'instanceId', 'catalog'];

function resolveOptions(options: ObjectStoreOptions): ResolvedStoreOptions {
  const unknown = Object.keys(options).filter((k) => !OPTION_KEYS.includes(k));
  if (unknown.length) throw new UnknownOptionError(unknown, 'ObjectStore options', OPTION_KEYS);
  const instanceId = options.instanceId ?? allocateInstanceId();
  if (!Number.isInteger(instanceId) || instanceId < 0 || instanceId > MAX_INSTANCE_ID) {
    throw new OptionError(`instanceId must be an integer from 0 to ${MAX_INSTANCE_ID}, got ${instanceId}.`);
  }
  if (options.spillDir !== undefined) prepareSpillDir(options.spillDir);
  return {
    memoryLimit: resolveLimit(options.memoryLimit),
    spillDir: options.spillDir,
    instanceId,
    catalog: options.catalog ?? sharedCatalog(),
  };
}

function resolveLimit(limit: string | number | undefined): number {
  if (limit === undefined) return Math.floor(totalmem() / 2);
  return limit === Number.POSITIVE_INFINITY ? limit : parseSize(limit, 'memoryLimit');
}

export type IdLike = ObjectID | string;

export interface PutOptions {
  /** Store under this typename; the codec is the one whose typename is its longest prefix. */
  readonly typename?: string;
  readonly persist?: boolean;
  /** Needs `persist: true` (only persisted objects can be named). */
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
}
export interface DeleteOptions {
  readonly force?: boolean;
  readonly deep?: boolean;
}
export interface DeleteReport {
  readonly deleted: readonly ObjectID[];
  /** Objects asked for but still referenced (so not deleted), with the objects referring to them. */
  readonly kept: readonly { readonly id: ObjectID; readonly referencedBy: readonly ObjectID[] }[];
}
export interface ListOptions {
  readonly regex?: boolean;
  readonly limit?: number;
}
export interface GetNameOptions {
  readonly wait?: boolean;
  /** How long a waiting lookup parks. Default 300 000 ms (Vineyard's client timeout). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}
export interface GetNameWaitOptions extends GetNameOptions {
  readonly wait: true;
}
export interface StoreStatus {
  readonly instanceId: number;
  readonly memoryUsage: number;
  readonly memoryLimit: number;
  /** `getName(..., {wait: true})` calls of this store still parked. */
  readonly deferredRequests: number;
  /** Objects this store can see: its own (in memory or spilled) and the shared catalog's, as `list` does. */
  readonly objects: number;
  readonly blobs: number;
  /** Objects in the shared catalog (persisted by any store). */
  readonly persisted: number;
  /** Bytes persisted objects hold in the shared catalog, and the process-wide limit on them. */
  readonly persistedBytes: number;
  readonly persistLimit: number;
  /** Names in the shared catalog. */
  readonly names: number;
  readonly evictions: number;
  readonly spills: number;
  readonly restores: number;
  /** `get`s served from memory. */
  readonly hits: number;
  /** `get`s that had to read from disk or found nothing. */
  readonly misses: number;
}

const DEFAULT_NAME_TIMEOUT_MS = 300_000;

export class ObjectStore {
  /**
   * The chunk-keyed interface the session and executors use: `ChunkStore` (has/get/put/delete/pin/unpin/
   * usedBytes) plus holds, results and eviction notices. Pass `store.chunks` wherever a `ChunkStore` goes.
   */
  readonly chunks: ChunkView;
  readonly #opts: ResolvedStoreOptions;
  readonly #local = new ObjectTable();
  readonly #graph: StoreGraph;
  readonly #memory: MemoryManager;
  readonly #closer = new AbortController();
  /** This store's mark in the catalog: on what it persisted and on the names it bound. */
  readonly #tag: string;
  #deferred = 0;
  #closed = false;

  constructor(options: ObjectStoreOptions = {}) {
    this.#opts = resolveOptions(options);
    const { catalog, instanceId, memoryLimit, spillDir } = this.#opts;
    const tag = `${process.pid}-${instanceId}-${Math.random().toString(36).slice(2, 8)}`;
    this.#tag = tag;
    const lookup = (id: bigint): Entry | undefined => this.#local.get(id) ?? catalog.table.get(id);
    const ledger = new ChunkLedger((key) => ChunkView.drop(this.#graph, key));
    this.#memory = new MemoryManager({ memoryLimit, spillDir, tag, table: this.#local, lookup, ledger });
    this.#graph = new StoreGraph({ local: this.#local, catalog, memory: this.#memory, instanceId, tag });
    this.chunks = new ChunkView(this.#graph, this.#memory, ledger, {
      open: () => this.#open(),
      clear: () => this.clear(),
      usedBytes: () => this.#local.usage,
      asObject: (id) => this.getObject(id),
    });
  }

  get instanceId(): number {
    return this.#opts.instanceId;
  }
  get memoryLimit(): number {
    return this.#opts.memoryLimit;
  }
  /** Bytes of this store's transient data in memory (persisted data is the catalog's). */
  get usedBytes(): number {
    return this.#local.usage;
  }
  get closed(): boolean {
    return this.#closed;
  }

  // ---- values -------------------------------------------------------------------------------------

  /** Stores a value as a new object; `persist` and `name` publish it to other sessions. */
  put(value: unknown, options: PutOptions = {}): ObjectID {
    this.#open();
    if (options.name !== undefined && !options.persist) {
      throw new InvalidError(
        `put(value, {name: '${options.name}'}) needs persist: true — only persisted objects can be named (a transient ` +
          `object disappears with its session, and its name would dangle).`,
      );
    }
    if (options.name !== undefined) this.#opts.catalog.assertNameFree(options.name);
    const codec = options.typename === undefined ? codecForValue(value) : codecByTypename(options.typename, value);
    const id = this.#graph.storeValue(codec, value, { typename: options.typename, labels: options.labels });
    if (options.persist) this.#graph.persist(id);
    if (options.name !== undefined) this.#opts.catalog.bindName(options.name, id, false, this.#tag);
    return ObjectID.fromBigInt(id);
  }

  /** The value of an object (or a blob's bytes); objects no codec resolves come back as `StoredObject`s. */
  get(target: IdLike | { readonly name: string }): unknown {
    this.#open();
    const id = typeof target === 'object' && !(target instanceof ObjectID) ? this.#nameToId(target.name) : toBigInt(target);
    return this.#graph.valueOf(id, (oid) => this.getObject(oid));
  }

  /** Creates an object from a builder (Vineyard `create_metadata`); nested builders are created too. */
  create(builder: MetaBuilder): ObjectMeta {
    this.#open();
    return this.#graph.create(builder);
  }

  /** A writer for a new blob of `size` bytes; sealing a zero-size one gives the shared empty blob. */
  createBlob(size: number): BlobWriter {
    this.#open();
    if (!Number.isInteger(size) || size < 0) throw new InvalidError(`A blob size must be a non-negative integer, got ${size}.`);
    return new BlobWriter(size, (bytes) => {
      this.#open();
      return ObjectID.fromBigInt(this.#graph.sealBlob(bytes));
    });
  }

  // ---- metadata -----------------------------------------------------------------------------------

  exists(id: IdLike): boolean {
    this.#open();
    return this.#graph.visible(toBigInt(id)) !== undefined;
  }
  getMeta(id: IdLike): ObjectMeta {
    this.#open();
    return this.#graph.require(toBigInt(id)).meta;
  }
  /** All or nothing: the first missing id is an `ObjectNotExists` naming it. */
  getMetas(ids: readonly IdLike[]): ObjectMeta[] {
    return ids.map((id) => this.getMeta(id));
  }
  getObject(id: IdLike): StoredObject {
    this.#open();
    const v = toBigInt(id);
    const entry = this.#graph.require(v);
    const resolve = (member: ObjectID): StoredObject => this.getObject(member);
    if (entry.kind === 'object') return new StoredObject(entry.meta, resolve);
    return new StoredBlob(entry.meta, resolve, () => this.#graph.blobBytes(v, this.#graph.require(v) as BlobEntry));
  }
  getObjects(ids: readonly IdLike[]): StoredObject[] {
    return ids.map((id) => this.getObject(id));
  }

  /**
   * Metas of the objects whose **typename** matches (fnmatch glob, or a full-match regex), oldest first;
   * blobs follow when there is room and the pattern glob-matches `tessera::Blob`. Invalid regex → `[]`.
   */
  list(pattern: string, options: ListOptions = {}): ObjectMeta[] {
    this.#open();
    const limit = options.limit ?? 5;
    const matches = compilePattern(pattern, options.regex ?? false);
    if (!matches) return [];
    const out: ObjectMeta[] = [];
    const ids = (): Generator<bigint> => mergeSorted(this.#local.sortedIds(), this.#opts.catalog.table.sortedIds());
    for (const id of ids()) {
      if (out.length >= limit) return out;
      const e = this.#graph.visible(id);
      if (e?.kind === 'object' && matches(e.meta.typename)) out.push(e.meta);
    }
    if (!compilePattern(pattern, false)?.(BLOB_TYPENAME)) return out;
    for (const id of ids()) {
      if (out.length >= limit) break;
      const e = this.#graph.visible(id);
      if (e?.kind === 'blob' && id !== EMPTY_BLOB_ID.value) out.push(e.meta);
    }
    return out;
  }

  /** Sets one label (or several); the only change an object's meta allows after sealing. */
  label(id: IdLike, key: string, value: string): void;
  label(id: IdLike, labels: Readonly<Record<string, string>>): void;
  label(id: IdLike, key: string | Readonly<Record<string, string>>, value?: string): void {
    this.#open();
    this.#graph.setLabels(toBigInt(id), checkedLabels(key, value));
  }

  /** A new object sharing the members and data of `id`, plus extra primitive fields. */
  shallowCopy(id: IdLike, extraMeta: Readonly<Record<string, unknown>> = {}): ObjectID {
    this.#open();
    return ObjectID.fromBigInt(this.#graph.shallowCopy(toBigInt(id), extraMeta));
  }

  // ---- lifecycle ----------------------------------------------------------------------------------

  /**
   * Vineyard's delete rules (force=false, deep=true by default), and a report of what went and what was
   * kept because other objects still refer to it. Deleting an object also drops its names.
   */
  delete(ids: IdLike | readonly IdLike[], options: DeleteOptions = {}): DeleteReport {
    this.#open();
    const list = (Array.isArray(ids) ? ids : [ids]) as readonly IdLike[];
    const plan = this.#graph.delete(list.map(toBigInt), options.force ?? false, options.deep ?? true);
    return {
      deleted: plan.deleted.map((v) => ObjectID.fromBigInt(v)),
      kept: plan.kept.map((k) => ({ id: ObjectID.fromBigInt(k.id), referencedBy: k.referencedBy.map((r) => ObjectID.fromBigInt(r)) })),
    };
  }

  /** Publishes an object and everything it refers to in the shared catalog (idempotent). */
  persist(id: IdLike): void {
    this.#open();
    this.#graph.persist(toBigInt(id));
  }

  /**
   * Drops every transient object of this store (usage → 0). Persisted objects and names stay unless asked:
   * `includePersisted` also deletes what this store persisted (with every name bound to it, whoever bound
   * it) and unbinds the names this store bound to other stores' objects, which stay.
   */
  clear(options: { readonly includePersisted?: boolean } = {}): void {
    this.#open();
    this.#graph.clear(options.includePersisted ?? false);
  }

  /** Clears the store and ends it; parked name lookups reject. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.clear();
    this.#closed = true;
    this.#memory.close();
    this.#closer.abort(new InvalidError('The object store was closed while this name lookup was waiting.'));
  }

  status(): StoreStatus {
    this.#open();
    let objects = 0;
    let blobs = 0;
    for (const e of this.#local.entries.values()) {
      if (e.kind === 'blob') blobs++;
      else if (e.residency !== 'dropped') objects++;
    }
    const catalog = this.#opts.catalog.status();
    return {
      instanceId: this.#opts.instanceId,
      memoryUsage: this.#local.usage,
      memoryLimit: this.#opts.memoryLimit,
      deferredRequests: this.#deferred,
      objects: objects + catalog.objects,
      blobs: blobs + catalog.blobs,
      persisted: catalog.objects,
      persistedBytes: catalog.memoryUsage,
      persistLimit: catalog.persistLimit,
      names: catalog.names,
      ...this.#memory.counters,
    };
  }

  // ---- names --------------------------------------------------------------------------------------

  /** Names a persisted object in the shared catalog; rebinding a name needs `{overwrite: true}`. */
  putName(id: IdLike, name: string, options: { readonly overwrite?: boolean } = {}): void {
    this.#open();
    const v = toBigInt(id);
    const entry = this.#graph.visible(v);
    if (!entry) throw new ObjectNotExistsError(`Cannot name ${formatId(v)} '${name}': no such object in this store or the shared catalog.`);
    if (entry.kind === 'blob') throw new InvalidError(`blobs cannot have name (${formatId(v)}, name '${name}'); name an object that has it as a member.`);
    if (this.#graph.isLocal(v)) {
      throw new InvalidError(`transient objects cannot have name, please persist it first (${formatId(v)}, name '${name}'; call store.persist(id)).`);
    }
    this.#opts.catalog.bindName(name, v, options.overwrite ?? false, this.#tag);
  }

  /**
   * The id bound to `name`. Without `wait` a missing name is an immediate `ObjectNotExists`; with it the
   * lookup parks (counted in `status().deferredRequests`) until any store binds the name, the timeout
   * passes or the signal aborts.
   */
  getName(name: string, options?: { readonly wait?: false }): ObjectID;
  getName(name: string, options: GetNameWaitOptions): Promise<ObjectID>;
  getName(name: string, options: GetNameOptions): ObjectID | Promise<ObjectID>;
  getName(name: string, options: GetNameOptions = {}): ObjectID | Promise<ObjectID> {
    this.#open();
    const bound = this.#opts.catalog.lookupName(name);
    if (!options.wait) {
      if (bound === undefined) throw this.#noName(name);
      return ObjectID.fromBigInt(bound);
    }
    if (bound !== undefined) return Promise.resolve(ObjectID.fromBigInt(bound));
    const signals = [this.#closer.signal, ...(options.signal ? [options.signal] : [])];
    this.#deferred++;
    const parked = this.#opts.catalog.waitForName(name, { timeoutMs: options.timeoutMs ?? DEFAULT_NAME_TIMEOUT_MS, signals });
    return parked
      .then((id) => ObjectID.fromBigInt(id))
      .finally(() => {
        this.#deferred--;
      });
  }

  /** Unbinds a name; a name that is not bound is a no-op. */
  dropName(name: string): void {
    this.#open();
    this.#opts.catalog.unbindName(name);
  }

  /** Names matching the pattern (glob or full-match regex), sorted, at most `limit` (default 5). */
  listNames(pattern: string, options: ListOptions = {}): Map<string, ObjectID> {
    this.#open();
    return this.#opts.catalog.listNames(pattern, options.regex ?? false, options.limit ?? 5);
  }

  #nameToId(name: string): bigint {
    const id = this.#opts.catalog.lookupName(name);
    if (id === undefined) throw this.#noName(name);
    return id;
  }
  #noName(name: string): ObjectNotExistsError {
    return new ObjectNotExistsError(
      `No object is named '${name}'. Names are bound with putName after persist; pass {wait: true} to wait for another session to bind it.`,
    );
  }
  #open(): void {
    if (this.#closed) throw new InvalidError('This object store was closed; create a new ObjectStore.');
  }
}

function toBigInt(id: IdLike): bigint {
  return (id instanceof ObjectID ? id : ObjectID.parse(id)).value;
}

function codecByTypename(typename: string, value: unknown): Codec {
  const codec = codecForTypename(typename);
  if (!codec) throw new StoreTypeError(`No codec stores values as '${typename}': its typename must start with a registered codec's typename.`);
  if (codec.match(value) <= 0) {
    throw new StoreTypeError(`The ${codec.typename} codec (chosen for typename '${typename}') cannot store this value.`);
  }
  return codec;
}

/** Two ascending id lists as one ascending sequence. */
function* mergeSorted(a: readonly bigint[], b: readonly bigint[]): Generator<bigint> {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) yield a[i++]!;
    else yield b[j++]!;
  }
}

/**
 * `label(id, key, value)` / `label(id, labels)`'s labels, checked the same way by the local store and a
 * remote one (JSON would drop an undefined value without a word).
 */
export function checkedLabels(key: string | Readonly<Record<string, string>>, value?: string): Readonly<Record<string, string>> {
  const labels: unknown = typeof key === 'string' ? { [key]: value } : key;
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new InvalidError(`Labels must be a key and a string value or an object of strings, got ${labels === null ? 'null' : typeof labels}.`);
  }
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string') throw new InvalidError(`Label '${k}' must be a string, got ${typeof v}.`);
  }
  return labels as Readonly<Record<string, string>>;
}
