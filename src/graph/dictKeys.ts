/**
 * The keys of string dictionary tables (stringDict.ts) and lookups in them: row after row in a table
 * that stays in cache (`lookupInTable`), by slices in a big one (`lookupPartitioned`). A key is a string's
 * first 8 bytes as two big-endian words, its length, and a hash of those and of the bytes past the
 * eighth; a table slot holds the two words, the length and the entry (4 int32).
 *
 * A table of a million vertex ids is 32 MB: looked up row after row, every row misses the caches and
 * the TLB (its 8,192 pages are four times what the second-level TLB holds), at 75-100 ns a row.
 * `lookupPartitioned` hashes a batch of rows first, groups them by the slice of the table their slot is
 * in, then probes slice after slice, so each slice's pages and lines are reused by the rows that hit it.
 */
import { hashWords } from './idHash.js';

/** Up to 4 bytes from `at` (not past `end`), big-endian and zero-padded, so words compare as the bytes do. */
export function wordAt(bytes: Uint8Array, at: number, end: number): number {
  const left = end - at;
  if (left >= 4) return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  // A short id's last word (R-MAT's 'v12345' ends in one): its 0-3 bytes without a loop.
  if (left <= 0) return 0;
  let w = bytes[at]! << 24;
  if (left > 1) w |= bytes[at + 1]! << 16;
  if (left > 2) w |= bytes[at + 2]! << 8;
  return w;
}

/**
 * The same words as `wordAt`, read four bytes at a time through `view` (a DataView over exactly
 * `bytes`): one load instead of four byte loads and shifts, the bytes past `end` masked off. Near the
 * end of the buffer, where four bytes are not there to read, it falls back to `wordAt`.
 */
export function wordIn(view: DataView, bytes: Uint8Array, at: number, end: number): number {
  const left = end - at;
  if (left >= 4) return view.getInt32(at);
  if (left <= 0) return 0;
  if (at + 4 > bytes.length) return wordAt(bytes, at, end);
  // left 1-3: keep the top 8 * left bits (-(1 << 24) is 0xff000000, and so on).
  return view.getInt32(at) & -(1 << (32 - 8 * left));
}

