/**
 * Dictionary encoding of a CSV string column while it is parsed: each distinct string's bytes are
 * checked once (UTF-8: invalid bytes are an error, never U+FFFD in the data), kept in a pool and given
 * the next code, in first-seen order (the FrameChunk convention); the pool is the chunk's dictionary
 * (base/utf8Dict.ts), so no string is ever decoded here. The null values (`nullValues`, '' by default) are
 * entries too, mapping to code -1, so recognising a null costs nothing extra.
 *
 * Two open-addressing tables, by key length:
 * - a key of up to SHORT_KEY_BYTES (12) bytes ('id016', 'id0000053785') is its bytes packed big-endian
 *   into three int32 words (w2 w1 w0, the last byte lowest, zeros above a shorter key), and a slot holds
 *   the words and (code + 2) << 4 | length: a hit reads one 16-byte slot and compares three words, with
 *   no byte-by-byte hash and no second place to look. The length is in the slot because a key's leading
 *   NUL bytes pack to zeros. The generated parser (csvCodegen.ts) packs the words while it scans the
 *   field and probes `short` inline; a miss calls `codeShort`.
 * - a longer key is hashed (FNV-1a over its bytes) into slots of (hash, entry + 1), the entry giving its
 *   bytes in the pool.
 * (graph/stringDict.ts's table works on a whole column of spans after the fact and sorts its dictionary;
 * here codes are needed field by field in first-seen order.)
 *
 * Every table and the pool are the thread's scratch (csvScratch.ts), handed back by `finish`, whose
 * dictionary is an exact-size copy.
 */
import { isUtf8 } from 'node:buffer';
import { makeUtf8Dict, type Utf8Dict } from '../../base/utf8Dict.js';
import { giveBack, scratchBytes, scratchInt32, zeroedInt32 } from './csvScratch.js';

export const HASH_SEED = 0x811c9dc5 | 0;
export const HASH_PRIME = 0x01000193;
/** Keys of up to this many bytes go to the short-key table. */
export const SHORT_KEY_BYTES = 12;
/** Codes a short slot can hold: (code + 2) << 4 must stay a positive int32. Later keys go long. */
const SHORT_CODE_LIMIT = (1 << 27) - 2;

/** The multipliers of the short-key hash (the generated parser inlines `shortStart` with them). */
export const SHORT_HASH = [0x9e3779b1 | 0, 0x85ebca77 | 0, 0xc2b2ae3d | 0] as const;

/** The slot where a probe for a short key starts. */
export function shortStart(w0: number, w1: number, w2: number, length: number, mask: number): number {
  const h = Math.imul(w0 ^ Math.imul(w1, SHORT_HASH[0]) ^ Math.imul(w2 ^ length, SHORT_HASH[1]), SHORT_HASH[2]);
  return (h ^ (h >>> 16)) & mask;
}

export class ByteDict {
  /** Distinct strings so far (the next code). */
  #count = 0;
  /** Per code, the end of its bytes in the pool (minus #base); offsets[0] = 0. */
  #offsets = scratchInt32(257);
  /** Pool bytes of the null values, which come first. */
  #base = 0;
  /** Short keys, per slot: w0, w1, w2, (code + 2) << 4 | length (0: empty). Read by generated code. */
  short = zeroedInt32(4 * 1024);
  shortMask = 1023;
  #shortEntries = 0;
  #pool = scratchBytes(1 << 14);
  #used = 0;
  /** Per long entry, together so a hit reads one place: pool start, byte length, code (-1: a null value). */
  #info = scratchInt32(3 * 256);
  #entries = 0;
  /** Per long slot: the hash and entry + 1 (0: empty), side by side, so a probe is one cache line. */
  #slots = zeroedInt32(2 * 1024);
  #mask = 1023;
  /** Set when a new string's bytes are not valid UTF-8 (the caller raises the error). */
  invalid = false;

  constructor(nullValues: readonly string[]) {
    this.#offsets[0] = 0;
    const enc = new TextEncoder();
    for (const v of nullValues) {
      const b = enc.encode(v);
      this.#lookup(b, 0, b.length, -1);
    }
    this.#base = this.#used;
  }

