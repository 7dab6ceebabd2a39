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
    const id = store.put(value, { persist: true, name });
    stored(id.toString(), store);
  }

  /** Deletes the named result, if it is still there. */
  drop(name: string): void {
    const store = this.#open();
    let id;
    try {
      id = store.getName(name);
    } catch {
      return;
    }
    store.delete(id, { force: true });
  }

  /** Whether `id` is still an object of the shared catalog. */
  exists(id: string): boolean {
    return this.#open().exists(id);
  }

  close(): void {
    this.#store?.close();
  }
}
