/**
 * Key rows of a dataframe chunk — one or more key columns read together — hashed, compared and ordered
 * the same way in every chunk, so the hash ops (group-by, merge, value counts, drop-duplicates) can split
 * work across chunks and meet again: equal key values hash equally whatever chunk or dictionary they
 * come from.
 *
 * - Strings hash by their UTF-8 bytes, each dictionary entry once per call (never once per row), and
 *   order by code point = byte order (the order of pandas, Arrow and DuckDB; UTF-16 unit order differs
 *   above U+FFFF).
 * - Numbers hash by value: an int32 and a float64 holding the same integer hash alike, which is what
 *   lets a merge key of int32 on one side and float64 on the other compare numerically. -0 is 0; every
 *   NaN is one value (it groups with itself).
 * - A null hashes to a constant of its own; in ordering, nulls come last (NaN just before them).
 */
import type { FrameChunk, FrameColumn } from '../../base/frame.js';
import { compareCodePoints } from '../../base/frame.js';
import { compareEntries, dictSize, entryHashes, sortedEntries, type Utf8Dict } from '../../base/utf8Dict.js';

const NULL_HASH = 0x6b43a9b5;
const NAN_HASH = 0x2f1d83c1;

/** The murmur3 finaliser: spreads the bits of a 32-bit value. */
export function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

const f64 = new Float64Array(1);
const f64Words = new Int32Array(f64.buffer);

/** Hash of a number's value: integers in int32 range hash like the int32 they equal. */
export function numberHash(v: number): number {
  if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) return fmix32(v | 0);
  if (v !== v) return NAN_HASH;
  f64[0] = v;
  return fmix32(f64Words[0]! ^ fmix32(f64Words[1]!));
}

/** Mixes one column's hashes into `h` (one 32-bit hash per row). */
function mixColumn(h: Int32Array, c: FrameColumn, rows: number): void {
  if (c.dtype === 'string') {
    const dictHash = entryHashes(c.dict);
    const codes = c.codes;
    for (let i = 0; i < rows; i++) {
      const k = codes[i]!;
      h[i] = (Math.imul(h[i]!, 31) + (k < 0 ? NULL_HASH : dictHash[k]!)) | 0;
    }
    return;
  }
  const valid = c.valid;
  if (c.dtype === 'int32' || c.dtype === 'bool') {
    const v = c.values;
    for (let i = 0; i < rows; i++) {
      const x = valid !== null && valid[i] === 0 ? NULL_HASH : fmix32(v[i]!);
      h[i] = (Math.imul(h[i]!, 31) + x) | 0;
    }
    return;
  }
  const v = c.values;
  for (let i = 0; i < rows; i++) {
    const x = valid !== null && valid[i] === 0 ? NULL_HASH : numberHash(v[i]!);
    h[i] = (Math.imul(h[i]!, 31) + x) | 0;
  }
}

/** One 32-bit hash per row of the key columns, equal for equal key values in any chunk. */
export function hashRows(cols: readonly FrameColumn[], rows: number): Int32Array {
  const h = new Int32Array(rows);
  for (const c of cols) mixColumn(h, c, rows);
  for (let i = 0; i < rows; i++) h[i] = fmix32(h[i]!);
  return h;
}

/** The columns named `keys` of a chunk, in that order. */
export function keyColumns(chunk: FrameChunk, keys: readonly string[]): FrameColumn[] {
  return keys.map((k) => {
    const j = chunk.names.indexOf(k);
    if (j < 0) throw new Error(`the chunk has no key column '${k}' (it has ${chunk.names.join(', ')}).`);
    return chunk.columns[j]!;
  });
}

/** Whether any key column is null at row `i`. */
export function anyNullAt(cols: readonly FrameColumn[], i: number): boolean {
  for (const c of cols) {
    if (c.dtype === 'string' ? c.codes[i]! < 0 : c.valid !== null && c.valid[i] === 0) return true;
  }
  return false;
}

/**
 * Whether rows `i` and `j` of the same chunk hold equal keys (nulls equal nulls, NaN equals NaN).
 * Within one chunk a string column's codes are equal exactly when the strings are: its dictionary
 * holds each string once.
 */
export function rowsEqual(cols: readonly FrameColumn[], i: number, j: number): boolean {
  for (const c of cols) {
    if (c.dtype === 'string') {
      if (c.codes[i] !== c.codes[j]) return false;
      continue;
    }
    const valid = c.valid;
    if (valid !== null) {
      const a = valid[i]!;
      if (a !== valid[j]) return false;
      if (a === 0) continue;
    }
    const x = c.values[i]!;
    const y = c.values[j]!;
    if (x !== y && (x === x || y === y)) return false;
  }
  return true;
}

/** Code point order of two strings (base/frame.ts). */
export const compareStrings = compareCodePoints;

/** Order of two numbers with NaN after every number. */
function compareNumbers(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  return x !== x ? (y !== y ? 0 : 1) : -1;
}

