/**
 * Maps original vertex ids (int64 or strings, GraphScope's oid types) to the dense internal ids 0..n-1
 * that CSR rows and algorithm arrays are indexed by, and back for output.
 *
 * Internal ids follow the order of the original ids: numerically for integers, byte-wise (code point
 * order) for strings. Algorithms that break ties or label by the smallest id (WCC, CDLP) therefore
 * produce the smallest *original* id, as Graphalytics does, without knowing about original ids.
 *
 * Lookups, fastest first: ids forming one contiguous range are an offset; integers in a dense-ish
 * range (span <= 2n + 1024) go through a direct Int32Array table; everything else through an
 * open-addressing hash table over the id's 64 bits or UTF-8 bytes (idHash.ts).
 */
import { denseEnough, idRange } from './presentIds.js';
import { InvalidArgumentError } from '../base/errors.js';
import { VertexNotFoundError } from './errors.js';
import { type IdColumn, type StringSpans, type VertexId, asBigIntColumn, idColumn, idColumnLength, idText, sameSpans, spanText } from './idColumns.js';
import { StringKeyTable, compareBytes, newSlots, probeWords } from './idHash.js';
import { canMap, type IdTable, mapIds } from './idTable.js';
import { findSorted, isIdentity, packedKeys, positionsIn, unionSorted } from './stringDict.js';

export type IdKind = IdColumn['kind'];

/** How integer ids that fit a double are found: an offset, a direct table, or hashing. */
type NumberLookup =
  | { readonly kind: 'offset'; readonly min: number }
  | { readonly kind: 'table'; readonly min: number; readonly table: Int32Array }
  | { readonly kind: 'hash'; readonly slots: Int32Array };

/** The sorted original ids and the structure that finds them; `words` are the ids' bits as int32 pairs. */
type Keys =
  | { readonly kind: 'number'; readonly ids: Float64Array; readonly words: Int32Array; readonly lookup: NumberLookup }
  | { readonly kind: 'bigint'; readonly ids: BigInt64Array; readonly words: Int32Array; readonly slots: Int32Array }
  | { readonly kind: 'string'; readonly sorted: StringSpans };

/** Called with the position of the offending id in its column; returns the error to throw. */
export type IdErrorAt = (index: number, idText: string) => Error;

export class IdMap {
  readonly kind: IdKind;
  readonly size: number;
  readonly #keys: Keys;
  /** String ids' hash table, built when a column of spans is first looked up (coded columns need none). */
  #table: StringKeyTable | undefined;
  /** The lookup in shared memory, once a gang has asked for it (`idTable`). */
  #shared: IdTable | undefined;

  private constructor(keys: Keys, table?: StringKeyTable) {
    this.#keys = keys;
    this.#table = table;
    this.kind = keys.kind;
    this.size = keys.kind === 'string' ? keys.sorted.starts.length : keys.ids.length;
  }

  /** Ids 0..n-1 mapped to themselves. */
  static range(n: number): IdMap {
    const ids = new Float64Array(n);
    for (let i = 0; i < n; i++) ids[i] = i;
    return IdMap.#sortedNumbers(ids);
  }

