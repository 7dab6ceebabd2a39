/**
 * The process-wide catalog of persisted objects and of names. `persist` moves an object (and everything
 * it refers to) out of its session's store into this catalog, so it outlives the session and every other
 * store in the process can `get` it — the same typed arrays, no copy. Its bytes are accounted here from the
 * moment they are persisted — against the catalog's own `persistLimit`, never a session's memory limit, so
 * persisting cannot escape every limit: a persist that would pass it fails with `NotEnoughMemory` and
 * moves nothing. Names live here too, since only persisted
 * objects may be named; `getName(..., {wait})` parks on the catalog until any store binds the name.
 *
 * `sharedCatalog()` is the module singleton stores use by default; a catalog can also be made on purpose
 * (one per tenant of a server, one per test).
 */
import { processOptions } from '../base/processOptions.js';
import { formatBytes } from '../base/size.js';
import { InvalidError, NotEnoughMemoryError, ObjectExistsError, ObjectNotExistsError } from './errors.js';
import { EMPTY_BLOB_ID, ObjectID } from './objectId.js';
import { blobMeta } from './objectMeta.js';
import { ObjectTable } from './objectTable.js';
import { compilePattern } from './pattern.js';

interface Waiter {
  resolve(id: bigint): void;
}

export interface NameWaitOptions {
  readonly timeoutMs: number;
  readonly signals: readonly AbortSignal[];
}

export interface CatalogStatus {
  readonly memoryUsage: number;
  readonly persistLimit: number;
  readonly objects: number;
  readonly blobs: number;
  readonly names: number;
}

export class SharedCatalog {
  /** A limit of this catalog's own; without one, the process-wide option `persistLimit` applies. */
  readonly #ownLimit: number | undefined;
  /** The persisted entries; stores read and move entries through it directly. */
  readonly table = new ObjectTable({ shared: true });
  /** Which store persisted each entry (its tag), for `clear({includePersisted: true})`. */
  readonly persistedBy = new Map<bigint, string>();
  readonly #names = new Map<string, bigint>();
  /**
   * Which store bound each name (its tag): `clear({includePersisted: true})` drops the names a store bound,
   * to its own objects or to another store's, so a purged session leaves no name of its own behind.
   */
  readonly #boundBy = new Map<string, string>();
  /** Names bound to each id, oldest first: the meta shows the newest. */
  readonly #namesOf = new Map<bigint, string[]>();
  readonly #waiters = new Map<string, Set<Waiter>>();

  constructor(options: { readonly persistLimit?: number } = {}) {
    this.#ownLimit = options.persistLimit;
    // The shared empty blob exists in every catalog from the start and is never deleted (Vineyard's
    // `EmptyBlobID`), so zero-length blobs cost nothing and can always be referred to.
    const empty = new Uint8Array(new SharedArrayBuffer(0));
    const meta = blobMeta(EMPTY_BLOB_ID.value, 'Uint8Array', 0, 0);
    this.table.insert(EMPTY_BLOB_ID.value, { kind: 'blob', meta, data: empty, spill: undefined, referrers: new Set(), residentRefs: 0 });
  }

  /** Bytes persisted objects may hold in all (their blobs in memory, each counted once). */
  get persistLimit(): number {
    return this.#ownLimit ?? processOptions.persistLimit;
  }

  /** Throws `NotEnoughMemory` (changing nothing) when `bytes` more would pass the persist limit. */
  assertRoom(bytes: number, what: string): void {
    const used = this.table.usage;
    if (used + bytes <= this.persistLimit) return;
    const sizes = { requested: bytes, memoryUsage: used, memoryLimit: this.persistLimit, freeable: 0 };
    throw new NotEnoughMemoryError(
      `Cannot persist ${what}: it needs ${formatBytes(bytes)} (${bytes} bytes) and persisted objects already hold ` +
        `${formatBytes(used)} of the process-wide persistLimit of ${formatBytes(this.persistLimit)}. Persisted objects are ` +
        `never evicted; delete ones no longer needed (store.delete(id)) or raise the limit (setOption('persistLimit', ...)).`,
      sizes,
    );
  }

  lookupName(name: string): bigint | undefined {
    return this.#names.get(name);
  }

  /** Throws `ObjectExists` when `name` is bound (to anything but `id`), `Invalid` when it is no name at all. */
  assertNameFree(name: string, id?: bigint): void {
    checkName(name);
    const previous = this.#names.get(name);
    if (previous === undefined || previous === id) return;
    throw new ObjectExistsError(
      `The name '${name}' is already bound to ${ObjectID.fromBigInt(previous)}; pass {overwrite: true} to putName to rebind it, ` +
        `or dropName('${name}') first.`,
    );
  }

