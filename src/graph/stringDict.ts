/**
 * Dictionary encoding of string id columns: a column of UTF-8 spans becomes its distinct strings in
 * byte order (which for UTF-8 is code point order, the id map's order) and one int32 code per row. A
 * column is hashed once, on a worker, when the graph is loaded; after that everything runs on integers —
 * the id map of sorted dictionaries is a merge, a column's internal ids are a gather through its
 * dictionary's positions (none at all when the dictionary is the map's own ids), and only the
 * dictionaries' strings are kept for output.
 */
import { type DictTable, keyHash, lookupInTable, lookupPartitioned, PARTITIONED_SLOTS, wordIn, wordView } from './dictKeys.js';
import { compareByteRanges, compareBytes, type StringKeyTable } from './idHash.js';
import type { StringSpans } from './idColumns.js';
import { giveBack, scratchArray, type ScratchCtor } from '../base/scratchPool.js';
import { outputBytes, outputInt32, sharedInt32 } from './shared.js';

/** Row i of a column is entry `codes[i]` of `dict`, its distinct strings in byte order. */
export interface CodedStrings {
  readonly dict: StringSpans;
  readonly codes: Int32Array;
  /** The dictionary's lookup table (entries are positions in `dict`), when `encodeStrings` was asked for it. */
  readonly table?: DictTable;
}

/** Strings up to this many bytes are copied by a loop: `set(subarray(...))` costs a view object per string. */
const LOOP_COPY_BYTES = 64;

/**
 * Copies `from[start..end)` into `to` at `at`. Ids are short (R-MAT's 'v12345'), and a subarray + set
 * per string costs about 100 ns where a loop takes 10 (node probe, 1M strings of 2-8 bytes): with a
 * million distinct ids it is a tenth of a second per dictionary built, packed or merged.
 */
function copyBytes(from: Uint8Array, start: number, end: number, to: Uint8Array, at: number): void {
  if (end - start > LOOP_COPY_BYTES) {
    to.set(from.subarray(start, end), at);
    return;
  }
  for (let k = start; k < end; k++) to[at++] = from[k]!;
}

function grown(a: Int32Array): Int32Array {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
}

/** Rows whose keys are computed, and slots read, before any of them is looked up. */
const KEY_BLOCK = 16;

/**
 * The distinct strings of a column in first-seen order, and each row's entry. The table's slots hold a
 * key's first 8 bytes (two big-endian words) and its length next to its entry, so a key of up to 8 bytes
 * is matched inside one slot, without reading the entry's bytes; only longer keys compare their tails.
 */
class Distinct {
  pool: Uint8Array = new Uint8Array(1 << 16);
  starts: Int32Array = new Int32Array(1 << 12);
  ends: Int32Array = new Int32Array(1 << 12);
  words: Int32Array = new Int32Array(2 << 12);
  hashes: Int32Array = new Int32Array(1 << 12);
  size = 0;
  #used = 0;
  /** 4 int32 per slot: first word, second word, length, entry + 1 (0: empty). */
  #slots: Int32Array;
  #mask: number;

  readonly #blockKeys = new Int32Array(4 * KEY_BLOCK);
  /** What the first pass over a block read (kept so the reads are not optimised away). */
  touched = 0;

  /**
   * `distinct`: how many strings the table is first sized for (a known dictionary's size); `shared`:
   * its slots in shared memory, for a table built once and read by several workers (a vertex column's,
   * `dictTable`).
   */
  constructor(rows: number, distinct = Math.min(rows, 1 << 15), shared = false) {
    // Grown as strings are added: a table sized for the rows would spread the few distinct ones of a
    // long column over more cache lines than they need (A/B on R-MAT s20's 16M sources: 1.6 s vs 1.4 s).
    let capacity = 16;
    while (0.7 * capacity < distinct) capacity *= 2;
    // A shared table is a task's output (a vertex column's lookup table, kept with the graph): recycled memory, zeroed.
    this.#slots = shared ? outputInt32(4 * capacity) : new Int32Array(4 * capacity);
    this.#mask = capacity - 1;
  }

