/**
 * The object graph behind one `ObjectStore`: creating objects and blobs, linking members to referrers,
 * resolving values, deleting, persisting and copying. It keeps the invariants documented in
 * objectTable.ts while entries move between the store's own table and the shared catalog, and it is the
 * only code that mutates entries (the memory manager aside, which only evicts and restores).
 *
 * Every mutation that can fail (a value that does not fit, a bad builder) checks first and commits after,
 * so a failure leaves the store as it was.
 */
import { exposeBuffer, exposeValue } from '../base/bufferHolds.js';
import type { SharedCatalog } from './catalog.js';
import { codecForTypename, type Codec } from './codecs.js';
import { planDelete, type DeleteGraph, type DeletePlan } from './deletion.js';
import {
  AssertionFailedError,
  GlobalObjectInvalidError,
  MetaTreeInvalidError,
  ObjectNotExistsError,
  StoreTypeError,
} from './errors.js';
import type { MemoryManager } from './memoryManager.js';
import { EMPTY_BLOB_ID, ObjectID, formatId, formatSignature, isBlobId, mintId, signatureOfKey } from './objectId.js';
import { BLOB_TYPENAME, MetaBuilder, ObjectMeta, SEAL_BUILDER, blobMeta, frozenJson, type JsonValue } from './objectMeta.js';
import type { BlobEntry, Entry, ObjectEntry, ObjectTable } from './objectTable.js';
import { readSpilled, releaseSpilled } from './spill.js';
import { viewKind } from './views.js';

export interface StoreGraphConfig {
  readonly local: ObjectTable;
  readonly catalog: SharedCatalog;
  readonly memory: MemoryManager;
  readonly instanceId: number;
  /** Marks what this store persisted in the catalog. */
  readonly tag: string;
}

interface NewObject {
  readonly typename: string;
  readonly fields: Readonly<Record<string, JsonValue>>;
  readonly members: ReadonlyMap<string, bigint>;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly global?: boolean;
  readonly transient?: boolean;
  readonly signature?: string;
  readonly chunkKey?: string | undefined;
}

export class StoreGraph {
  readonly #cfg: StoreGraphConfig;
  /** Chunk key → the object holding it (an id stays with its key across eviction and recompute). */
  readonly #keys = new Map<string, bigint>();

  constructor(config: StoreGraphConfig) {
    this.#cfg = config;
  }

  lookup(id: bigint): Entry | undefined {
    return this.#cfg.local.get(id) ?? this.#cfg.catalog.table.get(id);
  }
  isLocal(id: bigint): boolean {
    return this.#cfg.local.entries.has(id);
  }
  /** The entry when its data exists (in memory or on disk); dropped chunks do not count. */
  visible(id: bigint): Entry | undefined {
    const e = this.lookup(id);
    return e && !(e.kind === 'object' && e.residency === 'dropped') ? e : undefined;
  }
  require(id: bigint): Entry {
    const e = this.lookup(id);
    if (e && !(e.kind === 'object' && e.residency === 'dropped')) return e;
    if (e) {
      throw new ObjectNotExistsError(
        `Object ${formatId(id)} (chunk ${e.meta.chunkKey}) was evicted under the memory limit and dropped; ` +
          `recompute it (execute the result again) or give the store a spillDir so evictions are spilled instead.`,
      );
    }
    throw new ObjectNotExistsError(
      `Object ${formatId(id)} does not exist in this store or the shared catalog (never created, deleted, or private to another session).`,
    );
  }

  /** The object id holding a chunk key, if the key is mapped and its object still exists. */
  chunkId(key: string): bigint | undefined {
    const id = this.#keys.get(key);
    if (id === undefined) return undefined;
    if (this.lookup(id)) return id;
    this.#keys.delete(key);
    return undefined;
  }
  unmapChunk(key: string): void {
    this.#keys.delete(key);
  }

