/**
 * Shared buffers for values that live and die inside one task (a chained producer's output, see
 * kernels/chain.ts), kept per thread and reused. On this class of machine the first touch of fresh
 * memory costs several milliseconds per megabyte while rewriting warm memory costs a few hundredths,
 * and V8 gives a buffer's pages back only when it collects it — so an intermediate that a consumer reads
 * once and drops is far cheaper in a buffer that was used before.
 *
 * Safety is by construction, not by reference counting: only buffers that `allocate` (base/ndarray.ts)
 * handed out while `trackAllocations` was running are ever returned to the pool, and only those that the
 * caller proves unreachable from what it keeps (`recycle`'s `kept`). A buffer that came from elsewhere —
 * an input, a view of an input — is never in the tracked set, so it can never be reused under anyone.
 * The one other way in is `borrowScratch`/`giveBack`, for scratch a kernel holds only inside its own
 * call (a broadcast reduction's evaluated expression: kernels/tensor/reduce.ts).
 */

import { readyToFill, recycledWasmBuffer } from './recycledBuffers.js';
import { WASM_BUFFER_MIN_BYTES } from './wasmMemory.js';

/** Bytes kept per thread; beyond it, recycled buffers are dropped for the collector. */
const POOL_BYTES = 256 * 1024 * 1024;

const free = new Map<number, SharedArrayBuffer[]>();
let pooledBytes = 0;
let tracked: SharedArrayBuffer[] | undefined;
const counters = { reused: 0, fresh: 0, recycled: 0, dropped: 0 };

/** A zeroed shared buffer of exactly `bytes` (unless `zeroed` is false): a pooled one when one of that size is free. */
function take(bytes: number, zeroed = true): SharedArrayBuffer {
  const list = free.get(bytes);
  const buffer = list?.pop();
  if (buffer) {
    pooledBytes -= bytes;
    counters.reused++;
    // `allocate` promises zeroed memory like a fresh buffer; zeroing warm pages is cheap.
    if (zeroed) new Uint8Array(buffer).fill(0);
    return buffer;
  }
  counters.fresh++;
  return new SharedArrayBuffer(bytes);
}

/**
 * A shared buffer for `allocate` and where its data starts: tracked (and possibly reused) inside
 * `trackAllocations`, else fresh. Zeroed like a fresh one unless `zeroed` is false (the caller writes
 * every byte before reading any). It may be longer than `bytes`.
 */
export function sharedBuffer(bytes: number, zeroed = true): { readonly buffer: SharedArrayBuffer; readonly byteOffset: number } {
  if (!tracked) return bytes >= WASM_BUFFER_MIN_BYTES ? recycledInMemory(bytes, zeroed) : { buffer: new SharedArrayBuffer(bytes), byteOffset: 0 };
  const buffer = take(bytes, zeroed);
  tracked.push(buffer);
  return { buffer, byteOffset: 0 };
}

/**
 * A big buffer in a recycled WebAssembly memory (base/recycledBuffers.ts), which SIMD kernels read in
 * place (base/wasmMemory.ts) — longer than asked (whole pages, the data some pages in, a trailer), so
 * views of it give their offset and length — or a plain one where this thread does not recycle. Never
 * a fresh memory unrecycled: its pages would fault in on every chunk where the allocator hands a plain
 * buffer back warm (a stored 128 MB map: 230-260 ms a step in fresh memories, 74-160 in plain buffers).
 */
function recycledInMemory(bytes: number, zeroed: boolean): { readonly buffer: SharedArrayBuffer; readonly byteOffset: number } {
  const recycled = recycledWasmBuffer(bytes);
  return recycled ? { buffer: readyToFill(recycled, bytes, zeroed), byteOffset: recycled.offset } : { buffer: new SharedArrayBuffer(bytes), byteOffset: 0 };
}

/**
 * Runs `fn` and returns what it returned with every shared buffer `allocate` gave it. `fn` must be
 * synchronous: a task on this thread that ran while it awaited would have its buffers tracked too.
 */
