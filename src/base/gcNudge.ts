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
 * The collection runs asynchronously (`execution: 'async'`), so a nudge never stalls the caller — and,
 * measured, only then do the finalizers that release results follow promptly: a synchronous major GC
 * every 32 steps of an eager loop let 880 MB of results pile up, the asynchronous one kept it < 25 MB.
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

/**
 * Schedules a collection (asynchronously; major unless asked for a minor one); a no-op where no
 * collector can be had. Whether one was asked for.
 */
export function nudgeCollection(type: 'major' | 'minor' = 'major'): boolean {
  collector ??= exposed();
  if (!collector) return false;
  if (type === 'major') {
    // One asked for earlier has not run yet: it will find whatever died since, as this one would.
    if (pendingMajor?.deref() !== undefined) return false;
    pendingMajor = new WeakRef({});
  }
  collector({ type, execution: 'async' });
  return true;
}

/**
 * A minor collection now, on this thread (synchronously: what it frees is free when it returns). Its
 * duration in milliseconds, or undefined where no collector can be had.
 */
export function collectMinorNow(): number | undefined {
  collector ??= exposed();
  if (!collector) return undefined;
  const started = performance.now();
  collector({ type: 'minor', execution: 'sync' });
  return performance.now() - started;
}

/**
 * Reachable only through a weak reference, so the first collection after the last major nudge clears
 * it: while it is there, that collection is still to come. A session's run that grew its store and its
 * close right after each asked for one, and both ran — each a full pause of the main thread's heap,
 * 220-260 ms when it holds a graph's 33M string ids (R-MAT s20, `.tmp` probe, --trace-gc), the second
 * freeing nothing. A weak reference keeps its target to the end of the job that made it, so within one
 * job (a graph's columns filled one after another) no collection is asked for twice. (Between jobs a
 * minor collection may clear it too; then a second major one runs, as before.)
 */
let pendingMajor: WeakRef<object> | undefined;

/**
 * When to nudge: once a store has grown by `step` bytes — or by its live size, whichever is more — over
 * the lowest usage seen since the previous nudge (after a nudge, released results bring usage down to
 * what is live). So a large live working set is not collected over and over for nothing, while garbage
 * stays within about the live size plus a step. Only bytes count: an asynchronous major GC slows the
 * thread while it marks, so nudging for results that hold little (measured: once every 500 tiny eager
 * ops) cost more than the few kilobytes of JS heap each keeps until V8 collects on its own.
 */
export class CollectionPacer {
  readonly #step: number;
  #low = 0;

  constructor(step: number) {
    this.#step = step;
  }

  /** Call after the store changed; nudges a collection when it has grown enough. */
  observe(usedBytes: number): void {
    this.#low = Math.min(this.#low, usedBytes);
    if (usedBytes < this.#low + Math.max(this.#step, this.#low)) return;
    this.#low = usedBytes;
    nudgeCollection();
  }
}
