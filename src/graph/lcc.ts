/**
 * Local clustering coefficient (Graphalytics LCC). N(v) = N_in(v) ∪ N_out(v) as a set, without v;
 * d = |N(v)|; LCC(v) = 0 when d <= 1, else t(v) / (d (d - 1)) where t(v) counts the *arcs* u -> w with
 * u, w in N(v). On a directed graph the neighbourhood ignores direction but u -> w and w -> u are two
 * arcs; on an undirected graph every edge is both arcs, giving the usual 2 triangles / (d (d - 1)).
 * Self-loops and parallel arcs are ignored (the definition is on sets).
 *
 * Pull style: a step for [lo, hi) writes lcc[] only for its own vertices, with a step-local mark array.
 * N(v) comes from the simple undirected view; the arcs between neighbours from the out-CSR (directed)
 * or the view itself (undirected).
 */
import type { GraphCsr } from './csr.js';
import { withInCsr } from './csr.js';
import { closedPairs, markRow } from './neighbourhood.js';
import { type Driver, type StepResult, type StepTable, runDriver, splitRange } from './parallel.js';
import { type Offsets, sharedFloat64 } from './shared.js';
import { simpleUndirected } from './views.js';

export interface LccOptions {
  readonly parts?: number;
}

export interface LccArgs {
  readonly viewOffsets: Offsets;
  readonly viewTargets: Int32Array;
  readonly edgeOffsets: Offsets;
  readonly edgeTargets: Int32Array;
  readonly lcc: Float64Array;
}

export function lccStep(args: LccArgs, lo: number, hi: number): StepResult {
  const { viewOffsets, viewTargets, edgeOffsets, edgeTargets, lcc } = args;
  const mark = new Int32Array(lcc.length);
  for (let v = lo; v < hi; v++) {
    const d = viewOffsets[v + 1]! - viewOffsets[v]!;
    if (d <= 1) {
      lcc[v] = 0;
      continue;
    }
    markRow(v, viewOffsets, viewTargets, mark, v + 1);
    const arcs = closedPairs(v, viewOffsets, viewTargets, edgeOffsets, edgeTargets, mark, v + 1);
    lcc[v] = arcs / (d * (d - 1));
  }
  return [];
}

export const LCC_STEPS: StepTable = { 'lcc.vertices': lccStep };

/** The LCC driver (one step); a directed graph must carry its in-CSR for the undirected view. */
export function* lccDriver(g: GraphCsr, options: LccOptions = {}): Driver<Float64Array> {
  const view = simpleUndirected(g);
  const edges = g.directed ? g.out : view;
  const lcc = sharedFloat64(g.n);
  const args: LccArgs = {
    viewOffsets: view.offsets,
    viewTargets: view.targets,
    edgeOffsets: edges.offsets,
    edgeTargets: edges.targets,
    lcc,
  };
  yield { step: 'lcc.vertices', args, ranges: splitRange(g.n, options.parts ?? 1, view.offsets) };
  return lcc;
}

/** Graphalytics local clustering coefficient of every vertex. */
export function lcc(g: GraphCsr, options: LccOptions = {}): Float64Array {
  return runDriver(lccDriver(g.directed ? withInCsr(g) : g, options), LCC_STEPS);
}