export function trackAllocations<T>(fn: () => T): { readonly value: T; readonly buffers: readonly SharedArrayBuffer[] } {
  const outer = tracked;
  const mine: SharedArrayBuffer[] = [];
  tracked = mine;
  try {
    return { value: fn(), buffers: mine };
  } finally {
    tracked = outer;
    // A nested tracker's buffers belong to the outer one too: they are dead only when it says so.
    if (outer) outer.push(...mine);
  }
}

/**
 * Scratch a kernel writes in full, reads, and drops before it returns (never tracked, never zeroed):
 * give it back with `giveBack` once nothing reads it. Outside any tracking, so a chained task's own
 * bookkeeping never sees it.
 */
export function borrowScratch(bytes: number): SharedArrayBuffer {
  return take(bytes, false);
}

/** From this size, scratch arrays are borrowed in power-of-two buffers, so inputs of about one size share them. */
const ROUNDED_FROM_BYTES = 64 << 10;

/** A typed array constructor `scratchArray` can make an array over a shared buffer with. */
export type ScratchCtor<T extends Int32Array | Float64Array | Uint8Array> = { new (buffer: SharedArrayBuffer, offset: number, length: number): T; readonly BYTES_PER_ELEMENT: number };

/**
 * A scratch typed array of `length` elements (not zeroed) over a borrowed buffer (`borrowScratch`), whose
 * size from 64 KB up is rounded up to a power of two: a graph loaded after one of about its size finds the
 * first one's warm buffers. Give it back with `giveBack(array)` once nothing reads it.
 * (kernels/dataframe/csvScratch.ts is the CSV parser's own pool of the same idea, in private memory.)
 */
export function scratchArray<T extends Int32Array | Float64Array | Uint8Array>(Ctor: ScratchCtor<T>, length: number): T {
  const bytes = Ctor.BYTES_PER_ELEMENT * length;
  return new Ctor(take(bytes < ROUNDED_FROM_BYTES ? bytes : 2 ** Math.ceil(Math.log2(bytes)), false), 0, length);
}

const NOTHING_KEPT: ReadonlySet<ArrayBufferLike> = new Set();

/** Returns a borrowed buffer, or the buffer of a scratch array (`scratchArray`), to the pool. */
export function giveBack(borrowed: SharedArrayBuffer | ArrayBufferView): void {
  recycle([ArrayBuffer.isView(borrowed) ? (borrowed.buffer as SharedArrayBuffer) : borrowed], NOTHING_KEPT);
}

/** Returns tracked buffers to the pool, except those in `kept` (reachable from a value that lives on). */
export function recycle(buffers: readonly SharedArrayBuffer[], kept: ReadonlySet<ArrayBufferLike>): void {
  for (const buffer of buffers) {
    if (kept.has(buffer)) continue;
    if (pooledBytes + buffer.byteLength > POOL_BYTES) {
      counters.dropped++;
      continue;
    }
    let list = free.get(buffer.byteLength);
    if (!list) free.set(buffer.byteLength, (list = []));
    list.push(buffer);
    pooledBytes += buffer.byteLength;
    counters.recycled++;
  }
}

/** Every array buffer reachable from `value` through plain objects, arrays and typed-array views. */
export function buffersIn(value: unknown, into = new Set<ArrayBufferLike>(), depth = 0): Set<ArrayBufferLike> {
  if (typeof value !== 'object' || value === null || depth > 32) return into;
  if (ArrayBuffer.isView(value)) {
    into.add(value.buffer);
    return into;
  }
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
    into.add(value);
    return into;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      buffersIn(k, into, depth + 1);
      buffersIn(v, into, depth + 1);
    }
    return into;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) buffersIn(v, into, depth + 1);
  return into;
}

/** This thread's pool: buffers reused and allocated fresh under tracking, recycled, dropped, bytes held. */
export function scratchPoolStats(): { readonly reused: number; readonly fresh: number; readonly recycled: number; readonly dropped: number; readonly pooledBytes: number } {
  return { ...counters, pooledBytes };
}
