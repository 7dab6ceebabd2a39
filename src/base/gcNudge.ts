/**
 * Asking V8 for a garbage collection when the engine knows something it does not. A handle is a small
 * JS object that can stand for gigabytes of chunk data in shared memory, and buffers that arrive from
 * worker threads are not counted against this thread's heap, so V8 sees no reason to collect: dead
 * handles — and the results only they kept — could pile up until the JS heap itself grows, thousands of
 * steps later (an eager loop reached 1.3 GB of store that way). Sessions nudge a collection when their
 * store has grown by a step since the last one; the FinalizationRegistry callbacks that follow release
 * what nobody refers to any more.
 *
 * The collector is `globalThis.gc` when the process runs with `--expose-gc`, else the same function
 * exposed the way the `expose-gc` package does it (the flag set at run time, read by a new context).
 * The collection runs asynchronously (`execution: 'async'`), so a nudge never stalls the caller.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collector = (options?: { readonly type?: 'major' | 'minor'; readonly execution?: 'sync' | 'async' }) => void;

let collector: Collector | null | undefined;

function exposed(): Collector | null {
  const existing = (globalThis as { gc?: Collector }).gc;
  if (typeof existing === 'function') return existing;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as Collector) : null;
  } catch {
    return null;
  }
}

/** Schedules a full collection (asynchronously); a no-op where no collector can be had. */
export function nudgeCollection(): void {
  collector ??= exposed();
  collector?.({ type: 'major', execution: 'async' });
}

/**
 * When to nudge: each time a store's usage has grown by `step` bytes — or by its own size, whichever is
 * more — past the usage at the previous nudge, so a large live working set is not collected over and
 * over for nothing, while garbage can never reach more than about twice the live data plus a step.
 */
export class CollectionPacer {
  readonly #step: number;
  #next: number;

  constructor(step: number) {
    this.#step = step;
    this.#next = step;
  }

  /** Call after the store changed; nudges a collection when it has grown enough. */
  observe(usedBytes: number): void {
    const next = usedBytes + Math.max(this.#step, usedBytes);
    if (usedBytes < this.#next) {
      // The store shrank (results released): come back down, or garbage could grow to the old mark.
      this.#next = Math.min(this.#next, next);
      return;
    }
    this.#next = next;
    nudgeCollection();
  }
}
