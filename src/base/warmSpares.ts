/**
 * Zero-filled buffers whose pages are already in memory, for the sizes a thread asks for again and
 * again: the array a user's `toArray('r')` fetches, an app's result array in a worker.
 *
 * Why: on the machines this engine is measured on, the first write to a page of fresh memory costs
 * about 10 µs (base/recycledBuffers.ts). A warm loop that runs BFS on a 65,536-vertex graph and fetches
 * its depths made two such arrays a run — the worker's 256 KB of depths and the user's 512 KB copy —
 * and faulted in ~200 pages each time, ~2 ms of a 7 ms run, where the search itself takes less. Memory
 * nobody reads any more cannot serve (the user's last array may be held; the engine learns that it died
 * only from a collection), but fresh memory can be faulted in ahead of time, while the thread has
 * nothing else to do: a worker between tasks, the main thread while the workers compute.
 *
 * How: when a thread asks for a size it asked for in an earlier job (a later task, a later fetch — the
 * pattern of a loop; the same size twice in one job is a load's columns, whose next load reuses their
 * memory instead: base/recycledBuffers.ts), it is given fresh memory as before, and a spare of
 * that size is made and faulted in the background, a slice of pages per turn of the event loop (so a
 * task or a run's dispatch waits at most one slice). The next ask of that size takes the spare, whole
 * or half faulted (untouched pages are zero all the same) and a new spare is started.
 *
 * On the main thread, once a spare of some size was found not begun when it was wanted, that size's
 * spares are made and faulted in by the helper thread instead (base/helperThread.ts, which says why it
 * makes them) and come whole: in a warm loop whose work runs on the main thread (a small BFS), this
 * thread has no idle turn to fault a spare in, and those faults were the biggest part of the run. Where
 * it has idle turns (the workers compute, it waits), spares stay its own: sending one there and back
 * cost a warm WCC on R-MAT s16 ~0.3 ms a run more than touching it here. The helper takes spares only
 * where a fault costs at least HELPER_MIN_PAGE_MS: where one costs 0.75 µs, a 512 KB spare's faults
 * (~0.1 ms) cost about what asking the helper does (posting a message: 0.03-0.08 ms), and there a spare
 * not begun in time is simply taken later, as far as this thread got with it.
 *
 * A spare is only ever written with zeros, so it is exactly what `new ArrayBuffer` would give. Spares
 * unused for IDLE_MS are let go, and those still being faulted in when a session closes; a thread keeps
 * at most its `cap` of them, none bigger than SPARE_MAX_BYTES (bigger arrays are a big graph's, loaded
 * once, not a loop's results).
 */
import { isMainThread } from 'node:worker_threads';
import { arrivedBuffers, hasHelperThread, makeOnHelper } from './helperThread.js';
import { freshPageMs } from './pageFaults.js';

/** Below this a size's faults cost less than keeping a spare for it. */
export const SPARE_MIN_BYTES = 128 << 10;
/** The biggest spare: a million-vertex result as float64 (8 MiB) and its buffer's trailer. */
export const SPARE_MAX_BYTES = 9 << 20;
/** Pages faulted in per turn of the event loop: 64 pages, ~0.6 ms where a fault costs 10 µs. */
const SLICE_BYTES = 256 << 10;
const PAGE_BYTES = 4096;
/** A spare not taken for this long is let go. */
const IDLE_MS = 30_000;
/** Sizes remembered as asked for. */
const REMEMBERED_SIZES = 64;
/**
 * The cheapest page fault for which the helper thread makes spares (see the file's comment): where
 * faults cost 10-14 µs, a 512 KB copy's 128 faults took 1.7-1.9 ms of a 2.5 ms warm R-MAT s16 BFS run;
 * where one costs 0.75 µs, they take ~0.1 ms, and the helper thread is not started for that.
 */
export const HELPER_MIN_PAGE_MS = 0.002;

type Kind = 'plain' | 'shared';

interface Spare {
  readonly key: string;
  readonly kind: Kind;
  readonly bytes: number;
  /**
   * Made by the first slice, not by the ask that started the spare: a big allocation can cost as much
   * as its faults (the allocator may clear reused memory), and the ask is on the caller's clock.
   */
  buffer: ArrayBuffer | SharedArrayBuffer | undefined;
  /** Bytes from the start whose pages are faulted in. */
  touched: number;
  readonly madeAt: number;
  /** The helper thread's job making it, until its buffer has come (a plain spare on the main thread). */
  remote?: number;
}

