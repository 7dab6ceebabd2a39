/**
 * Single-source shortest paths (Graphalytics SSSP): Dijkstra over the out-CSR with float64 weights;
 * unreachable vertices get Infinity (printed `infinity`). Weights must be >= 0 (and not NaN); the check
 * runs over every arc before the search, as scipy's does, so a negative weight anywhere is reported
 * even when the source cannot reach it.
 *
 * The queue is Dial's cyclic buckets of width delta (ssspQueue.ts); the current bucket is scanned in
 * list order, label-correcting (`bucketSearch`), or, over the out-slots, ordered by a small heap. This
 * is the sequential algorithm; the split across workers is delta-stepping (deltaStepping.ts), which
 * pays only with several cores.
 *
 * The graph's SSSP layout (ssspLayout.ts), when the caller keeps one with the graph, gives the search
 * a better form of the same rows: on sparse graphs the out-slots (outSlots.ts: fixed-width rows and
 * their weights in slot order, no offsets load per settled vertex: 157 -> 139 ms on the 1024x1024
 * grid), on skewed ones the graph renumbered hubs first (hubOrder.ts); and the weight check's outcome
 * kept with it replaces the pass over every weight.
 */
import { NegativeWeightError } from './errors.js';
import { BFS_UNREACHED, bfs, checkSource } from './bfs.js';
import type { Csr, GraphCsr } from './csr.js';
import type { HubOrder } from './hubOrder.js';
import { checkArcWeights, LONG_ROW, type OutSlots, type WeightCheck } from './outSlots.js';
import { sharedFloat64 } from './shared.js';
import { type Buckets, bucketsFor, bucketsPerUnit, LazyHeap } from './ssspQueue.js';

/** Names a vertex in an error message (the caller maps internal ids back to original ids). */
export type VertexLabel = (v: number) => string;

export interface SsspOptions {
  readonly label?: VertexLabel;
  /** Where to write the distances (n elements, e.g. a buffer another thread reads); a new array otherwise. */
  readonly into?: Float64Array;
  /** The graph's out-slot layout with its weights (outSlots.ts, `weights: true`), read instead of the CSR when its width is not 0. */
  readonly outSlots?: OutSlots;
  /** The graph renumbered hubs first (hubOrder.ts), searched instead of the CSR. */
  readonly hubs?: HubOrder;
  /** The outcome of checking the graph's weights (outSlots.ts `checkArcWeights`), which spares the pass over them. */
  readonly weightCheck?: WeightCheck;
}

/** Shortest distance from `source` to every vertex; on an unweighted graph, every arc counts 1 (BFS). */
export function sssp(g: GraphCsr, source: number, options: SsspOptions = {}): Float64Array {
  const { n, out } = g;
  checkSource(n, source, 'SSSP source');
  const { outSlots: layout, hubs } = options;
  if (layout && layout.n !== n) throw new RangeError(`the out-slot layout is for ${layout.n} vertices, the graph has ${n}`);
  if (hubs && hubs.n !== n) throw new RangeError(`the hub order is for ${hubs.n} vertices, the graph has ${n}`);
  const maxWeight = checkWeights(out, options.label ?? String, options.weightCheck);
  if (!out.weights) {
    const d = depthsAsDistances(bfs(g, source, layout ? { outSlots: layout } : {}));
    if (!options.into) return d;
    options.into.set(d);
    return options.into;
  }
  if (layout && layout.width > 0 && layout.weights) return dijkstraSlots(out, layout, source, maxWeight, options.into);
  if (hubs?.csr.weights) return bucketSearch(hubs.csr, hubs.oldOf, hubs.oldOf.indexOf(source), maxWeight, options.into);
  return bucketSearch(out, undefined, source, maxWeight, options.into);
}

/**
 * The largest finite weight, after checking that no weight is negative or NaN (NegativeWeightError
 * names the first such arc in CSR order). Unweighted graphs count 1 per arc. `known` is that check's
 * outcome kept with the graph (SSSP's layout, ssspLayout.ts), which spares the pass over the weights.
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
 * Dijkstra over the out-slot layout (short fixed-width rows, long rows from the CSR), with a two-level
 * queue. Tentative distances are bucketed by floor(d / delta) into a cyclic array of buckets (Dial):
 * every queued distance lies within the largest weight of the distance being settled, so
 * ceil(maxWeight / delta) + 2 buckets suffice, and queueing a vertex in a later bucket is an append,
 * not a heap operation. Only the current bucket is a heap (lazy: improved vertices are pushed again and
 * stale entries skipped), so heaps stay small and cache-resident. A settled flag per vertex skips arcs
 * into settled vertices without touching their distance. Same order of settling as a plain Dijkstra,
 * so the same distances. The relaxation is written out in the loop: calling it as a Search method
 * cost 2-3% on R-MAT s20.
 */
function dijkstraSlots(csr: Csr, rows: OutSlots, source: number, maxWeight: number, into: Float64Array | undefined): Float64Array {
  const search = new Search(csr, maxWeight, source, into);
  searchSlots(csr, rows, search);
  return search.dist;
}

