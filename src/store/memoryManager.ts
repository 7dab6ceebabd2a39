/**
 * The memory limit of one store: which chunk objects are in memory and in what order they were used,
 * who pins or holds them, and what happens when a new value does not fit.
 *
 * Only transient chunk objects (results the engine can recompute from the DAG) are ever evicted, and
 * never while pinned. Unheld ones go first in least-recently-used order, then held ones. With a spill
 * directory their bytes go to disk and `get` brings them back transparently; without one they are
 * dropped and the eviction listeners are told, so the session can recompute them. When everything that
 * may go is not enough, `NotEnoughMemory` is thrown before anything has changed.
 */
import { rmSync } from 'node:fs';
import { formatBytes } from '../base/size.js';
import { NotEnoughMemoryError, SpillError } from './errors.js';
import type { ChunkLedger } from './chunkLedger.js';
import { planEviction, type EvictionCandidate, type EvictionPlan } from './eviction.js';
import { formatId } from './objectId.js';
import type { BlobEntry, Entry, ObjectEntry, ObjectTable } from './objectTable.js';
import { readSpilled, releaseSpilled, spillPath, writeSpillFile, type SpillLocation } from './spill.js';

export type EvictionKind = 'dropped' | 'spilled';
export type EvictListener = (key: string, how: EvictionKind) => void;

export interface MemoryCounters {
  evictions: number;
  spills: number;
  restores: number;
  hits: number;
  misses: number;
}

export interface MemoryConfig {
  readonly memoryLimit: number;
  readonly spillDir: string | undefined;
  /** Distinguishes this store's spill files from other stores sharing the directory. */
  readonly tag: string;
  readonly table: ObjectTable;
  readonly lookup: (id: bigint) => Entry | undefined;
  /** Who holds and pins each chunk: eviction never touches a pinned chunk and takes unheld ones first. */
  readonly ledger: ChunkLedger;
}

const NOTHING: ReadonlySet<bigint> = new Set();

export class MemoryManager {
  readonly #config: MemoryConfig;
  /** In-memory transient chunk objects, least recently used first. */
  readonly #lru = new Map<bigint, string>();
  readonly #listeners = new Set<EvictListener>();
  readonly counters: MemoryCounters = { evictions: 0, spills: 0, restores: 0, hits: 0, misses: 0 };
  /** Bytes held outside the store that count against its limit (a run's intermediates). */
  #external = 0;

  constructor(config: MemoryConfig) {
    this.#config = config;
  }

  /** Marks a chunk object as just used (or newly in memory). */
  touch(id: bigint, key: string): void {
    this.#lru.delete(id);
    this.#lru.set(id, key);
  }
  forget(id: bigint): void {
    this.#lru.delete(id);
  }

  onEvict(listener: EvictListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Counts `bytes` held outside the store against the limit, evicting first if needed (or NotEnoughMemory). */
  reserveExternal(bytes: number, what: string): void {
    this.ensureRoom(bytes, NOTHING, what);
    this.#external += bytes;
  }

  releaseExternal(bytes: number): void {
    this.#external = Math.max(0, this.#external - bytes);
  }

  /** Makes room for `bytes` more, evicting if needed; objects in `protect` stay. */
  ensureRoom(bytes: number, protect: ReadonlySet<bigint>, what: string): void {
    const { memoryLimit, table } = this.#config;
    const need = table.usage + this.#external + bytes - memoryLimit;
    if (need <= 0) return;
    const plan: EvictionPlan =
      bytes > memoryLimit
        ? { chosen: [], freedBy: new Map(), freedBytes: 0 }
        : planEviction(need, this.#candidates(protect), (id) => {
            const e = table.get(id);
            return e?.kind === 'blob' && e.data ? { residentRefs: e.residentRefs, nbytes: e.meta.nbytes } : undefined;
          });
    if (plan.freedBytes < need) throw this.#notEnough(bytes, plan.freedBytes, what);
    this.#commit(plan, bytes, what);
  }

