/**
 * An IdMap's lookup as plain data, and the one loop that maps original ids to internal ids through it.
 *
 * IdMap keeps its lookup in private fields; a worker of a gang needs it as arrays it can be sent (in
 * shared memory, so nothing is copied) and a function over them. `mapIds` maps any range of a column,
 * so the endpoints of a big edge list (a file's parts) are mapped range by range on the gang
 * (parallelIds.ts), and IdMap.toInternal runs the very same loop over the whole column on one thread:
 * both paths give the same internal ids and stop at the same first missing id.
 */
import type { IdColumn } from './idColumns.js';
import { findKey, probeWords, type StringKeys } from './idHash.js';

/**
 * How original ids are found: integers of one contiguous range as an offset, of a dense-ish range
 * through a direct table, others by hashing their 64 bits (`words`: key k's bits at 2k, 2k + 1, a
 * double's for number ids, an int64's for bigint ids), strings by hashing their UTF-8 bytes.
 */
export type IdTable =
  | { readonly kind: 'offset'; readonly min: number; readonly size: number }
  | { readonly kind: 'table'; readonly min: number; readonly table: Int32Array }
  | { readonly kind: 'words'; readonly bigint: boolean; readonly slots: Int32Array; readonly words: Int32Array }
  | { readonly kind: 'string'; readonly keys: StringKeys };

/** Whether `mapIds` reads this column's ids against this table (else the ids need converting first: IdMap.toInternal does). */
export function canMap(table: IdTable, column: IdColumn): boolean {
  switch (column.kind) {
    case 'number':
      return table.kind === 'offset' || table.kind === 'table' || (table.kind === 'words' && !table.bigint);
    case 'bigint':
      return table.kind === 'words' && table.bigint;
    case 'string':
      return table.kind === 'string';
    case 'coded':
      return false;
  }
}

/**
 * Maps ids lo..hi-1 of `column` to internal ids, id i into out[at + i - lo]. Returns the first i whose
 * id is not in the table (ids before it are mapped, the rest not), or -1. The column must be one the
 * table reads (`canMap`).
 */
export function mapIds(table: IdTable, column: IdColumn, lo: number, hi: number, out: Int32Array, at: number): number {
  const shift = at - lo;
  if (table.kind === 'string') {
    const { bytes, starts, ends } = (column as Extract<IdColumn, { kind: 'string' }>).values;
    for (let i = lo; i < hi; i++) {
      const k = findKey(table.keys, bytes, starts[i]!, ends[i]!);
      if (k < 0) return i;
      out[i + shift] = k;
    }
    return -1;
  }
  if (table.kind === 'words') return mapWords(table.slots, table.words, column.values as Float64Array | Int32Array | BigInt64Array, lo, hi, out, shift);
  const values = column.values as Float64Array | Int32Array;
  if (table.kind === 'offset') return mapOffset(values, table.min, table.size, lo, hi, out, shift);
  return mapTable(values, table.min, table.table, lo, hi, out, shift);
}

function mapOffset(values: Float64Array | Int32Array, min: number, size: number, lo: number, hi: number, out: Int32Array, shift: number): number {
  for (let i = lo; i < hi; i++) {
    const v = values[i]! - min;
    // v >>> 0 === v rejects negatives and fractions in one test.
    if (v >>> 0 !== v || v >= size) return i;
    out[i + shift] = v;
  }
  return -1;
}

function mapTable(values: Float64Array | Int32Array, min: number, table: Int32Array, lo: number, hi: number, out: Int32Array, shift: number): number {
  const span = table.length;
  for (let i = lo; i < hi; i++) {
    const at = values[i]! - min;
    if (at >>> 0 !== at || at >= span) return i;
    const v = table[at]!;
    if (v < 0) return i;
    out[i + shift] = v;
  }
  return -1;
}

/** One double, seen as its two int32 words (an Int32Array id is hashed by its value as a double). */
const widened = new Float64Array(1);
const widenedWords = new Int32Array(widened.buffer);

function mapWords(slots: Int32Array, keyWords: Int32Array, values: Float64Array | Int32Array | BigInt64Array, lo: number, hi: number, out: Int32Array, shift: number): number {
  if (values instanceof Int32Array) {
    for (let i = lo; i < hi; i++) {
      widened[0] = values[i]!;
      const k = slots[probeWords(slots, keyWords, widenedWords[0]!, widenedWords[1]!)]!;
      if (k < 0) return i;
      out[i + shift] = k;
    }
    return -1;
  }
  const words = new Int32Array(values.buffer, values.byteOffset, 2 * values.length);
  for (let i = lo; i < hi; i++) {
    const k = slots[probeWords(slots, keyWords, words[2 * i]!, words[2 * i + 1]!)]!;
    if (k < 0) return i;
    out[i + shift] = k;
  }
  return -1;
}
