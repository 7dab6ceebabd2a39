/**
 * The out-arcs of a sparse, low-degree graph (road network, grid) in fixed-width rows: the "out-slot
 * layout" that BFS's top-down expansion reads instead of the out-CSR.
 *
 * Why: on such graphs BFS is bound by the latency of a chain of dependent loads per frontier vertex,
 * frontier[i] → offsets[u] → targets[e] → depth[t], plus a mispredicted loop exit per row of 2-4 arcs.
 * With W slots per vertex the row of u starts at W * u, so the offsets load goes; every row has exactly
 * W slots, so the loop has a fixed trip count. Rows shorter than W are padded with the vertex index n:
 * an algorithm sizes its per-vertex state n + 1 and keeps entry n at a value that never counts as
 * "unreached", so a padding slot needs no test of its own. (Measured on the 1024x1024 grid: plain
 * level-synchronous BFS 35 ms over the CSR, 23 ms over the slots, 17-19 ms over the slots without
 * branches; see bfs.ts.)
 *
 * Rows longer than W stay in the CSR: their first slot holds LONG_ROW (negative, so never a vertex) and
 * the reader takes the row from `offsets`/`targets` as usual. The width is the smallest of 2, 4, 8 whose
 * rows hold most of the arcs (MIN_ARCS_IN_SLOTS), so long rows are rare; beyond 8 arcs a row's one
 * mispredicted exit is spread over enough arcs that the CSR does as well. Graphs where no width fits —
 * dense or power-law ones, where most arcs sit in long rows, or ones where padding would outweigh the
 * arcs — get the "not applicable" layout (width 0) and algorithms read the CSR.
 *
 * Dijkstra (sssp.ts) reads the same rows, with the weights in slot order (`weights: true`): 12% faster
 * on the grid. BFS's layout has no weights: SSSP keeps its own (ssspLayout.ts), with the outcome of
 * its weight check, which BFS does not need either.
 *
 * Like the pull layout (pullLayout.ts), it depends only on the graph, so a session builds it once per
 * projected graph and keeps it with the graph.
 */
import type { GraphCsr } from './csr.js';
import { sharedFloat64, sharedInt32 } from './shared.js';

/** The first slot of a row that is too long for the slots: read that row from the CSR. */
export const LONG_ROW = -1;

export const OUT_SLOT_WIDTHS = [2, 4, 8] as const;

/** The rows of width W must hold at least this share of the arcs for the layout to be worth building. */
export const MIN_ARCS_IN_SLOTS = 0.9;
/** At most this many slots per arc (padding included), so the layout stays near the CSR's size. */
const MAX_SLOTS_PER_ARC = 3;

export interface OutSlots {
  readonly n: number;
  /** Slots per vertex; 0 when the layout does not apply to this graph and algorithms read the CSR. */
  readonly width: number;
  /** Row u is slots[width * u .. width * (u + 1)): u's out-targets in CSR order, padded with n. */
  readonly slots: Int32Array;
  /** The largest out-degree (long rows included), which bounds the arcs a frontier can have. */
  readonly maxOutDegree: number;
  /** Rows longer than `width`, flagged LONG_ROW. */
  readonly longRows: number;
  /** The weights in slot order (padding slots hold 0), when asked for, the graph is weighted and width > 0. */
  readonly weights?: Float64Array;
}

export interface WeightCheck {
  /** The largest finite weight (0 if none). */
  readonly maxWeight: number;
  /** The first arc (CSR order) whose weight is negative or NaN; -1 when there is none. */
  readonly badArc: number;
}

/** Checks the weights in CSR order: the largest finite one, or the first that is negative or NaN. */
export function checkArcWeights(weights: Float64Array): WeightCheck {
  const m = weights.length;
  let max = 0;
  for (let e = 0; e < m; e++) {
    const w = weights[e]!;
    // `!(w >= 0)` is true for negatives and NaN; infinite weights never relax anything, so skip them.
    if (!(w >= 0)) return { maxWeight: max, badArc: e };
    if (w > max && w < Infinity) max = w;
  }
  return { maxWeight: max, badArc: -1 };
}

export interface OutSlotOptions {
  /** Build with this width whatever the degrees (tests use it to make long rows); chosen from the degrees otherwise. */
  readonly width?: number;
  /** Also lay out the weights in slot order (for Dijkstra). */
  readonly weights?: boolean;
}

/** The out-slot layout of `g` (width 0, no slots, when the degrees do not suit it). */
export function outSlots(g: GraphCsr, options: OutSlotOptions = {}): OutSlots {
  const { n, out } = g;
  const { offsets, targets } = out;
  const widest = OUT_SLOT_WIDTHS[OUT_SLOT_WIDTHS.length - 1]!;
  // arcsInRowsOf[d]: the arcs in rows of out-degree exactly d, for d up to the widest width.
  const arcsInRowsOf = new Float64Array(widest + 1);
  let maxOutDegree = 0;
  for (let v = 0; v < n; v++) {
    const d = offsets[v + 1]! - offsets[v]!;
    if (d > maxOutDegree) maxOutDegree = d;
    if (d <= widest) arcsInRowsOf[d]! += d;
  }
  const width = options.width ?? chooseWidth(n, out.m, arcsInRowsOf);
  if (width === 0) return { n, width, slots: sharedInt32(0), maxOutDegree, longRows: 0 };
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`out-slot width must be a positive integer, got ${width}`);
  // One pass writes every slot (no fill first: 16 MB of fresh pages already cost the grid 7 ms).
  const slots = sharedInt32(width * n);
  const arcWeights = options.weights ? out.weights : undefined;
  const weights = arcWeights ? sharedFloat64(width * n) : undefined;
  let longRows = 0;
  for (let v = 0; v < n; v++) {
    const start = offsets[v]!;
    const end = offsets[v + 1]!;
    let k = width * v;
    const rowEnd = k + width;
    if (end - start > width) {
      slots[k++] = LONG_ROW;
      longRows++;
    } else {
      if (weights) for (let e = start; e < end; e++) weights[k + e - start] = arcWeights![e]!;
      for (let e = start; e < end; e++) slots[k++] = targets[e]!;
    }
    for (; k < rowEnd; k++) slots[k] = n;
  }
  return { n, width, slots, maxOutDegree, longRows, ...(weights ? { weights } : {}) };
}

/** The smallest width whose rows hold MIN_ARCS_IN_SLOTS of the arcs within MAX_SLOTS_PER_ARC; 0 if none. */
function chooseWidth(n: number, m: number, arcsInRowsOf: Float64Array): number {
  if (m === 0) return 0;
  let covered = 0;
  let d = 0;
  for (const width of OUT_SLOT_WIDTHS) {
    for (; d <= width; d++) covered += arcsInRowsOf[d]!;
    if (covered >= MIN_ARCS_IN_SLOTS * m) return width * n <= MAX_SLOTS_PER_ARC * m ? width : 0;
  }
  return 0;
}
