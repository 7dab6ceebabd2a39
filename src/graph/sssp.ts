/**
 * Single-source shortest paths (Graphalytics SSSP): Dijkstra over the out-CSR with float64 weights;
 * unreachable vertices get Infinity (printed `infinity`). Weights must be >= 0 (and not NaN); the check
 * runs over every arc before the search, as scipy's does, so a negative weight anywhere is reported
 * even when the source cannot reach it.
 *
 * The queue is an indexed 4-ary min-heap with the keys stored inline next to the vertex ids: half the
 * depth of a binary heap, the four children of a node share a cache line, and sift loops compare keys
 * without looking up dist[]. `position[v]` locates v in the heap, so an improved distance is a
 * decrease-key in place instead of a duplicate entry. This is the sequential algorithm; the split
 * across workers is delta-stepping (deltaStepping.ts), which pays only with several cores.
 */
import { NegativeWeightError } from './errors.js';
import { checkSource } from './bfs.js';
import type { Csr, GraphCsr } from './csr.js';
import { sharedFloat64 } from './shared.js';

/** Names a vertex in an error message (the caller maps internal ids back to original ids). */
export type VertexLabel = (v: number) => string;

export interface SsspOptions {
  readonly label?: VertexLabel;
}

/** Shortest distance from `source` to every vertex; unweighted graphs count every arc as 1. */
export function sssp(g: GraphCsr, source: number, options: SsspOptions = {}): Float64Array {
  const { n, out } = g;
  checkSource(n, source, 'SSSP source');
  checkWeights(out, options.label ?? String);
  return dijkstra(out, source);
}

/** Throws NegativeWeightError naming the first arc (in CSR order) with a weight < 0 or NaN. */
export function checkWeights(csr: Csr, label: VertexLabel = String): void {
  const { n, offsets, targets, weights } = csr;
  if (!weights) return;
  for (let e = 0; e < csr.m; e++) {
    const w = weights[e]!;
    if (w >= 0) continue;
    let tail = 0;
    let lo = 0;
    let hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid]! <= e) {
        tail = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    throw new NegativeWeightError(label(tail), label(targets[e]!), w);
  }
}

function dijkstra(csr: Csr, source: number): Float64Array {
  const { n, offsets, targets, weights } = csr;
  const dist = sharedFloat64(n).fill(Infinity);
  const heapKey = new Float64Array(n);
  const heapVertex = new Int32Array(n);
  const position = new Int32Array(n).fill(-1);
  dist[source] = 0;
  heapKey[0] = 0;
  heapVertex[0] = source;
  position[source] = 0;
  let size = 1;
  while (size > 0) {
    const u: number = heapVertex[0]!;
    const du: number = heapKey[0]!;
    position[u] = -1;
    size--;
    if (size > 0) siftDown(heapKey, heapVertex, position, size, heapKey[size]!, heapVertex[size]!);
    const end: number = offsets[u + 1]!;
    for (let e: number = offsets[u]!; e < end; e++) {
      const t = targets[e]!;
      const nd = du + (weights ? weights[e]! : 1);
      if (nd < dist[t]!) {
        dist[t] = nd;
        const at = position[t]!;
        if (at < 0) siftUp(heapKey, heapVertex, position, size++, nd, t);
        else siftUp(heapKey, heapVertex, position, at, nd, t);
      }
    }
  }
  return dist;
}

/** Places (key, vertex) at or above slot `at`, moving larger parents down. */
function siftUp(
  heapKey: Float64Array,
  heapVertex: Int32Array,
  position: Int32Array,
  at: number,
  key: number,
  vertex: number,
): void {
  let i = at;
  while (i > 0) {
    const parent = (i - 1) >> 2;
    const pk = heapKey[parent]!;
    if (pk <= key) break;
    const pv = heapVertex[parent]!;
    heapKey[i] = pk;
    heapVertex[i] = pv;
    position[pv] = i;
    i = parent;
  }
  heapKey[i] = key;
  heapVertex[i] = vertex;
  position[vertex] = i;
}

/** Places (key, vertex) at or below the root of a heap of `size` entries, moving smaller children up. */
function siftDown(
  heapKey: Float64Array,
  heapVertex: Int32Array,
  position: Int32Array,
  size: number,
  key: number,
  vertex: number,
): void {
  let i = 0;
  for (;;) {
    const first = 4 * i + 1;
    if (first >= size) break;
    let best = first;
    let bestKey = heapKey[first]!;
    const last = Math.min(first + 4, size);
    for (let c = first + 1; c < last; c++) {
      const ck = heapKey[c]!;
      if (ck < bestKey) {
        bestKey = ck;
        best = c;
      }
    }
    if (bestKey >= key) break;
    const bv = heapVertex[best]!;
    heapKey[i] = bestKey;
    heapVertex[i] = bv;
    position[bv] = i;
    i = best;
  }
  heapKey[i] = key;
  heapVertex[i] = vertex;
  position[vertex] = i;
}
