/**
 * Single-source shortest paths (Graphalytics SSSP): Dijkstra over the out-CSR with float64 weights;
 * unreachable vertices get Infinity (printed `infinity`). Weights must be >= 0 (and not NaN); the check
 * runs over every arc before the search, as scipy's does, so a negative weight anywhere is reported
 * even when the source cannot reach it.
 *
 * The queue is two-level (see `dijkstra` below): cyclic buckets of width delta, and a 4-ary heap with
 * inline keys for the current bucket only. This is the sequential algorithm; the split across workers
 * is delta-stepping (deltaStepping.ts), which pays only with several cores.
 *
 * Given the graph's out-slot layout (outSlots.ts), Dijkstra reads fixed-width rows and their weights
 * in slot order instead of the CSR (no offsets load per settled vertex: 157 → 139 ms on the 1024x1024
 * grid), and the weight check's outcome kept with the layout replaces the pass over every weight
 * (11 ms there).
 */
import { NegativeWeightError } from './errors.js';
import { BFS_UNREACHED, bfs, checkSource } from './bfs.js';
import type { Csr, GraphCsr } from './csr.js';
import { checkArcWeights, LONG_ROW, type OutSlots, type WeightCheck } from './outSlots.js';
import { sharedFloat64 } from './shared.js';

/** Names a vertex in an error message (the caller maps internal ids back to original ids). */
export type VertexLabel = (v: number) => string;

export interface SsspOptions {
  readonly label?: VertexLabel;
  /** Where to write the distances (n elements, e.g. a buffer another thread reads); a new array otherwise. */
  readonly into?: Float64Array;
  /** The graph's out-slot layout, when the caller keeps one with the graph (never built here). */
  readonly outSlots?: OutSlots;
}

/** Shortest distance from `source` to every vertex; on an unweighted graph, every arc counts 1 (BFS). */
export function sssp(g: GraphCsr, source: number, options: SsspOptions = {}): Float64Array {
  const { n, out } = g;
  checkSource(n, source, 'SSSP source');
  const layout = options.outSlots;
  if (layout && layout.n !== n) throw new RangeError(`the out-slot layout is for ${layout.n} vertices, the graph has ${n}`);
  const maxWeight = checkWeights(out, options.label ?? String, layout?.weightCheck);
  if (!out.weights) {
    const d = depthsAsDistances(bfs(g, source, layout ? { outSlots: layout } : {}));
    if (!options.into) return d;
    options.into.set(d);
    return options.into;
  }
  const rows = layout && layout.width > 0 && layout.weights ? layout : undefined;
  return dijkstra(out, rows, source, maxWeight, options.into);
}

/**
 * The largest finite weight, after checking that no weight is negative or NaN (NegativeWeightError
 * names the first such arc in CSR order). Unweighted graphs count 1 per arc. `known` is that check's
 * outcome kept with the graph (the out-slot layout's), which spares the pass over the weights.
 */
export function checkWeights(csr: Csr, label: VertexLabel = String, known?: WeightCheck): number {
  const { weights } = csr;
  if (!weights) return 1;
  const { maxWeight, badArc } = known ?? checkArcWeights(weights);
  if (badArc >= 0) throw negativeWeight(csr, badArc, label);
  return maxWeight;
}

function negativeWeight(csr: Csr, arc: number, label: VertexLabel): NegativeWeightError {
  const { n, offsets, targets, weights } = csr;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (offsets[mid]! <= arc) lo = mid;
    else hi = mid - 1;
  }
  return new NegativeWeightError(label(lo), label(targets[arc]!), weights![arc]!);
}

/**
 * Dijkstra with a two-level queue. Tentative distances are bucketed by floor(d / delta) into a cyclic
 * array of buckets (Dial): every queued distance lies within the largest weight of the distance being
 * settled, so ceil(maxWeight / delta) + 2 buckets suffice, and queueing a vertex in a later bucket is
 * an append, not a heap operation. Only the current bucket is a heap (lazy: improved vertices are
 * pushed again and stale entries skipped), so heaps stay small and cache-resident. A settled flag per
 * vertex skips arcs into settled vertices without touching their distance. Same order of settling as a
 * plain Dijkstra, so the same distances.
 *
 * Two copies of the search loop, one per row form: over the out-slot layout (short fixed-width rows,
 * long rows from the CSR) and over the CSR alone (rows of any length, long ones relaxed in two passes).
 * One loop serving both was 10% slower on the grid's slot rows (137 -> 150 ms) whether the two-pass code
 * sat inline or in a function of its own (which in turn made the R-MAT search 40% slower on a worker).
 * The relaxation is written out in each loop: calling it as a Search method cost 2-3% on R-MAT s20.
 */
function dijkstra(csr: Csr, rows: OutSlots | undefined, source: number, maxWeight: number, into: Float64Array | undefined): Float64Array {
  const search = new Search(csr, maxWeight, source, into);
  if (rows && rows.width > 0) searchSlots(csr, rows, search);
  else searchCsr(csr, search);
  return search.dist;
}

/** The state of one search. */
class Search {
  readonly dist: Float64Array;
  /**
   * A bitset (n/8 bytes) stays in L2 where a byte per vertex would not: most arcs of a large graph lead
   * to vertices already settled, and this check is all they cost.
   */
  readonly settled: Int32Array;
  /**
   * Vertices already taken from a bucket list into the heap: a vertex is opened once, in the bucket that
   * holds its final distance, and settled before that bucket is done, so bits never need clearing.
   */
  readonly opened: Int32Array;
  /** Bucket of x: floor(x * perDelta), monotone in x, the same expression everywhere. */
  readonly perDelta: number;
  readonly buckets: Buckets;
  readonly heap = new LazyHeap();

