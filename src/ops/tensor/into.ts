/**
 * `tensor.fetch({ into })`: the result written into an array the caller owns instead of a fresh one
 * (NumPy's `out=`). A fresh array of tens of megabytes costs more to fault in than to fill — on a
 * virtual machine a first touch of each page can cost several milliseconds per megabyte — so a caller
 * that fetches results of one size again and again reuses one buffer. The fetched NdArray's `data` is
 * `into` itself; the session's cached chunks are never handed out, so writing into it later changes
 * nothing cached.
 */
import { describeValue } from '../../base/args.js';
import type { DType, TypedArray } from '../../base/dtypes.js';
import { typedArrayCtor } from '../../base/dtypes.js';
import { InvalidArgumentError } from '../../base/errors.js';
import { NdArray } from '../../base/ndarray.js';
import { shapeStr } from '../../base/shape.js';

const WHERE = 'Tensor.fetch({ into })';

/**
 * Checks `into` against a tensor of `dtype` with `size` elements (NaN when the size is not known
 * before the run: then only the type is checked here, the length when the result is assembled).
 */
export function checkInto(into: unknown, dtype: DType, size: number): TypedArray {
  const Ctor = typedArrayCtor(dtype);
  if (!(into instanceof Ctor)) {
    const kind = ArrayBuffer.isView(into) ? `a ${into.constructor.name}` : describeValue(into);
    throw new InvalidArgumentError(`${WHERE}: a ${dtype} tensor is fetched into a ${Ctor.name}; got ${kind}.`);
  }
  if (!Number.isNaN(size)) checkLength(into as TypedArray, size, undefined);
  return into as TypedArray;
}

function checkLength(into: TypedArray, size: number, shape: readonly number[] | undefined): void {
  if (into.length === size) return;
  const of = shape ? ` (shape ${shapeStr(shape)})` : '';
  throw new InvalidArgumentError(`${WHERE}: the result has ${size} elements${of} but into has ${into.length}; pass an array of exactly the result's length.`);
}

/** The array to assemble a result of `shape` into: `into` once its length is checked, or a fresh one. */
export function intoFor(into: TypedArray | undefined, size: number, shape: readonly number[], fresh: () => TypedArray): TypedArray {
  if (!into) return fresh();
  checkLength(into, size, shape);
  return into;
}

/** A fetched value moved into `into` (no copy when it was read there already). */
export function placedInto(value: unknown, into: TypedArray): NdArray {
  if (!(value instanceof NdArray)) throw new InvalidArgumentError(`${WHERE}: the result is not a tensor.`);
  const { data } = value;
  const same = data.buffer === into.buffer && data.byteOffset === into.byteOffset && data.byteLength === into.byteLength;
  if (!same) {
    checkInto(into, value.dtype, NaN);
    checkLength(into, data.length, value.shape);
    into.set(data);
  }
  return new NdArray(value.dtype, value.shape, into);
}
