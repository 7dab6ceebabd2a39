/**
 * The out-CSR renumbered with its hubs first: vertices in decreasing in-degree (ties by id), rows in
 * that order, targets renumbered, and in each row the arcs into hubs (the first SKEW_SHARE of the
 * vertices) before the others. Dijkstra (sssp.ts) searches it instead of the CSR on skewed graphs.
 *
 * Why: on a power-law graph whose ids are scattered (R-MAT, Graph500 permutes them), most arcs lead to
 * a few thousand hubs spread over the whole id range, so every distance read is a cache miss in an
 * n-element array (R-MAT s20: 8 MB, half of the 16M arcs lead to unsettled vertices). Renumbered, the
 * hubs' distances share a few hundred kB that stay in cache, and the hubs' long rows sit together at the
 * start of the arrays. Measured in one process on R-MAT s20 (CPU ms, loaded machine): Dijkstra over the
 * CSR 1007-1212, over this layout 572-673; with the rows left in their old order and only the targets
 * renumbered, 778-1038. Arcs into hubs first in each row took the search from 473-643 to 448-593
 * (rows fully sorted by new id: 424-589, for a sort instead of a partition).
 *
 * It depends only on the graph, so a session builds it once per projected graph (kernels/graph
 * layouts.ts) and keeps it; it costs one pass over the arcs to count in-degrees and one to copy the
 * rows, and a copy of the arcs' targets and weights.
 */
import type { Csr } from './csr.js';
import { sharedFloat64, sharedInt32, sharedOffsets } from './shared.js';

export interface HubOrder {
  readonly n: number;
  /** The vertex (original CSR id) at each new position. */
  readonly oldOf: Int32Array;
  /**
   * The renumbered graph: row v is oldOf[v]'s row with every target t written as t's new id: its arcs
   * into the first `hubs` vertices in the row's order, then the others in reverse order.
   */
  readonly csr: Csr;
  readonly hubs: number;
}

/**
 * Degrees from this on count as one value: the order among the biggest hubs does not matter for the
 * cache, and the counting sort's table stays small whatever the largest degree.
 */
const DEGREE_CAP = 1 << 16;

/**
 * The graph is renumbered when the hubs matter: the first SKEW_SHARE of the vertices in degree order
 * receive at least SKEW_ARCS of the arcs (R-MAT s16 and s20: 1/16 of the vertices receive 72% and 82%;
 * the 256x256 grid: 7%; a uniform random graph: a little more than 1/16).
 */
const SKEW_SHARE = 1 / 16;
const SKEW_ARCS = 0.5;

/** The vertices in decreasing in-degree (ties by id), and the arcs the first SKEW_SHARE of them receive. */
function byInDegree(csr: Csr): { readonly oldOf: Int32Array; readonly hubArcs: number } {
  const { n, m, targets } = csr;
  const inDegree = new Int32Array(n);
  for (let e = 0; e < m; e++) inDegree[targets[e]!]!++;
  // Counting sort on the capped degree, largest first: first[d] is where degree d's vertices start.
  const first = new Int32Array(DEGREE_CAP + 2);
  for (let v = 0; v < n; v++) first[DEGREE_CAP - Math.min(inDegree[v]!, DEGREE_CAP) + 1]!++;
  for (let d = 1; d <= DEGREE_CAP + 1; d++) first[d]! += first[d - 1]!;
  const oldOf = sharedInt32(n);
  for (let v = 0; v < n; v++) oldOf[first[DEGREE_CAP - Math.min(inDegree[v]!, DEGREE_CAP)]!++] = v;
  let hubArcs = 0;
  for (let i = 0; i < hubCount(n); i++) hubArcs += inDegree[oldOf[i]!]!;
  return { oldOf, hubArcs };
}

const hubCount = (n: number): number => Math.ceil(SKEW_SHARE * n);

/** The hub order of `csr`, or undefined when its in-degrees are not skewed enough to pay for it. */
export function hubOrder(csr: Csr, options: { readonly always?: boolean } = {}): HubOrder | undefined {
  const { n, m, offsets, targets, weights } = csr;
  const { oldOf, hubArcs } = byInDegree(csr);
  if (!options.always && hubArcs < SKEW_ARCS * m) return undefined;
  const newOf = new Int32Array(n);
  for (let v = 0; v < n; v++) newOf[oldOf[v]!] = v;
  const newOffsets = sharedOffsets(n, m);
  for (let v = 0; v < n; v++) {
    const u = oldOf[v]!;
    newOffsets[v + 1] = newOffsets[v]! + offsets[u + 1]! - offsets[u]!;
  }
  const newTargets = sharedInt32(m);
  const newWeights = weights ? sharedFloat64(m) : undefined;
  const hubs = hubCount(n);
  for (let v = 0; v < n; v++) {
    const u = oldOf[v]!;
    const start = offsets[u]!;
    const end = offsets[u + 1]!;
    // One pass over the row: arcs into hubs fill it from the front, the others from the back.
    let front = newOffsets[v]!;
    let back = front + end - start - 1;
    for (let e = start; e < end; e++) {
      const t = newOf[targets[e]!]!;
      const k = t < hubs ? front++ : back--;
      newTargets[k] = t;
      if (newWeights) newWeights[k] = weights![e]!;
    }
  }
  return { n, oldOf, hubs, csr: { n, m, offsets: newOffsets, targets: newTargets, weights: newWeights } };
}
