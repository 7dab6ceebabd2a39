/**
 * PageRank's pull layout for a big graph, arranged for the cache: the vertices renumbered by
 * out-degree, highest first, and the in-arcs listed in those numbers ("positions"), each row's
 * sources ascending.
 *
 * Why: a pull gathers the contribution of every in-neighbour, and on a big graph those gathers miss
 * the cache — R-MAT s20's contributions are 8 MB against a core's 1 MB L2, read at random 16M times an
 * iteration. But a vertex's contribution is gathered once per out-arc, so on power-law graphs a few
 * vertices take most of the gathers (R-MAT s20: 91% of them go to the eighth of the vertices with the
 * most out-arcs). Numbered first, those contributions sit together in the first MB, which stays in L2,
 * and rows in position order with sorted sources walk them in address order. One iteration on one
 * thread (`.tmp` probes, R-MAT s20, medians of 9): 35-39 ms here, 43-60 with the rows' sources
 * unsorted, 51-55 with the rows kept in vertex order, 64-95 over the in-CSR as built, and ~81 in the
 * slot layout small graphs keep (pullLayout.ts), which saves branch mispredictions where the
 * contributions fit in cache but keeps the ids' order. Sinks (out-degree 0) come last, ascending, so
 * the driver finds their mass in one contiguous tail.
 *
 * Built from the out-CSR — the out-rows copied in position order with their targets as positions, then
 * transposed, which lists each row's sources in ascending order as it goes — so PageRank needs no
 * in-CSR. The layout depends only on the graph; a session builds it once per projection
 * (ops/graph/apps.ts, the 'graph.pull_layout' chunk).
 */
import { giveBack, scratchArray } from '../base/scratchPool.js';
import type { GraphCsr } from './csr.js';
import { type Driver, runDriver, splitRange, type StepResult, type StepTable } from './parallel.js';
import { type ParallelCsrOptions, transposeDriver } from './parallelCsr.js';
import { type Offsets, outputFloat64, outputInt32 } from './shared.js';

export interface OrderedPullLayout {
  readonly n: number;
  /** The vertex at each position: by out-degree, highest first, ties by id; sinks last. */
  readonly order: Int32Array;
  /** Row i: the positions of the in-neighbours of `order[i]` (one per in-arc), ascending. */
  readonly offsets: Offsets;
  readonly sources: Int32Array;
  /** 1 / out-degree by position, 0 for sinks: a multiplication per vertex instead of a division. */
  readonly inverseOutDegree: Float64Array;
  /** Positions from here to n are the sinks (vertices without out-arcs), in ascending id order. */
  readonly firstSink: number;
}

/**
 * From this many vertices a sorted projection's PageRank reads the ordered layout: their contributions
 * (8 bytes each) no longer fit in a core's L2 (1 MB here). Below it the slot layout is as fast (R-MAT
 * s16, 65,536 vertices: ~1.4 ms an iteration either way) and costs less to build.
 */
export const ORDERED_PULL_FROM_VERTICES = 1 << 17;

/**
 * Out-degrees above this share one key: the order among the very biggest hubs matters little, and the
 * counting sort's table stays small whatever the graph.
 */
const DEGREE_KEYS = 1 << 16;

/** The layout of a graph, built on this thread. */
export function orderedPullLayout(g: GraphCsr): OrderedPullLayout {
  return runDriver(orderedPullLayoutDriver(g, { parts: 1 }), PULL_ORDER_STEPS);
}