  /**
   * Encodes and stores a value. With `reuse`, the object with that id (a chunk being recomputed or
   * replaced) is replaced in place, keeping its id and its referrers.
   */
  storeValue(
    codec: Codec,
    value: unknown,
    options: { typename?: string | undefined; labels?: Readonly<Record<string, string>> | undefined; chunkKey?: string; reuse?: bigint },
  ): bigint {
    const { local, catalog, memory } = this.#cfg;
    const encoded = codec.encode(value);
    const fields = frozenJson(encoded.fields, 'fields') as Readonly<Record<string, JsonValue>>;
    const existing = new Map<string, bigint>();
    const fresh = new Map<string, ArrayBufferView>();
    let bytes = 0;
    for (const [name, view] of encoded.blobs) {
      const id = local.byView.get(view) ?? catalog.table.byView.get(view);
      if (id !== undefined) existing.set(name, id);
      else {
        fresh.set(name, view);
        bytes += view.byteLength;
      }
    }
    const old = options.reuse === undefined ? undefined : (local.get(options.reuse) as ObjectEntry | undefined);
    const claimed = this.#blobsOf(existing.values());
    const released = old?.residency === 'memory' ? this.#blobsOf(old.meta.memberValues()) : [];
    // While making room, count the new object as a user of the blobs it shares (so they cannot be evicted
    // from under it) and the object it replaces as gone (so blobs it shares with others can be).
    for (const b of claimed) b.residentRefs++;
    for (const b of released) b.residentRefs--;
    try {
      // A blob of the old object leaves memory when nothing else uses it, or — with a spill directory —
      // when only spilled objects do (`settle` writes it out below): a chunk replaced while its shared
      // blob's other user was on disk otherwise failed for want of room that was about to be freed.
      const leaves = (b: BlobEntry): boolean => b.residentRefs === 0 && (b.referrers.size === 1 || memory.spillsOrphans);
      const freedByOld = released.reduce((n, b) => (b.data && leaves(b) ? n + b.meta.nbytes : n), 0);
      const what = options.chunkKey !== undefined ? `chunk ${options.chunkKey}` : `a ${codec.typename}`;
      memory.ensureRoom(bytes - freedByOld, new Set(options.reuse === undefined ? [] : [options.reuse]), `putting ${what}`);
    } finally {
      for (const b of claimed) b.residentRefs--;
      for (const b of released) b.residentRefs++;
    }
    const referrers = old ? old.referrers : new Set<bigint>();
    if (old) this.#discard(options.reuse!, old, new Set(existing.values()));
    const members = new Map(existing);
    for (const [name, view] of fresh) members.set(name, this.#addBlob(view));
    const id = options.reuse ?? mintId(this.#cfg.instanceId, false);
    const meta = this.#meta(id, {
      typename: options.typename ?? codec.typename,
      fields,
      members,
      labels: options.labels,
      chunkKey: options.chunkKey,
      ...(options.chunkKey !== undefined ? { signature: signatureOfKey(options.chunkKey) } : {}),
    });
    this.#insertObject(local, id, meta, { value: encoded.value, layout: encoded.layout, resolved: true, referrers });
    if (options.chunkKey !== undefined) {
      this.#keys.set(options.chunkKey, id);
      memory.touch(id, options.chunkKey);
    }
    return id;
  }

