/**
 * Dijkstra's two-level queue (sssp.ts): Dial's cyclic buckets of width delta, and a 4-ary heap with
 * inline keys for the current bucket only.
 */

/** Dial's cyclic buckets of vertex lists (growable Int32Arrays, reused from cycle to cycle). */
export class Buckets {
  readonly #lists: Int32Array[];
  readonly #sizes: Int32Array;
  pending = 0;

  constructor(cycle: number) {
    this.#lists = Array.from({ length: cycle }, () => new Int32Array(16));
    this.#sizes = new Int32Array(cycle);
  }

  add(bucket: number, v: number): void {
    const slot = bucket % this.#lists.length;
    let list = this.#lists[slot]!;
    const size = this.#sizes[slot]!;
    if (size === list.length) {
      const grown = new Int32Array(2 * size);
      grown.set(list);
      this.#lists[slot] = list = grown;
    }
    list[size] = v;
    this.#sizes[slot] = size + 1;
    this.pending++;
  }

  /** The vertices queued in `bucket` (a view, valid until the next add to it); empties the bucket. */
  take(bucket: number): Int32Array {
    const slot = bucket % this.#lists.length;
    const size = this.#sizes[slot]!;
    this.#sizes[slot] = 0;
    this.pending -= size;
    return this.#lists[slot]!.subarray(0, size);
  }
}

/** A 4-ary min-heap of (distance, vertex) with the keys inline; duplicates allowed. */
export class LazyHeap {
  #keys = new Float64Array(1024);
  #vertices = new Int32Array(1024);
  size = 0;

  topKey(): number {
    return this.#keys[0]!;
  }

  push(key: number, vertex: number): void {
    if (this.size === this.#keys.length) {
      const keys = new Float64Array(2 * this.size);
      keys.set(this.#keys);
      this.#keys = keys;
      const vertices = new Int32Array(2 * this.size);
      vertices.set(this.#vertices);
      this.#vertices = vertices;
    }
    const keys = this.#keys;
    const vertices = this.#vertices;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pk = keys[parent]!;
      if (pk <= key) break;
      keys[i] = pk;
      vertices[i] = vertices[parent]!;
      i = parent;
    }
    keys[i] = key;
    vertices[i] = vertex;
  }

  /** Removes the minimum and returns its vertex. */
  pop(): number {
    const keys = this.#keys;
    const vertices = this.#vertices;
    const top = vertices[0]!;
    const size = --this.size;
    if (size === 0) return top;
    const key = keys[size]!;
    const vertex = vertices[size]!;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= size) break;
      let best = first;
      let bestKey = keys[first]!;
      const last = Math.min(first + 4, size);
      for (let c = first + 1; c < last; c++) {
        const ck = keys[c]!;
        if (ck < bestKey) {
          bestKey = ck;
          best = c;
        }
      }
      if (bestKey >= key) break;
      keys[i] = bestKey;
      vertices[i] = vertices[best]!;
      i = best;
    }
    keys[i] = key;
    vertices[i] = vertex;
    return top;
  }
}

/**
 * A bucket width of maxWeight / (perWeight * average degree). Widths that underflow to 0 or are so small
 * that their inverse overflows (denormal weights), and a graph without positive weights, fall back to
 * width 1: the buckets then only order distances more coarsely, every search stays exact.
 */
export function bucketWidth(maxWeight: number, n: number, m: number, perWeight: number): number {
  const narrow = maxWeight / Math.max(1, m / n) / perWeight;
  return narrow > 0 && 1 / narrow < Infinity ? narrow : 1;
}

/**
 * Buckets per unit of distance, for `bucketWidth`'s width. With a heap per bucket, narrow buckets keep
 * the heap tiny: measured on the peer graphs, perWeight 32 was best or near best on all four.
 */
export function bucketsPerUnit(maxWeight: number, n: number, m: number, perWeight: number): number {
  return 1 / bucketWidth(maxWeight, n, m, perWeight);
}

/** The cyclic buckets for weights up to maxWeight: every queued distance lies within maxWeight of the one being settled. */
export function bucketsFor(maxWeight: number, perDelta: number): Buckets {
  return new Buckets(Math.ceil(maxWeight * perDelta) + 2);
}
