/**
 * Warm shared memory for the big arrays a graph is made of: a buffer whose arrays nobody can read any
 * more is filled again instead of a fresh one — the main thread's copies of a user's columns, and the
 * CSR arrays the workers build.
 *
 * Why: on the machines this engine is measured on, the first write to a page of fresh memory costs
 * about 10 µs (2.6 ms per MB) and rewriting warm memory a hundredth of that. V8 gives every
 * SharedArrayBuffer fresh pages and frees one only once every thread that held it has collected its
 * handle, so loading a 1M-arc graph again (a new session, the next graph of a loop) faulted in its
 * 15 MB of columns and 4-12 MB of CSR every time: most of the load. CPython frees a dead array at once
 * and its allocator hands the same pages to the next one, which is why scipy reloads that graph in
 * half our time.
 *
 * How a buffer's readers are known — by reachability, checked by the collector, never by timing:
 * - each recycled buffer ends with a trailer after the bytes its arrays view: a magic number, an id
 *   (naming the thread that made it) and a state word, LIVE or DEAD;
 * - the thread that made it keeps its own handle (a clone, never handed out), so the memory stays
 *   mapped, and warm, once everyone else has let go;
 * - the main thread holds every reader: handles, the store, fetched values. It counts, weakly, each
 *   object through which the memory can be read — the array it made, and every buffer a task's output
 *   brings (recognised by its trailer when the output is stored: `noteStored`) — and writes DEAD once
 *   all of them are finalized. Then no handle, no stored chunk, no fetched view and no run in flight (a
 *   run holds its nodes and pins its inputs) can reach it;
 * - the thread that made it fills it again only once it reads DEAD. Worker threads may still hold
 *   stale handles of it, but nothing reads them: a worker keeps no chunk data between tasks.
 * Only arrays made for this are recycled (`recycledBuffer`): a graph's columns (numeric and string), its
 * CSR arrays and layouts, string id codes and app results — never a kernel's scratch, which the main
 * thread would never see die.
 *
 * Recycled memory is idle memory the process keeps: at most the `recycledMemory` option's bytes of it
 * on the main thread and as much on each worker of the main thread's pools; and no buffer
 * is kept for reuse longer than `IDLE_MS` after it was filled. The option at 0 turns it all off.
 */
import { isMainThread, threadId, workerData } from 'node:worker_threads';
import { nudgeCollection } from './gcNudge.js';
import { processOptions } from './processOptions.js';
import { forEachSharedBuffer } from './sharedWalk.js';
import { adopt, memoryOf, wasmBuffer, wasmBufferBytes, wasmBuffersOn } from './wasmMemory.js';
import { beforeUserCopy } from './droppedCopies.js';
import { zeroedArrayBuffer, zeroedSharedBuffer } from './warmSpares.js';

/** Below this a buffer is not worth a trailer: its faults cost less than the bookkeeping. */
export const RECYCLE_MIN_BYTES = 256 << 10;
/** Sizes are rounded up to this, so graphs of nearly the same size share buffers. */
const GRANULE = 64 << 10;
/** Magic (8 bytes), id (8), state (4), padding (4). */
const TRAILER_BYTES = 24;
const MAGIC = 0x5465_7373_6572_6121n;
const LIVE = 1;
const DEAD = 0;
/** A buffer is not kept for reuse longer than this after it was filled. */
const IDLE_MS = 30_000;
/** The option's bytes reach the workers in MiB (an Int32 slot). */
const MIB = 2 ** 20;

/** A buffer this thread made: its memory is filled again once its state reads DEAD. */
interface Owned {
  readonly id: bigint;
  readonly bytes: number;
  readonly keeper: SharedArrayBuffer;
  /** For a buffer in a WebAssembly memory: the keeper's memory (a clone of the one handed out). */
  readonly memory: WebAssembly.Memory | undefined;
  readonly state: Int32Array;
  readonly filledAt: number;
}

