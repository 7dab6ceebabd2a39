/**
 * Typed arrays backed by `SharedArrayBuffer`. Every array the graph library hands out (CSR offsets,
 * targets, weights, algorithm state and results) lives in shared memory, so the engine can pass it to a
 * worker thread by reference: structured clone of a view over a SharedArrayBuffer shares the memory
 * instead of copying it. A fresh SharedArrayBuffer is zero-filled, like an ArrayBuffer.
 */
import { readyToFill, recycledBuffer, recycles } from '../base/recycledBuffers.js';

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

/**
 * An array a kernel returns (a CSR's arrays, an app's result) in recycled memory when it is big
 * (base/recycledBuffers.ts): the memory of an earlier graph's arrays that nobody can read any more, if
 * this thread has some of that size, else fresh. Zeroed unless `writesAll` (the caller writes every
 * element before anyone reads one). Never for scratch that dies inside the kernel: its death would go
 * unseen, and its memory kept for nothing until it is let go.
 */
export function outputInt32(length: number, writesAll = false): Int32Array {
  return new Int32Array(outputBuffer(length * 4, writesAll), 0, length);
}

export function outputFloat64(length: number, writesAll = false): Float64Array {
  return new Float64Array(outputBuffer(length * 8, writesAll), 0, length);
}

/** Bytes in recycled memory (see `outputInt32`). */
export function outputBytes(length: number, writesAll = false): Uint8Array {
  return new Uint8Array(outputBuffer(length, writesAll), 0, length);
}

/** Offsets (see `sharedOffsets`) in recycled memory, zeroed unless `writesAll` (see `outputInt32`). */
export function outputOffsets(n: number, arcs: number, writesAll = false): Offsets {
  return arcs < 2 ** 31 ? outputInt32(n + 1, writesAll) : outputFloat64(n + 1, writesAll);
}

function outputBuffer(bytes: number, writesAll: boolean): SharedArrayBuffer {
  return recycles(bytes) ? readyToFill(recycledBuffer(bytes), bytes, !writesAll) : new SharedArrayBuffer(bytes);
}

export function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