  /** Brings a spilled chunk object's blobs back into memory (the caller rebuilds its value). */
  restore(id: bigint, entry: ObjectEntry, protect: ReadonlySet<bigint> = new Set([id])): void {
    const { table } = this.#config;
    const blobs = new Map<bigint, BlobEntry>();
    for (const m of entry.meta.memberValues()) {
      const e = this.#config.lookup(m);
      if (e?.kind === 'blob') blobs.set(m, e);
    }
    const inMemory = [...blobs.values()].filter((b) => b.data);
    const onDisk = [...blobs].filter(([, b]) => !b.data);
    // Count this object as a user of its in-memory blobs first, so making room cannot evict them.
    for (const b of inMemory) b.residentRefs++;
    try {
      const bytes = onDisk.reduce((n, [, b]) => n + b.meta.nbytes, 0);
      this.ensureRoom(bytes, protect, `restoring ${formatId(id)} from ${this.#config.spillDir}`);
      let data: ArrayBufferView[];
      try {
        data = onDisk.map(([, b]) => readSpilled(b.spill!, b.meta.fields['kind'] as string, b.meta.nbytes));
      } catch (err) {
        for (const b of inMemory) b.residentRefs--;
        this.#lose(id, entry);
        throw new SpillError(
          `Chunk ${entry.meta.chunkKey ?? formatId(id)} (${formatId(id)}) was spilled to ${this.#config.spillDir} and cannot be read back ` +
            `(${err instanceof Error ? err.message : String(err)}); it is dropped and will be recomputed from the DAG when asked for again. ` +
            `Keep the spill directory intact while sessions use it.`,
          { cause: err },
        );
      }
      onDisk.forEach(([blobId, b], i) => {
        const location = b.spill!;
        b.spill = undefined;
        table.restoreBytes(blobId, b, data[i]!);
        releaseSpilled(location);
        b.residentRefs++;
      });
    } catch (err) {
      if (!(err instanceof SpillError)) for (const b of inMemory) b.residentRefs--;
      throw err;
    }
    entry.residency = 'memory';
    this.counters.restores++;
    if (entry.meta.chunkKey !== undefined) this.touch(id, entry.meta.chunkKey);
  }