/** On the main thread, the readers of a buffer of any thread. */
interface Watched {
  readonly id: bigint;
  /** Where DEAD is written once the readers are gone (a handle of this thread's own). */
  readonly state: Int32Array;
  /** The objects counted (a WeakSet: asking it does not keep them alive, where a WeakRef's deref would to the end of the job). */
  readonly readers: WeakSet<SharedArrayBuffer>;
  /**
   * The same readers as weak references, asked only once one may be gone (a finalizer ran, or a fill
   * met the memory not DEAD), when a live one cannot be reused anyway: a collection clears them at
   * once, where the finalizers run in a later task.
   */
  readonly refs: WeakRef<SharedArrayBuffer>[];
  /** DEAD was written (by a finalizer, or by a fill before the finalizers ran). */
  settled: boolean;
  /**
   * Made by a worker (first seen here in a task's output) and never handed beyond the engine's own
   * holders: its readers are counted (base/bufferHolds.ts), and it is DEAD once they let go.
   */
  counted: boolean;
}

const owned = new Map<bigint, Owned>();
/** Bytes of `owned`, kept as it changes: trim runs on every fill. */
let ownedBytes = 0;
const bySize = new Map<number, Set<Owned>>();
const watched = new Map<bigint, Watched>();
const finalized = new FinalizationRegistry<Watched>((w) => {
  if (settleIfGone(w)) trim();
});

/**
 * DEAD, once, if every reader of `w`'s memory is gone; whether it was settled now. Called by the
 * finalizers and, on the main thread, by a fill that meets memory of its size not DEAD: a collection
 * has cleared the readers' weak references by the time their finalizers' task runs, and a fill can come
 * between the two — a session's close asks for a collection, and the next graph's columns may be packed
 * (one synchronous build) after it and before its finalizers: R-MAT s20's string columns (seven buffers,
 * 370 MB) were then filled fresh, the old ones let go, and the fill asked for another collection, which
 * paused the next run for 250 ms (a 300 MB heap; `.tmp` probe of four loads in a row, --trace-gc).
 */
function settleIfGone(w: Watched): boolean {
  if (w.settled || !w.refs.every((r) => r.deref() === undefined)) return false;
  settle(w);
  counters.dead++;
  return true;
}

function settle(w: Watched): void {
  w.settled = true;
  watched.delete(w.id);
  Atomics.store(w.state, 0, DEAD);
}

/**
 * Main thread: whether the readers of the memory tagged `id` are counted (base/bufferHolds.ts) — a
 * worker's buffer, seen in a task's output and not handed beyond the engine's holders since.
 */
export function countedReaders(id: bigint): boolean {
  return watched.get(id)?.counted === true;
}

/** Main thread: the memory tagged `id` may be read from outside the engine's holders: collection decides. */
export function exposeReaders(id: bigint): void {
  const w = watched.get(id);
  if (w) w.counted = false;
}

/** Main thread: the counted readers of the memory tagged `id` are all gone: DEAD now, without a collection. */
export function settleCounted(id: bigint): void {
  const w = watched.get(id);
  if (!w?.counted || w.settled) return;
  settle(w);
  counters.deadCounted++;
}
let nextId = 1n;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
const counters = { reused: 0, fresh: 0, dead: 0, deadCounted: 0, asked: 0, released: 0 };

/** The buffer size for `bytes` of arrays: rounded up, plus the trailer. */
export function recycledSize(bytes: number): number {
  return Math.ceil(bytes / GRANULE) * GRANULE + TRAILER_BYTES;
}

/** Whether arrays of `bytes` get a recyclable buffer. */
export function recycles(bytes: number): boolean {
  return bytes >= RECYCLE_MIN_BYTES && limit() > 0;
}

/**
 * Whether a worker recycles, and how much it keeps: only the main thread marks buffers DEAD, so only the
 * main thread's pools have it on, with the `recycledMemory` option's limit in MiB (0: off; kept in step
 * on every call here). Pools pass it to their threads as `workerData.recycling` (executors/pool.ts).
 * Each worker keeps as much as the main thread: a big graph's projection leaves its CSR (R-MAT s20:
 * 196 MB of targets, weights and offsets) on the one worker that drove it, often beside the string id
 * codes it encoded (128 MB); under a fixed 256 MiB the next load found the CSR's memory let go and
 * faulted in 47K fresh pages, ~0.6 s of its projection's 1.0 s (a `.tmp` probe of three string loads).
 */
const mainSwitch = new Int32Array(new SharedArrayBuffer(4));
const workerSwitch: Int32Array | undefined = isMainThread
  ? undefined
  : (workerData as { recycling?: unknown } | null)?.recycling instanceof Int32Array
    ? ((workerData as { recycling: Int32Array }).recycling)
    : undefined;