  /** The table (slots and mask), once every string is in. */
  get table(): DictTable {
    return { slots: this.#slots, mask: this.#mask };
  }

  /**
   * A vertex column's table (every row distinct, or nearly): its per-string arrays sized for every row
   * and its pool for the bytes the spans cover (a parsed column's bytes may be a whole file's), borrowed
   * into `scratch` — grown by doubling in fresh memory, a 65K-string table's faulted 3.1 MB in, 9 of its
   * 13 ms.
   */
  static forTable(column: StringSpans, scratch: ArrayBufferView[]): Distinct {
    const rows = column.starts.length;
    const d = new Distinct(rows, rows, true);
    let spanned = 0;
    for (let i = 0; i < rows; i++) spanned += column.ends[i]! - column.starts[i]!;
    const entries = Math.max(1, rows);
    d.starts = borrowed(Int32Array, entries, scratch);
    d.ends = borrowed(Int32Array, entries, scratch);
    d.hashes = borrowed(Int32Array, entries, scratch);
    d.words = borrowed(Int32Array, 2 * entries, scratch);
    d.pool = borrowed(Uint8Array, Math.max(1, spanned), scratch);
    return d;
  }

  /**
   * Each row's entry, adding new strings. Rows go in blocks: the first pass over a block computes their
   * keys and reads their slots (the loads are independent, so their cache misses overlap), the second
   * resolves them from the cache.
   */
  codes(column: StringSpans, codes: Int32Array): void {
    const { bytes, starts, ends } = column;
    const view = wordView(bytes);
    const keys = this.#blockKeys;
    let touched = 0;
    for (let from = 0; from < codes.length; from += KEY_BLOCK) {
      const to = Math.min(codes.length, from + KEY_BLOCK);
      const mask = this.#mask;
      for (let i = from; i < to; i++) {
        const start = starts[i]!;
        const end = ends[i]!;
        const w0 = wordIn(view, bytes, start, end);
        const w1 = wordIn(view, bytes, start + 4, end);
        const h = keyHash(bytes, start, end, w0, w1);
        const k = 4 * (i - from);
        keys[k] = w0;
        keys[k + 1] = w1;
        keys[k + 2] = h;
        touched ^= this.#slots[4 * (h & mask) + 3]!;
      }
      for (let i = from; i < to; i++) {
        const k = 4 * (i - from);
        codes[i] = this.#find(bytes, starts[i]!, ends[i]!, keys[k]!, keys[k + 1]!, keys[k + 2]!);
      }
    }
    this.touched = touched;
  }

  /** The entry of a string, added when new. */
  #find(bytes: Uint8Array, start: number, end: number, w0: number, w1: number, h: number): number {
    const length = end - start;
    const slots = this.#slots;
    const mask = this.#mask;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const at = 4 * s;
      const entry = slots[at + 3]! - 1;
      if (entry < 0) return this.#add(bytes, start, end, w0, w1, h, at);
      if (slots[at] === w0 && slots[at + 1] === w1 && slots[at + 2] === length && (length <= 8 || this.#sameTail(entry, bytes, start + 8, end))) return entry;
    }
  }

  #sameTail(entry: number, bytes: Uint8Array, from: number, end: number): boolean {
    const pool = this.pool;
    const at = this.starts[entry]! + 8 - from;
    for (let k = from; k < end; k++) if (pool[at + k] !== bytes[k]) return false;
    return true;
  }