/** Buckets per largest weight for the heap search: 32 times the average degree (see ssspQueue.ts). */
const HEAP_BUCKETS = 32;

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
    this.perDelta = bucketsPerUnit(maxWeight, n, m, HEAP_BUCKETS);
    this.buckets = bucketsFor(maxWeight, this.perDelta);
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

/**
 * Dial's buckets, label-correcting within a bucket: the vertices of the current bucket are scanned in
 * list order, with no heap, and one that a light arc (weight below the bucket width) improves after its
 * scan goes back on the list and is scanned again. When the list runs dry every distance in the bucket
 * is final: later scans start from later buckets, and fl(d + w) >= d for w >= 0 keeps their sums there
 * (monotone rounding, so no exact-arithmetic argument is needed). Each vertex's distance is then the
 * minimum over its in-arcs of fl(d[u] + w) from final d[u], as in Dijkstra: the same distances, bit
 * for bit. Rescans are rare (R-MAT s20: 549K scans for 546K vertices); the heap they replace was a
 * third of the search.
 *
 * A vertex whose bucket is done gets distance -Infinity (its final distance goes to the output, at
 * oldOf[v] when the graph is renumbered), so one comparison per arc, `nd < dist[t]`, rejects both arcs
 * into finished vertices and arcs that improve nothing: no settled bitset, and a branch that is almost
 * never taken (R-MAT s20: 1.2M improvements in 16M arcs) instead of a settled test that is a coin flip.
 * Over the hub order (hubOrder.ts) the distances most arcs read stay in cache. Measured in one process
 * on R-MAT s20 (CPU ms, loaded machine): this search over the hub order 513-772, with a heap per bucket
 * 774-1083; over the CSR in its own order about as fast as the two-pass heap search it replaced; on
 * R-MAT s16 (whose distances fit in cache) 18-24 against 27-50.
 */
function bucketSearch(csr: Csr, oldOf: Int32Array | undefined, source: number, maxWeight: number, into: Float64Array | undefined): Float64Array {
  const { n, m, offsets, targets } = csr;
  const weights = csr.weights!;
  const out = (into ?? sharedFloat64(n)).fill(Infinity);
  const dist = new Float64Array(n).fill(Infinity);
  // Vertices on the current bucket's work list and not yet scanned.
  const listed = new Int32Array((n + 31) >>> 5);
  const perDelta = bucketsPerUnit(maxWeight, n, m, LABEL_CORRECTING_BUCKETS);
  const buckets = bucketsFor(maxWeight, perDelta);
  let work: Int32Array = new Int32Array(1024);
  dist[source] = 0;
  buckets.add(0, source);
  for (let current = 0; buckets.pending > 0; current++) {
    const list = buckets.take(current);
    if (list.length === 0) continue;
    if (list.length > work.length) work = new Int32Array(2 * list.length);
    let count = 0;
    for (let i = 0; i < list.length; i++) {
      // A vertex improved several times while waiting is listed several times; a finished one may be too.
      const v = list[i]!;
      const bit = 1 << (v & 31);
      if (listed[v >>> 5]! & bit || dist[v] === -Infinity) continue;
      listed[v >>> 5]! |= bit;
      work[count++] = v;
    }
    // Over the hub order, scanning a bucket's vertices in id order (hubs and their long rows first,
    // offsets and rows read forwards) took the search from 601-719 to 514-678 CPU ms; over the CSR
    // in its own order it gained nothing.
    if (oldOf && count > 1) work.subarray(0, count).sort();
    for (let i = 0; i < count; i++) {
      const u = work[i]!;
      listed[u >>> 5]! &= ~(1 << (u & 31));
      const du = dist[u]!;
      const end = offsets[u + 1]!;
      for (let e = offsets[u]!; e < end; e++) {
        const t = targets[e]!;
        const nd = du + weights[e]!;
        if (nd < dist[t]!) {
          dist[t] = nd;
          const b = Math.floor(nd * perDelta);
          if (b !== current) buckets.add(b, t);
          else if (!(listed[t >>> 5]! & (1 << (t & 31)))) {
            listed[t >>> 5]! |= 1 << (t & 31);
            if (count === work.length) work = grown(work);
            work[count++] = t;
          }
        }
      }
    }
    for (let i = 0; i < count; i++) {
      const v = work[i]!;
      const d = dist[v]!;
      if (d === -Infinity) continue;
      out[oldOf ? oldOf[v]! : v] = d;
      dist[v] = -Infinity;
    }
  }
  return out;
}

/**
 * Buckets per largest weight for the label-correcting search: 8 times the average degree. Narrower
 * buckets cost more empty buckets, wider ones more rescans (R-MAT s20: 549K scans at 8, 546K at 32).
 */
const LABEL_CORRECTING_BUCKETS = 8;

function grown(a: Int32Array): Int32Array {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
}

function depthsAsDistances(depth: Int32Array): Float64Array {
  const dist = sharedFloat64(depth.length);
  for (let v = 0; v < depth.length; v++) dist[v] = depth[v] === BFS_UNREACHED ? Infinity : depth[v]!;
  return dist;
}
