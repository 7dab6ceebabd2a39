/**
 * The sorted out-CSR of a big directed graph, built by every worker of a gang instead of one.
 *
 * `buildGraph` runs on one thread: on R-MAT s20 (16M arcs) it takes about a second, most of a first
 * app's wait, while the other worker idles. The same blocked counting sort (arcSort.ts) splits cleanly:
 *
 * 1. `csr.count`: the arcs are cut into one piece per part; each part counts its arcs per tail into
 *    counters of its own (and stops at an endpoint out of range, for the driver to report).
 * 2. `csr.sum`: block ranges sum the parts' counters per row, and per part and block of consecutive
 *    tails; the driver then gives every part, for every block, where its arcs of that block start:
 *    after the arcs of the same block from the parts before it (parts x blocks numbers, so the
 *    helpers are not left idle long enough to leave the gang).
 * 3. `csr.scatter`: each part scatters its arcs into their blocks' regions from its own positions.
 *    Parts write disjoint slots, and a block holds part 0's arcs, then part 1's, ... — input order, as
 *    the one-thread scatter leaves it.
 * 4. `csr.blocks`: block ranges are finished (bucketed, placed in rows, rows sorted, repeats counted)
 *    by whichever worker claims them; blocks own disjoint regions.
 * 5. `csr.merge`: parallel arcs merge range by range, each range's arcs written from where the repeats
 *    counted before it put them.
 *
 * Every step is stable, so the CSR is the one `buildGraph` makes, array for array: rows sorted by
 * target, parallel arcs in input order, merged into the smallest weight as there. Graphs below
 * PARALLEL_FROM_ARCS, and the cases this does not cover (undirected, self-loops dropped, the in-CSR
 * built at once, 2^31 arcs or more), go to `buildGraph` on the driver's thread.
 *
 * R-MAT s20 on 2 workers (bench/graph/timeline.ts, quiet machine): the projection took 0.57-0.62 s
 * against 1.06-1.13 s built on one thread; count 0.11 s, scatter 0.2-0.25 s, blocks 0.3 s a worker.
 *
 * The in-CSR (`transposeDriver`) splits the same way: parts of tails count and scatter their arcs by
 * head, and blocks are placed without sorting (arcs are read in tail order).
 */
import { type BlockDestination, blockBitsFor, finishBlocks, finishRowsIn, scatterColumns, scatterTranspose, type WeightParts } from './arcSort.js';
import { buildGraph, checkEdgeList, type Csr, type CsrBuildOptions, type EdgeList, endpointError, type GraphCsr, mergeRowsInto, transposeCsr } from './csr.js';
import { type Driver, type Range, splitRange, type StepResult, type StepTable } from './parallel.js';
import { type Offsets, outputFloat64, outputInt32, sharedFloat64, sharedInt32, sharedOffsets } from './shared.js';

/** Graphs with fewer arcs are built on one thread: a gang round costs more than the split saves. */
const PARALLEL_FROM_ARCS = 1 << 21;
/** Parts beyond this add counters (4n bytes each) faster than they save time. */
const MAX_PARTS = 16;
/** Block ranges per part in the finishing step, claimed one by one, so one heavy block range does not leave workers idle. */
const BLOCK_RANGES_PER_PART = 4;

export interface ParallelCsrOptions {
  /** Parts to split the arcs into (the gang's parallelism). */
  readonly parts: number;
  /** Build in parts from this many arcs (default PARALLEL_FROM_ARCS; tests lower it). */
  readonly fromArcs?: number;
}

/** Which part a range starting at `lo` is: `cuts` holds the parts' first arcs (or tails), then m (or n). */
export function partOf(cuts: Float64Array, lo: number): number {
  let p = 0;
  while (p + 1 < cuts.length - 1 && cuts[p + 1]! <= lo) p++;
  return p;
}

interface CountArgs {
  readonly keys: Int32Array;
  readonly others: Int32Array;
  readonly n: number;
  readonly counts: readonly Int32Array[];
  readonly cuts: Float64Array;
}

