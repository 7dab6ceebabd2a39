/**
 * Warm shared memory for the big arrays the main thread builds from a user's data (a graph's inline
 * columns): a buffer whose arrays nobody can read any more is filled again instead of a fresh one.
 *
 * Why: on the machines this engine is measured on, the first write to a page of fresh memory costs
 * about 10 µs (2.6 ms per MB) and rewriting warm memory a hundredth of that. V8 gives every
 * SharedArrayBuffer fresh pages and frees one only once every thread that held it has collected its
 * handle, so loading a 1M-arc graph again (a new session, the next graph of a loop) faulted in its
 * 15 MB of columns every time: most of the load. CPython frees a dead array at once and its allocator
 * hands the same pages to the next one, which is why scipy reloads that graph in half our time.
 *
 * Safety is by reachability, checked by the collector, never by timing:
 * - each recycled buffer ends with an 8-byte tag (its entry's id) after the bytes its arrays view, so a
 *   buffer that comes back from a worker — a different object for the same memory, say an edge table
 *   whose columns are views of it — is recognised when it is stored (`noteStored`, called for every
 *   task output) and counted as one more reader;
 * - the module keeps its own handle of the memory (a clone, never handed out) and a WeakRef to every
 *   object through which anyone can read it: the one the columns view, and each recognised alias;
 * - the memory is filled again only once every one of those objects has been finalized: then no handle,
 *   no stored chunk, no fetched view and no run in flight (a run holds its nodes, which hold the
 *   columns) can reach it. Worker threads may still hold stale handles, but nothing reads them: a
 *   worker keeps no chunk data between tasks.
 * Only the main thread recycles (session host threads pass results on to other threads).
 *
 * Recycled memory is idle memory the process keeps: at most the `recycledMemory` option's bytes of it
 * (0 turns recycling off), and none for longer than `IDLE_MS`, after which its last handle is dropped
 * and V8 frees it as before.
 */
import { isMainThread } from 'node:worker_threads';
import { nudgeCollection } from './gcNudge.js';
import { processOptions } from './processOptions.js';

/** Below this a buffer is not worth tagging: its faults cost less than the bookkeeping. */
export const RECYCLE_MIN_BYTES = 1 << 20;
/** Sizes are rounded up to this, so graphs of nearly the same size share buffers. */
const GRANULE = 64 << 10;
const TAG_BYTES = 8;
/** Idle recycled memory older than this is let go. */
const IDLE_MS = 30_000;

interface Entry {
  readonly id: bigint;
  readonly bytes: number;
  /** This module's own handle of the memory: keeps it mapped (and warm) once every reader is gone. */
  readonly keeper: SharedArrayBuffer;
  /** Every object through which someone may read the memory. */
  readonly readers: WeakRef<SharedArrayBuffer>[];
  /** Readers not yet finalized: the memory is reused only at 0. */
  live: number;
  /** When the last reader was seen finalized (for IDLE_MS). */
  idleSince: number;
}

const entries = new Map<bigint, Entry>();
const bySize = new Map<number, Set<Entry>>();
const finalized = new FinalizationRegistry<Entry>((entry) => {
  entry.live--;
  if (entry.live > 0) return;
  entry.idleSince = performance.now();
  trim();
});
let idleTimer: ReturnType<typeof setTimeout> | undefined;
// A random high half: a tag in some other buffer's last bytes is unlikely to name an entry (and if it
// did, that buffer would only count as one more reader, delaying a reuse).
const idBase = BigInt(Math.floor(Math.random() * 2 ** 31)) << 32n;
let nextId = 1n;
const counters = { reused: 0, fresh: 0, asked: 0, released: 0 };

/** The buffer size for `bytes` of arrays: rounded up, plus the tag. */
export function recycledSize(bytes: number): number {
  return Math.ceil(bytes / GRANULE) * GRANULE + TAG_BYTES;
}

/** Whether arrays of `bytes` get a recyclable buffer here. */
export function recycles(bytes: number): boolean {
  return isMainThread && bytes >= RECYCLE_MIN_BYTES && processOptions.recycledMemory > 0;
}

/**
 * A buffer for `bytes` of arrays (views must start at 0 and stay within `bytes`): warm memory nobody can
 * read when there is some, else fresh. `warm` says which. Call `track` once it is filled (or once a
 * fill that gave up is sure no thread writes it any more): it is then reused when its readers are gone.
 */
export function recycledBuffer(bytes: number): { readonly buffer: SharedArrayBuffer; readonly warm: boolean } {
  const size = recycledSize(bytes);
  const reused = takeDead(size);
  if (reused) {
    counters.reused++;
    return { buffer: reused, warm: true };
  }
  counters.fresh++;
  return { buffer: new SharedArrayBuffer(size), warm: false };
}

/** Registers a filled buffer from `recycledBuffer`: it is reused once every object reading it is gone. */
export function track(buffer: SharedArrayBuffer): void {
  const id = idBase | nextId++;
  new BigUint64Array(buffer, buffer.byteLength - TAG_BYTES, 1)[0] = id;
  const entry: Entry = { id, bytes: buffer.byteLength, keeper: structuredClone(buffer), readers: [], live: 0, idleSince: 0 };
  entries.set(id, entry);
  let same = bySize.get(entry.bytes);
  if (!same) bySize.set(entry.bytes, (same = new Set()));
  same.add(entry);
  currentJob().born.add(entry);
  addReader(entry, buffer);
  trim();
}

