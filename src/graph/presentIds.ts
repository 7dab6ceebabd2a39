/**
 * Which integer ids a part of an edge list holds, as a bitmap over the part's own range: the ranges of an
 * edge file are parsed on the workers in parallel, and each marks its endpoints there, so the graph's
 * implicit vertices (the sorted distinct endpoints, `implicitIds` in kernels/graph/load.ts) come from
 * OR-ing a few small bitmaps on one thread instead of two passes over every endpoint (0.26 s of the s20
 * edge file's load, after the parallel parse).
 */

/** The distinct ids of a part: bit b of `words[w]` is set when `base + 32 * w + b` occurs (base % 32 === 0). */
export interface PresentIds {
  readonly base: number;
  readonly words: Int32Array;
}

/** The bitmap of the ids in `columns`, or undefined when they are too sparse for one (then ids are sorted). */
export function presentIds(columns: readonly Int32Array[]): PresentIds | undefined {
  const { min, max, count } = idRange(columns);
  if (count === 0 || !denseEnough(max - min + 1, count)) return undefined;
  const base = min - (((min % 32) + 32) % 32);
  const words = new Int32Array(new SharedArrayBuffer(4 * (((max - base) >>> 5) + 1)));
  for (const c of columns) {
    for (let i = 0; i < c.length; i++) {
      const at = c[i]! - base;
      words[at >>> 5]! |= 1 << (at & 31);
    }
  }
  return { base, words };
}

/** The least and greatest id of the columns, and how many ids they hold (repeats counted). */
export function idRange(columns: readonly (Int32Array | Float64Array)[]): { readonly min: number; readonly max: number; readonly count: number } {
  let min = Infinity;
  let max = -Infinity;
  let count = 0;
  for (const c of columns) {
    count += c.length;
    for (let i = 0; i < c.length; i++) {
      const x = c[i]!;
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  return { min, max, count };
}

/** Whether a bitmap is worth it for `count` ids spanning `span` values (uniqueNumbers in idmap.ts too). */
export function denseEnough(span: number, count: number): boolean {
  return span <= 4 * count + 1024 && span < 2 ** 31;
}

/**
 * The sorted distinct ids of the parts, in shared memory; undefined when the union spans more than a
 * bitmap is worth for the `endpoints` (ids, repeats counted) the parts were made of.
 */
export function unionPresentIds(parts: readonly PresentIds[], endpoints: number): Float64Array | undefined {
  if (parts.length === 0) return undefined;
  let base = Infinity;
  let end = -Infinity;
  for (const p of parts) {
    base = Math.min(base, p.base);
    end = Math.max(end, p.base + 32 * p.words.length);
  }
  if (!denseEnough(end - base, endpoints)) return undefined;
  let union = parts[0]!.words;
  if (parts.length > 1) {
    union = new Int32Array((end - base) >>> 5);
    for (const p of parts) {
      const at = (p.base - base) >>> 5;
      const words = p.words;
      for (let w = 0; w < words.length; w++) union[at + w]! |= words[w]!;
    }
  }
  let n = 0;
  for (let w = 0; w < union.length; w++) n += bitCount(union[w]!);
  const ids = new Float64Array(new SharedArrayBuffer(8 * n));
  let k = 0;
  for (let w = 0; w < union.length; w++) {
    // Lowest set bit first, so ids come out sorted.
    for (let bits = union[w]!; bits !== 0; bits &= bits - 1) ids[k++] = base + 32 * w + (31 - Math.clz32(bits & -bits));
  }
  return ids;
}

function bitCount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
