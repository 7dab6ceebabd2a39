/**
 * The dictionary of a string column (base/frame.ts `StringColumn.dict`): its distinct strings as UTF-8
 * bytes end to end plus Int32 offsets (entry k is bytes[offsets[k]..offsets[k+1])) — exactly an Arrow
 * Utf8 vector's buffers. Why bytes rather than a `string[]`:
 * - big dictionaries live in SharedArrayBuffers, so a chunk crosses threads without copying its strings,
 *   and the store keeps the two arrays as blobs instead of walking millions of strings;
 * - entries hash and compare as bytes (UTF-8 byte order is code-point order, the order of pandas, Arrow
 *   and DuckDB), and unifying dictionaries hashes bytes in typed arrays, never JS Maps of strings;
 * - fetch hands the arrays to Arrow as they are.
 * JavaScript strings are made only where one is needed (a row's value, a string predicate per entry),
 * decoded once per dictionary and cached beside it (a WeakMap: the cache never travels with the chunk).
 * A JS string holding a lone surrogate is stored as U+FFFD, as Arrow and every UTF-8 writer store it.
 */
import { isAscii } from 'node:buffer';

export interface Utf8Dict {
  /** entries + 1 offsets into `bytes`, starting at 0. */
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
}

/** Typed arrays of at least this many bytes are shared (base/frame.ts allocates the same way). */
const SHARED_MIN_BYTES = 1 << 16;
const newBuffer = (n: number): ArrayBuffer | SharedArrayBuffer => (n >= SHARED_MIN_BYTES ? new SharedArrayBuffer(n) : new ArrayBuffer(n));

export const EMPTY_DICT: Utf8Dict = Object.freeze({ offsets: new Int32Array(1), bytes: new Uint8Array(0) });

export function dictSize(d: Utf8Dict): number {
  return d.offsets.length - 1;
}

/** A dictionary from its arrays' contents, copied into fresh (shared when big) buffers. */
export function makeUtf8Dict(offsets: Int32Array, bytes: Uint8Array): Utf8Dict {
  const o = new Int32Array(newBuffer(offsets.length * 4));
  o.set(offsets);
  const b = new Uint8Array(newBuffer(bytes.length));
  b.set(bytes);
  return { offsets: o, bytes: b };
}

const encoder = new TextEncoder();

/** A dictionary of these strings, in this order (they should be distinct; nothing checks). */
export function utf8DictOf(strings: readonly string[]): Utf8Dict {
  const b = new Utf8DictBuilder(strings.length, 0, false);
  for (const s of strings) b.appendString(s);
  return b.finish();
}

const latin1Of = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string;
const utf8Of = Buffer.prototype.utf8Slice as (this: Uint8Array, start: number, end: number) => string;
const decoded = new WeakMap<Utf8Dict, readonly string[]>();

/** Every entry as a JavaScript string (decoded once per dictionary, then cached). */
export function dictStrings(d: Utf8Dict): readonly string[] {
  let out = decoded.get(d);
  if (out) return out;
  const n = dictSize(d);
  const { offsets, bytes } = d;
  const list: string[] = new Array<string>(n);
  const end = offsets[n]!;
  if (end === 0 || isAscii(bytes.subarray(0, end))) {
    // One native Latin-1 slice of the whole pool; entries are substrings of it.
    const all = end === 0 ? '' : latin1Of.call(bytes, 0, end);
    for (let k = 0; k < n; k++) list[k] = all.slice(offsets[k]!, offsets[k + 1]!);
  } else {
    for (let k = 0; k < n; k++) list[k] = offsets[k] === offsets[k + 1] ? '' : utf8Of.call(bytes, offsets[k]!, offsets[k + 1]!);
  }
  out = Object.freeze(list);
  decoded.set(d, out);
  return out;
}

/** Entry `k` as a JavaScript string (a whole dictionary is decoded once it is asked for often). */
export function dictString(d: Utf8Dict, k: number): string {
  const all = decoded.get(d);
  if (all) return all[k]!;
  const s = d.offsets[k]!;
  const e = d.offsets[k + 1]!;
  return s === e ? '' : utf8Of.call(d.bytes, s, e);
}

/** -1, 0 or 1: entry i of `a` against entry j of `b` by bytes, which for UTF-8 is code-point order. */
export function compareEntries(a: Utf8Dict, i: number, b: Utf8Dict, j: number): number {
  const x = a.bytes;
  const y = b.bytes;
  let p = a.offsets[i]!;
  const pe = a.offsets[i + 1]!;
  let q = b.offsets[j]!;
  const qe = b.offsets[j + 1]!;
  for (; p < pe && q < qe; p++, q++) {
    if (x[p] !== y[q]) return x[p]! < y[q]! ? -1 : 1;
  }
  return p < pe ? 1 : q < qe ? -1 : 0;
}

