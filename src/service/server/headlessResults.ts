/**
 * Where a Completed headless session's result lives: persisted in the process's shared catalog under
 * the name `<session name>-<session id>-result` (the id keeps names of equally named sessions apart), so
 * a remote session of the same server reads it with `store.getName(name)`. Like anything persisted and
 * named, it outlives its session (reference §C.3): a delete with `?purge=all` drops it with the
 * session, and the same token's remote sessions can delete it from their store.
 */
import { ObjectStore } from '../../store/objectStore.js';

export function resultNameOf(session: { readonly id: string; readonly name: string }): string {
  return `${session.name}-${session.id}-result`;
}

export class HeadlessResults {
  /** Only a conduit into the shared catalog: persisting moves a result's bytes out of it. */
  #store: ObjectStore | undefined;
  /**
   * The id each result was stored under, by its catalog name, until its session ends. A purge deletes
   * that id, not whatever the name points at by then: the name may have been dropped or rebound (with
   * `overwrite`) to an object the session never made, which a purge must not touch.
   */
  readonly #ids = new Map<string, string>();

  #open(): ObjectStore {
    this.#store ??= new ObjectStore({ memoryLimit: Number.POSITIVE_INFINITY });
    return this.#store;
  }

  /**
   * Stores, persists and names `value` (`name` is the catalog's, owner prefix included); `stored` learns
   * its id so the owner is recorded. Throws the store's error (no codec, persist limit).
   */
  put(name: string, value: unknown, stored: (id: string, store: ObjectStore) => void): void {
    const store = this.#open();
    const id = store.put(value, { persist: true, name }).toString();
    this.#ids.set(name, id);
    stored(id, store);
  }

  /**
   * Deletes the result stored under `name`, if it is still there, and with it every name bound to it
   * (whoever bound it: a name never outlives its object).
   */
  drop(name: string): void {
    const id = this.#ids.get(name);
    this.#ids.delete(name);
    if (id !== undefined) this.#open().delete(id, { force: true });
  }

  /** The session of the result stored under `name` ended without a purge: the result outlives it. */
  release(name: string): void {
    this.#ids.delete(name);
  }

  /** Whether `id` is still an object of the shared catalog. */
  exists(id: string): boolean {
    return this.#open().exists(id);
  }

  close(): void {
    this.#ids.clear();
    this.#store?.close();
  }
}
