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
  let s = 0;
  let d = 0;
  for (let k = 0; k < ext.length; k++) {
    s += srcStart[k]! * srcStrides[k]!;
    d += dstStart[k]! * dstStrides[k]!;
  }
  copyStrided(src, s, srcStrides, dst, d, dstStrides, ext);
}

/**
 * Copies `ext` elements per axis from `src`, the first at element `srcBase` and the next along axis k
 * `srcStrides[k]` further (negative for a reversed slice), to `dst` laid out the same way from
 * `dstBase`. Axes whose rows follow one another in both arrays are merged first, so a block of whole
 * rows is a single typed-array set (a memcpy), and a forward row is one set however the rest lies.
 */
export function copyStrided(
  src: TypedArray,
  srcBase: number,
  srcStrides: readonly number[],
  dst: TypedArray,
  dstBase: number,
  dstStrides: readonly number[],
  ext: readonly number[],
): void {
  if (ext.length === 0) {
    dst[dstBase] = src[srcBase]!;
    return;
  }
  if (sizeOf(ext) === 0) return;
  // Merge axis k into k+1 where stepping along k is stepping past a whole k+1 row in both arrays.
  const e = [ext[0]!];
  const ss = [srcStrides[0]!];
  const ds = [dstStrides[0]!];
  for (let k = 1; k < ext.length; k++) {
    const last = e.length - 1;
    if (ss[last] === srcStrides[k]! * ext[k]! && ds[last] === dstStrides[k]! * ext[k]!) {
      e[last] = e[last]! * ext[k]!;
      ss[last] = srcStrides[k]!;
      ds[last] = dstStrides[k]!;
    } else {
      e.push(ext[k]!);
      ss.push(srcStrides[k]!);
      ds.push(dstStrides[k]!);
    }
  }
  const nd = e.length;
  const inner = e[nd - 1]!;
  const innerSrc = ss[nd - 1]!;
  const innerDst = ds[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  let s = srcBase;
  let d = dstBase;
  for (;;) {
    if (innerSrc === 1 && innerDst === 1) dst.set(src.subarray(s, s + inner) as never, d);
    else for (let j = 0; j < inner; j++) dst[d + j * innerDst] = src[s + j * innerSrc]!;
    let k = nd - 2;
    for (; k >= 0; k--) {
      s += ss[k]!;
      d += ds[k]!;
      if (++idx[k]! < e[k]!) break;
      s -= ss[k]! * e[k]!;
      d -= ds[k]! * e[k]!;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}
