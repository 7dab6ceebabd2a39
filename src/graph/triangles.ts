/**
 * Triangles through each vertex (GraphScope `triangles`), on the simple undirected view: direction,
 * self-loops and parallel arcs are ignored, so a triangle is three distinct vertices pairwise joined in
 * either direction. T(v) = (number of ordered pairs of adjacent neighbours of v) / 2. Counts are held
 * in a Float64Array (exact to 2^53; a hub can exceed 2^31 triangles).
 *
 * Pull style, like LCC: a step for [lo, hi) writes only its own vertices' counts.
 */
import type { GraphCsr } from './csr.js';
import { withInCsr } from './csr.js';
import { closedPairs, markRow } from './neighbourhood.js';
import { type Driver, type StepResult, type StepTable, runDriver, splitRange } from './parallel.js';
import { type Offsets, sharedFloat64 } from './shared.js';
import { simpleUndirected } from './views.js';

export interface TrianglesOptions {
  readonly parts?: number;
}

export interface TrianglesArgs {
  readonly viewOffsets: Offsets;
  readonly viewTargets: Int32Array;
  readonly triangles: Float64Array;
}

export function trianglesStep(args: TrianglesArgs, lo: number, hi: number): StepResult {
  const { viewOffsets, viewTargets, triangles } = args;
  const mark = new Int32Array(triangles.length);
  let total = 0;
  for (let v = lo; v < hi; v++) {
    markRow(v, viewOffsets, viewTargets, mark, v + 1);
    const t = closedPairs(v, viewOffsets, viewTargets, viewOffsets, viewTargets, mark, v + 1) / 2;
    triangles[v] = t;
    total += t;
  }
  return [total];
}

export const TRIANGLES_STEPS: StepTable = { 'triangles.vertices': trianglesStep };

export function* trianglesDriver(g: GraphCsr, options: TrianglesOptions = {}): Driver<Float64Array> {
  const view = simpleUndirected(g);
  const triangles = sharedFloat64(g.n);
  const args: TrianglesArgs = { viewOffsets: view.offsets, viewTargets: view.targets, triangles };
  yield { step: 'triangles.vertices', args, ranges: splitRange(g.n, options.parts ?? 1, view.offsets) };
  return triangles;
}

/** Number of triangles each vertex belongs to. */
export function triangles(g: GraphCsr, options: TrianglesOptions = {}): Float64Array {
  return runDriver(trianglesDriver(g.directed ? withInCsr(g) : g, options), TRIANGLES_STEPS);
}