/** Dictionary entry → its rank in code point order (`rank[code + 1]`; `rank[0]` = null, after all). */
function dictRanks(dict: Utf8Dict): Int32Array {
  const n = dictSize(dict);
  const order = sortedEntries(dict);
  const rank = new Int32Array(n + 1);
  for (let r = 0; r < n; r++) rank[order[r]! + 1] = r;
  rank[0] = n;
  return rank;
}

/**
 * A comparator of rows of one chunk's key columns: ascending, nulls last. Strings compare through
 * ranks of their dictionary entries, sorted once.
 */
export function rowComparator(cols: readonly FrameColumn[]): (i: number, j: number) => number {
  const cmps = cols.map((c): ((i: number, j: number) => number) => {
    if (c.dtype === 'string') {
      const rank = dictRanks(c.dict);
      const codes = c.codes;
      return (i, j) => rank[codes[i]! + 1]! - rank[codes[j]! + 1]!;
    }
    const v = c.values;
    const valid = c.valid;
    return (i, j) => {
      if (valid !== null) {
        const a = valid[i]!;
        const b = valid[j]!;
        if (a !== b) return a === 0 ? 1 : -1;
        if (a === 0) return 0;
      }
      return compareNumbers(v[i]!, v[j]!);
    };
  });
  if (cmps.length === 1) return cmps[0]!;
  return (i, j) => {
    for (const cmp of cmps) {
      const r = cmp(i, j);
      if (r !== 0) return r;
    }
    return 0;
  };
}

/** Compares row `i` of columns `a` with row `j` of columns `b` (other chunks): ascending, nulls last. */
export function compareAcross(a: readonly FrameColumn[], i: number, b: readonly FrameColumn[], j: number): number {
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    const y = b[k]!;
    let r: number;
    if (x.dtype === 'string' && y.dtype === 'string') {
      const p = x.codes[i]!;
      const q = y.codes[j]!;
      r = p < 0 || q < 0 ? (p < 0 ? (q < 0 ? 0 : 1) : -1) : compareEntries(x.dict, p, y.dict, q);
    } else if (x.dtype !== 'string' && y.dtype !== 'string') {
      const p = x.valid === null || x.valid[i] === 1;
      const q = y.valid === null || y.valid[j] === 1;
      r = !p || !q ? (!p ? (!q ? 0 : 1) : -1) : compareNumbers(x.values[i]!, y.values[j]!);
    } else {
      throw new Error('compareAcross: a string key compared with a number key.');
    }
    if (r !== 0) return r;
  }
  return 0;
}

/** A rank (0..size-1) per row 0..rows-1 of one column, ascending, nulls last; returns [ranks, size]. */
function denseRanks(c: FrameColumn, rows: number): [Int32Array, number] {
  const out = new Int32Array(rows);
  if (c.dtype === 'string') {
    const rank = dictRanks(c.dict);
    for (let i = 0; i < rows; i++) out[i] = rank[c.codes[i]! + 1]!;
    return [out, dictSize(c.dict) + 1];
  }
  if (c.dtype === 'bool') {
    for (let i = 0; i < rows; i++) out[i] = c.valid !== null && c.valid[i] === 0 ? 2 : c.values[i]!;
    return [out, 3];
  }
  if (c.dtype === 'int32') {
    // A small range of values: the value itself is the rank (counting sort needs bounded, not dense, ranks).
    let lo = 2147483647;
    let hi = -2147483648;
    for (let i = 0; i < rows; i++) {
      if (c.valid !== null && c.valid[i] === 0) continue;
      const x = c.values[i]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (hi < lo || hi - lo <= 4 * rows + 65536) {
      const nullRank = hi < lo ? 0 : hi - lo + 1;
      for (let i = 0; i < rows; i++) out[i] = c.valid !== null && c.valid[i] === 0 ? nullRank : c.values[i]! - lo;
      return [out, nullRank + 1];
    }
  }
  const cmp = rowComparator([c]);
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  order.sort(cmp);
  let r = 0;
  for (let k = 0; k < rows; k++) {
    if (k > 0 && cmp(order[k - 1]!, order[k]!) !== 0) r++;
    out[order[k]!] = r;
  }
  return [out, r + 1];
}

/** Stable counting sort of `order` by `rank[order[k]]`. */
function countingSort(order: Int32Array, rank: Int32Array, size: number): Int32Array {
  const start = new Int32Array(size + 1);
  for (let k = 0; k < order.length; k++) start[rank[order[k]!]! + 1]!++;
  for (let r = 0; r < size; r++) start[r + 1]! += start[r]!;
  const out = new Int32Array(order.length);
  for (let k = 0; k < order.length; k++) out[start[rank[order[k]!]!]!++] = order[k]!;
  return out;
}

/**
 * Row indices 0..rows-1 sorted by the key columns (stable; ascending, nulls last): each column becomes
 * a dense rank, then an LSD radix sort — one stable counting sort per column, last column first.
 */
export function sortedRows(cols: readonly FrameColumn[], rows: number): Int32Array {
  let order: Int32Array = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  for (let k = cols.length - 1; k >= 0; k--) {
    const [rank, size] = denseRanks(cols[k]!, rows);
    order = countingSort(order, rank, size);
  }
  return order;
}