  #add(bytes: Uint8Array, start: number, end: number, w0: number, w1: number, h: number, slot: number): number {
    const e = this.size++;
    if (e === this.starts.length) {
      this.starts = grown(this.starts);
      this.ends = grown(this.ends);
      this.hashes = grown(this.hashes);
      this.words = grown(this.words);
    }
    const length = end - start;
    if (this.#used + length > this.pool.length) {
      const pool = new Uint8Array(Math.max(2 * this.pool.length, this.#used + length));
      pool.set(this.pool.subarray(0, this.#used));
      this.pool = pool;
    }
    copyBytes(bytes, start, end, this.pool, this.#used);
    this.starts[e] = this.#used;
    this.#used += length;
    this.ends[e] = this.#used;
    this.words[2 * e] = w0;
    this.words[2 * e + 1] = w1;
    this.hashes[e] = h;
    const slots = this.#slots;
    slots[slot] = w0;
    slots[slot + 1] = w1;
    slots[slot + 2] = length;
    slots[slot + 3] = e + 1;
    // Load <= 0.7: the table is the cache misses of this loop, so it stays as small as probing allows.
    if (10 * this.size > 7 * (this.#mask + 1)) this.#grow();
    return e;
  }

  #grow(): void {
    const capacity = 2 * (this.#mask + 1);
    const slots = new Int32Array(4 * capacity);
    const mask = capacity - 1;
    for (let e = 0; e < this.size; e++) {
      let s = this.hashes[e]! & mask;
      while (slots[4 * s + 3] !== 0) s = (s + 1) & mask;
      slots[4 * s] = this.words[2 * e]!;
      slots[4 * s + 1] = this.words[2 * e + 1]!;
      slots[4 * s + 2] = this.ends[e]! - this.starts[e]!;
      slots[4 * s + 3] = e + 1;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}

/** Entries in byte order: first words, second words (unsigned), then the bytes past the eighth. */
function compareEntries(d: Distinct, a: number, b: number): number {
  const { words, starts, ends } = d;
  for (let w = 0; w < 2; w++) {
    const wa = words[2 * a + w]! >>> 0;
    const wb = words[2 * b + w]! >>> 0;
    if (wa !== wb) return wa - wb;
  }
  // Equal words: the tails decide, or (both at most 8 bytes, zero-padded alike) the shorter comes first.
  const tails = compareBytes(d.pool, Math.min(starts[a]! + 8, ends[a]!), ends[a]!, Math.min(starts[b]! + 8, ends[b]!), ends[b]!);
  return tails !== 0 ? tails : ends[a]! - starts[a]! - (ends[b]! - starts[b]!);
}

const DIGIT_BITS = 16;
const DIGIT_MASK = (1 << DIGIT_BITS) - 1;

/**
 * The entries in byte order: an LSD radix sort of their first 8 bytes (the two words, 16 bits a pass,
 * a pass skipped when every entry has the same digit), then each run of equal words sorted by the
 * tails. Ids that differ in their first 8 bytes — most — never meet a comparison. (The 65,536 ids of
 * R-MAT s16, 'v0'..'v65535': 22-25 ms with the earlier sort of doubles by word and comparator runs,
 * most of an encode.)
 */
function sortedOrder(d: Distinct, scratch: ArrayBufferView[]): Int32Array {
  const n = d.size;
  let order = borrowed(Int32Array, n, scratch);
  for (let e = 0; e < n; e++) order[e] = e;
  // Every pass writes each of the n places of the other array before it is read.
  let spare = borrowed(Int32Array, n, scratch);
  const counts = borrowed(Int32Array, 1 << DIGIT_BITS, scratch);
  const words = d.words;
  // Least significant digit first: the second word's low and high halves, then the first word's.
  for (const [word, shift] of [[1, 0], [1, DIGIT_BITS], [0, 0], [0, DIGIT_BITS]] as const) {
    counts.fill(0);
    for (let e = 0; e < n; e++) counts[(words[2 * e + word]! >>> shift) & DIGIT_MASK]!++;
    if (counts[(words[word]! >>> shift) & DIGIT_MASK] === n) continue;
    let at = 0;
    for (let k = 0; k < counts.length; k++) {
      const c = counts[k]!;
      counts[k] = at;
      at += c;
    }
    for (let i = 0; i < n; i++) {
      const e = order[i]!;
      spare[counts[(words[2 * e + word]! >>> shift) & DIGIT_MASK]!++] = e;
    }
    [order, spare] = [spare, order];
  }
  for (let from = 0; from < n; ) {
    const w0 = words[2 * order[from]!];
    const w1 = words[2 * order[from]! + 1];
    let to = from + 1;
    while (to < n && words[2 * order[to]!] === w0 && words[2 * order[to]! + 1] === w1) to++;
    if (to - from > 1) {
      const run = Array.from(order.subarray(from, to)).sort((a, b) => compareEntries(d, a, b));
      order.set(run, from);
    }
    from = to;
  }
  return order;
}

/** Scratch for one encode, not zeroed: warm memory from the last encode of about this size (fresh pages cost 2.6-3.3 ms a MB here). */
function borrowed<T extends Int32Array | Uint8Array>(Ctor: ScratchCtor<T>, length: number, scratch: ArrayBufferView[]): T {
  const a = scratchArray(Ctor, length);
  scratch.push(a);
  return a;
}

/** The entries as spans packed in `order`, in shared memory (recycled: a graph's dictionary is an output). */
function packed(d: Distinct, order: Int32Array): StringSpans {
  const n = order.length;
  let total = 0;
  for (let e = 0; e < d.size; e++) total += d.ends[e]! - d.starts[e]!;
  // Every byte and every offset is written (the first one too: recycled memory holds old values).
  const bytes = outputBytes(total, true);
  const offsets = outputInt32(n + 1, true);
  offsets[0] = 0;
  let at = 0;
  for (let r = 0; r < n; r++) {
    const e = order[r]!;
    copyBytes(d.pool, d.starts[e]!, d.ends[e]!, bytes, at);
    at += d.ends[e]! - d.starts[e]!;
    offsets[r + 1] = at;
  }
  return spansOf(bytes, offsets);
}

/** Spans over `bytes` from offsets (n + 1 of them): starts and ends are views of the one array. */
export function spansOf(bytes: Uint8Array, offsets: Int32Array): StringSpans {
  const n = offsets.length - 1;
  return { bytes, starts: offsets.subarray(0, n), ends: offsets.subarray(1, n + 1) };
}

/**
 * A column's dictionary (its distinct strings in byte order) and codes, in shared memory. With
 * `lookup` (a vertex table's ids, which edge columns are then coded against), also the dictionary's
 * lookup table: the table the column was hashed into, sized for every row to be distinct (no growing)
 * and in shared memory, its entries renumbered to dictionary positions — no second table to build.
 */
export function encodeStrings(column: StringSpans, lookup = false): CodedStrings {
  const rows = column.starts.length;
  // A task's output (graph.encode_ids, graph.add_vertices/add_edges keep it): recycled memory (shared.ts).
  const codes = outputInt32(rows, true);
  const scratch: ArrayBufferView[] = [];
  try {
    const d = lookup ? Distinct.forTable(column, scratch) : new Distinct(rows);
    d.codes(column, codes);
    const order = sortedOrder(d, scratch);
    const rank = borrowed(Int32Array, d.size, scratch);
    for (let r = 0; r < d.size; r++) rank[order[r]!] = r;
    for (let i = 0; i < rows; i++) codes[i] = rank[codes[i]!]!;
    const dict = packed(d, order);
    if (!lookup) return { dict, codes };
    const { slots, mask } = d.table;
    for (let at = 3; at < slots.length; at += 4) if (slots[at] !== 0) slots[at] = rank[slots[at]! - 1]! + 1;
    return { dict, codes, table: { slots, mask } };
  } finally {
    for (const a of scratch) giveBack(a);
  }
}

/**
 * Each row's position in `dict` (distinct strings in byte order, e.g. a vertex table's dictionary), or
 * -1 for a string it lacks: the rows' codes against that dictionary, so a column of edge endpoints is
 * coded like its declared vertices without a dictionary of its own to sort, pack and merge.
 */
export function codesIn(dict: StringSpans, column: StringSpans, table?: DictTable): Int32Array {
  // Every row is written (-1 when missing); graph.encode_ids returns it, so it is recycled memory (shared.ts).
  const codes = outputInt32(column.starts.length, true);
  if (table && table.mask + 1 >= PARTITIONED_SLOTS) lookupPartitioned(table, dict, column, codes);
  else lookupInTable(table ?? filled(dict, false).table, dict, column, codes);
  return codes;
}

export type { DictTable };

/**
 * The table `codesIn` looks a dictionary's strings up in, built in shared memory, for a dictionary whose
 * encoding kept none (`encodeStrings` without `lookup`): built once, it serves every column coded
 * against the dictionary, on any worker.
 */
export function dictTable(dict: StringSpans): DictTable {
  return filled(dict, true).table;
}

function filled(dict: StringSpans, shared: boolean): Distinct {
  const size = dict.starts.length;
  const d = new Distinct(size, size, shared);
  // Distinct strings enter in order: entry k is dictionary position k.
  d.codes(dict, new Int32Array(size));
  return d;
}

function compareSpans(a: StringSpans, i: number, b: StringSpans, j: number): number {
  return compareByteRanges(a.bytes, a.starts[i]!, a.ends[i]!, b.bytes, b.starts[j]!, b.ends[j]!);
}

/** For each string of sorted `a`, its index in sorted `b`, or -1: one merge of the two lists. */
export function positionsIn(a: StringSpans, b: StringSpans): Int32Array {
  const n = a.starts.length;
  const m = b.starts.length;
  const out = new Int32Array(n);
  // One list (a column coded against its vertices' dictionary): every string is where it is.
  if (a === b) {
    for (let i = 0; i < n; i++) out[i] = i;
    return out;
  }
  let j = 0;
  for (let i = 0; i < n; i++) {
    let c = 1;
    while (j < m && (c = compareSpans(a, i, b, j)) > 0) j++;
    out[i] = j < m && c === 0 ? j : -1;
  }
  return out;
}

/** Whether `positions` (of a list in another of `size` strings) maps each index to itself. */
export function isIdentity(positions: Int32Array, size: number): boolean {
  if (positions.length !== size) return false;
  for (let i = 0; i < size; i++) if (positions[i] !== i) return false;
  return true;
}

/** The sorted union of sorted, distinct string lists, packed in shared memory. */
export function unionSorted(lists: readonly StringSpans[]): StringSpans {
  if (lists.length === 1) return lists[0]!;
  const half = lists.length >> 1;
  const a = unionSorted(lists.slice(0, half));
  const b = unionSorted(lists.slice(half));
  // Two merges: the first counts the strings and bytes, the second writes them.
  let out: Uint8Array | undefined;
  let offsets: Int32Array | undefined;
  for (;;) {
    let r = 0;
    let at = 0;
    let i = 0;
    let j = 0;
    while (i < a.starts.length || j < b.starts.length) {
      const c = i === a.starts.length ? 1 : j === b.starts.length ? -1 : compareSpans(a, i, b, j);
      const [list, k] = c <= 0 ? [a, i] : [b, j];
      const length = list.ends[k]! - list.starts[k]!;
      if (out && offsets) {
        copyBytes(list.bytes, list.starts[k]!, list.ends[k]!, out, at);
        offsets[r + 1] = at + length;
      }
      at += length;
      r++;
      if (c <= 0) i++;
      if (c >= 0) j++;
    }
    if (out && offsets) return spansOf(out, offsets);
    out = new Uint8Array(new SharedArrayBuffer(at));
    offsets = sharedInt32(r + 1);
  }
}

/** A coded column as plain per-row spans into its dictionary's bytes (for paths that read spans). */
export function codedSpans(c: CodedStrings): StringSpans {
  const { dict, codes } = c;
  const starts = new Int32Array(codes.length);
  const ends = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    starts[i] = dict.starts[codes[i]!]!;
    ends[i] = dict.ends[codes[i]!]!;
  }
  return { bytes: dict.bytes, starts, ends };
}

/** Coded columns on one dictionary (the union of theirs), their codes one after another. */
export function concatCoded(columns: readonly CodedStrings[]): CodedStrings {
  const dict = unionSorted(columns.map((c) => c.dict));
  const codes = sharedInt32(columns.reduce((n, c) => n + c.codes.length, 0));
  let at = 0;
  for (const c of columns) {
    const positions = positionsIn(c.dict, dict);
    for (let i = 0; i < c.codes.length; i++) codes[at + i] = positions[c.codes[i]!]!;
    at += c.codes.length;
  }
  return { dict, codes };
}

/** A table's keys (in key order) packed as spans in shared memory. */
export function packedKeys(table: StringKeyTable): StringSpans {
  const { pool, starts: from, ends: to } = table;
  const n = table.size;
  const offsets = sharedInt32(n + 1);
  let total = 0;
  for (let v = 0; v < n; v++) total += to[v]! - from[v]!;
  const bytes = new Uint8Array(new SharedArrayBuffer(total));
  let at = 0;
  for (let v = 0; v < n; v++) {
    copyBytes(pool, from[v]!, to[v]!, bytes, at);
    at += to[v]! - from[v]!;
    offsets[v + 1] = at;
  }
  return spansOf(bytes, offsets);
}

/** Index of `key` among sorted spans (binary search), or -1. */
export function findSorted(sorted: StringSpans, key: Uint8Array): number {
  const { bytes, starts, ends } = sorted;
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareByteRanges(bytes, starts[mid]!, ends[mid]!, key, 0, key.length);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}
