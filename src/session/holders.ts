/**
 * Who still refers to a session's results: the objects a user asked with — a handle, or a node passed
 * directly — hold the result of their key; a cached structure (a projected graph, its layouts) is held by
 * the graph node it derives from, so it lives exactly as long as something can ask for it again.
 *
 * Holders are counted per result key, each object once per key, and forgotten by the garbage
 * collector: when the last holder of a key is collected, `onUnheld(key)` is called (from a finalizer
 * task; the session turns it into a job on its queue, which checks the count again before releasing,
 * since a new holder may have come in the meantime). Nothing here keeps a holder alive.
 */

export class HolderTracker {
  readonly #counts = new Map<string, number>();
  readonly #keysOf = new WeakMap<object, Set<string>>();
  readonly #registry: FinalizationRegistry<string>;

  constructor(onUnheld: (key: string) => void) {
    this.#registry = new FinalizationRegistry<string>((key) => {
      const n = (this.#counts.get(key) ?? 1) - 1;
      if (n > 0) {
        this.#counts.set(key, n);
        return;
      }
      this.#counts.delete(key);
      onUnheld(key);
    });
  }

  /** Counts `holder` as a reference to `key`'s result (once, however often it is called). */
  hold(holder: object, key: string): void {
    let keys = this.#keysOf.get(holder);
    if (keys?.has(key)) return;
    if (!keys) {
      keys = new Set();
      this.#keysOf.set(holder, keys);
    }
    keys.add(key);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    this.#registry.register(holder, key);
  }

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** Keys with a live holder: a leak check and `sess.info` read it. */
  get size(): number {
    return this.#counts.size;
  }
}
