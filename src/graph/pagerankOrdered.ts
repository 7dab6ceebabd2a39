/**
 * PageRank's iterations over a big graph's ordered pull layout (pullOrder.ts): the same updates as
 * pagerank.ts's, with ranks and contributions indexed by position (vertices by out-degree, highest
 * first), ranges of positions, and a last step that puts each rank at its vertex. The sinks are the
 * positions' tail, so a range's sink mass is a sum over its part of that tail, per REDUCE_BLOCK of
 * positions: the same for any split.
 */
import { giveBack, scratchArray } from '../base/scratchPool.js';
import { type Driver, REDUCE_BLOCK, type StepResult, type StepTable, splitRange, sumInOrder } from './parallel.js';
import type { OrderedPullLayout } from './pullOrder.js';
import { outputFloat64 } from './shared.js';

export interface OrderedInitArgs {
  readonly layout: OrderedPullLayout;
  /** By position, as the contributions. */
  readonly rank: Float64Array;
  readonly contribution: Float64Array;
}

export interface OrderedPullArgs {
  readonly layout: OrderedPullLayout;
  readonly contribution: Float64Array;
  readonly nextContribution: Float64Array;
  readonly rank: Float64Array;
  /** (1 - d)/|V| + d * dangling/|V|, the same for every vertex in this iteration. */
  readonly base: number;
  readonly damping: number;
}

export interface OrderedPlaceArgs {
  readonly order: Int32Array;
  readonly byPosition: Float64Array;
  /** By vertex: what the app returns. */
  readonly rank: Float64Array;
}

/** The sinks' mass per REDUCE_BLOCK of positions [lo, hi), added in position order. */
function sinkMass(firstSink: number, rank: Float64Array, lo: number, hi: number): number[] {
  const mass: number[] = [];
  for (let block = lo; block < hi; block += REDUCE_BLOCK) {
    const end = Math.min(hi, block + REDUCE_BLOCK);
    let sum = 0;
    for (let i = Math.max(block, firstSink); i < end; i++) sum += rank[i]!;
    mass.push(sum);
  }
  return mass;
}

/** PR_0 = 1/|V| on positions [lo, hi); returns the sink mass per REDUCE_BLOCK. */
export function orderedInitStep(args: OrderedInitArgs, lo: number, hi: number): StepResult {
  const { layout, rank, contribution } = args;
  const initial = 1 / layout.n;
  const inverse = layout.inverseOutDegree;
  for (let i = lo; i < hi; i++) {
    rank[i] = initial;
    contribution[i] = initial * inverse[i]!;
  }
  return sinkMass(layout.firstSink, rank, lo, hi);
}

/**
 * One iteration for positions [lo, hi): each row's in-contributions in two sums (two gathers in
 * flight), then at once its rank and next contribution. Returns the sinks' new mass per block.
 */
export function orderedPullStep(args: OrderedPullArgs, lo: number, hi: number): StepResult {
  const { layout, contribution: c, nextContribution: next, rank, base, damping } = args;
  const { offsets, sources, inverseOutDegree: inverse } = layout;
  for (let i = lo; i < hi; i++) {
    const end = offsets[i + 1]!;
    let e = offsets[i]!;
    let even = 0;
    let odd = 0;
    for (; e + 1 < end; e += 2) {
      even += c[sources[e]!]!;
      odd += c[sources[e + 1]!]!;
    }
    if (e < end) even += c[sources[e]!]!;
    const r = base + damping * (even + odd);
    rank[i] = r;
    next[i] = r * inverse[i]!;
  }
  return sinkMass(layout.firstSink, rank, lo, hi);
}

/** Puts the ranks of positions [lo, hi) at their vertices. */
export function orderedPlaceStep(args: OrderedPlaceArgs, lo: number, hi: number): StepResult {
  const { order, byPosition, rank } = args;
  for (let i = lo; i < hi; i++) rank[order[i]!] = byPosition[i]!;
  return [];
}

export const PAGERANK_ORDERED_STEPS: StepTable = {
  'pagerank.orderedInit': orderedInitStep,
  'pagerank.orderedPull': orderedPullStep,
  'pagerank.orderedPlace': orderedPlaceStep,
};

/** The iterations (arguments checked by pagerankDriver); the ranks by vertex. */
export function* orderedRanks(layout: OrderedPullLayout, damping: number, iterations: number, parts: number): Driver<Float64Array> {
  const { n } = layout;
  const rank = outputFloat64(n, true);
  // Ranks by position and the contributions live only in this run: warm scratch from the last run of
  // about this size (base/scratchPool.ts). Every step writes all that a later one reads: no zeroing.
  const scratch = [scratchArray(Float64Array, n), scratchArray(Float64Array, n), scratchArray(Float64Array, n)] as const;
  const byPosition = scratch[0];
  let [contribution, nextContribution] = [scratch[1], scratch[2]];
  try {
    const ranges = splitRange(n, parts, layout.offsets);
    let dangling = sumInOrder(yield { step: 'pagerank.orderedInit', args: { layout, rank: byPosition, contribution } satisfies OrderedInitArgs, ranges });
    for (let i = 0; i < iterations; i++) {
      const base = (1 - damping) / n + (damping * dangling) / n;
      const args: OrderedPullArgs = { layout, contribution, nextContribution, rank: byPosition, base, damping };
      dangling = sumInOrder(yield { step: 'pagerank.orderedPull', args, ranges });
      [contribution, nextContribution] = [nextContribution, contribution];
    }
    yield { step: 'pagerank.orderedPlace', args: { order: layout.order, byPosition, rank } satisfies OrderedPlaceArgs, ranges };
    return rank;
  } finally {
    // Every step that wrote them has ended: a driver resumes (or is closed) only after its steps.
    for (const a of scratch) giveBack(a);
  }
}
