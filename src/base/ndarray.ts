/**
 * Array values. `ArrayData` is the plain form a chunk takes in the store and on the wire (it survives
 * structured clone, and its data lives in a SharedArrayBuffer so it crosses threads without a copy);
 * `NdArray` is the user-facing view of fetched data with indexing and a NumPy-style repr.
 */
import { isMainThread } from 'node:worker_threads';
import { type DType, type TypedArray, checkDType, typedArrayCtor } from './dtypes.js';
import { InvalidArgumentError, ShapeError } from './errors.js';
import { FIRST_TOUCH_MIN_BYTES, sharedFilled, type TypedArrayOf } from './firstTouch.js';
import { formatArray } from './format.js';
import { userArrayBuffer } from './recycledBuffers.js';
import { sharedBuffer } from './scratchPool.js';
import { type Shape, shapeStr, sizeOf, stridesOf } from './shape.js';

export interface ArrayData {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** C-contiguous, exactly `size(shape)` elements. */
  readonly data: TypedArray;
}

/** Below this size a copy across threads costs less than creating shared memory. */
const SHARED_MIN_BYTES = 4096;

/**
 * A fresh typed array: over shared memory, so it reaches any worker without a copy — except for tiny
 * arrays, where allocating a SharedArrayBuffer costs more than the copy it would save. Inside a chained
 * producer (kernels/chain.ts) the buffer may be a reused one from this thread's scratch pool.
 */
export function allocate(dtype: DType, length: number): TypedArray {
  return allocated(dtype, length, true);
}

/**
 * A zero-filled array handed to the user (a fetched result's copy) in a plain buffer: warm memory of the
 * copies they dropped, or a spare faulted in ahead (recycledBuffers.ts `userArrayBuffer`) — not recycled
 * shared memory, which comes back only after a collection has finalized its last reader, so a loop
 * fetching an 8 MB tensor faulted in 2,000 fresh pages a fetch (23-26 ms each on this project's VMs).
 */
export function allocateForUser(dtype: DType, length: number): TypedArray {
  const Ctor = typedArrayCtor(dtype);
  return new Ctor(userArrayBuffer(length * Ctor.BYTES_PER_ELEMENT), 0, length);
}

/**
 * `allocate` for a kernel that writes every element before anything reads it (a random draw, an
 * elementwise map, a copy): a reused buffer is not zeroed first. Zeroing a chained random chunk cost a
 * quarter of `rand(25e6).sum()` on one thread (a CPU profile: 441 of ~1,700 ms in the pool's zeroing).
 */
export function allocateOverwritten(dtype: DType, length: number): TypedArray {
  return allocated(dtype, length, false);
}

function allocated(dtype: DType, length: number, zeroed: boolean): TypedArray {
  const Ctor = typedArrayCtor(dtype);
  const bytes = length * Ctor.BYTES_PER_ELEMENT;
  if (bytes < SHARED_MIN_BYTES) return new Ctor(new ArrayBuffer(bytes), 0, length);
  const { buffer, byteOffset } = sharedBuffer(bytes, zeroed);
  return new Ctor(buffer, byteOffset, length);
}

/**
 * `src` as values of `dtype` in shared memory: returned as is when it already is exactly that, else
 * copied with NumPy's cast (truncation toward zero for int64, non-zero → 1 for bool; typed-array
 * stores do the rest).
 */
export function toShared(dtype: DType, src: ArrayLike<number>): TypedArray {
  if (ArrayBuffer.isView(src) && src.buffer instanceof SharedArrayBuffer && src.constructor === typedArrayCtor(dtype)) {
    if (dtype !== 'bool' && dtype !== 'int64') return src as unknown as TypedArray;
  }
  const cast = (out: TypedArray, from: number, to: number): void => {
    if (dtype === 'int64') for (let i = from; i < to; i++) out[i] = Math.trunc(src[i]!);
    else if (dtype === 'bool') for (let i = from; i < to; i++) out[i] = src[i] !== 0 ? 1 : 0;
    else if (from === 0 && to === src.length) out.set(src);
    else if (ArrayBuffer.isView(src)) out.set((src as unknown as Float64Array).subarray(from, to), from);
    else for (let i = from; i < to; i++) out[i] = src[i]!;
  };
  const Ctor = typedArrayCtor(dtype);
  // Big arrays built on the main thread: their pages are faulted in by a helper thread meanwhile (firstTouch.ts).
  if (isMainThread && src.length * Ctor.BYTES_PER_ELEMENT >= FIRST_TOUCH_MIN_BYTES) {
    return sharedFilled(Ctor as unknown as TypedArrayOf<Float64Array>, src.length, (out, from, to) => cast(out, from, to))!;
  }
  const out = allocate(dtype, src.length);
  cast(out, 0, src.length);
  return out;
}

export function isArrayData(v: unknown): v is ArrayData {
  return (
    typeof v === 'object' &&
    v !== null &&
    'dtype' in v &&
    'shape' in v &&
    'data' in v &&
    ArrayBuffer.isView((v as ArrayData).data)
  );
}

export class NdArray implements ArrayData {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
  readonly #strides: number[];

  constructor(dtype: DType, shape: Shape, data: TypedArray) {
    this.dtype = checkDType(dtype);
    if (data.length !== sizeOf(shape)) {
      throw new ShapeError(`data has ${data.length} elements, shape ${shapeStr(shape)} needs ${sizeOf(shape)}.`);
    }
    this.shape = Object.freeze([...shape]);
    this.data = data;
    this.#strides = stridesOf(shape);
  }

  static from(a: ArrayData): NdArray {
    return a instanceof NdArray ? a : new NdArray(a.dtype, a.shape, a.data);
  }

  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return this.data.length;
  }
  get nbytes(): number {
    return this.data.byteLength;
  }

  /** One element by full index (negative indices count from the end). */
  get(...index: number[]): number {
    if (index.length !== this.shape.length) {
      throw new InvalidArgumentError(`get() needs ${this.shape.length} indices for shape ${shapeStr(this.shape)}, got ${index.length}.`);
    }
    let off = 0;
    for (let i = 0; i < index.length; i++) {
      const d = this.shape[i]!;
      let k = index[i]!;
      if (k < 0) k += d;
      if (!Number.isInteger(k) || k < 0 || k >= d) {
        throw new InvalidArgumentError(`index ${index[i]} is out of bounds for axis ${i} with size ${d}.`);
      }
      off += k * this.#strides[i]!;
    }
    return this.data[off]!;
  }

  /** The single value of a size-1 array (NumPy `item()`). */
  item(): number | boolean {
    if (this.data.length !== 1) {
      throw new InvalidArgumentError(`item() needs an array of size 1, this one has shape ${shapeStr(this.shape)}.`);
    }
    return this.dtype === 'bool' ? this.data[0] !== 0 : this.data[0]!;
  }

  /** Nested JS arrays (booleans for bool arrays); a 0-d array gives its scalar. */
  toArray(): unknown {
    const conv = this.dtype === 'bool' ? (x: number) => x !== 0 : (x: number) => x;
    const build = (axis: number, off: number): unknown => {
      if (axis === this.shape.length) return conv(this.data[off]!);
      const out: unknown[] = [];
      for (let i = 0; i < this.shape[axis]!; i++) out.push(build(axis + 1, off + i * this.#strides[axis]!));
      return out;
    };
    return build(0, 0);
  }

  [Symbol.toPrimitive](hint: string): number | string {
    if (hint !== 'string' && this.data.length === 1) return this.data[0]!;
    return this.toString();
  }

  toString(): string {
    return formatArray(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