/** Counts a part's arcs per tail. Returns [the first arc with an endpoint outside 0..n-1, or -1]. */
function countStep(args: CountArgs, lo: number, hi: number): StepResult {
  const { keys, others, n } = args;
  const counts = args.counts[partOf(args.cuts, lo)]!;
  for (let i = lo; i < hi; i++) {
    const s = keys[i]!;
    if (s >>> 0 >= n || others[i]! >>> 0 >= n) return [i];
    counts[s] = counts[s]! + 1;
  }
  return [-1];
}

interface ScatterArgs {
  readonly keys: Int32Array;
  readonly others: Int32Array;
  readonly weights: Float64Array | WeightParts | undefined;
  readonly cuts: Float64Array;
  /** Every part's positions: part p's are pos[p * blocks ...]. */
  readonly blocks: number;
  readonly to: BlockDestination;
}

/** Scatters a part's arcs into their blocks' regions, from the part's own positions. */
function scatterStep(args: ScatterArgs, lo: number, hi: number): StepResult {
  scatterColumns({ ...args.to, base: partOf(args.cuts, lo) * args.blocks }, args.keys, args.others, args.weights, lo, hi);
  return [];
}

interface BlocksArgs {
  readonly n: number;
  readonly blockBits: number;
  /** Set at block boundaries; the step fills its blocks' rows from `rowTotals` first. */
  readonly offsets: Offsets;
  readonly rowTotals: Int32Array;
  readonly keys: Uint16Array | Int32Array;
  readonly targets: Int32Array;
  readonly outWeights: Float64Array | undefined;
}

/** Finishes blocks [lo, hi): rows placed and sorted. Returns [repeats, distinct self-loops, self-loops]. */
function blocksStep(args: BlocksArgs, lo: number, hi: number): StepResult {
  const { n, blockBits, offsets, keys, targets, outWeights } = args;
  fillOffsets(args, lo, hi);
  finishBlocks(n, blockBits, lo, hi, offsets, true, keys, targets, outWeights);
  const rows = finishRowsIn(lo << blockBits, Math.min(n, hi << blockBits), offsets, targets, outWeights);
  return [rows.repeats, rows.distinctSelfLoops, rows.selfLoops];
}

interface MergeArgs {
  readonly blockBits: number;
  readonly sorted: Csr;
  /** Where each block range's merged arcs start: starts[k] for the range starting at block rangeStarts[k]. */
  readonly rangeStarts: Float64Array;
  readonly starts: Float64Array;
  readonly merged: Csr;
}

/** Merges the repeats of the rows of blocks [lo, hi), from where that range's merged arcs start. */
function mergeStep(args: MergeArgs, lo: number, hi: number): StepResult {
  const { blockBits, sorted } = args;
  mergeRowsInto(sorted, lo << blockBits, Math.min(sorted.n, hi << blockBits), args.starts[args.rangeStarts.indexOf(lo)]!, args.merged);
  return [];
}

export interface TransposeCountArgs {
  readonly offsets: Offsets;
  readonly targets: Int32Array;
  readonly counts: readonly Int32Array[];
  readonly cuts: Float64Array;
}

/** Counts the arcs leaving a part's tails per head. */
function transposeCountStep(args: TransposeCountArgs, lo: number, hi: number): StepResult {
  const { offsets, targets } = args;
  const counts = args.counts[partOf(args.cuts, lo)]!;
  for (let e = offsets[lo]!, end = offsets[hi]!; e < end; e++) {
    const h = targets[e]!;
    counts[h] = counts[h]! + 1;
  }
  return [];
}

interface TransposeScatterArgs {
  readonly offsets: Offsets;
  readonly heads: Int32Array;
  readonly weights: Float64Array | undefined;
  readonly cuts: Float64Array;
  readonly blocks: number;
  readonly to: BlockDestination;
}

