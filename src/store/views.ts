/**
 * Typed-array kinds by name. A blob remembers the standard constructor of its bytes (`Float64Array`, ...)
 * so that bytes read back from a spill file, or a zero-length blob, become the same kind of array again —
 * in shared memory, so a restored chunk still reaches a worker without a copy.
 */
import { standardViewKind, typedArrayCtor } from '../base/plainSkeleton.js';
import { StoreTypeError } from './errors.js';

export { bytesOf } from '../base/plainSkeleton.js';

/** True for typed arrays (and Node Buffers); DataViews are not values the store keeps. */
export function isTypedArray(value: unknown): value is ArrayBufferView {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/** The standard constructor name in the value's prototype chain (a Node `Buffer` is a `Uint8Array`). */
export function viewKind(view: ArrayBufferView): string {
  const kind = standardViewKind(view);
  if (kind === undefined) throw new StoreTypeError(`A ${view.constructor.name} is not a typed array the store can keep.`);
  return kind;
}

/** A view of `kind` over `byteLength` bytes of `buffer`. */
export function makeView(kind: string, buffer: ArrayBufferLike, byteOffset: number, byteLength: number): ArrayBufferView {
  const Ctor = typedArrayCtor(kind);
  if (!Ctor) throw new StoreTypeError(`Unknown typed-array kind '${kind}' in stored metadata.`);
  return new Ctor(buffer, byteOffset, byteLength / Ctor.BYTES_PER_ELEMENT);
}

/** Fresh shared memory holding a view of `kind` with `byteLength` bytes. */
export function allocateShared(kind: string, byteLength: number): ArrayBufferView {
  return makeView(kind, new SharedArrayBuffer(byteLength), 0, byteLength);
}

/** The same bytes seen as `kind` (a zero-copy re-view, e.g. the shared empty blob as a Float64Array). */
export function asKind(view: ArrayBufferView, kind: string): ArrayBufferView {
  return viewKind(view) === kind ? view : makeView(kind, view.buffer, view.byteOffset, view.byteLength);
}