function addReader(entry: Entry, buffer: SharedArrayBuffer): void {
  // A graph loaded by many sessions gains an alias per load: the collected ones need no WeakRef.
  if (entry.readers.length >= 16) entry.readers.splice(0, entry.readers.length, ...entry.readers.filter((r) => r.deref() !== undefined));
  entry.readers.push(new WeakRef(buffer));
  entry.live++;
  finalized.register(buffer, entry);
}

/** Deeper than any value a task returns (values, frames, graph parts). */
const MAX_DEPTH = 8;

/**
 * Call with every value a task stored: buffers in it that carry a recycled buffer's tag are more
 * readers of that memory. Costs nothing while no buffer is tracked.
 */
export function noteStored(value: unknown): void {
  if (entries.size > 0) visit(value, new Set(), 0);
}

function visit(value: unknown, seen: Set<unknown>, depth: number): void {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || seen.has(value)) return;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return noteBuffer(value.buffer, seen);
  if (value instanceof SharedArrayBuffer) return noteBuffer(value, seen);
  if (value instanceof ArrayBuffer) return;
  if (Array.isArray(value)) {
    // An array of numbers or strings (ids, names) holds no buffers.
    if (value.length > 0 && typeof value[0] === 'object') for (const v of value) visit(v, seen, depth + 1);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) visit(v, seen, depth + 1);
    return;
  }
  for (const key in value) visit((value as Record<string, unknown>)[key], seen, depth + 1);
}

function noteBuffer(buffer: ArrayBufferLike, seen: Set<unknown>): void {
  if (!(buffer instanceof SharedArrayBuffer) || seen.has(buffer) || buffer.byteLength < RECYCLE_MIN_BYTES) return;
  seen.add(buffer);
  if (buffer.byteLength % TAG_BYTES !== 0) return;
  const entry = entries.get(new BigUint64Array(buffer, buffer.byteLength - TAG_BYTES, 1)[0]!);
  if (!entry || entry.bytes !== buffer.byteLength) return;
  // The object the columns view is stored as it is by a task on this thread: it is a reader already.
  if (entry.readers.some((r) => r.deref() === buffer)) return;
  addReader(entry, buffer);
}

/**
 * What this job (the synchronous run of code up to the next microtask checkpoint) tracked: those
 * buffers are in the caller's hands (a graph's src and dst columns have one size).
 */
interface Job {
  readonly born: Set<Entry>;
  asked: boolean;
}
let job: Job | undefined;

function currentJob(): Job {
  if (!job) {
    job = { born: new Set(), asked: false };
    queueMicrotask(() => {
      job = undefined;
    });
  }
  return job;
}

function takeDead(size: number): SharedArrayBuffer | undefined {
  const now = currentJob();
  const older = [...(bySize.get(size) ?? [])].filter((e) => !now.born.has(e));
  const found = older.find((e) => e.live === 0);
  if (found) return take(found);
  // Readers of the others may have died since the last collection: ask for one, in the background. It
  // cannot help this fill (a synchronous collection that clears WeakRefs took ~20 ms, more than the
  // faults it would save; one with options scans the stack conservatively and cleared nothing), but
  // the next fill of this size finds them finalized.
  if (older.length > 0) askForCollection();
  return undefined;
}

/**
 * Asks for a background collection when some tracked memory has readers that may have died: a session
 * calls this as it closes, so that loading a graph again in the next session finds the memory of the
 * graph before it (the user's handles of the closing one are usually still alive) finalized, and the
 * collection's pause (~15 ms with a 24 MB heap) falls between the two instead of inside the next load.
 */
export function collectIfUndecided(): void {
  for (const e of entries.values()) {
    if (e.live > 0) return askForCollection();
  }
}

/** One background collection per job at most (a graph's columns are filled in one). */
function askForCollection(): void {
  const now = currentJob();
  if (now.asked) return;
  now.asked = true;
  counters.asked++;
  nudgeCollection();
}

/** Takes a dead entry's memory out of the pool; its pending finalizations go to an entry no one looks up. */
function take(entry: Entry): SharedArrayBuffer {
  forget(entry);
  return entry.keeper;
}

function forget(entry: Entry): void {
  entries.delete(entry.id);
  bySize.get(entry.bytes)?.delete(entry);
}

/** Lets go of idle memory beyond the limit (oldest first) or older than IDLE_MS. */
function trim(): void {
  const now = performance.now();
  const idle = [...entries.values()].filter((e) => e.live === 0).sort((a, b) => a.idleSince - b.idleSince);
  let bytes = idle.reduce((n, e) => n + e.bytes, 0);
  for (const e of idle) {
    if (bytes <= processOptions.recycledMemory && now - e.idleSince < IDLE_MS) break;
    forget(e);
    bytes -= e.bytes;
    counters.released++;
  }
  // Idle memory is let go after IDLE_MS even if nothing else happens; the timer never keeps the process alive.
  if (idleTimer === undefined && idle.some((e) => entries.has(e.id))) {
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      trim();
    }, IDLE_MS).unref();
  }
}

/** What the pool did since the process started (for tests and probes). */
export function recycledBufferStats(): { readonly reused: number; readonly fresh: number; readonly asked: number; readonly released: number; readonly tracked: number } {
  return { ...counters, tracked: entries.size };
}
