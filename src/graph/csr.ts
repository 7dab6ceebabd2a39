/**
 * Compressed sparse rows: the one graph layout every algorithm in this library reads.
 *
 * A `Csr` over `n` vertices and `m` arcs is two (three) flat arrays. Row `v` is the slice
 * `targets[offsets[v] .. offsets[v+1])`, with the matching `weights` slice when the graph is weighted.
 * These invariants hold for every Csr this module returns, and the algorithms rely on them without
 * checking:
 *
 * 1. Shape. `offsets` has n+1 entries, `offsets[0] = 0`, it never decreases, and `offsets[n] = m`;
 *    `targets` (and `weights`) have exactly m entries. Vertex ids are dense, 0..n-1, in an Int32Array, so
 *    n < 2^31. `offsets` is an Int32Array while m < 2^31 and a Float64Array (exact to 2^53) beyond.
 * 2. Order. Every row is sorted by target, ascending. Sorted rows make duplicates adjacent (merging them
 *    is a linear pass), let set intersections (LCC, triangles) merge or binary-search instead of hash,
 *    let a worker that owns the vertex range [lo, hi) find its part of any row by binary search, and
 *    make every result independent of the order of the input edges.
 * 3. Multiplicity. By default (`duplicates: 'merge'`) a row holds each target at most once, so the CSR
 *    is the edge *set* Graphalytics defines its algorithms on; parallel arcs merge into one whose weight
 *    is the smallest of theirs (the one any shortest path would use). `duplicates: 'keep'` keeps every
 *    arc (a multigraph: PageRank, CDLP and degrees then count multiplicity; LCC, triangles and k-core
 *    always work on the simple undirected view and so ignore it). Parallel arcs kept are adjacent and in
 *    input order.
 * 4. Self-loops are kept by default (PageRank and CDLP count them, as a Markov chain or a neighbour
 *    list would); `selfLoops: 'drop'` removes them. An undirected self-loop is stored as one arc v->v.
 *    LCC, triangles and k-core ignore self-loops whatever the option.
 * 5. Direction. A directed graph has its out-CSR (row v = heads of the arcs leaving v) and, when an
 *    algorithm needs it (pull-style PageRank, CDLP, LCC, bottom-up BFS, HITS), its in-CSR, the exact
 *    transpose (row v = tails of the arcs entering v, same weights — or none: the engine's projections
 *    leave them out, since no algorithm reads the weights of in-arcs). An undirected graph stores every
 *    edge {u,v} as the two arcs u->v and v->u with the same weight, so its out-CSR is symmetric and is
 *    also its in-CSR (`g.in === g.out`).
 * 6. Memory. Every array is a view over its own SharedArrayBuffer, so a worker thread can read a CSR
 *    (and write algorithm state next to it) without a copy.
 *
 * `groupGraph` builds the one exception, a *grouped* graph (`grouped: true`): rows hold their arcs in
 * input order, parallel arcs neither merged nor counted — invariants 2 and 3 do not hold. It costs one
 * scatter instead of a sort, and serves the algorithms that read a row as a bag of arcs and give the
 * same answer on a multigraph: Dijkstra, BFS over one range, WCC. Nothing else may be given one,
 * except PageRank with the in-arcs of `mergedTranspose` (its in-CSR is then the merged graph's).
 *
 * Building is counting, not comparing: a counting pass gives the row offsets, and arcSort.ts groups the
 * arcs into rows through cache-sized blocks, bucketing each block by the heads' top bits on the way so
 * that an insertion sort finishes the rows in about linear time (a comparison sort is only the guard
 * against adversarial rows). Duplicates are then neighbours and merge in one linear pass. The in-CSR
 * groups the out-CSR's arcs by head; they are read in tail order and grouping is stable, so its rows
 * come out sorted with no sorting at all. All of it streams through memory instead of scattering arcs
 * over a million rows one cache miss at a time.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { giveBack, scratchArray } from '../base/scratchPool.js';
import { GraphTooLargeError } from './errors.js';
import { groupArcs, joined, type WeightParts } from './arcSort.js';
import { RADIX_MAX_VERTICES } from './radixRows.js';
import { type Offsets, outputFloat64, outputInt32, outputOffsets } from './shared.js';

export interface Csr {
  readonly n: number;
  readonly m: number;
  readonly offsets: Offsets;
  readonly targets: Int32Array;
  readonly weights: Float64Array | undefined;
}

/** A graph as the algorithms see it: plain data, every array shared, safe to post to a worker. */
export interface GraphCsr {
  readonly n: number;
  readonly directed: boolean;
  readonly out: Csr;
  /** The transpose of `out`; `=== out` when undirected; undefined until `withInCsr` adds it. */
  readonly in: Csr | undefined;
  /** Self-loop arcs kept in `out`. */
  readonly selfLoops: number;
  /** Arcs in `out` that repeat an earlier arc of the same row (always 0 with `duplicates: 'merge'`; not counted, 0, when grouped). */
  readonly parallelArcs: number;
  /** Rows in input order, parallel arcs kept (`groupGraph`): for Dijkstra, one-range BFS and WCC only. */
  readonly grouped?: true;
  /** Per vertex, an in-neighbour with many out-arcs, or -1 (graph/inHubs.ts): where BFS's bottom-up steps look first. */
  readonly inHubs?: Int32Array;
}

