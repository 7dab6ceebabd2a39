/**
 * The CSV parser's column buffers (csvParse.ts). A chunk's columns are parsed straight into shared
 * buffers sized from the row estimate and handed over as they are, as views of their rows: no copy at
 * the end of a parse, and no second set of buffers alive while the chunk is made. (Reusing one set per
 * thread and copying each chunk out at its exact length, as before, held two sets per worker at the
 * end of a read — beyond the table itself, the read's peak memory.)
 */
import { allocBytes, allocFloat64, allocInt32 } from '../../base/frame.js';

/** A column buffer of `n` of `a`'s elements (shared when big, as the chunk's columns are). */
function alloc<T extends Int32Array | Float64Array | Uint8Array>(a: T, n: number): T {
  return (a instanceof Float64Array ? allocFloat64(n) : a instanceof Int32Array ? allocInt32(n) : allocBytes(n)) as T;
}

/** `a` copied into a buffer of `n` elements. */
export function grow<T extends Int32Array | Float64Array | Uint8Array>(a: T, n: number): T {
  const b = alloc(a, n);
  b.set(a);
  return b;
}

/**
 * Column buffers are the chunk's own (csvParse.ts #finish): returned as views of their first `rows` when at
 * most this much bigger; beyond, copied to their length, so a bad row estimate holds no memory.
 */
const SLACK = 1.25;

/** The first `n` of `a`: a view when `a` is at most SLACK times longer, else a copy. */
export function exact<T extends Int32Array | Float64Array | Uint8Array>(a: T, n: number): T {
  if (a.length <= SLACK * n + 64) return a.subarray(0, n) as T;
  const b = alloc(a, n);
  b.set(a.subarray(0, n) as never);
  return b;
}
