/**
 * Counted readers of the workers' recycled buffers on the main thread (and of those a task's kernel fills
 * on the main thread itself: recycledBuffers.ts `fillingForTask`), so that such memory is filled again as
 * soon as the engine lets go of it, rather than after the next major collection.
 *
 * Why: base/recycledBuffers.ts marks a buffer DEAD once every object through which it can be read has
 * been finalized — but V8 clears weak references only in a major collection, which a warm loop of small
 * runs rarely triggers. A warm BFS on R-MAT s16 got a fresh 256 KB depth array each run (its ~400
 * predecessors all unread, none yet finalized) and faulted in its 64 pages: ~0.8 ms of CPU a run where a
 * fault costs ~12 µs, and on the worker's path when its spare was not ready.
 *
 * How: a worker's buffer (first seen here in a task's output, `countedReaders`) is read on this thread
 * only through the engine's holders — a run (everything its tasks wrote or read, until it ends), and
 * the object stores' in-memory blobs. Each holder counts itself in (`hold*`) and out (`drop*`) exactly
 * once. Anything else that reads a stored value — a user's `get`, a fetch that hands out views, a
 * service writing chunks out — exposes its buffers (`exposeValue`): from then on only collection decides,
 * as before. Reads that copy (a tensor's or a selection's fetch) or go to a task say so (`readPrivately`).
 * When the count of an unexposed buffer falls to zero it is marked DEAD at the end of the job — not at
 * once, so that a value moving from one holder to another (a persisted blob changing tables, a store
 * that frees a task's inputs to make room for its output) is never unheld in between.
 */
import { isMainThread } from 'node:worker_threads';
import { countedReaders, exposeReaders, settleCounted, trailerId, WALK } from './recycledBuffers.js';
import { forEachSharedBuffer } from './sharedWalk.js';

const held = new Map<bigint, number>();
const unheld = new Set<bigint>();
let privateReads = 0;
let settleScheduled = false;

/** Runs `read` (a store read whose values go to a task, or are copied before anyone else sees them) without exposing what it reads. */
export function readPrivately<T>(read: () => T): T {
  privateReads++;
  try {
    return read();
  } finally {
    privateReads--;
  }
}

/** A stored value was handed out: its buffers may be read from anywhere, unless this is a private read. */
export function exposeValue(value: unknown): void {
  if (privateReads === 0 && isMainThread) forEachSharedBuffer(value, expose, WALK);
}

/** A stored blob's bytes were handed out (see `exposeValue`). */
export function exposeBuffer(buffer: ArrayBufferLike): void {
  if (privateReads === 0) expose(buffer);
}

/**
 * A value is stored as `listed` blobs and kept as `value` (a codec's in-memory form): a counted buffer
 * `value` reaches beyond the blobs would be read with nothing holding it, so collection decides for it.
 * The built-in codecs list every array they keep; a codec registered by a user might not.
 */
export function exposeUnlisted(value: unknown, listed: Iterable<ArrayBufferView>): void {
  if (!isMainThread) return;
  const blobs = new Set<ArrayBufferLike>();
  for (const view of listed) blobs.add(view.buffer);
  forEachSharedBuffer(value, (buffer) => blobs.has(buffer) || expose(buffer), WALK);
}

/** `buffer` is held by something whose readers are not counted (the shared catalog): collection decides. */
export function shareBuffer(buffer: ArrayBufferLike): void {
  expose(buffer);
}

function expose(buffer: ArrayBufferLike): void {
  const id = idOf(buffer);
  if (id !== undefined) exposeReaders(id);
}

/** One more holder of `buffer`; whether it was counted (then `dropBuffer` it exactly once). */
export function holdBuffer(buffer: ArrayBufferLike): boolean {
  const id = idOf(buffer);
  if (id === undefined || !countedReaders(id)) return false;
  countIn(id);
  return true;
}

/** Ends a hold `holdBuffer` counted. */
export function dropBuffer(buffer: ArrayBufferLike): void {
  const id = idOf(buffer);
  if (id !== undefined) dropId(id);
}

/** Holds every counted buffer in `value` for `holder` (the ids it holds, once each, to drop with `dropAll`). */
export function holdValue(value: unknown, holder: Set<bigint>): void {
  if (!isMainThread) return;
  forEachSharedBuffer(
    value,
    (buffer) => {
      const id = idOf(buffer);
      if (id === undefined || holder.has(id) || !countedReaders(id)) return;
      countIn(id);
      holder.add(id);
    },
    WALK,
  );
}

/** Ends every hold in `holder` (filled by `holdValue`), and empties it. */
export function dropAll(holder: Set<bigint>): void {
  for (const id of holder) dropId(id);
  holder.clear();
}

function countIn(id: bigint): void {
  held.set(id, (held.get(id) ?? 0) + 1);
  unheld.delete(id);
}

function dropId(id: bigint): void {
  const n = held.get(id);
  if (n === undefined) return;
  if (n > 1) {
    held.set(id, n - 1);
    return;
  }
  held.delete(id);
  unheld.add(id);
  if (settleScheduled) return;
  settleScheduled = true;
  queueMicrotask(settleUnheld);
}

function settleUnheld(): void {
  settleScheduled = false;
  for (const id of unheld) if (!held.has(id)) settleCounted(id);
  unheld.clear();
}

function idOf(buffer: ArrayBufferLike): bigint | undefined {
  return buffer instanceof SharedArrayBuffer ? trailerId(buffer) : undefined;
}

/** Buffers held now (tests and probes). */
export function heldBufferCount(): number {
  return held.size;
}