  /** The map of a vertex list; a repeated id is an error (reported through `duplicate`). */
  static fromIds(column: IdColumn, duplicate: IdErrorAt = duplicateId): IdMap {
    if (column.kind === 'string') return IdMap.#strings([column.values], duplicate);
    if (column.kind === 'coded') {
      const { dict, codes } = column.values;
      if (dict.starts.length < codes.length) {
        const seen = new Uint8Array(dict.starts.length);
        for (let i = 0; i < codes.length; i++) {
          if (seen[codes[i]!]) throw duplicate(i, idText(column, i));
          seen[codes[i]!] = 1;
        }
      }
      return new IdMap({ kind: 'string', sorted: dict });
    }
    const sorted = sortedInPlace(column.kind === 'number' ? float64Copy(column.values) : column.values.slice());
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] === sorted[i - 1]) {
        const repeated = sorted[i]!;
        let seen = false;
        for (let k = 0; k < column.values.length; k++) {
          if (column.values[k] !== repeated) continue;
          if (seen) throw duplicate(k, String(repeated));
          seen = true;
        }
      }
    }
    return sorted instanceof Float64Array ? IdMap.#sortedNumbers(sorted) : IdMap.#sortedBigInts(sorted);
  }

  /** The map of every id that appears in the columns (e.g. the endpoints of an edge list). */
  static fromEdges(...columns: readonly IdColumn[]): IdMap {
    if (columns.some((c) => c.kind === 'string' || c.kind === 'coded')) {
      if (!columns.every((c) => c.kind === 'string' || c.kind === 'coded')) throw mixedKinds();
      // A coded column's dictionary holds its distinct strings, sorted: sorted lists only need a merge.
      const lists = columns.map((c) => (c.kind === 'coded' ? c.values.dict : (c.values as StringSpans)));
      if (columns.every((c) => c.kind === 'coded')) return new IdMap({ kind: 'string', sorted: unionSorted(lists) });
      return IdMap.#strings(lists, undefined);
    }
    if (columns.some((c) => c.kind === 'bigint')) {
      const all = concat(columns.map((c) => asBigIntColumn(c).values as BigInt64Array), BigInt64Array);
      return IdMap.#sortedBigInts(unique(all.sort()));
    }
    const all = columns.map((c) => c.values as Float64Array | Int32Array);
    return IdMap.#sortedNumbers(uniqueNumbers(all));
  }

  /** Builds a map straight from JS values (tests, small programmatic graphs). */
  static of(ids: readonly VertexId[]): IdMap {
    return IdMap.fromIds(idColumn(ids));
  }

  static #sortedNumbers(ids: Float64Array): IdMap {
    const words = wordsOf(ids);
    return new IdMap({ kind: 'number', ids, words, lookup: numberLookup(ids, words) });
  }

  static #sortedBigInts(ids: BigInt64Array): IdMap {
    const words = wordsOf(ids);
    return new IdMap({ kind: 'bigint', ids, words, slots: hashSlots(words) });
  }

  static #strings(columns: readonly StringSpans[], duplicate: IdErrorAt | undefined): IdMap {
    const expected = columns.reduce((s, c) => s + c.starts.length, 0);
    const seen = new StringKeyTable(Math.min(expected, 1 << 20), 1 << 16);
    for (const { bytes, starts, ends } of columns) {
      for (let i = 0; i < starts.length; i++) {
        const before = seen.size;
        seen.intern(bytes, starts[i]!, ends[i]!);
        if (duplicate && seen.size === before) {
          throw duplicate(i, new TextDecoder().decode(bytes.subarray(starts[i]!, ends[i]!)));
        }
      }
    }
    const order = Array.from({ length: seen.size }, (_, k) => k);
    const { pool, starts, ends } = seen;
    order.sort((a, b) => compareBytes(pool, starts[a]!, ends[a]!, starts[b]!, ends[b]!));
    const sorted = new StringKeyTable(seen.size, pool.length);
    for (const k of order) sorted.intern(pool, starts[k]!, ends[k]!);
    return new IdMap({ kind: 'string', sorted: packedKeys(sorted) }, sorted);
  }

  /** The hash table of string ids (internal id order), built from the sorted ids when first needed. */
  #stringTable(sorted: StringSpans): StringKeyTable {
    if (this.#table) return this.#table;
    const { bytes, starts, ends } = sorted;
    const table = new StringKeyTable(starts.length, bytes.length);
    for (let v = 0; v < starts.length; v++) table.intern(bytes, starts[v]!, ends[v]!);
    return (this.#table = table);
  }

  /** Internal ids of a coded column: its dictionary merged with the sorted ids, then one gather (or none). */
  #codedToInternal(sorted: StringSpans, column: { readonly dict: StringSpans; readonly codes: Int32Array }, fail: (i: number) => never, into?: Int32Array): Int32Array {
    const { dict, codes } = column;
    // The column's dictionary is these very ids: its codes are the internal ids (read, never written).
    if (!into && sameSpans(dict, sorted)) return codes;
    const positions = positionsIn(dict, sorted);
    if (positions.indexOf(-1) >= 0) fail(firstAbsentRow(positions, codes));
    if (isIdentity(positions, this.size) && !into) return codes;
    const out = into ?? new Int32Array(codes.length);
    for (let i = 0; i < codes.length; i++) out[i] = positions[codes[i]!]!;
    return out;
  }

  /** Throws `missing` for the first id of the column that is not in the map (a coded column: one merge, no ids made). */
  checkAll(column: IdColumn, missing: IdErrorAt): void {
    const keys = this.#keys;
    if (keys.kind !== 'string' || column.kind !== 'coded') {
      this.toInternal(column, missing);
      return;
    }
    const positions = positionsIn(column.values.dict, keys.sorted);
    if (positions.indexOf(-1) < 0) return;
    const row = firstAbsentRow(positions, column.values.codes);
    throw missing(row, idText(column, row));
  }

  /**
   * Internal ids of a column of original ids (into `into.out` from `into.at` when given, else a new array
   * or, for a coded column whose dictionary is the map's ids, its codes); a missing id is reported
   * through `missing`.
   */
  toInternal(column: IdColumn, missing: IdErrorAt, into?: { readonly out: Int32Array; readonly at: number }): Int32Array {
    const keys = this.#keys;
    const count = idColumnLength(column);
    const fail = (i: number): never => {
      throw missing(i, idText(column, i));
    };
    const target = into ? into.out.subarray(into.at, into.at + count) : undefined;
    // A coded column on its own dictionary needs no array at all (its codes are the ids): none is made
    // before that is known. A fresh 1M-row array here cost 10 ms of page faults per endpoint column.
    if (keys.kind === 'string' && column.kind === 'coded') return this.#codedToInternal(keys.sorted, column.values, fail, target);
    const out = target ?? new Int32Array(count);
    if (keys.kind === 'string' || column.kind === 'string' || column.kind === 'coded') {
      if (keys.kind !== 'string' || column.kind !== 'string') return count === 0 ? out : fail(0);
      const table = this.#stringTable(keys.sorted);
      const { bytes, starts, ends } = column.values;
      // Columns with fewer bytes than ids repeat spans (the builder gives a repeated string the span of its
      // first occurrence): remember each span's id by its start, so a repeat costs one read, not a hash
      // probe that misses the cache four times.
      if (bytes.length >= count) return mapAll({ kind: 'string', keys: table }, column, out, fail);
      const idAt = new Int32Array(bytes.length + 1);
      const endAt = new Int32Array(bytes.length + 1).fill(-1);
      for (let i = 0; i < count; i++) {
        const s = starts[i]!;
        const e = ends[i]!;
        if (endAt[s] === e) {
          out[i] = idAt[s]!;
          continue;
        }
        const k = table.find(bytes, s, e);
        if (k < 0) fail(i);
        out[i] = idAt[s] = k;
        endAt[s] = e;
      }
      return out;
    }
    const table = this.#numberTable();
    const source = keys.kind === 'bigint' ? asBigIntColumn(column) : column;
    if (canMap(table, source)) return mapAll(table, source, out, fail);
    // Bigints against a map of numbers: only those that are safe integers can be in it.
    const values = source.values as BigInt64Array;
    for (let i = 0; i < count; i++) if ((out[i] = this.internalOf(values[i]!)) < 0) fail(i);
    return out;
  }

  /** The lookup of integer ids as plain data (its arrays are this map's own). */
  #numberTable(): IdTable {
    const keys = this.#keys;
    if (keys.kind === 'bigint') return { kind: 'words', bigint: true, slots: keys.slots, words: keys.words };
    if (keys.kind === 'string') throw new InvalidArgumentError('the id map holds strings, not integers');
    const { lookup } = keys;
    if (lookup.kind === 'offset') return { kind: 'offset', min: lookup.min, size: keys.ids.length };
    if (lookup.kind === 'table') return { kind: 'table', min: lookup.min, table: lookup.table };
    return { kind: 'words', bigint: false, slots: lookup.slots, words: keys.words };
  }

  /**
   * The lookup as plain data in shared memory, for the workers of a gang to map ids with (idTable.ts
   * `mapIds`, the loop `toInternal` runs): built on first use, its arrays copied to shared memory once.
   */
  idTable(): IdTable {
    if (this.#shared) return this.#shared;
    const keys = this.#keys;
    let table: IdTable;
    if (keys.kind === 'string') {
      const { pool, starts, ends, hashes, slots } = this.#stringTable(keys.sorted);
      table = { kind: 'string', keys: { pool: shared(pool), starts: shared(starts), ends: shared(ends), hashes: shared(hashes), slots: shared(slots) } };
    } else {
      table = this.#numberTable();
      if (table.kind === 'table') table = { ...table, table: shared(table.table) };
      if (table.kind === 'words') table = { ...table, slots: shared(table.slots), words: shared(table.words) };
    }
    return (this.#shared = table);
  }

  /** The original ids in internal id order (sorted), shared: a column to build this map again from (`fromIds`). */
  sortedIds(): IdColumn {
    const keys = this.#keys;
    if (keys.kind === 'string') return { kind: 'string', values: keys.sorted };
    const values = keys.kind === 'number' ? new Float64Array(new SharedArrayBuffer(8 * keys.ids.length)) : new BigInt64Array(new SharedArrayBuffer(8 * keys.ids.length));
    values.set(keys.ids as Float64Array & BigInt64Array);
    return { kind: keys.kind, values } as IdColumn;
  }

  /** Whether the original ids are exactly 0..size-1, so every id is its own internal id. */
  isIdentity(): boolean {
    const keys = this.#keys;
    return keys.kind === 'number' && keys.lookup.kind === 'offset' && keys.lookup.min === 0;
  }

  /** Internal id of one original id, or -1. */
  internalOf(id: VertexId): number {
    const keys = this.#keys;
    if (keys.kind === 'string') {
      if (typeof id !== 'string') return -1;
      return findSorted(keys.sorted, new TextEncoder().encode(id));
    }
    if (typeof id === 'string') return -1;
    if (keys.kind === 'number') {
      const x = typeof id === 'bigint' ? (id >= -MAX_SAFE && id <= MAX_SAFE ? Number(id) : NaN) : id;
      if (!Number.isSafeInteger(x)) return -1;
      const { lookup } = keys;
      if (lookup.kind === 'hash') return findWords(lookup.slots, keys.words, wordsOf(Float64Array.of(x + 0)));
      const at = x - lookup.min;
      if (at < 0 || at >= (lookup.kind === 'offset' ? keys.ids.length : lookup.table.length)) return -1;
      return lookup.kind === 'offset' ? at : lookup.table[at]!;
    }
    if (typeof id === 'number' && !Number.isSafeInteger(id)) return -1;
    const big = BigInt(id);
    if (BigInt.asIntN(64, big) !== big) return -1;
    return findWords(keys.slots, keys.words, wordsOf(BigInt64Array.of(big)));
  }

  /** Internal id of `id`, or VertexNotFoundError naming it and `what` it was (e.g. 'BFS source'). */
  require(id: VertexId, what: string): number {
    const v = this.internalOf(id);
    if (v < 0) throw new VertexNotFoundError(String(id), what);
    return v;
  }

  originalId(v: number): VertexId {
    const keys = this.#keys;
    this.#check(v);
    if (keys.kind === 'string') return spanText(keys.sorted, v);
    return keys.ids[v]!;
  }

  /** The original id as output text: decimal digits for integers, the string itself otherwise. */
  formatId(v: number): string {
    const keys = this.#keys;
    if (keys.kind === 'string') return spanText(keys.sorted, v);
    return String(keys.ids[v]!);
  }

  /**
   * The string ids in internal id order, packed as UTF-8 spans in shared memory: what a projected graph
   * keeps, since a worker then reads them without a copy (a JS string array is cloned string by string).
   */
  stringSpans(): StringSpans {
    const keys = this.#keys;
    if (keys.kind !== 'string') throw new InvalidArgumentError(`the id map holds ${keys.kind} ids, not strings`);
    return keys.sorted;
  }

  #check(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v >= this.size) {
      throw new InvalidArgumentError(`internal vertex id ${v} is outside 0..${this.size - 1}`);
    }
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function duplicateId(index: number, text: string): Error {
  return new InvalidArgumentError(`vertex id ${text} appears more than once (again at position ${index})`);
}

function mixedKinds(): Error {
  return new InvalidArgumentError('vertex ids mix strings and integers; one graph has one id type');
}

/** The first row whose code has no position (the row the span path would report). */
function firstAbsentRow(positions: Int32Array, codes: Int32Array): number {
  let row = 0;
  while (positions[codes[row]!]! >= 0) row++;
  return row;
}



function wordsOf(values: Float64Array | BigInt64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, 2 * values.length);
}

