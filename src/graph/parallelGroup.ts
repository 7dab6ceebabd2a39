/**
 * A directed graph's grouped out-CSR (csr.ts `groupGraph`: rows in input order, parallel arcs and
 * self-loops kept) built by every worker of a gang instead of one: the projection a small graph's
 * first SSSP, BFS, WCC or PageRank runs on, and most of that first app's wait (R-MAT s16, 955K arcs:
 * a counting pass and a scatter, 11-15 ms on one thread).
 *
 * 1. `group.count`: the arcs are cut into one piece per part; each part counts its arcs per tail into
 *    counters of its own, checks the endpoints (stopping at the first out of range) and counts self-loops.
 * 2. The driver sums the counters into the offsets and turns each part's counters into its cursors: in
 *    row v, part p's arcs start after the arcs of v of the parts before it.
 * 3. `group.scatter`: each part writes its arcs from its own cursors. Parts write disjoint slots, and a
 *    row holds part 0's arcs, then part 1's, ... — input order, as `groupGraph` leaves it.
 *
 * So the graph is `groupGraph`'s, array for array, and an endpoint out of range is reported at the
 * same (first) arc. Small graphs, undirected ones, and weights not in one shared column are grouped on
 * the driver's thread by `groupGraph` itself.
 */
import { checkEdgeList, type EdgeList, endpointError, type GraphCsr, groupGraph } from './csr.js';
import { type Driver, type StepResult, type StepTable } from './parallel.js';
import { giveBack, scratchArray } from '../base/scratchPool.js';
import { isShared, outputFloat64, outputInt32, outputOffsets } from './shared.js';

/** Graphs with fewer arcs are grouped on one thread: two gang rounds cost more than the split saves. */
const PARALLEL_GROUP_FROM_ARCS = 1 << 17;
/** Parts beyond this add counters (4n bytes each) faster than they save time. */
const MAX_PARTS = 8;

export interface ParallelGroupOptions {
  /** Parts to split the arcs into (the gang's parallelism). */
  readonly parts: number;
  /** Group in parts from this many arcs (default PARALLEL_GROUP_FROM_ARCS; tests lower it). */
  readonly fromArcs?: number;
}

interface GroupCountArgs {
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly n: number;
  /** Part k's counters, for the part whose arcs start at cuts[k]. */
  readonly counts: readonly Int32Array[];
  readonly cuts: readonly number[];
}

/** Counts a part's arcs per tail. Returns [its first arc with an endpoint outside 0..n-1, or -1; its self-loops]. */
function groupCountStep(args: GroupCountArgs, lo: number, hi: number): StepResult {
  const { src, dst, n } = args;
  const counts = args.counts[args.cuts.indexOf(lo)]!;
  let loops = 0;
  for (let i = lo; i < hi; i++) {
    const s = src[i]!;
    const d = dst[i]!;
    if (s >>> 0 >= n || d >>> 0 >= n) return [i, loops];
    if (s === d) loops++;
    counts[s] = counts[s]! + 1;
  }
  return [-1, loops];
}

interface GroupScatterArgs {
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly weights: Float64Array | undefined;
  /** Part k's cursors (its counters, turned into where its next arc of each row goes). */
  readonly cursors: readonly Int32Array[];
  readonly cuts: readonly number[];
  readonly targets: Int32Array;
  readonly outWeights: Float64Array | undefined;
}

/** Writes a part's arcs into their rows from the part's own cursors. */
function groupScatterStep(args: GroupScatterArgs, lo: number, hi: number): StepResult {
  const { src, dst, weights, targets, outWeights } = args;
  const cursor = args.cursors[args.cuts.indexOf(lo)]!;
  for (let i = lo; i < hi; i++) {
    const s = src[i]!;
    const p = cursor[s]!;
    cursor[s] = p + 1;
    targets[p] = dst[i]!;
    if (outWeights) outWeights[p] = weights![i]!;
  }
  return [];
}

export const GROUP_STEPS: StepTable = {
  'group.count': groupCountStep,
  'group.scatter': groupScatterStep,
};

/** The weights as one shared column, or undefined when they are in parts or private memory (then one thread groups). */
function sharedWeights(edges: EdgeList): Float64Array | undefined {
  return edges.weights instanceof Float64Array && isShared(edges.weights) ? edges.weights : undefined;
}

/** `groupGraph(edges, options)`, with its passes over the arcs split across `parallel.parts` workers. */
export function* groupGraphDriver(edges: EdgeList, options: { readonly directed: boolean }, parallel: ParallelGroupOptions): Driver<GraphCsr> {
  checkEdgeList(edges);
  const { n, src, dst } = edges;
  const m = src.length;
  // No part without arcs: parts start at distinct arcs, which is how a step finds its part's counters.
  const parts = Math.min(MAX_PARTS, m, Math.max(1, Math.floor(parallel.parts)));
  const weights = sharedWeights(edges);
  const splittable =
    options.directed && parts > 1 && m >= (parallel.fromArcs ?? PARALLEL_GROUP_FROM_ARCS) && m < 2 ** 31 &&
    src instanceof Int32Array && dst instanceof Int32Array && isShared(src) && isShared(dst) && (edges.weights === undefined || weights !== undefined);
  if (!splittable) return groupGraph(edges, options);
  const cuts = Array.from({ length: parts }, (_, k) => Math.floor((m * k) / parts));
  const ranges = cuts.map((lo, k) => [lo, k + 1 < parts ? cuts[k + 1]! : m] as const);
  // Each part's counters (then cursors) live only in this build: warm scratch from the last graph of
  // about this size (base/scratchPool.ts), zeroed here, not fresh pages (256 KB each at R-MAT s16).
  const counts = cuts.map(() => scratchArray(Int32Array, n).fill(0));
  try {
    const counted = yield { step: 'group.count', args: { src, dst, n, counts, cuts } satisfies GroupCountArgs, ranges };
    const bad = counted.map((r) => r[0]!).filter((i) => i >= 0);
    if (bad.length > 0) {
      const i = Math.min(...bad);
      throw endpointError(i, src[i]!, dst[i]!, n);
    }
    const offsets = outputOffsets(n, m);
    let at = 0;
    for (let v = 0; v < n; v++) {
      offsets[v] = at;
      for (const c of counts) {
        const k = c[v]!;
        c[v] = at;
        at += k;
      }
    }
    offsets[n] = at;
    // The scatter writes every arc's slot: recycled memory needs no zeroing.
    const targets = outputInt32(m, true);
    const outWeights = weights ? outputFloat64(m, true) : undefined;
    yield { step: 'group.scatter', args: { src, dst, weights, cursors: counts, cuts, targets, outWeights } satisfies GroupScatterArgs, ranges };
    const selfLoops = counted.reduce((s, r) => s + r[1]!, 0);
    return { n, directed: true, out: { n, m, offsets, targets, weights: outWeights }, in: undefined, selfLoops, parallelArcs: 0, grouped: true };
  } finally {
    // The steps that wrote them have ended (a driver resumes only once its steps are done, or is closed).
    for (const c of counts) giveBack(c);
  }
}
