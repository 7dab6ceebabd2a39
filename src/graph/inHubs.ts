/**
 * A directed graph's in-hubs: for each vertex, the tail of its in-arcs with the most out-arcs (-1 when it
 * has no in-arc), a layout of its own that BFS asks for with the in-CSR (ops/graph/apps.ts).
 *
 * BFS's bottom-up steps ask of each unreached vertex whether any in-neighbour is in the frontier, and
 * a search's frontiers hold the well-connected vertices first: on R-MAT s16, the first bottom-up step
 * finds 31,162 vertices, 30,846 of them through their in-hub (24,875 through the first arc of their
 * row). Read from this array, in vertex order, that test mostly ends without touching the row: the
 * step took 0.39-0.54 ms against 0.92-1.02 reading rows (.tmp probe, one thread, medians of 200).
 * Any in-neighbour would give the same answer; the hub is only the likeliest, so a vertex whose hub
 * is not in the frontier still has its row read.
 *
 * Only the first HUB_ARCS_READ arcs of a row are weighed. A vertex with more in-arcs than that is
 * found by nearly any search frontier through one of them, and weighing all of them is most of the
 * pass: each arc is a random read of its tail's out-degree (R-MAT s20, 16M arcs: the first bottom-up
 * step's hub hits are 98.7% of its finds with 64 arcs a row weighed or with all of them, one thread
 * 70 against 124 ms for the pass, .tmp probe, first calls).
 */
import { type Driver, runDriver, splitRange, type StepResult, type StepTable } from './parallel.js';
import { type Csr, type GraphCsr, withInCsr } from './csr.js';
import { type Offsets, outputInt32 } from './shared.js';

export interface InHubsArgs {
  readonly inOffsets: Offsets;
  readonly inTargets: Int32Array;
  /** The out-CSR's offsets: a vertex's out-arcs are offsets[u + 1] - offsets[u]. */
  readonly outOffsets: Offsets;
  readonly hubs: Int32Array;
}

export const HUB_ARCS_READ = 64;

/**
 * Writes hubs[v] for v in [lo, hi): the first in-neighbour of v with the most out-arcs among its first
 * HUB_ARCS_READ in-arcs, or -1.
 */
function inHubsStep(args: InHubsArgs, lo: number, hi: number): StepResult {
  const { inOffsets, inTargets, outOffsets, hubs } = args;
  for (let v = lo; v < hi; v++) {
    let hub = -1;
    let most = -1;
    for (let e = inOffsets[v]!, last = Math.min(inOffsets[v + 1]!, e + HUB_ARCS_READ); e < last; e++) {
      const u = inTargets[e]!;
      const arcs = outOffsets[u + 1]! - outOffsets[u]!;
      if (arcs > most) {
        most = arcs;
        hub = u;
      }
    }
    hubs[v] = hub;
  }
  return [];
}

export const IN_HUBS_STEPS: StepTable = { 'csr.inHubs': inHubsStep };

/** The in-hubs of `inCsr` (the transpose of a graph whose out-CSR has `outOffsets`), over `parts` ranges of about equal arcs. */
export function* inHubsDriver(inCsr: Csr, outOffsets: Offsets, parts: number): Driver<Int32Array> {
  const hubs = outputInt32(inCsr.n, true);
  const args: InHubsArgs = { inOffsets: inCsr.offsets, inTargets: inCsr.targets, outOffsets, hubs };
  yield { step: 'csr.inHubs', args, ranges: splitRange(inCsr.n, parts, inCsr.offsets) };
  return hubs;
}

/** `g` with its in-CSR (built if missing, `withInCsr`) and its in-hubs, made on this thread. */
export function withInHubs(g: GraphCsr): GraphCsr {
  const withIn = withInCsr(g);
  return { ...withIn, inHubs: runDriver(inHubsDriver(withIn.in, g.out.offsets, 1), IN_HUBS_STEPS) };
}
