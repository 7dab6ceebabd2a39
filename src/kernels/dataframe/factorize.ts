/**
 * Factorize: the rows of one chunk's key columns → a dense group id per row (in first-seen order) and
 * the first row of each group. Every hash op starts here, so it never builds a JavaScript string or
 * object per row:
 *
 * - When every key is a small domain — a string column's dictionary codes, an int32 column with a small
 *   range of values, a bool — the key tuple is a small integer (the mixed-radix number of the columns'
 *   slots, null being slot 0 of each), and a plain array indexed by it finds the group: no hashing.
 *   The h2o.ai group-by keys (id1..id6) all take this path.
 * - Otherwise an open-addressing table (linear probing) on 32-bit row hashes, comparing a candidate
 *   group's first row column by column on a hash match.
 *
 * Null keys form a group of their own (pandas `dropna=False`); NaN groups with NaN.
 */
import { dictSize } from '../../base/utf8Dict.js';
import type { FrameColumn } from '../../base/frame.js';
import { hashRows, rowsEqual } from './hashKeys.js';

export interface Factorized {
  /** Group id of each row, 0..count-1, numbered in order of first appearance. */
  readonly ids: Int32Array;
  readonly count: number;
  /** First row of each group. */
  readonly first: Int32Array;
}

/** Largest slot table of the direct path, in entries (the table is an Int32Array: 4 bytes each). */
const DIRECT_MAX = 1 << 22;

interface Radix {
  /** Adds `slot(i) * stride` to `slots[i]` for every row: 0 for null, 1.. for values (one loop per column). */
  readonly addTo: (slots: Int32Array, stride: number) => void;
  readonly size: number;
  /** Value minus `base` is a value's slot (int32 columns). */
  readonly base: number;
}

/** The column as a small domain, or null when its values are too spread out. */
function radixOf(c: FrameColumn, rows: number, limit: number): Radix | null {
  if (c.dtype === 'string') {
    const codes = c.codes;
    return {
      size: dictSize(c.dict) + 1,
      base: -1,
      addTo: (slots, stride) => {
        for (let i = 0; i < rows; i++) slots[i]! += (codes[i]! + 1) * stride;
      },
    };
  }
  if (c.dtype === 'bool') {
    const v = c.values;
    const valid = c.valid;
    return {
      size: 3,
      base: -1,
      addTo: (slots, stride) => {
        for (let i = 0; i < rows; i++) slots[i]! += (valid !== null && valid[i] === 0 ? 0 : v[i]! + 1) * stride;
      },
    };
  }
  if (c.dtype !== 'int32') return null;
  const v = c.values as Int32Array;
  const valid = c.valid;
  let lo = 2147483647;
  let hi = -2147483648;
  for (let i = 0; i < rows; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const x = v[i]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const size = hi < lo ? 1 : hi - lo + 2;
  if (size > limit) return null;
  const base = lo - 1;
  return {
    size,
    base,
    addTo: (slots, stride) => {
      if (valid === null) for (let i = 0; i < rows; i++) slots[i]! += (v[i]! - base) * stride;
      else for (let i = 0; i < rows; i++) slots[i]! += (valid[i] === 0 ? 0 : v[i]! - base) * stride;
    },
  };
}

/** Group ids through a slot table; `slots[i]` is row i's key as one small integer. */
function bySlots(slots: Int32Array, size: number, rows: number): Factorized {
  const table = new Int32Array(size).fill(-1);
  const ids = new Int32Array(rows);
  const first = new Int32Array(Math.min(rows, size));
  let count = 0;
  for (let i = 0; i < rows; i++) {
    const s = slots[i]!;
    let g = table[s]!;
    if (g < 0) {
      g = count++;
      table[s] = g;
      first[g] = i;
    }
    ids[i] = g;
  }
  return { ids, count, first: first.subarray(0, count) };
}

/**
 * One key whose slot is `values[i] - base` (dictionary codes with base -1, or a small-range int32
 * column with no nulls) — the fastest path: no slot array, one pass.
 */
function byOffset(values: Int32Array, base: number, size: number, rows: number): Factorized {
  const table = new Int32Array(size).fill(-1);
  const ids = new Int32Array(rows);
  const first = new Int32Array(Math.min(rows, size));
  let count = 0;
  for (let i = 0; i < rows; i++) {
    const s = values[i]! - base;
    let g = table[s]!;
    if (g < 0) {
      g = count++;
      table[s] = g;
      first[g] = i;
    }
    ids[i] = g;
  }
  return { ids, count, first: first.subarray(0, count) };
}

/** One string key: its codes are the slots (shifted by one for null). */
function byCodes(codes: Int32Array, entries: number, rows: number): Factorized {
  return byOffset(codes, -1, entries + 1, rows);
}

function direct(cols: readonly FrameColumn[], rows: number): Factorized | null {
  const limit = Math.max(1 << 16, Math.min(DIRECT_MAX, 4 * rows));
  const c0 = cols[0]!;
  if (cols.length === 1 && c0.dtype === 'string') {
    return dictSize(c0.dict) + 1 <= Math.max(limit, 2 * rows) ? byCodes(c0.codes, dictSize(c0.dict), rows) : null;
  }
  if (cols.length === 1 && c0.dtype === 'int32' && c0.valid === null) {
    const r = radixOf(c0, rows, limit);
    if (r === null) return null;
    // Values lo..hi take slots 1..size-1 (slot 0 is null's): the offset is lo - 1.
    return byOffset(c0.values as Int32Array, r.base, r.size, rows);
  }
  const radices: Radix[] = [];
  let size = 1;
  for (const c of cols) {
    const r = radixOf(c, rows, limit);
    if (r === null) return null;
    size *= r.size;
    if (size > limit) return null;
    radices.push(r);
  }
  const slots = new Int32Array(rows);
  let stride = 1;
  for (let k = radices.length - 1; k >= 0; k--) {
    radices[k]!.addTo(slots, stride);
    stride *= radices[k]!.size;
  }
  return bySlots(slots, size, rows);
}

/** Group ids through an open-addressing hash table. */
function hashed(cols: readonly FrameColumn[], rows: number): Factorized {
  const hash = hashRows(cols, rows);
  let cap = 16;
  while (cap < 2 * rows) cap <<= 1;
  const mask = cap - 1;
  const table = new Int32Array(cap).fill(-1);
  const ids = new Int32Array(rows);
  const first = new Int32Array(rows);
  const groupHash = new Int32Array(rows);
  let count = 0;
  for (let i = 0; i < rows; i++) {
    const h = hash[i]!;
    let p = h & mask;
    for (;;) {
      const g = table[p]!;
      if (g < 0) {
        table[p] = count;
        first[count] = i;
        groupHash[count] = h;
        ids[i] = count++;
        break;
      }
      if (groupHash[g] === h && rowsEqual(cols, first[g]!, i)) {
        ids[i] = g;
        break;
      }
      p = (p + 1) & mask;
    }
  }
  return { ids, count, first: first.slice(0, count) };
}

/** Dense group ids of the rows of `cols` (all of one chunk, `rows` long; no columns → one group). */
export function factorize(cols: readonly FrameColumn[], rows: number): Factorized {
  if (cols.length === 0) {
    return { ids: new Int32Array(rows), count: rows > 0 ? 1 : 0, first: new Int32Array(rows > 0 ? 1 : 0) };
  }
  return direct(cols, rows) ?? hashed(cols, rows);
}