function limit(): number {
  if (!isMainThread) return workerSwitch === undefined ? 0 : Atomics.load(workerSwitch, 0) * MIB;
  const bytes = processOptions.recycledMemory;
  const mib = Math.min(2 ** 31 - 1, Math.ceil(bytes / MIB));
  if (mainSwitch[0] !== mib) Atomics.store(mainSwitch, 0, mib);
  return bytes;
}

/** The switch to give a pool's threads: the main thread's, or one that stays off (see `mainSwitch`). */
export function recyclingSwitchForWorkers(): Int32Array {
  if (!isMainThread) return new Int32Array(new SharedArrayBuffer(4));
  limit();
  return mainSwitch;
}

/**
 * A buffer for `bytes` of arrays (views must start at 0 and stay within `bytes`): warm memory nobody can
 * read when this thread has some, else fresh. `warm` says which (warm memory holds old values, fresh
 * is zeroed). Call `track` once it is filled (or once a fill that gave up is sure no thread writes it
 * any more): it is reused once its readers are gone.
 */
export function recycledBuffer(bytes: number): { readonly buffer: SharedArrayBuffer; readonly warm: boolean } {
  const size = recycledSize(bytes);
  const reused = takeDead(size);
  if (reused) {
    counters.reused++;
    return { buffer: reused, warm: true };
  }
  counters.fresh++;
  return { buffer: zeroedSharedBuffer(size, spareCap()), warm: false };
}

/** Spare memory faulted in ahead (base/warmSpares.ts): an eighth of what this thread may keep recycled, at most 32 MiB. */
function spareCap(): number {
  return Math.min(limit() / 8, 32 * MIB);
}

/**
 * A zero-filled `ArrayBuffer` for a value handed to the user (a fetched result's copy): faulted in
 * ahead when this thread has fetched that size before (base/warmSpares.ts), else fresh — in memory of
 * copies the user dropped, when collecting them first pays (base/droppedCopies.ts).
 */
export function userArrayBuffer(bytes: number): ArrayBuffer {
  // Memory just freed comes back warm: a spare faulted in for this size would only be more fresh pages.
  if (beforeUserCopy(bytes)) return new ArrayBuffer(bytes);
  return zeroedArrayBuffer(bytes, spareCap());
}

/**
 * `recycledBuffer` in a WebAssembly memory of its own (base/wasmMemory.ts), whose SIMD kernels read it in
 * place: a fresh memory's pages always fault in, where a plain buffer often comes back warm from the
 * allocator, so big tensor chunks in memories are only worth it recycled. Undefined when this thread
 * does not recycle or no memory can be made; then a plain buffer serves.
 */
export function recycledWasmBuffer(bytes: number): { readonly buffer: SharedArrayBuffer; readonly warm: boolean; readonly offset: number } | undefined {
  if (!wasmBuffersOn() || !recycles(bytes)) return undefined;
  const span = colourSpan(bytes);
  const size = wasmBufferBytes(bytes + span + TRAILER_BYTES);
  const reused = takeDead(size);
  const buffer = reused ?? wasmBuffer(size);
  if (!buffer) return undefined;
  if (reused) counters.reused++;
  else counters.fresh++;
  return { buffer, warm: reused !== undefined, offset: colourOffset(span) };
}

/**
 * Where a big buffer's data starts in its WebAssembly memory: not at its start, but at a 4 KiB page
 * that differs from one buffer to the next, up to COLOUR_BYTES in (a sixteenth of the buffer for small
 * ones). Every memory starts at the same address modulo a large power of two, so two chunks read side by
 * side — `x` and `y` of `(x * 2 + y).sum()` — met at equal offsets in the same cache sets and the
 * same L1 way-predictor tags (AMD hashes address bits 12 and up): on the EPYC VM the 50M fused sum's
 * loop read two memory-backed inputs at 10 GB/s a thread where plain buffers gave 12-13; the second
 * input 32 KiB further in gave 14 (`.tmp` probe, 25 pairs of 16 MB chunks). The pages before the data
 * are never touched: address space only, no RAM.
 */
const COLOUR_BYTES = 1 << 20;
const COLOUR_PAGE = 4096;
/** A Weyl sequence over the colours (the golden ratio's fraction), started apart on each thread. */
let colourStep = threadId * 7;

function colourSpan(bytes: number): number {
  return Math.min(COLOUR_BYTES, Math.floor(bytes / 16 / COLOUR_PAGE) * COLOUR_PAGE);
}

