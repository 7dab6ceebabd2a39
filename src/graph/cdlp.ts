/**
 * Community detection by label propagation (Graphalytics CDLP). Labels start as the vertices' own ids;
 * each iteration is synchronous (everyone reads the previous labels) and gives each vertex the most
 * frequent label among its in-neighbours plus its out-neighbours, counted with multiplicity, so on a
 * directed graph a neighbour joined both ways counts twice, and a self-loop counts the vertex's own
 * label twice. Ties go to the smallest label; a vertex without neighbours keeps its label. On an
 * undirected graph each neighbour counts once. Runs exactly `iterations` rounds, stopping early only at
 * a fixpoint (a round that changed nothing), since the synchronous rule can oscillate.
 *
 * Labels are internal vertex ids, which follow original-id order, so "smallest label" is the smallest
 * original id, as Graphalytics requires; output maps them back to original ids.
 *
 * Pull style: a step for [lo, hi) reads `labels` and writes `next` only for its own vertices; the
 * histogram lives in step-local scratch (a dense counter over vertex ids plus the list of labels seen).
 */
import { InvalidArgumentError } from '../base/errors.js';
import { type GraphCsr, withInCsr } from './csr.js';
import { type Driver, type StepResult, type StepTable, runDriver, splitRange, sumAt } from './parallel.js';
import { type Offsets, sharedInt32 } from './shared.js';
import { requireInCsr } from './views.js';

export interface CdlpOptions {
  /** Number of synchronous rounds (Graphalytics `cdlp.max-iterations`; default 10, GraphScope's). */
  readonly iterations?: number;
  readonly parts?: number;
}

export interface CdlpArgs {
  readonly n: number;
  readonly outOffsets: Offsets;
  readonly outTargets: Int32Array;
  /** The in-CSR for a directed graph; the same arrays as out for an undirected one. */
  readonly inOffsets: Offsets;
  readonly inTargets: Int32Array;
  readonly directed: boolean;
  readonly labels: Int32Array;
  readonly next: Int32Array;
}

/** One round for the vertices of [lo, hi). Returns [number of labels that changed]. */
export function cdlpStep(args: CdlpArgs, lo: number, hi: number): StepResult {
  const { n, outOffsets, outTargets, inOffsets, inTargets, directed, labels, next } = args;
  let widest = 0;
  for (let v = lo; v < hi; v++) {
    const degree = outOffsets[v + 1]! - outOffsets[v]! + (directed ? inOffsets[v + 1]! - inOffsets[v]! : 0);
    if (degree > widest) widest = degree;
  }
  const count = new Int32Array(n);
  const seen = new Int32Array(widest);
  let changed = 0;
  for (let v = lo; v < hi; v++) {
    let distinct = 0;
    const outEnd = outOffsets[v + 1]!;
    for (let e = outOffsets[v]!; e < outEnd; e++) {
      const label = labels[outTargets[e]!]!;
      const c = count[label]!;
      count[label] = c + 1;
      if (c === 0) seen[distinct++] = label;
    }
    if (directed) {
      const inEnd = inOffsets[v + 1]!;
      for (let e = inOffsets[v]!; e < inEnd; e++) {
        const label = labels[inTargets[e]!]!;
        const c = count[label]!;
        count[label] = c + 1;
        if (c === 0) seen[distinct++] = label;
      }
    }
    let best = labels[v]!;
    let bestCount = 0;
    for (let i = 0; i < distinct; i++) {
      const label = seen[i]!;
      const c = count[label]!;
      if (c > bestCount || (c === bestCount && label < best)) {
        best = label;
        bestCount = c;
      }
      count[label] = 0;
    }
    next[v] = best;
    if (best !== labels[v]) changed++;
  }
  return [changed];
}

export const CDLP_STEPS: StepTable = { 'cdlp.round': cdlpStep };

/** The CDLP driver; a directed graph must carry its in-CSR. Yields the final label of every vertex. */
export function* cdlpDriver(g: GraphCsr, options: CdlpOptions = {}): Driver<Int32Array> {
  const iterations = options.iterations ?? 10;
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new InvalidArgumentError(`iterations must be an integer >= 0, got ${iterations}`);
  }
  const { n, out } = g;
  const inCsr = g.directed ? requireInCsr(g, 'CDLP') : out;
  let labels = sharedInt32(n);
  let next = sharedInt32(n);
  for (let v = 0; v < n; v++) labels[v] = v;
  const ranges = splitRange(n, options.parts ?? 1, out.offsets);
  for (let i = 0; i < iterations; i++) {
    const args: CdlpArgs = {
      n,
      outOffsets: out.offsets,
      outTargets: out.targets,
      inOffsets: inCsr.offsets,
      inTargets: inCsr.targets,
      directed: g.directed,
      labels,
      next,
    };
    const changed = sumAt(yield { step: 'cdlp.round', args, ranges }, 0);
    [labels, next] = [next, labels];
    if (changed === 0) break;
  }
  return labels;
}

/** CDLP label (an internal vertex id) of every vertex after `iterations` rounds. */
export function cdlp(g: GraphCsr, options: CdlpOptions = {}): Int32Array {
  return runDriver(cdlpDriver(g.directed ? withInCsr(g) : g, options), CDLP_STEPS);
}
