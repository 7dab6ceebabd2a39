/**
 * Big chunks in WebAssembly memory, so a WebAssembly kernel can read them in place. A WebAssembly
 * module reads only the memory it was instantiated with, and a SharedArrayBuffer cannot become one
 * after the fact — but a shared `WebAssembly.Memory`'s buffer is a SharedArrayBuffer like any other: the
 * engine's typed arrays, the store, the walks and the transfers between threads treat it as one. So
 * `allocate` (base/ndarray.ts, through scratchPool.ts) takes big buffers from a memory of their own —
 * recycled (base/recycledBuffers.ts), since a fresh memory's pages fault in every time — and a SIMD
 * kernel reads a chunk where it lies instead of at the speed of scalar JavaScript
 * (kernels/tensor/wasmExtreme.ts: a strided max at 17-18 GB/s on one thread where JS reads 11-14).
 *
 * A buffer reached from another thread arrives without its memory: the memories travel beside the
 * values that hold them (`memoriesIn` on the sending side, `adopt` on the receiving one). Within one
 * message the structured clone keeps identity, so the received memory's `buffer` is the very object the
 * received arrays view, and this thread finds it by that buffer from then on.
 *
 * Each memory reserves address space for a whole 32-bit WebAssembly memory (about 10 GB of it, not
 * RAM): a process holds 13,084 at most (measured with 4 MiB memories). Only buffers of MIN_BYTES and more are made
 * this way, so that many is never near while they fit in RAM; when one cannot be made, the buffer is a
 * plain SharedArrayBuffer, which every kernel reads too.
 */
import { forEachSharedBuffer } from './sharedWalk.js';

/** Smallest buffer put in a memory of its own (a default tensor chunk is 16 MiB). */
export const WASM_BUFFER_MIN_BYTES = 4 * 2 ** 20;
const PAGE_BYTES = 65536;
/** A 32-bit memory's pages; bigger buffers stay plain. */
const MAX_PAGES = 65536;

const memories = new WeakMap<SharedArrayBuffer, WebAssembly.Memory>();
/** Whether this thread ever made or received a memory: walks are skipped until it has. */
let any = false;
let enabled = typeof WebAssembly === 'object';
/**
 * After a memory could not be made, none is tried until then: a failing creation costs ~12 ms (V8
 * collects and retries first), and the process stays out of address space until some are freed.
 */
let pausedUntil = 0;
const PAUSE_MS = 1000;

/** The bytes of the WebAssembly memory `wasmBuffer(bytes)` makes: whole 64 KiB pages. */
export function wasmBufferBytes(bytes: number): number {
  return Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES;
}

/**
 * A zeroed shared buffer of at least `bytes` (a whole number of 64 KiB pages) in a WebAssembly memory
 * of its own, or undefined when it is too small or too big to be one, or cannot be made.
 */
export function wasmBuffer(bytes: number): SharedArrayBuffer | undefined {
  if (!enabled || bytes < WASM_BUFFER_MIN_BYTES || (pausedUntil !== 0 && performance.now() < pausedUntil)) return undefined;
  const pages = Math.ceil(bytes / PAGE_BYTES);
  if (pages > MAX_PAGES) return undefined;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    // Out of address space (or no shared memories here): a plain buffer serves as well.
    pausedUntil = performance.now() + PAUSE_MS;
    return undefined;
  }
  // A shared memory's buffer is a SharedArrayBuffer (the DOM typings say ArrayBuffer).
  const buffer = memory.buffer as unknown as SharedArrayBuffer;
  memories.set(buffer, memory);
  any = true;
  return buffer;
}

/** The memory `buffer` is the contents of, when this thread knows it. */
export function memoryOf(buffer: ArrayBufferLike): WebAssembly.Memory | undefined {
  return any ? memories.get(buffer as SharedArrayBuffer) : undefined;
}

const WALK = { maxDepth: 8 } as const;

/** The memories of the buffers reachable from `value` that this thread knows, or undefined when none. */
export function memoriesIn(value: unknown): WebAssembly.Memory[] | undefined {
  if (!any) return undefined;
  let found: WebAssembly.Memory[] | undefined;
  forEachSharedBuffer(
    value,
    (buffer) => {
      const memory = memories.get(buffer);
      if (memory) (found ??= []).push(memory);
    },
    WALK,
  );
  return found;
}

/** Knows each received memory by its buffer — the same object as the arrays of the same message view. */
export function adopt(received: readonly WebAssembly.Memory[] | undefined): void {
  if (!received) return;
  for (const memory of received) memories.set(memory.buffer as unknown as SharedArrayBuffer, memory);
  if (received.length > 0) any = true;
}

/** Whether this thread puts big buffers in WebAssembly memories (see `setWasmBuffers`). */
export function wasmBuffersOn(): boolean {
  return enabled;
}

/** Turns the memories off (or on again) for buffers made from now on: for tests comparing both paths. */
export function setWasmBuffers(on: boolean): void {
  enabled = on && typeof WebAssembly === 'object';
}