/** Scatters the arcs leaving a part's tails, in tail order, into their heads' blocks. */
function transposeScatterStep(args: TransposeScatterArgs, lo: number, hi: number): StepResult {
  scatterTranspose({ ...args.to, base: partOf(args.cuts, lo) * args.blocks }, args.offsets, args.heads, args.weights, lo, hi);
  return [];
}

/** Places blocks [lo, hi) of a transpose in their rows (already in tail order: nothing to sort). */
function transposeBlocksStep(args: BlocksArgs, lo: number, hi: number): StepResult {
  fillOffsets(args, lo, hi);
  finishBlocks(args.n, args.blockBits, lo, hi, args.offsets, false, args.keys, args.targets, args.outWeights);
  return [];
}

export const CSR_STEPS: StepTable = {
  'csr.count': countStep,
  'csr.sum': sumStep,
  'csr.scatter': scatterStep,
  'csr.blocks': blocksStep,
  'csr.merge': mergeStep,
  'csr.transposeCount': transposeCountStep,
  'csr.transposeScatter': transposeScatterStep,
  'csr.transposeBlocks': transposeBlocksStep,
};

/** `parts` ranges of about equal size over [0, m), and their starts followed by m. */
function evenCuts(m: number, parts: number): { readonly ranges: Range[]; readonly cuts: Float64Array } {
  const cuts = new Float64Array(parts + 1);
  for (let p = 0; p <= parts; p++) cuts[p] = Math.floor((m * p) / parts);
  return { ranges: Array.from({ length: parts }, (_, p) => [cuts[p]!, cuts[p + 1]!] as const), cuts };
}

interface SumArgs {
  readonly n: number;
  readonly blockBits: number;
  readonly blocks: number;
  readonly counts: readonly Int32Array[];
  readonly rowTotals: Int32Array;
  /** blockCounts[part * blocks + block]: the part's arcs in the block. */
  readonly blockCounts: Float64Array;
}

/** Sums the parts' counters of the rows of blocks [lo, hi), per row and per part and block. */
function sumStep(args: SumArgs, lo: number, hi: number): StepResult {
  const { n, blockBits, blocks, counts, rowTotals, blockCounts } = args;
  for (let b = lo; b < hi; b++) {
    const first = b << blockBits;
    const last = Math.min(n, (b + 1) << blockBits);
    for (let p = 0; p < counts.length; p++) {
      const c = counts[p]!;
      let inBlock = 0;
      for (let v = first; v < last; v++) {
        const k = c[v]!;
        inBlock += k;
        rowTotals[v] = (p === 0 ? 0 : rowTotals[v]!) + k;
      }
      blockCounts[p * blocks + b] = inBlock;
    }
  }
  return [];
}

/** Where the rows of blocks [lo, hi) start, from their counts and the blocks' starts (set by the driver). */
function fillOffsets(args: BlocksArgs, lo: number, hi: number): void {
  const { n, blockBits, offsets, rowTotals } = args;
  for (let b = lo; b < hi; b++) {
    const first = b << blockBits;
    const last = Math.min(n, (b + 1) << blockBits);
    let at = offsets[first]!;
    for (let v = first; v < last; v++) {
      offsets[v] = at;
      at += rowTotals[v]!;
    }
  }
}

/** What the scatter and the finishing steps need: blocks, each part's positions in them, the blocks' starts. */
interface Layout {
  readonly blockBits: number;
  readonly blocks: number;
  /** pos[part * blocks + block]: where the part's first arc of the block goes (after those of the parts before it). */
  readonly pos: Float64Array;
  /** The row offsets, set at block boundaries (and n); the finishing step fills the rest from `rowTotals`. */
  readonly offsets: Offsets;
  readonly rowTotals: Int32Array;
  /** Keys relative to their block, which the scatter fills. */
  readonly keys: Uint16Array | Int32Array;
  /** Block ranges of about equal arcs for the finishing step. */
  readonly finishing: Range[];
}

