/**
 * Row order for sorting and top-n: every key column of a chunk is encoded as one or two 32-bit words
 * per row such that comparing rows is comparing their words lexicographically as unsigned integers.
 * The radix sort consumes the words directly; top-n's heap and PSRS's partition search compare them.
 *
 * The order (pandas `sort_values`, na_position='last', kind='stable'):
 * - numbers ascending or descending per column; -0 equals 0; int32 and float64 compare exactly;
 * - nulls last in both directions, and NaN is a null (pandas treats NaN as missing: it sorts with
 *   None at the end, and ties among them keep frame order);
 * - booleans false < true; strings by Unicode code point (Python's str order, not UTF-16's);
 * - strings are never compared per row pair: a chunk's dictionary is sorted once and rows compare by
 *   rank. A string from elsewhere (a PSRS pivot) is placed between ranks with one binary search.
 *
 * Word layout per dtype (most significant first): float64 [hi, lo] of the IEEE bits made monotonic;
 * int32 [null flag, value ^ 2^31]; bool [value, or 2 for null]; string [2·rank+1, or 2·lb for a
 * string absent from the dictionary with lb entries below it]. Descending flips a non-null word
 * within its range; a null is always all ones (or the int32 flag), above every value.
 */
import type { FrameChunk, FrameColumn, StringColumn } from '../../base/frame.js';
import { compareCodePoints } from '../../base/frame.js';
import {
  compareEntries, dictSize, sortedEntries, type Utf8Dict, Utf8DictBuilder, utf8DictOf,
} from '../../base/utf8Dict.js';

export interface SortKeys {
  readonly by: readonly string[];
  readonly ascending: readonly boolean[];
}

/** A key column's words; `null` stands for a word that is 0 on every row (no nulls to flag). */
export type KeyWords = (Uint32Array | null)[];

const ALL_ONES = 0xffffffff;

export { compareCodePoints };

/**
 * The dictionary sorted by code point (its UTF-8 bytes' order) with duplicates merged, and each code's
 * rank in it.
 */
export function rankDictionary(dict: Utf8Dict): { sorted: Utf8Dict; rank: Int32Array } {
  const n = dictSize(dict);
  const rank = new Int32Array(n);
  if (isSortedDictionary(dict)) {
    for (let d = 0; d < n; d++) rank[d] = d;
    return { sorted: dict, rank };
  }
  const order = sortedEntries(dict);
  const out = new Utf8DictBuilder(n, dict.offsets[n]!, false);
  for (let r = 0; r < n; r++) {
    const d = order[r]!;
    if (r > 0 && compareEntries(dict, order[r - 1]!, dict, d) === 0) rank[d] = out.size - 1;
    else rank[d] = out.appendBytes(dict.bytes, dict.offsets[d]!, dict.offsets[d + 1]!);
  }
  return { sorted: out.finish(), rank };
}

/** Whether a string column's dictionary is sorted by code point without duplicates (sort output is). */
export function isSortedDictionary(dict: Utf8Dict): boolean {
  const n = dictSize(dict);
  for (let d = 1; d < n; d++) if (compareEntries(dict, d - 1, dict, d) >= 0) return false;
  return true;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Writes the monotonic [hi, lo] words of a float into out[at], out[at+1]. */
function floatWords(v: number, ascending: boolean, out: number[], at: number): void {
  if (v !== v) {
    out[at] = ALL_ONES;
    out[at + 1] = ALL_ONES;
    return;
  }
  f64[0] = v === 0 ? 0 : v;
  let hi = u32[1]!;
  let lo = u32[0]!;
  if (hi & 0x80000000) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
  } else {
    hi = (hi | 0x80000000) >>> 0;
  }
  out[at] = ascending ? hi : ~hi >>> 0;
  out[at + 1] = ascending ? lo : ~lo >>> 0;
}

/** Number of words a key column of this dtype encodes to. */
export function wordCount(c: FrameColumn): number {
  return c.dtype === 'float64' || c.dtype === 'int32' ? 2 : 1;
}