/** Arcs (or undirected edges) over dense vertex ids 0..n-1, e.g. what `IdMap.toInternal` produces. */
export interface EdgeList {
  readonly n: number;
  readonly src: Int32Array;
  readonly dst: Int32Array;
  /** One weight per arc, or the weights in parts (a file's byte ranges), read in order without joining them. */
  readonly weights?: Float64Array | WeightParts | undefined;
}

const weightCount = (weights: Float64Array | WeightParts): number => (weights instanceof Float64Array ? weights.length : weights.reduce((n, w) => n + w.length, 0));

export interface CsrBuildOptions {
  readonly directed: boolean;
  readonly duplicates?: 'merge' | 'keep';
  readonly selfLoops?: 'keep' | 'drop';
  /** Directed graphs only: also build the in-CSR now (undirected graphs always have it). */
  readonly inCsr?: boolean;
}

/** Builds the CSR of a graph from its edge list (see the invariants above). */
export function buildGraph(edges: EdgeList, options: CsrBuildOptions): GraphCsr {
  checkEdgeList(edges);
  const { n } = edges;
  const undirected = !options.directed;
  const arcs = arcColumns(edges, undirected, options.selfLoops === 'drop', n <= RADIX_MAX_VERTICES);
  const offsets = prefixSums(arcs.tailCounts, n);
  const source = { kind: 'columns', keys: arcs.tails, others: arcs.heads, weights: arcs.weights, otherCounts: arcs.headCounts } as const;
  const rows = groupArcs(n, source, offsets, true);
  const merge = (options.duplicates ?? 'merge') === 'merge';
  const sorted: Csr = { n, m: offsets[n]!, offsets, targets: rows.targets, weights: rows.weights };
  const out = merge && rows.repeats > 0 ? mergeRepeats(sorted, rows.repeats) : sorted;
  return {
    n,
    directed: !undirected,
    out,
    in: undirected ? out : options.inCsr ? transposeCsr(out) : undefined,
    selfLoops: merge ? rows.distinctSelfLoops : rows.selfLoops,
    parallelArcs: merge ? 0 : rows.repeats,
  };
}

/**
 * A grouped graph (see above): each arc put in its tail's row in one stable scatter, rows unsorted,
 * parallel arcs kept; self-loops are kept and counted. Half the cost of `buildGraph` on R-MAT s16
 * (955K arcs, one thread: 11-15 against 30-33 ms).
 */
export function groupGraph(edges: EdgeList, options: { readonly directed: boolean }): GraphCsr {
  checkEdgeList(edges);
  const { n } = edges;
  const undirected = !options.directed;
  const arcs = arcColumns(edges, undirected, false, false);
  const offsets = prefixSums(arcs.tailCounts, n);
  const rows = groupArcs(n, { kind: 'columns', keys: arcs.tails, others: arcs.heads, weights: arcs.weights }, offsets, false);
  const out: Csr = { n, m: offsets[n]!, offsets, targets: rows.targets, weights: rows.weights };
  return { n, directed: !undirected, out, in: undirected ? out : undefined, selfLoops: arcs.selfLoops, parallelArcs: 0, grouped: true };
}