function numberLookup(ids: Float64Array, words: Int32Array): NumberLookup {
  const n = ids.length;
  if (n === 0) return { kind: 'offset', min: 0 };
  const min = ids[0]!;
  const span = ids[n - 1]! - min + 1;
  if (span === n) return { kind: 'offset', min };
  if (span <= 2 * n + 1024 && span < 2 ** 31) {
    const table = new Int32Array(span).fill(-1);
    for (let i = 0; i < n; i++) table[ids[i]! - min] = i;
    return { kind: 'table', min, table };
  }
  return { kind: 'hash', slots: hashSlots(words) };
}

/** A hash table over the keys whose words are `words` (key k at 2k, 2k + 1). */
function hashSlots(words: Int32Array): Int32Array {
  const count = words.length / 2;
  const slots = newSlots(count);
  for (let k = 0; k < count; k++) slots[probeWords(slots, words, words[2 * k]!, words[2 * k + 1]!)] = k;
  return slots;
}

/** Index of the one key whose words are `probe`, or -1. */
function findWords(slots: Int32Array, words: Int32Array, probe: Int32Array): number {
  return slots[probeWords(slots, words, probe[0]!, probe[1]!)]!;
}

/** The same integers as doubles (an Int32Array id column is widened only where bits are hashed). */
function asFloat64(values: Float64Array | Int32Array): Float64Array {
  return values instanceof Float64Array ? values : Float64Array.from(values);
}