function colourOffset(span: number): number {
  const slots = span / COLOUR_PAGE + 1;
  const at = (colourStep++ * 0.6180339887498949) % 1;
  return Math.floor(at * slots) * COLOUR_PAGE;
}

/**
 * A buffer from `recycledBuffer` or `recycledWasmBuffer` ready to fill: warm memory zeroed over the
 * `bytes` from its data's offset (unless the caller writes every byte), and tracked.
 */
export function readyToFill(recycled: { readonly buffer: SharedArrayBuffer; readonly warm: boolean; readonly offset?: number }, bytes: number, zeroed: boolean): SharedArrayBuffer {
  if (recycled.warm && zeroed) new Uint8Array(recycled.buffer, recycled.offset ?? 0, bytes).fill(0);
  track(recycled.buffer);
  return recycled.buffer;
}

/** Tags a filled buffer from `recycledBuffer` (a new id, LIVE) and keeps it for reuse. */
export function track(buffer: SharedArrayBuffer): void {
  const id = (BigInt(threadId) << 40n) | nextId++;
  const at = buffer.byteLength - TRAILER_BYTES;
  const tag = new BigUint64Array(buffer, at, 2);
  tag[0] = MAGIC;
  tag[1] = id;
  // The keeper is another object for the same memory: the one handed out must be able to die.
  const handedOut = memoryOf(buffer);
  const memory = handedOut ? structuredClone(handedOut) : undefined;
  const keeper = memory ? (memory.buffer as unknown as SharedArrayBuffer) : structuredClone(buffer);
  const state = new Int32Array(keeper, at + 16, 1);
  Atomics.store(state, 0, LIVE);
  const entry: Owned = { id, bytes: buffer.byteLength, keeper, memory, state, filledAt: performance.now() };
  owned.set(id, entry);
  ownedBytes += entry.bytes;
  let same = bySize.get(entry.bytes);
  if (!same) bySize.set(entry.bytes, (same = new Set()));
  same.add(entry);
  bornThisJob().add(id);
  if (isMainThread) watch(id, buffer, state);
  trim();
}

/**
 * Above zero while a task's kernel runs on the main thread (`fillingForTask`): what it fills is read
 * only through the engine's holders, as a worker's output is, so its readers are counted the same way.
 */
let taskFills = 0;

/** Main thread: runs a task's kernel here, synchronously, its fills counted as a worker's would be. */
export function fillingForTask<T>(run: () => T): T {
  taskFills++;
  try {
    return run();
  } finally {
    taskFills--;
  }
}

/** Main thread: `buffer` is one more object through which the memory tagged `id` can be read. */
function watch(id: bigint, buffer: SharedArrayBuffer, state?: Int32Array): void {
  let w = watched.get(id);
  if (!w) {
    const own = state ?? new Int32Array(structuredClone(buffer), buffer.byteLength - TRAILER_BYTES + 16, 1);
    // Counted when first seen in a task's output (another thread made it) or made by a task's kernel
    // here: any other buffer this thread made is read by whoever its maker handed it to (a graph's
    // column copies, by the graph's node).
    const counted = state === undefined || taskFills > 0;
    watched.set(id, (w = { id, state: own, readers: new WeakSet(), refs: [], settled: false, counted }));
  } else if (w.readers.has(buffer)) {
    return;
  }
  w.readers.add(buffer);
  w.refs.push(new WeakRef(buffer));
  finalized.register(buffer, w);
}

/**
 * Deeper than any value a task returns; arrays shorter than `allBelow` are walked whatever their first
 * element, so a buffer behind a number is not missed.
 */
export const WALK = { maxDepth: 16, allBelow: 1024 } as const;

/**
 * Main thread: call with every value a task stored. Buffers in it that carry a trailer are more readers
 * of that memory, whichever thread made it.
 */
export function noteStored(value: unknown): void {
  if (isMainThread && limit() > 0) forEachSharedBuffer(value, noteBuffer, WALK);
}

function noteBuffer(buffer: SharedArrayBuffer): void {
  const id = trailerId(buffer);
  if (id !== undefined) watch(id, buffer);
}

/**
 * The id a recycled buffer's trailer holds — one per fill, the same on every thread and in every
 * clone of the buffer or of its memory — or undefined for a buffer without one.
 */