/** The in-CSR of the merged graph behind a grouped one, and its out-degrees when they differ from the grouped rows' lengths. */
export interface MergedTranspose {
  readonly in: Csr;
  /** Distinct heads per tail; undefined when no arc repeats, so the grouped rows' lengths are the out-degrees. */
  readonly outDegrees: Int32Array | undefined;
}

/**
 * The in-CSR (without weights) of the graph a grouped graph stands for, parallel arcs merged: its
 * transpose comes out with rows sorted (arcs are read in tail order), so repeats are neighbours and
 * merge in one pass. What PageRank reads, with the out-degrees it divides by.
 */
export function mergedTranspose(out: Csr): MergedTranspose {
  const t = transposeCsr({ ...out, weights: undefined });
  const { n, offsets, targets } = t;
  let repeats = 0;
  for (let v = 0; v < n; v++) {
    for (let e = offsets[v]! + 1; e < offsets[v + 1]!; e++) if (targets[e] === targets[e - 1]) repeats++;
  }
  if (repeats === 0) return { in: t, outDegrees: undefined };
  const merged = mergeRepeats(t, repeats);
  const outDegrees = outputInt32(n);
  for (let e = 0; e < merged.m; e++) outDegrees[merged.targets[e]!]!++;
  return { in: merged, outDegrees };
}

/** The graph with its in-CSR (a transpose of the out-CSR, built once). */
export function withInCsr(g: GraphCsr): GraphCsr & { readonly in: Csr } {
  if (g.in) return g as GraphCsr & { readonly in: Csr };
  return { ...g, in: transposeCsr(g.out) };
}

/**
 * The transpose: row v lists the tails of the arcs entering v with their weights. The arcs are read in
 * tail order and grouped stably, so the rows come out sorted without sorting them.
 */
export function transposeCsr(csr: Csr): Csr {
  const { n, m, targets, weights } = csr;
  // Borrowed, zeroed here: fresh, the counters faulted in a page per 1,024 vertices each transpose
  // (64 pages on R-MAT s16, ~0.7 ms where a fault costs 11 µs).
  const counts = m < 2 ** 31 ? scratchArray(Int32Array, n).fill(0) : new Float64Array(n);
  for (let e = 0; e < m; e++) {
    const h = targets[e]!;
    counts[h] = counts[h]! + 1;
  }
  const inOffsets = prefixSums(counts, n);
  if (counts instanceof Int32Array) giveBack(counts);
  const rows = groupArcs(n, { kind: 'transpose', offsets: csr.offsets, targets, weights }, inOffsets, false);
  return { n, m, offsets: inOffsets, targets: rows.targets, weights: rows.weights };
}