/**
 * Sums the parts' counters on the gang (a pass over n on the driver's thread would leave the helpers idle
 * long enough to leave), then lays out the blocks here: parts x blocks numbers.
 */
function* layOut(n: number, m: number, counts: readonly Int32Array[], count: number): Driver<Layout> {
  const blockBits = blockBitsFor(n);
  const blocks = n === 0 ? 0 : ((n - 1) >>> blockBits) + 1;
  const parts = counts.length;
  const rowTotals = sharedInt32(n);
  const blockCounts = sharedFloat64(parts * blocks);
  const sumRanges = evenCuts(blocks, Math.min(blocks, count)).ranges.filter(([lo, hi]) => hi > lo);
  yield { step: 'csr.sum', args: { n, blockBits, blocks, counts, rowTotals, blockCounts } satisfies SumArgs, ranges: sumRanges };
  const pos = sharedFloat64(parts * blocks);
  const offsets = sharedOffsets(n, m);
  const finishing: Range[] = [];
  let at = 0;
  let rangeStart = 0;
  for (let b = 0; b < blocks; b++) {
    offsets[b << blockBits] = at;
    for (let p = 0; p < parts; p++) {
      pos[p * blocks + b] = at;
      at += blockCounts[p * blocks + b]!;
    }
    if (at >= (m * (finishing.length + 1)) / count || b === blocks - 1) {
      finishing.push([rangeStart, b + 1]);
      rangeStart = b + 1;
    }
  }
  offsets[n] = at;
  const keys: Uint16Array | Int32Array = blockBits <= 16 ? new Uint16Array(new SharedArrayBuffer(2 * m)) : sharedInt32(m);
  return { blockBits, blocks, pos, offsets, rowTotals, keys, finishing };
}

/** `buildGraph` as a driver whose big directed builds run in parts on a gang (see above). */
export function* buildGraphDriver(edges: EdgeList, options: CsrBuildOptions, parallel: ParallelCsrOptions): Driver<GraphCsr> {
  const m = edges.src.length;
  const parts = Math.min(MAX_PARTS, Math.floor(parallel.parts));
  const covered = options.directed && options.selfLoops !== 'drop' && !options.inCsr && m < 2 ** 31;
  if (!covered || parts < 2 || m < (parallel.fromArcs ?? PARALLEL_FROM_ARCS)) return buildGraph(edges, options);
  checkEdgeList(edges);
  const { n, src, dst } = edges;
  const { ranges, cuts } = evenCuts(m, parts);
  // The per-part counters and the block keys (layOut) stay fresh memory, freed by the collector, though
  // they die here: pooled (tried), they took away frees of mapped chunks after which glibc raises its
  // mmap threshold and serves buffers of a few MB from its heap warm, and a later 8 MB toArray copy of
  // a million-vertex result faulted its 2,048 pages in on most runs (R-MAT s20: 8-32 ms against 2 ms).
  const counts = Array.from({ length: parts }, () => sharedInt32(n));
  const found = yield { step: 'csr.count', args: { keys: src, others: dst, n, counts, cuts } satisfies CountArgs, ranges };
  const bad = found.map((r) => r[0]!).filter((i) => i >= 0);
  if (bad.length > 0) {
    const i = Math.min(...bad);
    throw endpointError(i, src[i]!, dst[i]!, n);
  }
  const { blockBits, blocks, pos, offsets, rowTotals, keys, finishing } = yield* layOut(n, m, counts, parts * BLOCK_RANGES_PER_PART);
  // Written in full (every arc lands in one slot). With repeated arcs merged below, these two die here
  // unseen by the recycling, which lets them go by its limit or age instead (base/recycledBuffers.ts).
  const targets = outputInt32(m, true);
  const outWeights = edges.weights ? outputFloat64(m, true) : undefined;
  const to: BlockDestination = { blockBits, pos, base: 0, keysOut: keys, targets, outWeights };
  const scatter: ScatterArgs = { keys: src, others: dst, weights: edges.weights, cuts, blocks, to };
  yield { step: 'csr.scatter', args: scatter, ranges };
  const finished = yield { step: 'csr.blocks', args: { n, blockBits, offsets, rowTotals, keys, targets, outWeights } satisfies BlocksArgs, ranges: finishing };
  let repeats = 0;
  let distinctSelfLoops = 0;
  let selfLoops = 0;
  for (const r of finished) {
    repeats += r[0]!;
    distinctSelfLoops += r[1]!;
    selfLoops += r[2]!;
  }
  const merge = (options.duplicates ?? 'merge') === 'merge';
  const sorted: Csr = { n, m, offsets, targets, weights: outWeights };
  const out = merge && repeats > 0 ? yield* mergeInParts(sorted, blockBits, finishing, finished.map((r) => r[0]!)) : sorted;
  return { n, directed: true, out, in: undefined, selfLoops: merge ? distinctSelfLoops : selfLoops, parallelArcs: merge ? 0 : repeats };
}