  /**
   * A spilled object whose bytes are gone: it becomes dropped (like an eviction without spill), its
   * blobs nothing else refers to are forgotten, and listeners hear it, so the session recomputes it.
   */
  #lose(id: bigint, entry: ObjectEntry): void {
    const { table } = this.#config;
    entry.residency = 'dropped';
    entry.value = undefined;
    entry.resolved = false;
    for (const m of new Set(entry.meta.memberValues())) {
      const e = this.#config.lookup(m);
      if (!e) continue;
      e.referrers.delete(id);
      if (e.kind === 'blob' && e.referrers.size === 0 && !e.data && table.get(m)) {
        if (e.spill) releaseSpilled(e.spill);
        table.remove(m);
      }
    }
    this.#lru.delete(id);
    if (entry.meta.chunkKey !== undefined) this.#notify(entry.meta.chunkKey, 'dropped');
  }

  /**
   * Blobs whose last in-memory user just went (deleted or replaced) while spilled objects still refer to
   * them would otherwise sit in memory with nothing able to evict them: they follow their users to disk.
   */
  /** Whether `settle` spills blobs left in memory with no resident user (it does whenever there is a spill directory). */
  get spillsOrphans(): boolean {
    return this.#config.spillDir !== undefined;
  }

  settle(blobIds: Iterable<bigint>): void {
    const { table, spillDir, tag } = this.#config;
    if (spillDir === undefined) return;
    const orphans: [bigint, BlobEntry][] = [];
    for (const id of new Set(blobIds)) {
      const e = table.get(id);
      if (e?.kind === 'blob' && e.data && e.residentRefs === 0 && e.referrers.size > 0) orphans.push([id, e]);
    }
    if (orphans.length === 0) return;
    const owner = formatId(orphans[0]![0]);
    let placed: SpillLocation[];
    try {
      const blobs = orphans.map(([id, b]) => ({ id: formatId(id), kind: b.meta.fields['kind'] as string, data: b.data! }));
      placed = writeSpillFile(spillPath(spillDir, tag, owner), owner, blobs);
    } catch {
      // Not being able to write them only means the bytes stay in memory (and accounted); nothing is lost.
      return;
    }
    orphans.forEach(([, b], i) => {
      b.spill = placed[i];
      table.releaseBytes(b);
    });
  }

  /** Forgets every chunk, pin and hold (the store is being cleared). */
  reset(): void {
    this.#lru.clear();
    this.#config.ledger.reset();
  }
  close(): void {
    this.reset();
    this.#listeners.clear();
  }

  *#candidates(protect: ReadonlySet<bigint>): Generator<EvictionCandidate> {
    const { ledger } = this.#config;
    for (const held of [false, true]) {
      for (const [id, key] of this.#lru) {
        if (protect.has(id) || ledger.pins(key) > 0 || ledger.holds(key) > 0 !== held) continue;
        const e = this.#config.table.get(id);
        if (e?.kind === 'object' && e.residency === 'memory') yield { id, key, blobs: [...e.meta.memberValues()] };
      }
    }
  }

  #commit(plan: EvictionPlan, bytes: number, what: string): void {
    const { table, spillDir } = this.#config;
    const locations = spillDir === undefined ? undefined : this.#writeSpills(plan, bytes, what);
    for (const c of plan.chosen) {
      const entry = table.get(c.id) as ObjectEntry;
      entry.residency = locations ? 'disk' : 'dropped';
      entry.value = undefined;
      entry.resolved = false;
      for (const m of new Set(c.blobs)) {
        const e = this.#config.lookup(m);
        if (!e) continue;
        if (e.kind === 'blob') e.residentRefs--;
        // A dropped object holds no data, so it no longer holds its members either.
        if (!locations) e.referrers.delete(c.id);
      }
      this.#lru.delete(c.id);
    }
    for (const [blobId] of plan.freedBy) {
      const blob = table.get(blobId) as BlobEntry;
      if (locations) {
        blob.spill = locations.get(blobId);
        table.releaseBytes(blob);
      } else {
        table.remove(blobId);
      }
    }
    const how: EvictionKind = locations ? 'spilled' : 'dropped';
    this.counters.evictions += plan.chosen.length;
    if (locations) this.counters.spills += plan.chosen.length;
    for (const c of plan.chosen) this.#notify(c.key, how);
  }

  #writeSpills(plan: EvictionPlan, bytes: number, what: string): Map<bigint, SpillLocation> {
    const { table, spillDir, tag } = this.#config;
    const locations = new Map<bigint, SpillLocation>();
    const written: string[] = [];
    try {
      for (const c of plan.chosen) {
        const own = [...new Set(c.blobs)].filter((b) => plan.freedBy.get(b) === c.id);
        if (own.length === 0) continue;
        const path = spillPath(spillDir!, tag, formatId(c.id));
        const blobs = own.map((b) => {
          const e = table.get(b) as BlobEntry;
          return { id: formatId(b), kind: e.meta.fields['kind'] as string, data: e.data! };
        });
        const placed = writeSpillFile(path, formatId(c.id), blobs);
        written.push(path);
        own.forEach((b, i) => locations.set(b, placed[i]!));
      }
    } catch (err) {
      for (const path of written) rmSync(path, { force: true });
      throw this.#notEnough(bytes, 0, what, err);
    }
    return locations;
  }

  #notify(key: string, how: EvictionKind): void {
    for (const listener of this.#listeners) {
      try {
        listener(key, how);
      } catch (err) {
        // The eviction has happened and the put it made room for must not fail because of an observer.
        process.emitWarning(`An eviction listener threw for chunk ${key}: ${String(err)}`, 'TesseraStoreWarning');
      }
    }
  }

  #notEnough(bytes: number, freeable: number, what: string, cause?: unknown): NotEnoughMemoryError {
    const { memoryLimit, spillDir, table } = this.#config;
    const used = table.usage + this.#external;
    const sizes = { requested: bytes, memoryUsage: used, memoryLimit, freeable };
    const free = Math.max(0, memoryLimit - used);
    const head = spillDir === undefined ? 'Still not enough memory after evicting' : 'Still not enough memory after spilling';
    const why =
      cause !== undefined
        ? `writing spill files to ${spillDir} failed (${String(cause)})`
        : bytes > memoryLimit
          ? `it alone is larger than the memory limit`
          : `only ${formatBytes(free)} is free and evicting every unpinned transient chunk would free ${formatBytes(freeable)} ` +
            `more (the rest is pinned, persisted, or not a recomputable chunk)`;
    const fixes =
      bytes > memoryLimit && cause === undefined
        ? ['raise memoryLimit', 'or split the value into smaller chunks']
        : ['raise memoryLimit', ...(spillDir === undefined ? ['set spillDir'] : []), 'release handles or delete results', 'unpin chunks'];
    return new NotEnoughMemoryError(
      `${head}: ${what} needs ${formatBytes(bytes)} (${bytes} bytes) under a memory limit of ${formatBytes(memoryLimit)} ` +
        `(${memoryLimit} bytes, ${used} in use), but ${why}. To fix: ${fixes.join(', ')}.`,
      sizes,
      cause !== undefined ? { cause } : undefined,
    );
  }
}