  constructor(csr: Csr, maxWeight: number, source: number, into: Float64Array | undefined) {
    const { n, m } = csr;
    this.dist = (into ?? sharedFloat64(n)).fill(Infinity);
    this.settled = new Int32Array((n + 31) >>> 5);
    this.opened = new Int32Array((n + 31) >>> 5);
    // Narrow buckets keep the heap of the current bucket tiny; measured on the peer graphs, a width of
    // maxWeight / (32 * average degree) was best or near best on all four (about 32 * m/n buckets).
    // (Widths so small that their inverse overflows, from denormal weights, fall back to width 1.)
    const narrow = maxWeight / Math.max(1, m / n) / 32;
    this.perDelta = narrow > 0 && 1 / narrow < Infinity ? 1 / narrow : 1;
    this.buckets = new Buckets(Math.ceil(maxWeight * this.perDelta) + 2);
    this.dist[source] = 0;
    this.buckets.add(0, source);
  }

  /** Moves bucket `current`'s unsettled vertices into the heap (once each); false when it is empty. */
  open(current: number): boolean {
    const { settled, opened, dist, heap } = this;
    const list = this.buckets.take(current);
    for (let i = 0; i < list.length; i++) {
      const v = list[i]!;
      // A vertex improved several times while waiting is listed several times; queue it once.
      const bit = 1 << (v & 31);
      if ((settled[v >>> 5]! | opened[v >>> 5]!) & bit) continue;
      opened[v >>> 5]! |= bit;
      heap.push(dist[v]!, v);
    }
    return list.length > 0;
  }
}

function searchSlots(csr: Csr, rows: OutSlots, search: Search): void {
  const { n, offsets, targets, weights } = csr;
  const { width, slots, weights: slotWeights } = rows;
  const { dist, settled, perDelta, buckets, heap } = search;
  for (let current = 0; buckets.pending > 0; current++) {
    if (!search.open(current)) continue;
    while (heap.size > 0) {
      const du = heap.topKey();
      const u = heap.pop();
      if (settled[u >>> 5]! & (1 << (u & 31)) || du > dist[u]!) continue;
      settled[u >>> 5]! |= 1 << (u & 31);
      // u's row: its slots (ending at the first padding slot, n), or the CSR's for a long row.
      let rowTargets = slots;
      let rowWeights = slotWeights!;
      let e = width * u;
      let end = e + width;
      if (slots[e] === LONG_ROW) {
        rowTargets = targets;
        rowWeights = weights!;
        e = offsets[u]!;
        end = offsets[u + 1]!;
      }
      for (; e < end; e++) {
        const t = rowTargets[e]!;
        if (t === n) break;
        if (settled[t >>> 5]! & (1 << (t & 31))) continue;
        const nd = du + rowWeights[e]!;
        if (nd < dist[t]!) {
          dist[t] = nd;
          const b = Math.floor(nd * perDelta);
          if (b === current) heap.push(nd, t);
          else buckets.add(b, t);
        }
      }
    }
  }
}

function searchCsr(csr: Csr, search: Search): void {
  const { offsets, targets, weights } = csr;
  const { dist, settled, perDelta, buckets, heap } = search;
  let unsettled = new Int32Array(256);
  for (let current = 0; buckets.pending > 0; current++) {
    if (!search.open(current)) continue;
    while (heap.size > 0) {
      const du = heap.topKey();
      const u = heap.pop();
      if (settled[u >>> 5]! & (1 << (u & 31)) || du > dist[u]!) continue;
      settled[u >>> 5]! |= 1 << (u & 31);
      let e = offsets[u]!;
      const end = offsets[u + 1]!;
      if (end - e >= TWO_PASS_MIN_ROW) {
        // A long row in two passes: first, without a branch, the arcs into unsettled vertices; then
        // only those are relaxed. The settled test is a coin flip in mid-search and its mispredictions
        // were what long rows cost (R-MAT s20 through a session: 573-696 -> 545-634 ms).
        if (end - e > unsettled.length) unsettled = new Int32Array(2 * (end - e));
        let count = 0;
        for (; e < end; e++) {
          const t = targets[e]!;
          unsettled[count] = e;
          count += ((settled[t >>> 5]! >>> (t & 31)) & 1) ^ 1;
        }
        for (let i = 0; i < count; i++) {
          const arc = unsettled[i]!;
          const t = targets[arc]!;
          const nd = du + weights![arc]!;
          if (nd < dist[t]!) {
            dist[t] = nd;
            const b = Math.floor(nd * perDelta);
            if (b === current) heap.push(nd, t);
            else buckets.add(b, t);
          }
        }
        continue;
      }
      for (; e < end; e++) {
        const t = targets[e]!;
        if (settled[t >>> 5]! & (1 << (t & 31))) continue;
        const nd = du + weights![e]!;
        if (nd < dist[t]!) {
          dist[t] = nd;
          const b = Math.floor(nd * perDelta);
          if (b === current) heap.push(nd, t);
          else buckets.add(b, t);
        }
      }
    }
  }
}

/** Rows at least this long are relaxed in two passes (shorter ones: the passes cost more than they save). */
const TWO_PASS_MIN_ROW = 16;

/** Dial's cyclic buckets of vertex lists (growable Int32Arrays, reused from cycle to cycle). */
class Buckets {
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
class LazyHeap {
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

function depthsAsDistances(depth: Int32Array): Float64Array {
  const dist = sharedFloat64(depth.length);
  for (let v = 0; v < depth.length; v++) dist[v] = depth[v] === BFS_UNREACHED ? Infinity : depth[v]!;
  return dist;
}
