/**
 * PageRank as Graphalytics defines it: start from 1/|V|, run exactly `iterations` synchronous updates
 *
 *   PR(v) = (1 - d)/|V| + d * sum over in-neighbours u of PR(u)/outdeg(u) + d/|V| * sum over sinks w of PR(w)
 *
 * so the mass of sinks (out-degree 0) is spread over all |V| vertices, sinks included, and the ranks sum
 * to 1 after every iteration. No convergence test. Undirected graphs use the degree as out-degree.
 * Parallel arcs (`duplicates: 'keep'`) count with multiplicity, like a multigraph's random walk.
 *
 * Pull style over the in-arcs: each iteration one step per vertex range gathers the previous
 * iteration's contributions PR(u)/outdeg(u) (one multiplication by a reciprocal computed once per
 * vertex, never a division per arc; within an ulp of the division), writes its own vertices' ranks and
 * their next contributions into the other buffer, and returns its sinks' new mass per REDUCE_BLOCK, so
 * the driver's dangling sum (and every rank) is the same for any split. The arcs come from one of two
 * layouts: a small graph's branch-free slot layout (pullLayout.ts), or a big graph's ordered one
 * (pullOrder.ts), where the vertices are numbered by out-degree so that the contributions gathered
 * most stay in cache; there the ranges are of positions, and a last step puts the ranks in vertex order.
 *
 * Graphalytics hands platforms the damping factor as a Java float: 0.85 arrives as 0.8500000238418579
 * (`Math.fround(0.85)`); the LDBC loader does the same, and test-pr-undirected only matches exactly so.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { type GraphCsr, lowerBound, withInCsr } from './csr.js';
import { type PullLayout, pullLayout } from './pullLayout.js';
import { pullLayoutFromOut } from './pullLayoutFromOut.js';
import type { OrderedPullLayout } from './pullOrder.js';
import { orderedRanks, PAGERANK_ORDERED_STEPS } from './pagerankOrdered.js';
import {
  type Driver,
  REDUCE_BLOCK,
  type StepResult,
  type StepTable,
  runDriver,
  splitRange,
  sumInOrder,
} from './parallel.js';
import { giveBack, scratchArray } from '../base/scratchPool.js';
import { outputFloat64 } from './shared.js';

export interface PageRankOptions {
  /** Damping factor d (default 0.85). */
  readonly damping?: number;
  /** Number of iterations (default 20). */
  readonly iterations?: number;
  readonly parts?: number;
  /**
   * The graph's pull layout, when the caller keeps one with the graph: the slot layout (pullLayout.ts,
   * its ranges weighed by the in-CSR) or the ordered one (pullOrder.ts, read alone). Without one, each call builds
   * the slot layout.
   */
  readonly layout?: PullLayout | OrderedPullLayout;
}

export interface PageRankInitArgs {
  readonly n: number;
  readonly layout: PullLayout;
  readonly rank: Float64Array;
  readonly contribution: Float64Array;
}

export interface PageRankPullArgs {
  readonly layout: PullLayout;
  /** n + 1 entries; the last is always 0 (what the layout's padding slots read). */
  readonly contribution: Float64Array;
  readonly nextContribution: Float64Array;
  readonly rank: Float64Array;
  /** (1 - d)/|V| + d * dangling/|V|, the same for every vertex in this iteration. */
  readonly base: number;
  readonly damping: number;
}

/** The sinks' mass per REDUCE_BLOCK of [lo, hi), added in vertex order. */
function sinkMass(sinks: Int32Array, rank: Float64Array, lo: number, hi: number): number[] {
  const mass: number[] = [];
  let i = lowerBound(sinks, 0, sinks.length, lo);
  for (let block = lo; block < hi; block += REDUCE_BLOCK) {
    const end = Math.min(hi, block + REDUCE_BLOCK);
    let sum = 0;
    for (; i < sinks.length && sinks[i]! < end; i++) sum += rank[sinks[i]!]!;
    mass.push(sum);
  }
  return mass;
}

/** Sets PR_0 = 1/|V| on [lo, hi); returns the sink mass per REDUCE_BLOCK. */
export function pagerankInitStep(args: PageRankInitArgs, lo: number, hi: number): StepResult {
  const { n, layout, rank, contribution } = args;
  const initial = 1 / n;
  const { position, inverseOutDegree } = layout;
  for (let v = lo; v < hi; v++) {
    rank[v] = initial;
    contribution[position[v]!] = initial * inverseOutDegree[v]!;
  }
  return sinkMass(layout.sinks, rank, lo, hi);
}

/**
 * One iteration for the vertices of [lo, hi): gather each vertex's in-contributions (by class, see
 * PullLayout), then at once its rank and next contribution. Returns the sinks' new mass per block.
 */