/** The words of one column, for every row. */
export function encodeColumn(c: FrameColumn, ascending: boolean): KeyWords {
  if (c.dtype === 'string') return [encodeStrings(c, ascending)];
  const n = c.values.length;
  const valid = c.valid;
  if (c.dtype === 'bool') {
    const w = new Uint32Array(n);
    const vals = c.values;
    for (let i = 0; i < n; i++) w[i] = valid !== null && valid[i] === 0 ? 2 : ascending ? vals[i]! : 1 - vals[i]!;
    return [w];
  }
  if (c.dtype === 'int32') {
    const lo = new Uint32Array(n);
    const vals = c.values;
    const flip = ascending ? 0x80000000 : 0x7fffffff;
    for (let i = 0; i < n; i++) lo[i] = vals[i]! ^ flip;
    if (valid === null) return [null, lo];
    const flag = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      if (valid[i] === 0) {
        flag[i] = 1;
        lo[i] = ALL_ONES;
      }
    }
    return [flag, lo];
  }
  const vals = c.values as Float64Array;
  const hiW = new Uint32Array(n);
  const loW = new Uint32Array(n);
  const bits = new Uint32Array(vals.buffer, vals.byteOffset, 2 * n);
  const mask = ascending ? 0 : ALL_ONES;
  for (let i = 0; i < n; i++) {
    const v = vals[i]!;
    if (v !== v || (valid !== null && valid[i] === 0)) {
      hiW[i] = ALL_ONES;
      loW[i] = ALL_ONES;
    } else if (v === 0) {
      hiW[i] = 0x80000000 ^ mask;
      loW[i] = mask;
    } else {
      const hi = bits[2 * i + 1]!;
      const lo = bits[2 * i]!;
      if (hi & 0x80000000) {
        hiW[i] = ~hi ^ mask;
        loW[i] = ~lo ^ mask;
      } else {
        hiW[i] = (hi | 0x80000000) ^ mask;
        loW[i] = lo ^ mask;
      }
    }
  }
  return [hiW, loW];
}

function encodeStrings(c: StringColumn, ascending: boolean): Uint32Array {
  const { sorted, rank } = rankDictionary(c.dict);
  const top = 2 * dictSize(sorted);
  const codes = c.codes;
  const w = new Uint32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const k = codes[i]!;
    w[i] = k < 0 ? ALL_ONES : ascending ? 2 * rank[k]! + 1 : top - 2 * rank[k]! - 1;
  }
  return w;
}

/** The words of every key column of a chunk, most significant first. */
export function encodeKeys(chunk: FrameChunk, keys: SortKeys): KeyWords {
  return keys.by.flatMap((name, j) => encodeColumn(chunk.columns[chunk.names.indexOf(name)]!, keys.ascending[j]!));
}

/**
 * The words of a key value (a pivot) as a row of `c` would have them; strings are placed in `c`'s
 * dictionary, which must be sorted (`isSortedDictionary`) — a chunk out of the local sort is.
 */
export function encodeValue(c: FrameColumn, ascending: boolean, v: number | boolean | string | null, out: number[], at: number): void {
  switch (c.dtype) {
    case 'float64':
      floatWords(v === null ? Number.NaN : (v as number), ascending, out, at);
      return;
    case 'int32':
      out[at] = v === null ? 1 : 0;
      out[at + 1] = v === null ? ALL_ONES : ((v as number) ^ (ascending ? 0x80000000 : 0x7fffffff)) >>> 0;
      return;
    case 'bool':
      out[at] = v === null ? 2 : ascending === (v as boolean) ? 1 : 0;
      return;
    case 'string': {
      if (v === null) {
        out[at] = ALL_ONES;
        return;
      }
      const dict = c.dict;
      const size = dictSize(dict);
      const value = utf8DictOf([v as string]);
      let lo = 0;
      let hi = size;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareEntries(dict, mid, value, 0) < 0) lo = mid + 1;
        else hi = mid;
      }
      const w = lo < size && compareEntries(dict, lo, value, 0) === 0 ? 2 * lo + 1 : 2 * lo;
      out[at] = ascending ? w : 2 * size - w;
      return;
    }
  }
}

/** Compares rows i and j of one chunk's words (unsigned, lexicographic); 0 when the keys tie. */
export function compareWords(words: KeyWords, i: number, j: number): number {
  for (let w = 0; w < words.length; w++) {
    const a = words[w];
    if (a === null || a === undefined) continue;
    const d = a[i]! - a[j]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Compares row i's words with a key value's words (`encodeValue` of each key column). */
export function compareToValue(words: KeyWords, i: number, value: readonly number[]): number {
  for (let w = 0; w < words.length; w++) {
    const a = words[w];
    const d = (a === null || a === undefined ? 0 : a[i]!) - value[w]!;
    if (d !== 0) return d;
  }
  return 0;
}