  /**
   * The dictionary: every distinct string, in first-seen order, as UTF-8 bytes and offsets (copies);
   * the dictionary's buffers go back to the thread's scratch, so it must not be used afterwards.
   */
  finish(): Utf8Dict {
    const d = makeUtf8Dict(this.#offsets.subarray(0, this.#count + 1), this.#pool.subarray(this.#base, this.#used));
    for (const b of [this.#offsets, this.short, this.#pool, this.#info, this.#slots]) giveBack(b);
    return d;
  }

  /** The code of bytes[start..end): its dictionary index, or -1 for a null value; `invalid` on bad UTF-8. */
  code(bytes: Uint8Array, start: number, end: number): number {
    return this.#lookup(bytes, start, end, -2);
  }

  #lookup(bytes: Uint8Array, start: number, end: number, newCode: number): number {
    if (end - start <= SHORT_KEY_BYTES) {
      let w0 = 0;
      let w1 = 0;
      let w2 = 0;
      for (let k = start; k < end; k++) {
        w2 = (w2 << 8) | (w1 >>> 24);
        w1 = (w1 << 8) | (w0 >>> 24);
        w0 = (w0 << 8) | bytes[k]!;
      }
      return this.codeShort(bytes, start, end, w0, w1, w2, newCode);
    }
    let h = HASH_SEED;
    let high = 0;
    for (let k = start; k < end; k++) {
      const b = bytes[k]!;
      high |= b;
      h = Math.imul(h ^ b, HASH_PRIME);
    }
    return this.#codeLong(bytes, start, end, h, high, newCode);
  }

  /**
   * The code of a key of at most SHORT_KEY_BYTES bytes whose packed words are w0, w1, w2 (see the
   * header); adds it when new (`newCode` -2: the next code).
   */
  codeShort(bytes: Uint8Array, start: number, end: number, w0: number, w1: number, w2: number, newCode = -2): number {
    const length = end - start;
    const table = this.short;
    const mask = this.shortMask;
    let s = shortStart(w0, w1, w2, length, mask);
    for (;;) {
      const meta = table[4 * s + 3]!;
      if (meta === 0) break;
      if (table[4 * s] === w0 && table[4 * s + 1] === w1 && table[4 * s + 2] === w2 && (meta & 15) === length) return (meta >> 4) - 2;
      s = (s + 1) & mask;
    }
    if (this.#count >= SHORT_CODE_LIMIT) return this.#lookupLong(bytes, start, end, newCode);
    const code = this.#add(bytes, start, end, newCode);
    if (code === -3) return -1;
    table[4 * s] = w0;
    table[4 * s + 1] = w1;
    table[4 * s + 2] = w2;
    table[4 * s + 3] = ((code + 2) << 4) | length;
    // Linear probing stays short below 3/4 full; a smaller table stays in cache.
    if (4 * ++this.#shortEntries > 3 * (mask + 1)) this.#growShort();
    return code;
  }

  #lookupLong(bytes: Uint8Array, start: number, end: number, newCode: number): number {
    let h = HASH_SEED;
    let high = 0;
    for (let k = start; k < end; k++) {
      high |= bytes[k]!;
      h = Math.imul(h ^ bytes[k]!, HASH_PRIME);
    }
    return this.#codeLong(bytes, start, end, h, high, newCode);
  }

  /**
   * `code` for a caller that hashed the bytes while scanning them: `hash` is the FNV-1a state from
   * HASH_SEED over the bytes (by HASH_PRIME), `high` the OR of the bytes (>= 0x80: not ASCII).
   */
  codeHashed(bytes: Uint8Array, start: number, end: number, hash: number, high: number): number {
    if (end - start <= SHORT_KEY_BYTES) return this.#lookup(bytes, start, end, -2);
    return this.#codeLong(bytes, start, end, hash, high, -2);
  }

  #codeLong(bytes: Uint8Array, start: number, end: number, hash: number, high: number, newCode: number): number {
    const length = end - start;
    let h = Math.imul(hash ^ length, HASH_PRIME);
    h ^= h >>> 15;
    const slots = this.#slots;
    const mask = this.#mask;
    const info = this.#info;
    let s = h & mask;
    for (; ; s = (s + 1) & mask) {
      const e = slots[2 * s + 1]! - 1;
      if (e < 0) break;
      if (slots[2 * s] !== h || info[3 * e + 1] !== length) continue;
      const pool = this.#pool;
      const at = info[3 * e]! - start;
      let same = true;
      for (let k = start; k < end; k++) {
        if (pool[at + k] !== bytes[k]) {
          same = false;
          break;
        }
      }
      if (same) return info[3 * e + 2]!;
    }
    const at = this.#used;
    const code = this.#add(bytes, start, end, newCode, high);
    if (code === -3) return -1;
    const e = this.#entries++;
    if (3 * e === this.#info.length) {
      const grown = scratchInt32(2 * this.#info.length);
      grown.set(this.#info);
      giveBack(this.#info);
      this.#info = grown;
    }
    this.#info[3 * e] = at;
    this.#info[3 * e + 1] = length;
    this.#info[3 * e + 2] = code;
    slots[2 * s] = h;
    slots[2 * s + 1] = e + 1;
    if (2 * this.#entries > mask + 1) this.#growLong();
    return code;
  }

  /**
   * A new key: its bytes go to the pool and it gets `newCode`, or (-2) the next code;
   * -3 (and `invalid`) when its bytes are not valid UTF-8.
   */
  #add(bytes: Uint8Array, start: number, end: number, newCode: number, high = -1): number {
    const length = end - start;
    if (high < 0) {
      high = 0;
      for (let k = start; k < end; k++) high |= bytes[k]!;
    }
    if (newCode === -2 && high >= 0x80 && !isUtf8(bytes.subarray(start, end))) {
      this.invalid = true;
      return -3;
    }
    if (this.#used + length > this.#pool.length) {
      const pool = scratchBytes(Math.max(2 * this.#pool.length, this.#used + length));
      pool.set(this.#pool.subarray(0, this.#used));
      giveBack(this.#pool);
      this.#pool = pool;
    }
    if (length <= 16) for (let k = 0; k < length; k++) this.#pool[this.#used + k] = bytes[start + k]!;
    else this.#pool.set(bytes.subarray(start, end), this.#used);
    this.#used += length;
    if (newCode !== -2) return newCode;
    const code = this.#count++;
    if (this.#count === this.#offsets.length) {
      const grown = scratchInt32(2 * this.#offsets.length);
      grown.set(this.#offsets);
      giveBack(this.#offsets);
      this.#offsets = grown;
    }
    this.#offsets[this.#count] = this.#used - this.#base;
    return code;
  }

  #growShort(): void {
    const old = this.short;
    const mask = 2 * (this.shortMask + 1) - 1;
    const table = zeroedInt32(4 * (mask + 1));
    for (let k = 0; k < old.length; k += 4) {
      const meta = old[k + 3]!;
      if (meta === 0) continue;
      let s = shortStart(old[k]!, old[k + 1]!, old[k + 2]!, meta & 15, mask);
      while (table[4 * s + 3] !== 0) s = (s + 1) & mask;
      table[4 * s] = old[k]!;
      table[4 * s + 1] = old[k + 1]!;
      table[4 * s + 2] = old[k + 2]!;
      table[4 * s + 3] = meta;
    }
    giveBack(old);
    this.short = table;
    this.shortMask = mask;
  }

  /** Doubles the long-key table (slots of hash, entry + 1), rehashed by each hash's low bits. */
  #growLong(): void {
    const old = this.#slots;
    const mask = 2 * this.#mask + 1;
    const slots = zeroedInt32(2 * (mask + 1));
    for (let k = 0; k < old.length; k += 2) {
      if (old[k + 1] === 0) continue;
      let s = old[k]! & mask;
      while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
      slots[2 * s] = old[k]!;
      slots[2 * s + 1] = old[k + 1]!;
    }
    giveBack(old);
    this.#slots = slots;
    this.#mask = mask;
  }
}