export function pagerankPullStep(args: PageRankPullArgs, lo: number, hi: number): StepResult {
  const { layout, contribution: c, nextContribution: next, rank, base, damping } = args;
  const { isolated, long, longOffsets, longSources, position, inverseOutDegree: inverse } = layout;
  const lastIsolated = lowerBound(isolated, 0, isolated.length, hi);
  for (let i = lowerBound(isolated, 0, isolated.length, lo); i < lastIsolated; i++) {
    const v = isolated[i]!;
    rank[v] = base;
    next[position[v]!] = base * inverse[v]!;
  }
  for (const { width, vertices, slots } of layout.classes) {
    const first = lowerBound(vertices, 0, vertices.length, lo);
    const last = lowerBound(vertices, first, vertices.length, hi);
    if (width === 4) {
      for (let i = first; i < last; i++) {
        const s = 4 * i;
        const v = vertices[i]!;
        const r = base + damping * (c[slots[s]!]! + c[slots[s + 1]!]! + (c[slots[s + 2]!]! + c[slots[s + 3]!]!));
        rank[v] = r;
        next[position[v]!] = r * inverse[v]!;
      }
    } else if (width === 8) {
      for (let i = first; i < last; i++) {
        const s = 8 * i;
        const v = vertices[i]!;
        const a = c[slots[s]!]! + c[slots[s + 1]!]! + (c[slots[s + 2]!]! + c[slots[s + 3]!]!);
        const b = c[slots[s + 4]!]! + c[slots[s + 5]!]! + (c[slots[s + 6]!]! + c[slots[s + 7]!]!);
        const r = base + damping * (a + b);
        rank[v] = r;
        next[position[v]!] = r * inverse[v]!;
      }
    } else {
      for (let i = first; i < last; i++) {
        const s = width * i;
        const v = vertices[i]!;
        let even = 0;
        let odd = 0;
        for (let j = s; j < s + width; j += 2) {
          even += c[slots[j]!]!;
          odd += c[slots[j + 1]!]!;
        }
        const r = base + damping * (even + odd);
        rank[v] = r;
        next[position[v]!] = r * inverse[v]!;
      }
    }
  }
  const lastLong = lowerBound(long, 0, long.length, hi);
  for (let i = lowerBound(long, 0, long.length, lo); i < lastLong; i++) {
    const v = long[i]!;
    const end = longOffsets[i + 1]!;
    let e = longOffsets[i]!;
    let even = 0;
    let odd = 0;
    for (; e + 1 < end; e += 2) {
      even += c[longSources[e]!]!;
      odd += c[longSources[e + 1]!]!;
    }
    if (e < end) even += c[longSources[e]!]!;
    const r = base + damping * (even + odd);
    rank[v] = r;
    next[position[v]!] = r * inverse[v]!;
  }
  return sinkMass(layout.sinks, rank, lo, hi);
}

export const PAGERANK_STEPS: StepTable = { 'pagerank.init': pagerankInitStep, 'pagerank.pull': pagerankPullStep, ...PAGERANK_ORDERED_STEPS };

const isOrdered = (layout: PullLayout | OrderedPullLayout): layout is OrderedPullLayout => 'order' in layout;

/**
 * The PageRank driver. Without a layout it builds the slot layout: over the graph's in-CSR when it has one,
 * else from its out-arcs (`pullLayoutFromOut`, which merges a grouped graph's parallel arcs).
 */
export function* pagerankDriver(g: GraphCsr, options: PageRankOptions = {}): Driver<Float64Array> {
  const damping = options.damping ?? 0.85;
  const iterations = options.iterations ?? 20;
  if (!(damping >= 0 && damping <= 1)) throw new InvalidArgumentError(`damping must be in [0, 1], got ${damping}`);
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new InvalidArgumentError(`iterations must be an integer >= 0, got ${iterations}`);
  }
  const { n } = g;
  if (options.layout && isOrdered(options.layout)) {
    if (options.layout.n !== n) throw new InvalidArgumentError(`the pull layout is for ${options.layout.n} vertices, the graph has ${n}`);
    return yield* orderedRanks(options.layout, damping, iterations, options.parts ?? 1);
  }
  const layout = options.layout ?? (g.in ? pullLayout(g) : pullLayoutFromOut(g));
  const rank = outputFloat64(n);
  // The contributions live only in this run: warm scratch from the last run of about this size
  // (base/scratchPool.ts), zeroed (slot n, which padded layout slots read, must be 0) — fresh pages
  // were 1 MB of a first PageRank's faults at 65K vertices.
  const scratch = [scratchArray(Float64Array, n + 1).fill(0), scratchArray(Float64Array, n + 1).fill(0)];
  let [contribution, nextContribution] = scratch as [Float64Array, Float64Array];
  try {
    const ranges = splitRange(n, options.parts ?? 1, layout.inOffsets);
    const init = yield {
      step: 'pagerank.init',
      args: { n, layout, rank, contribution } satisfies PageRankInitArgs,
      ranges,
    };
    let dangling = sumInOrder(init);
    for (let i = 0; i < iterations; i++) {
      const args: PageRankPullArgs = {
        layout,
        contribution,
        nextContribution,
        rank,
        base: (1 - damping) / n + (damping * dangling) / n,
        damping,
      };
      dangling = sumInOrder(yield { step: 'pagerank.pull', args, ranges });
      [contribution, nextContribution] = [nextContribution, contribution];
    }
    return rank;
  } finally {
    // Every step that wrote them has ended: a driver resumes (or is closed) only after its steps.
    for (const a of scratch) giveBack(a);
  }
}

/** Graphalytics PageRank of every vertex (adds the in-CSR first when the graph lacks it). */
export function pagerank(g: GraphCsr, options: PageRankOptions = {}): Float64Array {
  return runDriver(pagerankDriver(withInCsr(g), options), PAGERANK_STEPS);
}