/** The layout built over `parallel.parts` ranges (the relabelling and the transpose split; see above). */
export function* orderedPullLayoutDriver(g: GraphCsr, parallel: ParallelCsrOptions): Driver<OrderedPullLayout> {
  const { n, out } = g;
  const degrees = scratchArray(Int32Array, n);
  for (let v = 0; v < n; v++) degrees[v] = out.offsets[v + 1]! - out.offsets[v]!;
  const { order, position, firstSink } = byOutDegree(n, degrees);
  const inverseOutDegree = outputFloat64(n, true);
  for (let i = 0; i < n; i++) {
    const degree = degrees[order[i]!]!;
    inverseOutDegree[i] = degree === 0 ? 0 : 1 / degree;
  }
  const m = out.m;
  const rowOffsets = m < 2 ** 31 ? scratchArray(Int32Array, n + 1) : scratchArray(Float64Array, n + 1);
  rowOffsets[0] = 0;
  for (let i = 0; i < n; i++) rowOffsets[i + 1] = rowOffsets[i]! + degrees[order[i]!]!;
  giveBack(degrees);
  const rowTargets = scratchArray(Int32Array, m);
  try {
    const args: RelabelRowsArgs = { offsets: out.offsets, targets: out.targets, order, position, rowOffsets, rowTargets };
    yield { step: 'pullOrder.relabelRows', args, ranges: splitRange(n, parallel.parts, rowOffsets) };
    const byTarget = yield* transposeDriver({ n, m, offsets: rowOffsets, targets: rowTargets, weights: undefined }, parallel);
    return { n, order, offsets: byTarget.offsets, sources: byTarget.targets, inverseOutDegree, firstSink };
  } finally {
    // Every step that read them has ended: a driver resumes (or is closed) only after its steps.
    giveBack(position);
    giveBack(rowOffsets);
    giveBack(rowTargets);
  }
}

export interface RelabelRowsArgs {
  readonly offsets: Offsets;
  readonly targets: Int32Array;
  readonly order: Int32Array;
  readonly position: Int32Array;
  readonly rowOffsets: Offsets;
  readonly rowTargets: Int32Array;
}

/** Rows [lo, hi) in position order: row i is the out-row of order[i], its targets as positions. */
export function relabelRowsStep(args: RelabelRowsArgs, lo: number, hi: number): StepResult {
  const { offsets, targets, order, position, rowOffsets, rowTargets } = args;
  for (let i = lo; i < hi; i++) {
    const v = order[i]!;
    let at = rowOffsets[i]!;
    for (let e = offsets[v]!, end = offsets[v + 1]!; e < end; e++) rowTargets[at++] = position[targets[e]!]!;
  }
  return [];
}

export const PULL_ORDER_STEPS: StepTable = { 'pullOrder.relabelRows': relabelRowsStep };

/**
 * Each vertex's place in a stable counting sort by out-degree, descending (keys capped at
 * DEGREE_KEYS - 1), written into `position`; returns the first sink's place (sinks come last). The slot
 * layout keeps its contributions in this order too (pullLayout.ts).
 */
export function placeByOutDegree(n: number, degrees: Int32Array, position: Int32Array): number {
  let top = 0;
  for (let v = 0; v < n; v++) top = Math.max(top, Math.min(DEGREE_KEYS - 1, degrees[v]!));
  // start[s]: the first position of slot s = top - key, the highest key first.
  const start = new Int32Array(top + 2);
  for (let v = 0; v < n; v++) start[top - Math.min(top, degrees[v]!) + 1]!++;
  for (let k = 1; k <= top + 1; k++) start[k]! += start[k - 1]!;
  // The last slot is out-degree 0 (the only slot when every vertex is a sink).
  const firstSink = start[top]!;
  for (let v = 0; v < n; v++) position[v] = start[top - Math.min(top, degrees[v]!)]!++;
  return firstSink;
}

/** `placeByOutDegree`, and the vertex at each place. */
function byOutDegree(n: number, degrees: Int32Array): { order: Int32Array; position: Int32Array; firstSink: number } {
  const position = scratchArray(Int32Array, n);
  const firstSink = placeByOutDegree(n, degrees, position);
  const order = outputInt32(n, true);
  for (let v = 0; v < n; v++) order[position[v]!] = v;
  return { order, position, firstSink };
}