/** A DataView over exactly the bytes of `bytes`, for `wordIn`. */
export function wordView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function tailHash(bytes: Uint8Array, from: number, end: number): number {
  let h = 0x811c9dc5;
  for (let k = from; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
  return h;
}

/** The hash of the key bytes[start..end) whose first words are w0, w1. */
export function keyHash(bytes: Uint8Array, start: number, end: number, w0: number, w1: number): number {
  const length = end - start;
  return hashWords(w0 ^ (length > 8 ? tailHash(bytes, start + 8, end) : 0), w1 ^ Math.imul(length, 0x9e3779b1));
}

/** A hash table of a dictionary's strings (slots: first two words, length, position + 1), in shared memory. */
export interface DictTable {
  readonly slots: Int32Array;
  readonly mask: number;
}

/**
 * Each row's entry in `table` (whose entries index the strings of `dict`), or -1, written to `codes`:
 * a table small enough to stay in cache (below PARTITIONED_SLOTS), looked up row after row. One plain
 * loop over parameters and locals, its words read by `wordIn`: R-MAT s16's 955K endpoints ('v12345')
 * in their 65,536 vertices' table took 28.8-30.3 ms through the insert path's method (a block of keys
 * computed first, then a call per row, byte loads) and take 22.5-23.3 here (one thread, node probe,
 * medians of 11, the two alternated three times).
 */
export function lookupInTable(table: DictTable, dict: { readonly bytes: Uint8Array; readonly starts: Int32Array }, column: { readonly bytes: Uint8Array; readonly starts: Int32Array; readonly ends: Int32Array }, codes: Int32Array): void {
  const { slots, mask } = table;
  const { bytes, starts, ends } = column;
  const view = wordView(bytes);
  const pool = dict.bytes;
  const poolStarts = dict.starts;
  const rows = starts.length;
  for (let i = 0; i < rows; i++) {
    const start = starts[i]!;
    const end = ends[i]!;
    const length = end - start;
    const w0 = wordIn(view, bytes, start, end);
    const w1 = wordIn(view, bytes, start + 4, end);
    codes[i] = entryAt(slots, mask, keyHash(bytes, start, end, w0, w1) & mask, w0, w1, length, pool, poolStarts, bytes, start, end);
  }
}

/**
 * The entry of the key (w0, w1, length; its bytes at bytes[start..end) when longer than 8) probing from
 * `slot`, or -1 when the table lacks it. Only keys longer than 8 bytes compare their tails, in `pool`.
 */
function entryAt(slots: Int32Array, mask: number, slot: number, w0: number, w1: number, length: number, pool: Uint8Array, poolStarts: Int32Array, bytes: Uint8Array, start: number, end: number): number {
  for (let s = slot; ; s = (s + 1) & mask) {
    const at = 4 * s;
    const entry = slots[at + 3]! - 1;
    if (entry < 0) return -1;
    if (slots[at] !== w0 || slots[at + 1] !== w1 || slots[at + 2] !== length) continue;
    if (length <= 8 || sameTail(pool, poolStarts[entry]! + 8, bytes, start + 8, end)) return entry;
  }
}

/** Tables of at least this many slots (8 MB) are looked up by `lookupPartitioned`; smaller ones stay in cache. */
export const PARTITIONED_SLOTS = 1 << 19;
/** Slots per slice (1 MB, the size of a core's L2 cache). */
const SLICE_SLOTS = 1 << 16;
/** Rows hashed and grouped at a time: enough rows per slice that its lines are reused, 16 MB of keys. */
const BATCH_ROWS = 1 << 19;
/** Bits of a grouped row's last word that hold its length (up to 31; longer keys read theirs from the column). */
const LENGTH_BITS = 5;

/** Rows of a slice whose slots are read ahead (`lookupPartitioned`). */
const TOUCH_ROWS = 16;
/** What the reads ahead found, kept so they are not optimised away. */
let touchedSlots = 0;

/**
 * Each row's entry in `table` (whose entries index the strings of `dict`), or -1, written to `codes`.
 * Rows are taken a batch at a time: their keys are computed in row order, grouped by slice (a counting
 * sort, 4 int32 a row: the words, the slot, and the row in the batch with its length), and probed slice
 * by slice. Only keys longer than 8 bytes read their column spans and `dict` again, to compare tails.
 */
export function lookupPartitioned(table: DictTable, dict: { readonly bytes: Uint8Array; readonly starts: Int32Array }, column: { readonly bytes: Uint8Array; readonly starts: Int32Array; readonly ends: Int32Array }, codes: Int32Array): void {
  const { slots, mask } = table;
  const { bytes, starts, ends } = column;
  const pool = dict.bytes;
  const poolStarts = dict.starts;
  const rows = starts.length;
  const sliceShift = Math.log2(SLICE_SLOTS);
  const slices = Math.max(1, (mask + 1) >>> sliceShift);
  const batch = Math.min(rows, BATCH_ROWS);
  const keys = new Int32Array(4 * batch);
  const grouped = new Int32Array(4 * batch);
  const counts = new Int32Array(slices + 1);
  const lengthMask = (1 << LENGTH_BITS) - 1;
  const view = wordView(bytes);
  let touched = 0;
  for (let from = 0; from < rows; from += batch) {
    const size = Math.min(rows, from + batch) - from;
    counts.fill(0);
    for (let j = 0; j < size; j++) {
      const start = starts[from + j]!;
      const end = ends[from + j]!;
      const w0 = wordIn(view, bytes, start, end);
      const w1 = wordIn(view, bytes, start + 4, end);
      const slot = keyHash(bytes, start, end, w0, w1) & mask;
      const k = 4 * j;
      keys[k] = w0;
      keys[k + 1] = w1;
      keys[k + 2] = slot;
      keys[k + 3] = (j << LENGTH_BITS) | Math.min(end - start, lengthMask);
      counts[(slot >>> sliceShift) + 1]!++;
    }
    for (let s = 0; s < slices; s++) counts[s + 1]! += counts[s]!;
    for (let k = 0; k < 4 * size; k += 4) {
      const at = 4 * counts[keys[k + 2]! >>> sliceShift]!++;
      grouped[at] = keys[k]!;
      grouped[at + 1] = keys[k + 1]!;
      grouped[at + 2] = keys[k + 2]!;
      grouped[at + 3] = keys[k + 3]!;
    }
    for (let k = 0; k < 4 * size; k += 4) {
      // Every TOUCH_ROWS rows, their first slots are read before any is resolved: independent loads, whose
      // misses overlap (that load was 46% of this function's time in a line profile on R-MAT s20).
      if ((k & (4 * TOUCH_ROWS - 1)) === 0) {
        const stop = Math.min(4 * size, k + 4 * TOUCH_ROWS);
        for (let t = k; t < stop; t += 4) touched ^= slots[4 * grouped[t + 2]! + 3]!;
      }
      const w0 = grouped[k]!;
      const w1 = grouped[k + 1]!;
      const row = from + (grouped[k + 3]! >>> LENGTH_BITS);
      let length = grouped[k + 3]! & lengthMask;
      let start = 0;
      let end = 0;
      if (length > 8) {
        start = starts[row]!;
        end = ends[row]!;
        length = end - start;
      }
      codes[row] = entryAt(slots, mask, grouped[k + 2]!, w0, w1, length, pool, poolStarts, bytes, start, end);
    }
  }
  touchedSlots ^= touched;
}

function sameTail(pool: Uint8Array, at: number, bytes: Uint8Array, from: number, end: number): boolean {
  for (let k = from; k < end; k++) if (pool[at++] !== bytes[k]) return false;
  return true;
}
