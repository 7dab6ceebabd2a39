/**
 * Open-addressing hash tables from original vertex ids to dense indices, for the IdMap. JS `Map` boxes
 * every number key and is several times too slow for tens of millions of lookups; these tables are
 * flat Int32Arrays of slots (index or -1) with linear probing at load <= 1/2, keyed by:
 * - 64-bit keys seen as two int32 words (the bits of a double holding an integer, or of an int64), read
 *   through Int32Array views so no BigInt is created per lookup;
 * - UTF-8 byte strings, compared byte by byte, hashed with FNV-1a.
 */

/** Slots for `n` keys: a power of two >= 2n. */
export function newSlots(n: number): Int32Array {
  let capacity = 16;
  while (capacity < 2 * n) capacity *= 2;
  return new Int32Array(capacity).fill(-1);
}

/** Mixes two 32-bit words into a well-spread 32-bit hash (murmur3's finaliser on a combination). */
export function hashWords(lo: number, hi: number): number {
  let h = Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi ^ 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Finds key (lo, hi) in a table whose key k has words keyWords[2k], keyWords[2k+1]. Returns the slot
 * holding it, or the empty slot where it would go (check `slots[result] === -1`).
 */
export function probeWords(slots: Int32Array, keyWords: Int32Array, lo: number, hi: number): number {
  const mask = slots.length - 1;
  let s = hashWords(lo, hi) & mask;
  for (;;) {
    const k = slots[s]!;
    if (k === -1 || (keyWords[2 * k] === lo && keyWords[2 * k + 1] === hi)) return s;
    s = (s + 1) & mask;
  }
}

export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  // `| 0`: the same int32 the hashes array stores, also for the empty key (which skips the loop).
  return h | 0;
}

/** A string key table's arrays, as plain data (what a worker needs to look keys up). */
export interface StringKeys {
  readonly pool: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly hashes: Int32Array;
  readonly slots: Int32Array;
}

/** Index of the key bytes[start..end) among `keys`, or -1. */
export function findKey(keys: StringKeys, bytes: Uint8Array, start: number, end: number): number {
  return keys.slots[probeBytes(keys, bytes, start, end, hashBytes(bytes, start, end))]!;
}

/** The slot holding key bytes[start..end) (hash h), or the empty slot where it would go. */
function probeBytes(keys: StringKeys, bytes: Uint8Array, start: number, end: number, h: number): number {
  const { slots, pool, starts, ends, hashes } = keys;
  const mask = slots.length - 1;
  const length = end - start;
  let s = h & mask;
  for (;;) {
    const k = slots[s]!;
    if (k === -1) return s;
    if (hashes[k] === h && ends[k]! - starts[k]! === length) {
      let i = 0;
      const at = starts[k]!;
      while (i < length && pool[at + i] === bytes[start + i]) i++;
      if (i === length) return s;
    }
    s = (s + 1) & mask;
  }
}

/** UTF-8 keys stored back to back in a growable pool, with a hash table over them. */
export class StringKeyTable implements StringKeys {
  pool: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  hashes: Int32Array;
  slots: Int32Array;
  size = 0;
  #used = 0;

  constructor(expected: number, poolBytes: number) {
    this.pool = new Uint8Array(Math.max(16, poolBytes));
    this.starts = new Int32Array(Math.max(4, expected));
    this.ends = new Int32Array(Math.max(4, expected));
    this.hashes = new Int32Array(Math.max(4, expected));
    this.slots = newSlots(Math.max(4, expected));
  }

  /** Index of the key bytes[start..end), or -1. */
  find(bytes: Uint8Array, start: number, end: number): number {
    return findKey(this, bytes, start, end);
  }

  /** Index of the key, adding it (with the next index) when new. */
  intern(bytes: Uint8Array, start: number, end: number): number {
    const h = hashBytes(bytes, start, end);
    const s = probeBytes(this, bytes, start, end, h);
    const found = this.slots[s]!;
    if (found !== -1) return found;
    const k = this.size++;
    this.#reserve(k, end - start);
    this.pool.set(bytes.subarray(start, end), this.#used);
    this.starts[k] = this.#used;
    this.#used += end - start;
    this.ends[k] = this.#used;
    this.hashes[k] = h;
    this.slots[s] = k;
    if (2 * this.size > this.slots.length) this.#rehash();
    return k;
  }

  #reserve(k: number, bytes: number): void {
    if (k >= this.starts.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(2 * a.length);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
      this.hashes = grow(this.hashes);
    }
    if (this.#used + bytes > this.pool.length) {
      const pool = new Uint8Array(Math.max(2 * this.pool.length, this.#used + bytes));
      pool.set(this.pool.subarray(0, this.#used));
      this.pool = pool;
    }
  }

  #rehash(): void {
    const slots = newSlots(this.size);
    const mask = slots.length - 1;
    for (let k = 0; k < this.size; k++) {
      let s = this.hashes[k]! & mask;
      while (slots[s] !== -1) s = (s + 1) & mask;
      slots[s] = k;
    }
    this.slots = slots;
  }
}

/** Byte-wise comparison of two UTF-8 keys (this is code point order). */
export function compareBytes(pool: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  return compareByteRanges(pool, aStart, aEnd, pool, bStart, bEnd);
}

/** Byte-wise comparison of a[aStart..aEnd) and b[bStart..bEnd), keys in two buffers. */
export function compareByteRanges(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const length = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < length; i++) {
    const d = a[aStart + i]! - b[bStart + i]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}