const spares = new Map<string, Spare>();
let spareBytes = 0;
/** Sizes asked for, with the job that last asked (the oldest forgotten first). */
const asked = new Map<string, object>();
/** Spares still being faulted in, in the order they were started (the newest is touched first). */
const touching: Spare[] = [];
/** Spares the helper thread is making, by job. */
const awaited = new Map<number, Spare>();
let lastJob = 0;
let touchScheduled = false;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
const counters = { taken: 0, made: 0, released: 0, takenUntouchedBytes: 0, madeByHelper: 0 };

/**
 * A zero-filled `ArrayBuffer` of `bytes`: a spare faulted in ahead when there is one, else fresh. `cap`
 * is the most spare memory this thread may keep (0: none, and this is `new ArrayBuffer`).
 */
export function zeroedArrayBuffer(bytes: number, cap: number): ArrayBuffer {
  return take('plain', bytes, cap) as ArrayBuffer;
}

/** `zeroedArrayBuffer` for a `SharedArrayBuffer`. */
export function zeroedSharedBuffer(bytes: number, cap: number): SharedArrayBuffer {
  return take('shared', bytes, cap) as SharedArrayBuffer;
}

function fresh(kind: Kind, bytes: number): ArrayBuffer | SharedArrayBuffer {
  return kind === 'shared' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

function take(kind: Kind, bytes: number, cap: number): ArrayBuffer | SharedArrayBuffer {
  if (bytes < SPARE_MIN_BYTES || bytes > Math.min(cap, SPARE_MAX_BYTES)) return fresh(kind, bytes);
  const key = `${kind} ${bytes}`;
  const spare = spares.get(key);
  if (spare?.remote !== undefined) collectArrived();
  if (spare?.buffer) {
    forget(spare);
    counters.taken++;
    counters.takenUntouchedBytes += bytes - spare.touched;
    makeSpare(kind, bytes, key, cap);
    return spare.buffer;
  }
  if (spare) {
    // A spare not begun yet: this thread had no idle turn since it was started (a warm loop whose runs
    // end in promise jobs alone, as a BFS on this thread does). It goes on as the next one — on the
    // helper thread, as do the later spares of this size.
    if (spare.remote === undefined && spare.touched === 0) toHelper(spare);
    // A helper thread that died sends nothing: its spare is let go, for a new one to start.
    else if (spare.remote !== undefined && !hasHelperThread()) {
      forget(spare);
      counters.released++;
    }
    return fresh(kind, bytes);
  }
  const job = currentJob();
  const before = asked.get(key);
  if (before !== undefined && before !== job) makeSpare(kind, bytes, key, cap);
  remember(key, job);
  return fresh(kind, bytes);
}

function remember(key: string, job: object): void {
  asked.delete(key);
  asked.set(key, job);
  if (asked.size > REMEMBERED_SIZES) asked.delete(asked.keys().next().value!);
}

/** The synchronous run of code up to the next microtask checkpoint, as an object of its own. */
let job: object | undefined;

function currentJob(): object {
  if (!job) {
    job = {};
    queueMicrotask(() => {
      job = undefined;
    });
  }
  return job;
}

function makeSpare(kind: Kind, bytes: number, key: string, cap: number): void {
  // Room is made by letting go of the oldest spares: the sizes asked for lately are the likely ones.
  for (const s of spares.values()) {
    if (spareBytes + bytes <= cap) break;
    forget(s);
    counters.released++;
  }
  if (spareBytes + bytes > cap) return;
  const spare: Spare = { key, kind, bytes, buffer: undefined, touched: 0, madeAt: performance.now() };
  spares.set(key, spare);
  spareBytes += bytes;
  counters.made++;
  scheduleIdleCheck();
  // A size found wanting before goes to the helper at once (only plain ones are ever there).
  if (helperSizes.has(key) && toHelper(spare)) return;
  touching.push(spare);
  scheduleTouch();
}

/** Sizes whose spares the helper thread makes (the oldest forgotten first). */
const helperSizes = new Set<string>();

/**
 * Hands a plain spare not begun yet to the helper thread, on the main thread (base/helperThread.ts),
 * which makes its buffer; whether it did.
 */
function toHelper(spare: Spare): boolean {
  if (spare.kind !== 'plain' || !helperPays()) return false;
  const id = ++lastJob;
  if (!makeOnHelper(id, spare.bytes)) return false;
  const at = touching.indexOf(spare);
  if (at >= 0) touching.splice(at, 1);
  spare.remote = id;
  awaited.set(id, spare);
  helperSizes.delete(spare.key);
  helperSizes.add(spare.key);
  if (helperSizes.size > REMEMBERED_SIZES) helperSizes.delete(helperSizes.values().next().value!);
  return true;
}

/**
 * Whether this thread's plain spares go to the helper thread: on the main thread, where a fault is dear
 * enough (asked first, so that the helper is not started where it would not be used).
 */
function helperPays(): boolean {
  return isMainThread && freshPageMs() >= HELPER_MIN_PAGE_MS && hasHelperThread();
}

/** Gives the spares whose buffers the helper thread has sent theirs; a buffer for a spare let go meanwhile is dropped. */
function collectArrived(): void {
  for (const { id, buffer } of arrivedBuffers()) {
    const spare = awaited.get(id);
    if (!spare) continue;
    awaited.delete(id);
    spare.buffer = buffer;
    spare.touched = spare.bytes;
    spare.remote = undefined;
    counters.madeByHelper++;
  }
}

function forget(spare: Spare): void {
  spares.delete(spare.key);
  spareBytes -= spare.bytes;
  if (spare.remote !== undefined) awaited.delete(spare.remote);
  const at = touching.indexOf(spare);
  if (at >= 0) touching.splice(at, 1);
}

function scheduleTouch(): void {
  if (touchScheduled || touching.length === 0) return;
  touchScheduled = true;
  // setImmediate runs after the I/O and messages already waiting: a task or a run's results that have
  // arrived go first. Referenced: an unreferenced immediate lets the event loop sleep in its poll, and
  // then a thread waiting for its workers touched one slice per message it got (two a warm run), not
  // the spare. A thread may therefore live on until its spares are touched (at most the cap's pages).
  setImmediate(touchSlice);
}

/**
 * Faults in the next SLICE_BYTES of the newest spare still being touched (writing zeros over zeros):
 * the newest was started because its size was just taken, so it is the one the next run will ask for;
 * an older one never taken since would otherwise hold up every spare behind it.
 */
function touchSlice(): void {
  touchScheduled = false;
  const spare = touching[touching.length - 1];
  if (!spare) return;
  spare.buffer ??= fresh(spare.kind, spare.bytes);
  const bytes = new Uint8Array(spare.buffer);
  const end = Math.min(bytes.length, spare.touched + SLICE_BYTES);
  for (let at = spare.touched; at < end; at += PAGE_BYTES) bytes[at] = 0;
  spare.touched = end;
  if (end === bytes.length) touching.pop();
  scheduleTouch();
}

function scheduleIdleCheck(): void {
  if (idleTimer !== undefined || spares.size === 0) return;
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    const now = performance.now();
    for (const s of spares.values()) {
      if (now - s.madeAt < IDLE_MS) continue;
      forget(s);
      counters.released++;
    }
    scheduleIdleCheck();
  }, IDLE_MS);
  idleTimer.unref();
}

