/**
 * Dictionary encoding of a CSV string column while it is parsed: an open-addressing hash table over the
 * field's bytes, so a value seen before costs a hash and one byte compare, and each distinct string is
 * decoded once (UTF-8, `fatal`: invalid bytes are an error, never U+FFFD in the data). The null values
 * (`nullValues`, '' by default) are entries too, mapping to code -1, so recognising a null costs nothing
 * extra. (graph/stringDict.ts's table works on a whole column of spans after the fact and sorts its
 * dictionary; here codes are needed field by field in first-seen order, the FrameChunk convention.)
 */
import { latin1Slice } from '../../graph/scan.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
export const HASH_SEED = 0x811c9dc5 | 0;
export const HASH_PRIME = 0x01000193;

export class ByteDict {
  /** The decoded distinct strings, in first-seen order (the chunk's `dict`). */
  readonly strings: string[] = [];
  #pool = new Uint8Array(1 << 14);
  #used = 0;
  /** Per entry, together so a hit reads one place: pool start, byte length, code (-1: a null value). */
  #info = new Int32Array(3 * 256);
  #entries = 0;
  /** Per slot: the hash and entry + 1 (0: empty), side by side, so a probe is one cache line. */
  #slots = new Int32Array(2 * 1024);
  #mask = 1023;
  /** Set by `code` when a new string's bytes are not valid UTF-8 (the caller raises the error). */
  invalid = false;
  /** (code, entry) pairs of ASCII strings not made yet. */
  #ascii: number[] = [];

  constructor(nullValues: readonly string[]) {
    const enc = new TextEncoder();
    for (const v of nullValues) {
      const b = enc.encode(v);
      let h = HASH_SEED;
      for (const x of b) h = Math.imul(h ^ x, HASH_PRIME);
      this.codeHashed(b, 0, b.length, h, 0, -1);
    }
  }

  /** The dictionary: every distinct string, in first-seen order. */
  finish(): string[] {
    if (this.#ascii.length > 0) {
      const all = latin1Slice(this.#pool, 0, this.#used);
      const info = this.#info;
      for (let k = 0; k < this.#ascii.length; k += 2) {
        const e = this.#ascii[k + 1]!;
        const at = info[3 * e]!;
        this.strings[this.#ascii[k]!] = all.slice(at, at + info[3 * e + 1]!);
      }
      this.#ascii = [];
    }
    return this.strings;
  }

  /** The code of bytes[start..end): its dictionary index, or -1 for a null value; `invalid` on bad UTF-8. */
  code(bytes: Uint8Array, start: number, end: number): number {
    let h = HASH_SEED;
    let high = 0;
    for (let k = start; k < end; k++) {
      const b = bytes[k]!;
      high |= b;
      h = Math.imul(h ^ b, HASH_PRIME);
    }
    return this.codeHashed(bytes, start, end, h, high, -2);
  }

  /**
   * `code` for a caller that hashed the bytes while scanning them: `hash` is the FNV-1a state from
   * HASH_SEED over the bytes (by HASH_PRIME), `high` the OR of the bytes (>= 0x80: not ASCII).
   */
  codeHashed(bytes: Uint8Array, start: number, end: number, hash: number, high: number, newCode = -2): number {
    const length = end - start;
    let h = Math.imul(hash ^ length, HASH_PRIME);
    h ^= h >>> 15;
    const slots = this.#slots;
    const mask = this.#mask;
    const info = this.#info;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = slots[2 * s + 1]! - 1;
      if (e < 0) return this.#add(bytes, start, end, h, s, high, newCode);
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
  }

  #add(bytes: Uint8Array, start: number, end: number, h: number, slot: number, high: number, newCode: number): number {
    let code = newCode;
    if (code === -2) {
      let text = '';
      if (high >= 0x80) {
        try {
          text = utf8.decode(bytes.subarray(start, end));
        } catch {
          this.invalid = true;
          return -1;
        }
      }
      code = this.strings.length;
      // ASCII strings are made at the end, as slices of one string of the whole pool (see finish).
      if (high < 0x80) this.#ascii.push(code, this.#entries);
      this.strings.push(text);
    }
    const e = this.#entries++;
    if (3 * e === this.#info.length) {
      const info = new Int32Array(2 * this.#info.length);
      info.set(this.#info);
      this.#info = info;
    }
    const length = end - start;
    if (this.#used + length > this.#pool.length) {
      const pool = new Uint8Array(Math.max(2 * this.#pool.length, this.#used + length));
      pool.set(this.#pool.subarray(0, this.#used));
      this.#pool = pool;
    }
    if (length <= 16) for (let k = 0; k < length; k++) this.#pool[this.#used + k] = bytes[start + k]!;
    else this.#pool.set(bytes.subarray(start, end), this.#used);
    this.#info[3 * e] = this.#used;
    this.#info[3 * e + 1] = length;
    this.#info[3 * e + 2] = code;
    this.#used += length;
    this.#slots[2 * slot] = h;
    this.#slots[2 * slot + 1] = e + 1;
    if (2 * this.#entries > this.#mask + 1) this.#grow();
    return code;
  }

  #grow(): void {
    const capacity = 2 * (this.#mask + 1);
    const old = this.#slots;
    const slots = new Int32Array(2 * capacity);
    const mask = capacity - 1;
    for (let k = 0; k < old.length; k += 2) {
      if (old[k + 1] === 0) continue;
      let s = old[k]! & mask;
      while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
      slots[2 * s] = old[k]!;
      slots[2 * s + 1] = old[k + 1]!;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}
