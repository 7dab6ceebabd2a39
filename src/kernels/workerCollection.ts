/**
 * When a worker thread asks V8 for a collection. Workers belong to the process's shared pool and
 * outlive sessions, and a SharedArrayBuffer's memory is freed only once every thread that ever held it
 * has collected its own handle of it. A worker's heap barely grows (its data lives in shared buffers,
 * which V8 does not count against the heap), so without help it never collects: measured, every closed
 * session that had loaded a 1M-arc graph left its 15 MB of columns mapped for good, 15 MB a session
 * (bench: load, run, close, GC the main thread — `arrayBuffers` grew by that much each time).
 *
 * So a worker notes whether its tasks handled shared bytes — what they receive (inputs, params, gang
 * steps) and what they return; a driver's scratch dies with a task that did — and collects when it has been idle for
 * `IDLE_MS` after handling any, so a session's buffers go back to the allocator soon after their last
 * use, and the next ones reuse warm memory instead of faulting in fresh pages (several ms per MB on
 * this project's VMs). A worker that is never idle collects when its own heap asks, as before.
 * The collection is asynchronous (base/gcNudge.ts), but it is a pause all the same, and "idle" is a
 * guess: the next task (the first app of the next session, on a graph built meanwhile on the main
 * thread) often arrives during it. So it is a minor collection, which frees the handles a worker's
 * tasks received — young objects, since a worker allocates little — in 0.3-7 ms where a major one
 * paused the worker 16-66 ms (measured on R-MAT s16 first apps: 4 of 6 waited for one); handles that
 * were promoted (received during a long task that allocated) are freed by a major collection once
 * MAJOR_BYTES have been handled since the last one.
 */
import { nudgeCollection } from '../base/gcNudge.js';
import { forEachSharedBuffer } from '../base/sharedWalk.js';

/**
 * Only an idle worker collects: a collection costs a busy one 10-40 ms, and most bytes a busy worker
 * handles are live chunks of the session's store, not garbage (measured: collecting per 64 MB handled
 * made a 5000² row sum 4x slower, per GiB the 50M fused sum 1.6x slower).
 */
const IDLE_MS = 50;
/** Deeper than any task message or value the engine sends (values, params, frames, graph parts). */
const WALK = { maxDepth: 8 } as const;

/** Shared bytes handled between two major idle collections (the others are minor). */
const MAJOR_BYTES = 512 * 2 ** 20;

let pending = 0;
let sinceMajor = 0;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

/** The kind of the next idle collection, after `bytes` more were handled (exported for its test). */
export function idleCollectionKind(bytes: number): 'major' | 'minor' {
  sinceMajor += bytes;
  if (sinceMajor < MAJOR_BYTES) return 'minor';
  sinceMajor = 0;
  return 'major';
}

function collect(): void {
  const bytes = pending;
  pending = 0;
  nudgeCollection(idleCollectionKind(bytes));
}

/**
 * Bytes of the distinct shared buffers reachable from `value` (base/sharedWalk.ts). Arrays whose first
 * element is not an object (a million string ids, say) are not walked: they hold no buffers.
 */
export function sharedBytesIn(value: unknown, seen = new Set<unknown>()): number {
  let total = 0;
  forEachSharedBuffer(value, (buffer) => (total += buffer.byteLength), WALK, seen);
  return total;
}

/** Arms the idle collection for tasks a worker ran: the shared bytes of their inputs, params and outcomes. */
export function tasksHandled(tasks: Iterable<{ readonly inputs: unknown; readonly params: unknown }>, outcomes: unknown): void {
  const seen = new Set<unknown>();
  let bytes = 0;
  for (const task of tasks) bytes += sharedBytesIn(task.inputs, seen) + sharedBytesIn(task.params, seen);
  handled(bytes + sharedBytesIn(outcomes, seen));
}

/** Call after a task with the shared bytes it handled: arms (or pushes back) the idle collection. */
export function handled(bytes: number): void {
  if (bytes <= 0) return;
  pending += bytes;
  if (idleTimer) idleTimer.refresh();
  else {
    idleTimer = setTimeout(() => {
      if (pending > 0) collect();
    }, IDLE_MS);
    // An idle worker must not keep the process alive for this.
    idleTimer.unref();
  }
}