/**
 * A copy as doubles: one array, where `asFloat64` then a copy made two (an Int32 id column of 65,536
 * vertices: 512 KB of fresh pages more, ~1.4 ms of faults where a fault costs 11 µs).
 */
function float64Copy(values: Float64Array | Int32Array): Float64Array {
  return values instanceof Float64Array ? values.slice() : Float64Array.from(values);
}

/** `values` (a copy the caller owns) sorted, unless it already is. */
function sortedInPlace<T extends Float64Array | BigInt64Array>(values: T): T {
  for (let i = 1; i < values.length; i++) if (values[i - 1]! >= values[i]!) return values.sort() as T;
  return values;
}

function unique<T extends Float64Array | BigInt64Array>(sorted: T): T {
  let at = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[at - 1]) sorted[at++] = sorted[i]!;
  return sorted.slice(0, at) as T;
}

function concat<T extends Float64Array | BigInt64Array>(parts: readonly T[], ctor: { new (n: number): T }): T {
  const out = new ctor(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    (out as Float64Array).set(p as Float64Array, at);
    at += p.length;
  }
  return out;
}

/**
 * Sorted distinct values of integer columns: a presence bitmap when they span a dense-ish range (no
 * sort), else a sort of all values. Columns of an edge list hold each vertex many times.
 */
function uniqueNumbers(columns: readonly (Float64Array | Int32Array)[]): Float64Array {
  const { min, max, count } = idRange(columns);
  if (count === 0) return new Float64Array(0);
  const span = max - min + 1;
  if (denseEnough(span, count)) {
    const present = new Uint8Array(span);
    for (const c of columns) for (let i = 0; i < c.length; i++) present[c[i]! - min] = 1;
    let n = 0;
    for (let i = 0; i < span; i++) n += present[i]!;
    const ids = new Float64Array(n);
    let at = 0;
    for (let i = 0; i < span; i++) if (present[i]) ids[at++] = min + i;
    return ids;
  }
  return unique(concat(columns.map(asFloat64), Float64Array).sort());
}

/** Every id of a column mapped through `table` into `out` (whose length is the column's); the first missing one fails. */
function mapAll(table: IdTable, column: IdColumn, out: Int32Array, fail: (i: number) => never): Int32Array {
  const missing = mapIds(table, column, 0, out.length, out, 0);
  if (missing >= 0) fail(missing);
  return out;
}

/** The array itself when it is in shared memory, else a copy there. */
function shared<T extends Uint8Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const copy = new (a.constructor as { new (buffer: SharedArrayBuffer): T })(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  return copy;
}