/** First index in `targets[from..to)` whose value is >= `value` (rows are sorted). */
export function lowerBound(targets: Int32Array, from: number, to: number, value: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (targets[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The first arc of the sorted row [start, end) whose target is >= lo: where an owner-computes step for
 * vertices [lo, hi) starts reading a row. A row that already starts in range needs no search.
 */
export function firstArcFrom(targets: Int32Array, start: number, end: number, lo: number): number {
  return start < end && targets[start]! < lo ? lowerBound(targets, start, end, lo) : start;
}

export function checkEdgeList(edges: EdgeList): void {
  const { n, src, dst, weights } = edges;
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`vertex count must be an integer >= 0, got ${n}`);
  if (n >= 2 ** 31) throw new GraphTooLargeError(`the graph has ${n} vertices`);
  if (src.length !== dst.length || (weights && weightCount(weights) !== src.length)) {
    throw new InvalidArgumentError(
      `edge list columns differ in length: src ${src.length}, dst ${dst.length}` +
        (weights ? `, weights ${weightCount(weights)}` : ''),
    );
  }
}

export function endpointError(i: number, s: number, d: number, n: number): InvalidArgumentError {
  return new InvalidArgumentError(`edge ${i} (${s} -> ${d}) has an endpoint outside 0..${n - 1}`);
}

/** Per-vertex counters wide enough for `total` (scratch memory, not shared). */
function newCounts(n: number, total: number): Offsets {
  return total < 2 ** 31 ? new Int32Array(n) : new Float64Array(n);
}

/** Exclusive prefix sums of counts[0..n) into an Offsets array of n+1 entries. */
function prefixSums(counts: Offsets, n: number): Offsets {
  let total = 0;
  for (let v = 0; v < n; v++) total += counts[v]!;
  const start = outputOffsets(n, total);
  let acc = 0;
  for (let v = 0; v < n; v++) {
    start[v] = acc;
    acc += counts[v]!;
  }
  start[n] = acc;
  return start;
}

interface ArcColumns {
  readonly tails: Int32Array;
  readonly heads: Int32Array;
  readonly weights: Float64Array | WeightParts | undefined;
  readonly tailCounts: Offsets;
  /** Arcs per head, counted for graphs small enough for radixRows (an undirected graph's are its tail counts). */
  readonly headCounts: Offsets | undefined;
  /** Self-loop arcs among them. */
  readonly selfLoops: number;
}

/**
 * The arcs to group, checked and counted per tail in the same pass: the input itself when it can be,
 * else a copy with the reverse arcs added (undirected) or self-loops removed.
 */
function arcColumns(edges: EdgeList, undirected: boolean, dropLoops: boolean, countHeads: boolean): ArcColumns {
  const { n, src, dst } = edges;
  const count = src.length;
  const tailCounts = newCounts(n, 2 * count);
  const headCounts = countHeads && !undirected ? newCounts(n, count) : undefined;
  let loops = 0;
  for (let i = 0; i < count; i++) {
    const s = src[i]!;
    const d = dst[i]!;
    if (s >>> 0 >= n || d >>> 0 >= n) throw endpointError(i, s, d, n);
    if (s === d) {
      loops++;
      if (dropLoops) continue;
    } else if (undirected) tailCounts[d] = tailCounts[d]! + 1;
    tailCounts[s] = tailCounts[s]! + 1;
    if (headCounts) headCounts[d] = headCounts[d]! + 1;
  }
  const perHead = undirected && countHeads ? tailCounts : headCounts;
  const selfLoops = dropLoops ? 0 : loops;
  if (!undirected && (!dropLoops || loops === 0)) return { tails: src, heads: dst, weights: edges.weights, tailCounts, headCounts: perHead, selfLoops };
  const weights = edges.weights && joined(edges.weights);
  // An undirected edge is two arcs, an undirected self-loop one; a dropped loop none.
  const m = undirected ? (dropLoops ? 2 * (count - loops) : 2 * count - loops) : count - loops;
  const tails = new Int32Array(m);
  const heads = new Int32Array(m);
  const w = weights ? new Float64Array(m) : undefined;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const s = src[i]!;
    const d = dst[i]!;
    if (s === d && dropLoops) continue;
    tails[at] = s;
    heads[at] = d;
    if (w) w[at] = weights![i]!;
    at++;
    if (undirected && s !== d) {
      tails[at] = d;
      heads[at] = s;
      if (w) w[at] = weights![i]!;
      at++;
    }
  }
  return { tails, heads, weights: w, tailCounts, headCounts: perHead, selfLoops };
}

/** Merges each run of equal arcs into one carrying the smallest weight of the run. */
function mergeRepeats(csr: Csr, repeats: number): Csr {
  const { n, weights } = csr;
  const m = csr.m - repeats;
  // Recycled memory, as the arrays it replaces (mergeRowsInto writes every offset, target and weight).
  const out: Csr = { n, m, offsets: outputOffsets(n, m, true), targets: outputInt32(m, true), weights: weights ? outputFloat64(m, true) : undefined };
  out.offsets[n] = mergeRowsInto(csr, 0, n, 0, out);
  return out;
}

/**
 * Merges the repeats of rows [first, last) of `csr` into `out`, from arc `at` on; sets those rows'
 * offsets and returns where the next row starts. Ranges of rows may be merged at once when each knows
 * its `at` (graph/parallelCsr.ts).
 */
export function mergeRowsInto(csr: Csr, first: number, last: number, at: number, out: Csr): number {
  const { offsets, targets, weights } = csr;
  const { offsets: outOffsets, targets: outTargets, weights: outWeights } = out;
  for (let v = first; v < last; v++) {
    outOffsets[v] = at;
    const start = at;
    const end = offsets[v + 1]!;
    for (let e = offsets[v]!; e < end; e++) {
      const t = targets[e]!;
      if (at > start && outTargets[at - 1] === t) {
        if (outWeights && weights![e]! < outWeights[at - 1]!) outWeights[at - 1] = weights![e]!;
        continue;
      }
      outTargets[at] = t;
      if (outWeights) outWeights[at] = weights![e]!;
      at++;
    }
  }
  return at;
}