  /** Vineyard `create_metadata`: checks the builder, creates nested builders, then the object. */
  create(builder: MetaBuilder): ObjectMeta {
    // What can be checked before anything is created is checked while the builder is still unsealed.
    const draft = builder[SEAL_BUILDER]((d) => {
      if (d.typename === undefined || d.typename === '') throw new MetaTreeInvalidError("No 'typename' field in incoming metadata");
      if (d.typename === BLOB_TYPENAME) {
        throw new AssertionFailedError(`Metadata cannot have typename ${BLOB_TYPENAME}: blobs are made with store.createBlob(size).`);
      }
      for (const [name, m] of d.members) if (!(m instanceof MetaBuilder)) this.#checkMember(name, idOf(m), d.global);
    });
    const created: bigint[] = [];
    try {
      const members = new Map<string, bigint>();
      for (const [name, m] of draft.members) {
        if (!(m instanceof MetaBuilder)) {
          members.set(name, idOf(m));
          continue;
        }
        const id = this.create(m).id.value;
        created.push(id);
        this.#checkMember(name, id, draft.global);
        members.set(name, id);
      }
      const id = mintId(this.#cfg.instanceId, false);
      const meta = this.#meta(id, { typename: draft.typename!, fields: draft.fields, members, labels: draft.labels, global: draft.global });
      this.#insertObject(this.#cfg.local, id, meta, { value: undefined, layout: undefined, resolved: false, referrers: new Set() });
      return meta;
    } catch (err) {
      // Nested objects created for a parent that could not be made go with it.
      this.remove(planDelete(this.deleteGraph(), created, false, true).deleted);
      throw err;
    }
  }

  /** A global object over existing members (a result made of chunks); Vineyard's two global rules apply. */
  createGlobal(typename: string, fields: Readonly<Record<string, JsonValue>>, members: ReadonlyMap<string, bigint>): bigint {
    for (const [name, m] of members) this.#checkMember(name, m, true);
    const id = mintId(this.#cfg.instanceId, false);
    const meta = this.#meta(id, { typename, fields: frozenJson(fields, 'fields') as Record<string, JsonValue>, members, global: true });
    this.#insertObject(this.#cfg.local, id, meta, { value: undefined, layout: undefined, resolved: false, referrers: new Set() });
    return id;
  }

  sealBlob(bytes: Uint8Array): bigint {
    if (bytes.byteLength === 0) return EMPTY_BLOB_ID.value;
    this.#cfg.memory.ensureRoom(bytes.byteLength, new Set(), 'sealing a blob');
    return this.#addBlob(bytes);
  }

  /** What `get` returns for an object or blob, restoring spilled data first. */
  valueOf(id: bigint, asObject: (id: ObjectID) => unknown): unknown {
    const value = this.#valueOf(id, asObject);
    // Past the store, the value's memory may be read by anyone (unless this read is a task's or a copy's).
    exposeValue(value);
    return value;
  }

  #valueOf(id: bigint, asObject: (id: ObjectID) => unknown): unknown {
    const entry = this.require(id);
    const { memory } = this.#cfg;
    if (entry.kind === 'blob') return this.blobBytes(id, entry);
    if (entry.residency === 'disk') {
      memory.counters.misses++;
      memory.restore(id, entry);
    } else {
      memory.counters.hits++;
      if (entry.meta.chunkKey !== undefined && this.isLocal(id)) memory.touch(id, entry.meta.chunkKey);
    }
    if (entry.resolved) return entry.value;
    const codec = entry.meta.global ? undefined : codecForTypename(entry.meta.typename);
    if (!codec) return asObject(entry.meta.id);
    entry.value = this.#decode(codec, entry);
    entry.resolved = true;
    return entry.value;
  }

  /** A blob's bytes: the stored array itself, or a copy read from its spill file. */
  blobBytes(id: bigint, entry: BlobEntry): ArrayBufferView {
    if (entry.data) {
      exposeBuffer(entry.data.buffer);
      return entry.data;
    }
    if (!entry.spill) throw new ObjectNotExistsError(`The bytes of blob ${formatId(id)} were dropped with the chunk that held them.`);
    return readSpilled(entry.spill, entry.meta.fields['kind'] as string, entry.meta.nbytes);
  }

  /** The view `planDelete` needs: what this store can see, and the member/referrer edges. */
  deleteGraph(): DeleteGraph {
    return {
      known: (id) => id !== EMPTY_BLOB_ID.value && this.lookup(id) !== undefined,
      referrers: (id) => this.lookup(id)?.referrers ?? [],
      members: (id) => {
        const e = this.lookup(id);
        return e?.kind === 'object' && e.residency !== 'dropped' ? e.meta.memberValues() : [];
      },
      isBlob: isBlobId,
    };
  }

  delete(ids: readonly bigint[], force: boolean, deep: boolean): DeletePlan {
    const plan = planDelete(this.deleteGraph(), ids, force, deep);
    this.remove(plan.deleted);
    return plan;
  }

  /** Removes entries outright, referrers before members (as `planDelete` orders them). */
  remove(ids: readonly bigint[]): void {
    const { local, catalog, memory } = this.#cfg;
    const released: bigint[] = [];
    for (const id of ids) {
      const entry = this.lookup(id);
      if (!entry || id === EMPTY_BLOB_ID.value) continue;
      const table = local.entries.has(id) ? local : catalog.table;
      if (entry.kind === 'object') {
        released.push(...this.#unlink(id, entry));
        memory.forget(id);
        const key = entry.meta.chunkKey;
        if (key !== undefined && this.#keys.get(key) === id) this.#keys.delete(key);
      } else if (entry.spill) {
        releaseSpilled(entry.spill);
      }
      catalog.dropNamesOf(id);
      catalog.persistedBy.delete(id);
      table.remove(id);
    }
    memory.settle(released);
  }

  /** Moves an object and every transient object and blob it reaches into the shared catalog. */
  persist(id: bigint): void {
    const entry = this.require(id);
    if (entry.kind === 'blob') throw new AssertionFailedError(`The blobs cannot be persisted (${formatId(id)}); persist an object that has it as a member.`);
    const { local, catalog, memory, tag } = this.#cfg;
    const tree = new Set<bigint>();
    const walk = (v: bigint): void => {
      if (!local.entries.has(v) || tree.has(v)) return;
      this.require(v);
      tree.add(v);
      const e = local.get(v)!;
      if (e.kind === 'object') for (const m of e.meta.memberValues()) walk(m);
    };
    walk(id);
    let bytes = 0;
    for (const v of tree) {
      const e = local.get(v)!;
      if (e.kind === 'blob') bytes += e.meta.nbytes;
    }
    catalog.assertRoom(bytes, `${formatId(id)} (${entry.meta.typename})`);
    for (const v of tree) {
      const e = local.get(v)!;
      if (e.kind === 'object' && e.residency === 'disk') memory.restore(v, e, tree);
    }
    for (const v of tree) {
      const e = local.remove(v)!;
      if (e.kind === 'object') {
        e.meta = e.meta.with({ transient: false });
        memory.forget(v);
      }
      catalog.table.insert(v, e);
      catalog.persistedBy.set(v, tag);
    }
  }

  /** A new object with the same members and data (Vineyard A.3 #27); extra fields must be primitives. */
  shallowCopy(id: bigint, extra: Readonly<Record<string, unknown>>): bigint {
    const entry = this.require(id);
    if (entry.kind === 'blob') throw new AssertionFailedError(`The blobs cannot be shallow copied (${formatId(id)}).`);
    for (const [k, v] of Object.entries(extra)) {
      if (!(v === null || ['string', 'number', 'boolean'].includes(typeof v))) {
        throw new AssertionFailedError(
          `Extra metadata for shallowCopy must be primitives (string, number, boolean, null); '${k}' is a ${typeof v}.`,
        );
      }
    }
    if (entry.residency === 'disk') this.#cfg.memory.restore(id, entry);
    const copy = mintId(this.#cfg.instanceId, false);
    const source = entry.meta;
    const members = new Map(Object.entries(source.members).map(([k, v]) => [k, v.value]));
    const meta = this.#meta(copy, {
      typename: source.typename,
      fields: Object.freeze({ ...source.fields, ...(frozenJson(extra, 'extra') as Record<string, JsonValue>) }),
      members,
      labels: source.labels,
      global: source.global,
      transient: source.transient,
      signature: source.signature,
    });
    const reuse = Object.keys(extra).length === 0 && entry.resolved;
    const table = source.transient ? this.#cfg.local : this.#cfg.catalog.table;
    this.#insertObject(table, copy, meta, { value: reuse ? entry.value : undefined, layout: entry.layout, resolved: reuse, referrers: new Set() });
    if (!source.transient) this.#cfg.catalog.persistedBy.set(copy, this.#cfg.tag);
    return copy;
  }

  setLabels(id: bigint, labels: Readonly<Record<string, string>>): void {
    const entry = this.require(id);
    entry.meta = entry.meta.with({ labels: { ...entry.meta.labels, ...labels } });
  }

  /** Drops every transient entry (and, when asked, what this store persisted), leaving zero bytes. */
  clear(includePersisted: boolean): void {
    const { local, catalog, memory, tag } = this.#cfg;
    for (const [id, entry] of local.entries) {
      if (entry.kind === 'object') {
        // Only links into the catalog outlive the table; links inside it go with it.
        for (const m of entry.residency === 'dropped' ? [] : entry.meta.memberValues()) {
          const target = catalog.table.get(m);
          if (!target) continue;
          target.referrers.delete(id);
          if (target.kind === 'blob' && entry.residency === 'memory') target.residentRefs--;
        }
      } else if (entry.spill) {
        releaseSpilled(entry.spill);
      }
    }
    local.clear();
    memory.reset();
    for (const [key, id] of this.#keys) if (!catalog.table.entries.has(id)) this.#keys.delete(key);
    if (includePersisted) {
      const mine = [...catalog.persistedBy].filter(([, owner]) => owner === tag).map(([id]) => id);
      this.delete(mine, true, true);
      catalog.dropNamesBoundBy(tag);
    }
  }

  #meta(id: bigint, o: NewObject): ObjectMeta {
    let nbytes = 0;
    for (const m of new Set(o.members.values())) nbytes += this.lookup(m)?.meta.nbytes ?? 0;
    return new ObjectMeta({
      id,
      typename: o.typename,
      nbytes,
      instanceId: this.#cfg.instanceId,
      transient: o.transient ?? true,
      global: o.global ?? false,
      signature: o.signature ?? formatSignature(mintId(this.#cfg.instanceId, false)),
      timestamp: Date.now(),
      labels: o.labels ?? {},
      members: o.members,
      fields: o.fields,
      chunkKey: o.chunkKey,
    });
  }

  #insertObject(table: ObjectTable, id: bigint, meta: ObjectMeta, state: Pick<ObjectEntry, 'value' | 'layout' | 'resolved' | 'referrers'>): void {
    table.insert(id, { kind: 'object', meta, residency: 'memory', ...state });
    for (const m of new Set(meta.memberValues())) {
      const target = this.lookup(m)!;
      target.referrers.add(id);
      if (target.kind === 'blob') target.residentRefs++;
    }
  }

  #addBlob(view: ArrayBufferView): bigint {
    const id = mintId(this.#cfg.instanceId, true);
    const meta = blobMeta(id, viewKind(view), view.byteLength, this.#cfg.instanceId);
    this.#cfg.local.insert(id, { kind: 'blob', meta, data: view, spill: undefined, referrers: new Set(), residentRefs: 0 });
    return id;
  }

  /** Removes an object being replaced in place, and the blobs only it used (except those in `keep`). */
  #discard(id: bigint, entry: ObjectEntry, keep: ReadonlySet<bigint>): void {
    const released = this.#unlink(id, entry);
    this.#cfg.memory.forget(id);
    this.#cfg.local.remove(id);
    for (const m of new Set(entry.meta.memberValues())) {
      const e = this.#cfg.local.get(m);
      if (e?.kind !== 'blob' || e.referrers.size > 0 || keep.has(m)) continue;
      if (e.spill) releaseSpilled(e.spill);
      this.#cfg.local.remove(m);
    }
    this.#cfg.memory.settle(released);
  }

  /** Removes `id` from its members' referrers; returns the blobs it no longer keeps in memory. */
  #unlink(id: bigint, entry: ObjectEntry): bigint[] {
    const released: bigint[] = [];
    if (entry.residency === 'dropped') return released;
    for (const m of new Set(entry.meta.memberValues())) {
      const target = this.lookup(m);
      if (!target) continue;
      target.referrers.delete(id);
      if (target.kind === 'blob' && entry.residency === 'memory') {
        target.residentRefs--;
        released.push(m);
      }
    }
    return released;
  }

  /** The distinct blob entries (in either table) among some member ids. */
  #blobsOf(ids: Iterable<bigint>): BlobEntry[] {
    const out: BlobEntry[] = [];
    for (const id of new Set(ids)) {
      const e = this.lookup(id);
      if (e?.kind === 'blob') out.push(e);
    }
    return out;
  }

  #checkMember(name: string, id: bigint, global: boolean): void {
    const member = this.visible(id);
    if (!member) throw new ObjectNotExistsError(`Member '${name}' refers to ${formatId(id)}, which does not exist (or was evicted and dropped).`);
    if (global && member.meta.global) {
      throw new GlobalObjectInvalidError(`Global object cannot have nested structure: member '${name}' (${formatId(id)}) is itself global.`);
    }
    // The shared empty blob belongs to every instance.
    if (!global && member.meta.instanceId !== this.#cfg.instanceId && id !== EMPTY_BLOB_ID.value) {
      throw new GlobalObjectInvalidError(
        `Local object cannot refer remote objects: member '${name}' (${formatId(id)}) belongs to instance ${member.meta.instanceId}, ` +
          `this store is instance ${this.#cfg.instanceId}. Make the object global (builder.setGlobal()) to span instances.`,
      );
    }
  }

  #decode(codec: Codec, entry: ObjectEntry): unknown {
    const blobs = new Map<string, ArrayBufferView>();
    try {
      for (const [name, id] of Object.entries(entry.meta.members)) {
        const m = this.require(id.value);
        if (m.kind === 'blob') blobs.set(name, this.blobBytes(id.value, m));
      }
      return codec.decode({ typename: entry.meta.typename, fields: entry.meta.fields, blobs, layout: entry.layout });
    } catch (err) {
      throw new StoreTypeError(`Unable to construct the object using resolver: typename is ${entry.meta.typename} (${entry.meta.id}).`, { cause: err });
    }
  }
}

function idOf(member: ObjectID | ObjectMeta): bigint {
  return member instanceof ObjectID ? member.value : member.id.value;
}
