/**
 * What Dijkstra (sssp.ts) keeps with a graph between searches:
 * - its layout: the outcome of the weight check (scipy's semantics: a negative weight anywhere is an
 *   error, so every weight is read before a search; 11 ms on the 1024x1024 grid, 30-80 ms on R-MAT
 *   s20), and on sparse, low-degree graphs (roads, grids) the out-slots with their weights (outSlots.ts);
 * - on big skewed graphs (power-law, R-MAT), the graph renumbered hubs first (hubOrder.ts), which the
 *   apps ask for from a graph's second search (ops/graph/apps.ts).
 * Both depend only on the graph, so a session builds them once per projected graph (kernels/graph
 * layouts.ts). BFS keeps a layout of its own, without weights or the check.
 */
import type { GraphCsr } from './csr.js';
import { type HubOrder, hubOrder } from './hubOrder.js';
import { checkArcWeights, type OutSlots, outSlots, type WeightCheck } from './outSlots.js';
import type { SsspOptions } from './sssp.js';

export interface SsspLayout {
  readonly kind: 'sssp-layout';
  readonly n: number;
  /** Absent when the graph is unweighted. */
  readonly weightCheck?: WeightCheck;
  /** Width 0 ("read the CSR") when the degrees do not suit slots. */
  readonly outSlots: OutSlots;
}

export function ssspLayout(g: GraphCsr): SsspLayout {
  const { n, out } = g;
  const weightCheck = out.weights ? checkArcWeights(out.weights) : undefined;
  const checked = weightCheck ? { weightCheck } : {};
  // A negative weight makes every search an error: no slots are worth building.
  const bad = weightCheck !== undefined && weightCheck.badArc >= 0;
  return { kind: 'sssp-layout', n, outSlots: outSlots(g, bad ? { width: 0 } : { weights: true }), ...checked };
}

/** A graph's hub order, or none when it would not pay (`order` undefined). */
export interface HubOrderValue {
  readonly kind: 'hub-order';
  readonly order?: HubOrder;
}

/**
 * Below this many vertices the distances fit in a core's cache whatever their order, and renumbering
 * would cost more than it saves.
 */
export const HUB_ORDER_MIN_VERTICES = 1 << 17;

/** The hub order of a big weighted graph with skewed in-degrees (unweighted graphs are searched by BFS). */
export function hubOrderOf(g: GraphCsr): HubOrderValue {
  const order = g.out.weights && g.n >= HUB_ORDER_MIN_VERTICES ? hubOrder(g.out) : undefined;
  return { kind: 'hub-order', ...(order ? { order } : {}) };
}

/** What a search takes from the graph's kept layout and hub order (either may be absent). */
export function searchOptions(layout: SsspLayout | undefined, hubs: HubOrderValue | undefined): Pick<SsspOptions, 'outSlots' | 'weightCheck' | 'hubs'> {
  return {
    ...(layout ? { outSlots: layout.outSlots } : {}),
    ...(layout?.weightCheck ? { weightCheck: layout.weightCheck } : {}),
    ...(hubs?.order ? { hubs: hubs.order } : {}),
  };
}