/** What this thread's spares did since it started (for tests and probes). */
export function warmSpareStats(): {
  /** Asks served by a spare, and the bytes of them that were not faulted in yet when taken. */
  readonly taken: number;
  readonly takenUntouchedBytes: number;
  /** Spares started, and let go untaken (room for a newer one, or idle). */
  readonly made: number;
  /** Spares made by the helper thread and come from it (base/helperThread.ts). */
  readonly madeByHelper: number;
  readonly released: number;
  /** Spares kept now, their bytes, and the bytes of them still to be faulted in. */
  readonly kept: number;
  readonly keptBytes: number;
  readonly untouchedBytes: number;
} {
  collectArrived();
  const untouchedBytes = [...touching, ...awaited.values()].reduce((sum, s) => sum + s.bytes - s.touched, 0);
  return { ...counters, kept: spares.size, keptBytes: spareBytes, untouchedBytes };
}

/**
 * Lets go of the spares still being faulted in, so that no slice is left to keep the thread's event
 * loop going: a session's close calls it, and a script that closes its session then exits at once
 * instead of after its spares' pages (an 8 MB spare: ~20 ms here). Those the helper thread is still
 * making go too (their buffers are dropped when they come).
 */
export function dropUnfinishedSpares(): void {
  collectArrived();
  for (const spare of [...touching, ...awaited.values()]) {
    forget(spare);
    counters.released++;
  }
}

/** Lets go of every spare and forgets the sizes asked for (tests). */
export function dropWarmSpares(): void {
  collectArrived();
  for (const s of spares.values()) forget(s);
  helperSizes.clear();
  asked.clear();
  clearTimeout(idleTimer);
  idleTimer = undefined;
}