/** `mergeRepeats` over the finishing step's block ranges, each knowing its repeats, so where its merged arcs start. */
function* mergeInParts(sorted: Csr, blockBits: number, ranges: readonly Range[], repeats: readonly number[]): Driver<Csr> {
  const { n, offsets } = sorted;
  const rangeStarts = Float64Array.from(ranges, (r) => r[0]);
  const starts = new Float64Array(ranges.length);
  let at = 0;
  ranges.forEach(([lo, hi], k) => {
    starts[k] = at;
    at += offsets[Math.min(n, hi << blockBits)]! - offsets[lo << blockBits]! - repeats[k]!;
  });
  const merged: Csr = { n, m: at, offsets: sharedOffsets(n, at), targets: sharedInt32(at), weights: sorted.weights ? sharedFloat64(at) : undefined };
  merged.offsets[n] = at;
  yield { step: 'csr.merge', args: { blockBits, sorted, rangeStarts, starts, merged } satisfies MergeArgs, ranges };
  return merged;
}

/**
 * `transposeCsr` as a driver: the tails are cut into parts of about equal arcs, each part counts and
 * scatters its arcs by head, and the blocks are placed by whoever claims them. Arcs are read in tail
 * order and every step is stable, so rows come out sorted, as on one thread.
 */
export function* transposeDriver(csr: Csr, parallel: ParallelCsrOptions): Driver<Csr> {
  const { n, m } = csr;
  const parts = Math.min(MAX_PARTS, Math.floor(parallel.parts));
  if (parts < 2 || m < (parallel.fromArcs ?? PARALLEL_FROM_ARCS) || m >= 2 ** 31) return transposeCsr(csr);
  const ranges = splitRange(n, parts, csr.offsets);
  const cuts = Float64Array.from([...ranges.map((r) => r[0]), n]);
  const counts = ranges.map(() => sharedInt32(n));
  yield { step: 'csr.transposeCount', args: { offsets: csr.offsets, targets: csr.targets, counts, cuts } satisfies TransposeCountArgs, ranges };
  const { blockBits, blocks, pos, offsets, rowTotals, keys, finishing } = yield* layOut(n, m, counts, parts * BLOCK_RANGES_PER_PART);
  const targets = outputInt32(m, true);
  const outWeights = csr.weights ? outputFloat64(m, true) : undefined;
  const to: BlockDestination = { blockBits, pos, base: 0, keysOut: keys, targets, outWeights };
  const scatter: TransposeScatterArgs = { offsets: csr.offsets, heads: csr.targets, weights: csr.weights, cuts, blocks, to };
  yield { step: 'csr.transposeScatter', args: scatter, ranges };
  yield { step: 'csr.transposeBlocks', args: { n, blockBits, offsets, rowTotals, keys, targets, outWeights } satisfies BlocksArgs, ranges: finishing };
  return { n, m, offsets, targets, weights: outWeights };
}