/** Whether every entry's bytes are below 0xED: then no UTF-16 unit is a surrogate or above, and JS `<` is code-point order. */
function belowSurrogates(d: Utf8Dict): boolean {
  const b = d.bytes;
  const end = d.offsets[dictSize(d)]!;
  for (let k = 0; k < end; k++) if (b[k]! >= 0xed) return false;
  return true;
}

/** Entry indices in code-point order. */
export function sortedEntries(d: Utf8Dict): Int32Array {
  const n = dictSize(d);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  if (belowSurrogates(d)) {
    const s = dictStrings(d);
    order.sort((a, b) => (s[a]! < s[b]! ? -1 : s[a]! > s[b]! ? 1 : 0));
  } else {
    order.sort((a, b) => compareEntries(d, a, d, b));
  }
  return order;
}

/** FNV-1a over bytes [start, end), finalised (murmur3 fmix): equal bytes hash alike in every dictionary. */
export function bytesHash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let k = start; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
  h ^= end - start;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** The hash of every entry (bytesHash). */
export function entryHashes(d: Utf8Dict): Int32Array {
  const n = dictSize(d);
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) out[k] = bytesHash(d.bytes, d.offsets[k]!, d.offsets[k + 1]!);
  return out;
}

/**
 * Builds a dictionary entry by entry. With `unique` (the default) an open-addressing table on typed
 * arrays finds an entry already added, so `add` returns its code; otherwise entries are appended as given.
 */
export class Utf8DictBuilder {
  #bytes: Uint8Array;
  #used = 0;
  #offsets: Int32Array;
  #size = 0;
  readonly #unique: boolean;
  /** Per slot: the entry's hash, then entry + 1 (0 = empty). */
  #slots: Int32Array;
  #mask: number;

