/**
 * Typed arrays backed by `SharedArrayBuffer`. Every array the graph library hands out (CSR offsets,
 * targets, weights, algorithm state and results) lives in shared memory, so the engine can pass it to a
 * worker thread by reference: structured clone of a view over a SharedArrayBuffer shares the memory
 * instead of copying it. A fresh SharedArrayBuffer is zero-filled, like an ArrayBuffer.
 */

/** The offsets of a CSR: Int32Array while the arc count fits in int32, Float64Array (exact to 2^53) beyond. */
export type Offsets = Int32Array | Float64Array;

export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * 4));
}

export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * 8));
}

/** Offsets for `arcs` arcs over `n` vertices, in the narrowest type that can hold `arcs`. */
export function sharedOffsets(n: number, arcs: number): Offsets {
  return arcs < 2 ** 31 ? sharedInt32(n + 1) : sharedFloat64(n + 1);
}

export function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