export function trailerId(buffer: ArrayBufferLike): bigint | undefined {
  const at = buffer.byteLength - TRAILER_BYTES;
  // A plain recycled buffer is whole granules and a trailer; one in a WebAssembly memory, whole pages.
  if (at < RECYCLE_MIN_BYTES || (at % GRANULE !== 0 && buffer.byteLength % GRANULE !== 0)) return undefined;
  const tag = new BigUint64Array(buffer, at, 2);
  return tag[0] === MAGIC ? tag[1] : undefined;
}

function takeDead(size: number): SharedArrayBuffer | undefined {
  const born = bornThisJob();
  let undecided = false;
  for (const e of bySize.get(size) ?? []) {
    if (born.has(e.id)) continue;
    const w = isMainThread && Atomics.load(e.state, 0) !== DEAD ? watched.get(e.id) : undefined;
    if (w) settleIfGone(w);
    if (Atomics.load(e.state, 0) === DEAD) {
      forget(e);
      // Handed out again: this thread knows the keeper's buffer as that memory's from now on.
      if (e.memory) adopt([e.memory]);
      return e.keeper;
    }
    undecided = true;
  }
  // Readers of the others may have died since the last collection: ask for one, in the background. It
  // cannot help this fill (a synchronous collection that clears WeakRefs took ~20 ms, more than the
  // faults it would save; one with options scans the stack conservatively and cleared nothing), but
  // the next fill of this size finds them finalized.
  if (undecided && isMainThread && performance.now() - lastFillAsk >= FILL_ASK_MS) {
    lastFillAsk = performance.now();
    askForCollection();
  }
  return undefined;
}

/**
 * A fill asks for a collection at most this often. Each ask is a major collection of the main thread's
 * heap (10-30 ms), and a run filling chunk after chunk while the earlier ones are still read (a stored
 * tensor made on this thread) asked once per chunk, for nothing: `execute` of a 5000x5000 random tensor
 * on the local executor took 141-177 ms asking, 99-112 without (`.tmp` probe, alternated).
 */
const FILL_ASK_MS = 250;
let lastFillAsk = -Infinity;

/**
 * Main thread: asks for a background collection when some recycled memory has readers that may have
 * died. A session calls this as it closes, so that the next session's graph finds the memory of the
 * graph before this one (whose handles are usually still alive) finalized, and the collection's pause
 * (~15 ms with a 24 MB heap) falls between the two instead of inside the next load.
 */
export function collectIfUndecided(): void {
  if (watched.size > 0) askForCollection();
}

/** A background collection, unless one asked for has not run yet (base/gcNudge.ts): one per job at most. */
function askForCollection(): void {
  if (nudgeCollection()) counters.asked++;
}

function forget(e: Owned): void {
  owned.delete(e.id);
  ownedBytes -= e.bytes;
  bySize.get(e.bytes)?.delete(e);
}

/** Lets go of memory kept beyond this thread's limit (the oldest first) or for longer than IDLE_MS. */
function trim(): void {
  const now = performance.now();
  // Map order is fill order: the oldest first.
  for (const e of owned.values()) {
    if (ownedBytes <= limit() && now - e.filledAt < IDLE_MS) break;
    forget(e);
    counters.released++;
  }
  // Kept memory is let go after IDLE_MS even if nothing else happens; the timer never keeps a thread alive.
  if (idleTimer === undefined && owned.size > 0) {
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      trim();
    }, IDLE_MS);
    idleTimer.unref();
  }
}

/**
 * The buffers this job (the synchronous run of code up to the next microtask checkpoint) filled: they
 * are in its hands (a graph's src and dst columns have one size).
 */
let bornInJob: Set<bigint> | undefined;

function bornThisJob(): Set<bigint> {
  if (!bornInJob) {
    bornInJob = new Set();
    queueMicrotask(() => {
      bornInJob = undefined;
    });
  }
  return bornInJob;
}

/** What this thread's recycling did since it started (for tests and probes). */
export function recycledBufferStats(): {
  /** Fills in warm memory, and in fresh. */
  readonly reused: number;
  readonly fresh: number;
  /** Main thread: buffers (of any thread) whose last reader was finalized, marked DEAD. */
  readonly dead: number;
  /** Main thread: workers' buffers marked DEAD when their last counted holder let go (base/bufferHolds.ts). */
  readonly deadCounted: number;
  /** Background collections asked for. */
  readonly asked: number;
  /** Buffers let go (limit or age). */
  readonly released: number;
  /** Buffers this thread keeps for reuse now. */
  readonly kept: number;
} {
  return { ...counters, kept: owned.size };
}
