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

function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
}

export class ByteDict {
  /** The decoded distinct strings, in first-seen order (the chunk's `dict`). */
  readonly strings: string[] = [];
  #pool = new Uint8Array(1 << 14);
  #used = 0;
  /** Per entry: pool start, byte length, hash, code (-1 for a null value). */
  #starts = new Int32Array(256);
  #lengths = new Int32Array(256);
  #hashes = new Int32Array(256);
  #codes = new Int32Array(256);
  #entries = 0;
  /** Slot -> entry + 1 (0: empty). */
  #slots = new Int32Array(1024);
  #mask = 1023;
  /** Set by `code` when a new string's bytes are not valid UTF-8 (the caller raises the error). */
  invalid = false;

  constructor(nullValues: readonly string[]) {
    const enc = new TextEncoder();
    for (const v of nullValues) {
      const b = enc.encode(v);
      this.#lookup(b, 0, b.length, -1);
    }
  }

  /** The code of bytes[start..end): its dictionary index, or -1 for a null value; `invalid` on bad UTF-8. */
  code(bytes: Uint8Array, start: number, end: number): number {
    return this.#lookup(bytes, start, end, -2);
  }

  /** Finds the entry; adds it (with `newCode`, or the next dictionary index when -2) when absent. */
  #lookup(bytes: Uint8Array, start: number, end: number, newCode: number): number {
    let h = 0x811c9dc5 ^ (end - start);
    let high = 0;
    for (let k = start; k < end; k++) {
      const b = bytes[k]!;
      high |= b;
      h = Math.imul(h ^ b, 0x01000193);
    }
    h ^= h >>> 15;
    const length = end - start;
    const slots = this.#slots;
    const mask = this.#mask;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = slots[s]! - 1;
      if (e < 0) return this.#add(bytes, start, end, h, s, high, newCode);
      if (this.#hashes[e] !== h || this.#lengths[e] !== length) continue;
      const pool = this.#pool;
      const at = this.#starts[e]! - start;
      let same = true;
      for (let k = start; k < end; k++) {
        if (pool[at + k] !== bytes[k]) {
          same = false;
          break;
        }
      }
      if (same) return this.#codes[e]!;
    }
  }

  #add(bytes: Uint8Array, start: number, end: number, h: number, slot: number, high: number, newCode: number): number {
    let code = newCode;
    if (code === -2) {
      let text: string;
      if (high < 0x80) text = latin1Slice(bytes, start, end);
      else {
        try {
          text = utf8.decode(bytes.subarray(start, end));
        } catch {
          this.invalid = true;
          return -1;
        }
      }
      code = this.strings.length;
      this.strings.push(text);
    }
    const e = this.#entries++;
    if (e === this.#starts.length) {
      this.#starts = grown(this.#starts);
      this.#lengths = grown(this.#lengths);
      this.#hashes = grown(this.#hashes);
      this.#codes = grown(this.#codes);
    }
    const length = end - start;
    if (this.#used + length > this.#pool.length) {
      const pool = new Uint8Array(Math.max(2 * this.#pool.length, this.#used + length));
      pool.set(this.#pool.subarray(0, this.#used));
      this.#pool = pool;
    }
    this.#pool.set(bytes.subarray(start, end), this.#used);
    this.#starts[e] = this.#used;
    this.#used += length;
    this.#lengths[e] = length;
    this.#hashes[e] = h;
    this.#codes[e] = code;
    this.#slots[slot] = e + 1;
    if (2 * this.#entries > this.#mask + 1) this.#grow();
    return code;
  }

  #grow(): void {
    const capacity = 2 * (this.#mask + 1);
    const slots = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let e = 0; e < this.#entries; e++) {
      let s = this.#hashes[e]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e + 1;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}