  /** Binds `name` to a persisted entry for the store tagged `binder`; rebinding to another id needs `overwrite`. */
  bindName(name: string, id: bigint, overwrite: boolean, binder: string): void {
    checkName(name);
    const previous = this.#names.get(name);
    if (previous === id) {
      // Binding it again makes it the latest binder's: the name outlives whichever store bound it last.
      this.#boundBy.set(name, binder);
      return;
    }
    if (previous !== undefined) {
      if (!overwrite) this.assertNameFree(name, id);
      this.#unbind(name, previous);
    }
    this.#names.set(name, id);
    this.#boundBy.set(name, binder);
    const list = this.#namesOf.get(id) ?? [];
    list.push(name);
    this.#namesOf.set(id, list);
    this.#refreshName(id);
    const waiters = this.#waiters.get(name);
    if (waiters) {
      this.#waiters.delete(name);
      for (const w of waiters) w.resolve(id);
    }
  }

  /** Removes a binding; a name that is not bound is a no-op. */
  unbindName(name: string): void {
    const id = this.#names.get(name);
    if (id !== undefined) this.#unbind(name, id);
  }

  /**
   * Drops every name of an object that is being deleted, whoever bound it: a name never outlives its
   * object (reference §C.1, unlike Vineyard's A.3 #23, where `get_name` keeps answering the dead id).
   */
  dropNamesOf(id: bigint): void {
    for (const name of this.#namesOf.get(id) ?? []) {
      this.#names.delete(name);
      this.#boundBy.delete(name);
    }
    this.#namesOf.delete(id);
  }

  /** Unbinds every name the store tagged `binder` bound last; the objects they named stay. */
  dropNamesBoundBy(binder: string): void {
    for (const [name, by] of [...this.#boundBy]) if (by === binder) this.unbindName(name);
  }

  listNames(pattern: string, regex: boolean, limit: number): Map<string, ObjectID> {
    const out = new Map<string, ObjectID>();
    const matches = compilePattern(pattern, regex);
    if (!matches) return out;
    for (const name of [...this.#names.keys()].sort()) {
      if (out.size >= limit) break;
      if (matches(name)) out.set(name, ObjectID.fromBigInt(this.#names.get(name)!));
    }
    return out;
  }

  /** Resolves with the id once some store binds `name`; rejects on timeout or when a signal aborts. */
  waitForName(name: string, options: NameWaitOptions): Promise<bigint> {
    return new Promise<bigint>((resolve, reject) => {
      const aborted = options.signals.find((s) => s.aborted);
      if (aborted) {
        reject(aborted.reason);
        return;
      }
      const set = this.#waiters.get(name) ?? new Set<Waiter>();
      this.#waiters.set(name, set);
      const cleanup = (): void => {
        clearTimeout(timer);
        for (const s of options.signals) s.removeEventListener('abort', onAbort);
        set.delete(waiter);
        if (set.size === 0 && this.#waiters.get(name) === set) this.#waiters.delete(name);
      };
      const waiter: Waiter = {
        resolve(id) {
          cleanup();
          resolve(id);
        },
      };
      const onAbort = (event: Event): void => {
        cleanup();
        reject((event.target as AbortSignal).reason);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new ObjectNotExistsError(
            `No object was named '${name}' within ${options.timeoutMs} ms. Check the name, make sure the producing ` +
              `session persists the object and calls putName, or wait longer (timeoutMs).`,
          ),
        );
      }, options.timeoutMs);
      // A parked name lookup alone should not keep the process running.
      timer.unref();
      for (const s of options.signals) s.addEventListener('abort', onAbort, { once: true });
      set.add(waiter);
    });
  }

  status(): CatalogStatus {
    let objects = 0;
    let blobs = 0;
    for (const [id, e] of this.table.entries) {
      if (id === EMPTY_BLOB_ID.value) continue;
      if (e.kind === 'blob') blobs++;
      else objects++;
    }
    return { memoryUsage: this.table.usage, persistLimit: this.persistLimit, objects, blobs, names: this.#names.size };
  }

  #unbind(name: string, id: bigint): void {
    this.#names.delete(name);
    this.#boundBy.delete(name);
    const list = (this.#namesOf.get(id) ?? []).filter((n) => n !== name);
    if (list.length) this.#namesOf.set(id, list);
    else this.#namesOf.delete(id);
    this.#refreshName(id);
  }

  #refreshName(id: bigint): void {
    const entry = this.table.get(id);
    if (!entry) return;
    const list = this.#namesOf.get(id);
    entry.meta = entry.meta.with({ name: list?.[list.length - 1] });
  }
}

/** A name is a non-empty string: an empty one could never be told from "no name" in metas and listings. */
function checkName(name: unknown): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidError(`A name must be a non-empty string, got ${JSON.stringify(name)}.`);
  }
}

let shared: SharedCatalog | undefined;

/** The catalog every store in this process shares unless it was given its own. */
export function sharedCatalog(): SharedCatalog {
  shared ??= new SharedCatalog();
  return shared;
}
