/**
 * What Dijkstra (sssp.ts) keeps with a graph between searches: the outcome of its weight check (scipy's
 * semantics: a negative weight anywhere is an error, so every weight is read before a search; 11 ms on
 * the 1024x1024 grid, 30-80 ms on R-MAT s20), and a better form of the rows for this graph:
 * - sparse, low-degree graphs (roads, grids): the out-slots with their weights (outSlots.ts);
 * - big skewed ones (power-law, R-MAT): the graph renumbered hubs first (hubOrder.ts);
 * - others: nothing, the search reads the CSR.
 * It depends only on the graph, so a session builds it once per projected graph (kernels/graph
 * layouts.ts). BFS keeps a layout of its own, without weights or the check.
 */
import type { GraphCsr } from './csr.js';
import { type HubOrder, hubOrder } from './hubOrder.js';
import { checkArcWeights, type OutSlots, outSlots, type WeightCheck } from './outSlots.js';

export interface SsspLayout {
  readonly kind: 'sssp-layout';
  readonly n: number;
  /** Absent when the graph is unweighted. */
  readonly weightCheck?: WeightCheck;
  /** Width 0 ("read the CSR") when the degrees do not suit slots. */
  readonly outSlots: OutSlots;
  readonly hubs?: HubOrder;
}

/**
 * Below this many vertices the distances fit in a core's cache whatever their order, and renumbering
 * would cost more than it saves.
 */
export const HUB_ORDER_MIN_VERTICES = 1 << 17;

export function ssspLayout(g: GraphCsr): SsspLayout {
  const { n, out } = g;
  const weightCheck = out.weights ? checkArcWeights(out.weights) : undefined;
  const checked = weightCheck ? { weightCheck } : {};
  // A negative weight makes every search an error: nothing else is worth building.
  if (weightCheck && weightCheck.badArc >= 0) return { kind: 'sssp-layout', n, outSlots: outSlots(g, { width: 0 }), ...checked };
  const slots = outSlots(g, { weights: true });
  const hubs = weightCheck && slots.width === 0 && n >= HUB_ORDER_MIN_VERTICES ? hubOrder(out) : undefined;
  return { kind: 'sssp-layout', n, outSlots: slots, ...checked, ...(hubs ? { hubs } : {}) };
}