  constructor(entries = 16, bytes = 0, unique = true) {
    this.#offsets = new Int32Array(Math.max(entries, 4) + 1);
    this.#bytes = new Uint8Array(Math.max(bytes, 64));
    this.#unique = unique;
    let cap = 16;
    // At most 2/3 full once `entries` are in (linear probing stays short; the table stays smaller than at 1/2).
    while (2 * cap < 3 * entries) cap *= 2;
    this.#slots = new Int32Array(unique ? 2 * cap : 0);
    this.#mask = cap - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** The code of bytes [start, end) of `src`, adding them when new. */
  add(src: Uint8Array, start: number, end: number, hash = bytesHash(src, start, end)): number {
    if (!this.#unique) return this.#append(src, start, end);
    // Slots hold (hash, entry + 1) side by side: a probe that misses reads one place.
    const slots = this.#slots;
    const mask = this.#mask;
    const length = end - start;
    let s = hash & mask;
    for (;;) {
      const e = slots[2 * s + 1]! - 1;
      if (e < 0) break;
      if (slots[2 * s] === hash) {
        const pool = this.#bytes;
        const offsets = this.#offsets;
        const at = offsets[e]!;
        if (offsets[e + 1]! - at === length) {
          let k = 0;
          while (k < length && pool[at + k] === src[start + k]) k++;
          if (k === length) return e;
        }
      }
      s = (s + 1) & mask;
    }
    const code = this.#append(src, start, end);
    slots[2 * s] = hash;
    slots[2 * s + 1] = code + 1;
    if (3 * this.#size > 2 * mask) this.#grow();
    return code;
  }

  /**
   * Codes, in this builder, of every entry of `d` (the remap of a dictionary being merged in). The hot
   * loop of unifying dictionaries (concat, fetch), so room for all of `d` is made first and the loop
   * inlines the hash, the probe and the append with no growth checks.
   */
  addAll(d: Utf8Dict): Int32Array {
    const n = dictSize(d);
    const remap = new Int32Array(n);
    if (!this.#unique) {
      for (let k = 0; k < n; k++) remap[k] = this.#append(d.bytes, d.offsets[k]!, d.offsets[k + 1]!);
      return remap;
    }
    const src = d.bytes;
    const srcOffsets = d.offsets;
    this.#reserve(n, srcOffsets[n]! - srcOffsets[0]!);
    const slots = this.#slots;
    const mask = this.#mask;
    const pool = this.#bytes;
    const offsets = this.#offsets;
    let used = this.#used;
    let size = this.#size;
    for (let k = 0; k < n; k++) {
      const start = srcOffsets[k]!;
      const end = srcOffsets[k + 1]!;
      const length = end - start;
      let h = 0x811c9dc5 | 0;
      for (let b = start; b < end; b++) h = Math.imul(h ^ src[b]!, 0x01000193);
      h ^= length;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      let s = h & mask;
      let code = -1;
      for (;;) {
        const e = slots[2 * s + 1]! - 1;
        if (e < 0) break;
        if (slots[2 * s] === h) {
          const at = offsets[e]!;
          if (offsets[e + 1]! - at === length) {
            let q = 0;
            while (q < length && pool[at + q] === src[start + q]) q++;
            if (q === length) {
              code = e;
              break;
            }
          }
        }
        s = (s + 1) & mask;
      }
      if (code < 0) {
        for (let b = start; b < end; b++) pool[used++] = src[b]!;
        code = size++;
        offsets[size] = used;
        slots[2 * s] = h;
        slots[2 * s + 1] = size;
      }
      remap[k] = code;
    }
    this.#used = used;
    this.#size = size;
    return remap;
  }

  /** Room for `entries` more entries of `bytes` more bytes, the table staying at most 2/3 full. */
  #reserve(entries: number, bytes: number): void {
    if (this.#used + bytes > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(2 * this.#bytes.length, this.#used + bytes));
      grown.set(this.#bytes.subarray(0, this.#used));
      this.#bytes = grown;
    }
    if (this.#size + entries + 1 > this.#offsets.length) {
      const grown = new Int32Array(Math.max(2 * this.#offsets.length, this.#size + entries + 1));
      grown.set(this.#offsets.subarray(0, this.#size + 1));
      this.#offsets = grown;
    }
    while (3 * (this.#size + entries) > 2 * this.#mask) this.#grow();
  }

  /** The code of a JavaScript string (UTF-8 encoded), adding it when new. */
  addString(s: string): number {
    const { bytes, length } = encodeScratch(s);
    return this.#unique ? this.add(bytes, 0, length) : this.#append(bytes, 0, length);
  }

  /** Appends a string as the next entry, without looking for it (builders made with `unique` false). */
  appendString(s: string): number {
    const { bytes, length } = encodeScratch(s);
    return this.#append(bytes, 0, length);
  }

  /** Appends bytes [start, end) as the next entry, without looking for it. */
  appendBytes(src: Uint8Array, start: number, end: number): number {
    return this.#unique ? this.add(src, start, end) : this.#append(src, start, end);
  }

  #append(src: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (this.#used + length > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(2 * this.#bytes.length, this.#used + length));
      grown.set(this.#bytes.subarray(0, this.#used));
      this.#bytes = grown;
    }
    const pool = this.#bytes;
    if (length <= 16) for (let k = 0; k < length; k++) pool[this.#used + k] = src[start + k]!;
    else pool.set(src.subarray(start, end), this.#used);
    this.#used += length;
    const code = this.#size++;
    if (this.#size + 1 > this.#offsets.length) {
      const grown = new Int32Array(2 * this.#offsets.length);
      grown.set(this.#offsets);
      this.#offsets = grown;
    }
    this.#offsets[code + 1] = this.#used;
    return code;
  }

  #grow(): void {
    this.#slots = growPairTable(this.#slots, this.#mask);
    this.#mask = 2 * this.#mask + 1;
  }

  /** The dictionary, in fresh buffers (shared when big). */
  finish(): Utf8Dict {
    if (this.#size === 0) return EMPTY_DICT;
    return makeUtf8Dict(this.#offsets.subarray(0, this.#size + 1), this.#bytes.subarray(0, this.#used));
  }
}

let scratch = new Uint8Array(256);

/**
 * An open-addressing table of (hash, entry + 1) pairs (0: empty) rehashed into twice the slots, by linear
 * probing; the new mask is `2 * mask + 1`. Shared by this builder and the CSV parser's long-key table.
 */
export function growPairTable(old: Int32Array, mask: number): Int32Array<ArrayBuffer> {
  const next = 2 * mask + 1;
  const slots = new Int32Array(2 * (next + 1));
  for (let k = 0; k < old.length; k += 2) {
    if (old[k + 1] === 0) continue;
    let s = old[k]! & next;
    while (slots[2 * s + 1] !== 0) s = (s + 1) & next;
    slots[2 * s] = old[k]!;
    slots[2 * s + 1] = old[k + 1]!;
  }
  return slots;
}

function encodeScratch(s: string): { bytes: Uint8Array; length: number } {
  if (3 * s.length > scratch.length) scratch = new Uint8Array(Math.max(3 * s.length, 2 * scratch.length));
  const { written } = encoder.encodeInto(s, scratch);
  return { bytes: scratch, length: written };
}
