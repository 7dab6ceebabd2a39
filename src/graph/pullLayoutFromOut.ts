/**
 * PageRank's slot layout (pullLayout.ts) straight from the out-CSR, for a graph without an in-CSR: the
 * in-degrees counted from the out-arcs' heads, then every arc u -> v placed, in tail order, at v's next
 * place as u's position. Rows come out as a transpose lists them (ascending tails), so the layout is
 * `pullLayout`'s over that transpose, array for array, without making the transpose.
 *
 * The arcs are cut into parts by tail, one range each (`splitRange` over the out-offsets): each part
 * counts its arcs per head into counters of its own (the transpose's own step, parallelCsr.ts
 * `csr.transposeCount`), and the driver turns the counters into where each
 * part's arcs of a head start (after those of the parts before it), so the parts place their arcs
 * side by side with no write in common, and each row still lists its tails in ascending order.
 *
 * A grouped graph's parallel arcs are merged (PageRank reads a grouped projection's merged graph, like
 * csr.ts `mergedTranspose`): its rows are checked for a tail listed twice (two equal neighbours, tails
 * being ascending in a row), and a graph that has one takes `mergedTranspose` and `pullLayout` instead.
 */
import { giveBack, scratchArray } from '../base/scratchPool.js';
import { type GraphCsr, mergedTranspose } from './csr.js';
import { type Driver, runDriver, splitRange, type StepResult, type StepTable, sumAt } from './parallel.js';
import { CSR_STEPS, partOf, type TransposeCountArgs } from './parallelCsr.js';
import { framed, outDegreesOf, type PullLayout, pullLayout } from './pullLayout.js';
import { type Offsets, outputOffsets } from './shared.js';

/** The layout built on this thread. */
export function pullLayoutFromOut(g: GraphCsr): PullLayout {
  return runDriver(pullLayoutFromOutDriver(g, 1), PULL_LAYOUT_STEPS);
}

/** The layout with its arcs counted and placed in `parts` parts (see above). */
export function* pullLayoutFromOutDriver(g: GraphCsr, parts: number): Driver<PullLayout> {
  const { n, out } = g;
  const ranges = splitRange(n, parts, out.offsets);
  const cuts = Float64Array.from([...ranges.map((r) => r[0]), n]);
  // Zeroed counters, then (in place) where each part's arcs of each head go.
  const cursors = ranges.map(() => scratchArray(Int32Array, n).fill(0));
  try {
    yield { step: 'csr.transposeCount', args: { offsets: out.offsets, targets: out.targets, counts: cursors, cuts } satisfies TransposeCountArgs, ranges };
    const inOffsets = outputOffsets(n, out.m, true);
    inOffsets[0] = 0;
    for (let v = 0; v < n; v++) {
      let inDegree = 0;
      for (const counts of cursors) inDegree += counts[v]!;
      inOffsets[v + 1] = inOffsets[v]! + inDegree;
    }
    const degrees = outDegreesOf(out);
    const { layout, sources, rowStart } = framed(n, inOffsets, degrees);
    giveBack(degrees);
    try {
      for (let v = 0; v < n; v++) {
        let at = rowStart[v]!;
        for (const counts of cursors) {
          const count = counts[v]!;
          counts[v] = at;
          at += count;
        }
      }
      yield { step: 'pullLayout.place', args: { offsets: out.offsets, targets: out.targets, position: layout.position, cuts, cursors, sources } satisfies PlaceArgs, ranges };
      if (!g.grouped) return layout;
      const repeats = yield { step: 'pullLayout.repeats', args: { inOffsets, rowStart, sources } satisfies RepeatsArgs, ranges: splitRange(n, parts, inOffsets) };
      if (sumAt(repeats, 0) === 0) return layout;
    } finally {
      giveBack(rowStart);
    }
  } finally {
    // Every step that read them has ended: a driver resumes (or is closed) only after its steps.
    for (const c of cursors) giveBack(c);
  }
  const merged = mergedTranspose(out);
  return pullLayout({ ...g, in: merged.in }, merged.outDegrees);
}

interface PlaceArgs {
  readonly offsets: Offsets;
  readonly targets: Int32Array;
  readonly position: Int32Array;
  /** The parts' first tails, then n (parallelCsr.ts `partOf`). */
  readonly cuts: Float64Array;
  readonly cursors: readonly Int32Array[];
  readonly sources: Int32Array;
}

/** Arcs get their places this many at a time, then are written (see `placeStep`). */
const PLACE_CHUNK = 2048;

/**
 * sources[cursor[v]++] = position[u] for every arc u -> v of tails [lo, hi), in tail order. In two
 * passes per chunk of arcs, the places and then the writes: one loop doing both ran 20-30% slower
 * (R-MAT s16, `.tmp` probe on an AMD EPYC VM), its loads of the next places waiting behind stores that
 * miss the cache and the TLB.
 */
function placeStep(args: PlaceArgs, lo: number, hi: number): StepResult {
  const { offsets, targets, position, sources } = args;
  const cursor = args.cursors[partOf(args.cuts, lo)]!;
  const begin = offsets[lo]!;
  const end = offsets[hi]!;
  const places = new Int32Array(Math.min(end - begin, PLACE_CHUNK));
  let u = lo;
  for (let first = begin; first < end; first += PLACE_CHUNK) {
    const last = Math.min(end, first + PLACE_CHUNK);
    for (let e = first; e < last; e++) {
      const v = targets[e]!;
      const at = cursor[v]!;
      cursor[v] = at + 1;
      places[e - first] = at;
    }
    // The rows of the tails with arcs in [first, last).
    for (; u < hi; u++) {
      const rowEnd = offsets[u + 1]!;
      const to = Math.min(rowEnd, last);
      const p = position[u]!;
      for (let e = Math.max(offsets[u]!, first); e < to; e++) sources[places[e - first]!] = p;
      if (rowEnd > last) break;
    }
  }
  return [];
}

interface RepeatsArgs {
  readonly inOffsets: Offsets;
  readonly rowStart: Int32Array;
  readonly sources: Int32Array;
}

/** 1 when a row of heads [lo, hi) lists a tail twice (two equal neighbours: rows are ascending by tail), else 0. */
function repeatsStep(args: RepeatsArgs, lo: number, hi: number): StepResult {
  const { inOffsets, rowStart, sources } = args;
  for (let v = lo; v < hi; v++) {
    const start = rowStart[v]!;
    const end = start + inOffsets[v + 1]! - inOffsets[v]!;
    for (let e = start + 1; e < end; e++) if (sources[e] === sources[e - 1]) return [1];
  }
  return [0];
}

export const PULL_LAYOUT_STEPS: StepTable = {
  'csr.transposeCount': CSR_STEPS['csr.transposeCount']!,
  'pullLayout.place': placeStep,
  'pullLayout.repeats': repeatsStep,
};
