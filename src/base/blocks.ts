/**
 * Copying n-dimensional blocks between C-order typed arrays: the one primitive behind rechunking,
 * slicing windows of user data, transposes and assembling fetched results.
 */
import type { TypedArray } from './dtypes.js';
import { sizeOf } from './shape.js';

/** Copies the block of extent `ext` at `srcStart` of `src` into `dst` at `dstStart` (C-order strides). */
export function copyBlock(
  src: TypedArray,
  srcStrides: readonly number[],
  srcStart: readonly number[],
  dst: TypedArray,
  dstStrides: readonly number[],
  dstStart: readonly number[],
  ext: readonly number[],
): void {
  const nd = ext.length;
  if (nd === 0) {
    dst[0] = src[0]!;
    return;
  }
  if (sizeOf(ext) === 0) return;
  let s = 0;
  let d = 0;
  for (let k = 0; k < nd; k++) {
    s += srcStart[k]! * srcStrides[k]!;
    d += dstStart[k]! * dstStrides[k]!;
  }
  const inner = ext[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  for (;;) {
    if (srcStrides[nd - 1] === 1 && dstStrides[nd - 1] === 1) dst.set(src.subarray(s, s + inner), d);
    else for (let j = 0; j < inner; j++) dst[d + j * dstStrides[nd - 1]!] = src[s + j * srcStrides[nd - 1]!]!;
    let k = nd - 2;
    for (; k >= 0; k--) {
      s += srcStrides[k]!;
      d += dstStrides[k]!;
      if (++idx[k]! < ext[k]!) break;
      s -= srcStrides[k]! * ext[k]!;
      d -= dstStrides[k]! * ext[k]!;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}
