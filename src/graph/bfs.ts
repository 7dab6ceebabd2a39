/**
 * Breadth-first search depth (Graphalytics BFS): hops from the source along out-arcs (both directions
 * on an undirected graph). Direction-optimizing (Beamer): top-down steps expand the frontier while it
 * is small; once the arcs leaving it outweigh the unexplored arcs, bottom-up steps let every unvisited
 * vertex look for a parent among its in-neighbours instead, which is far cheaper on the huge middle
 * frontiers of small-world graphs; the search switches back when the frontier shrinks, unless the
 * vertices still pending have fewer in-arcs than the frontier has out-arcs (a bottom-up step then reads
 * less: R-MAT's last frontier leads only to reached vertices). Bottom-up needs the in-CSR; without it
 * every step is top-down.
 *
 * Unreached vertices hold BFS_UNREACHED (bfsDirection.ts). The steps are in bfsTopDown.ts and
 * bfsBottomUp.ts; this module holds the driver.
 *
 * Both steps are owner-computes over vertex ranges: a step for [lo, hi) sets depths and lists newly
 * reached vertices only inside [lo, hi). Top-down, every range scans the whole frontier but only the
 * part of each row that falls in its range (rows are sorted, so a binary search finds it); bottom-up,
 * a range scans the in-rows of its own vertices. No element is written by two ranges and no atomics
 * are needed. A range lists what it reached in `next[lo ..)`, and the driver concatenates the lists.
 *
 * A search without bottom-up steps on rows that may be unsorted (a small directed graph, whose first
 * BFS does not wait for an in-CSR) runs as one range and shares only its big levels: a frontier of
 * SPLIT_FRONTIER vertices or more is cut into pieces that the workers claim, each claiming the new
 * vertices it reaches by compare-and-swap on their depth (`bfsFrontierStep`).
 *
 * Sparse, low-degree graphs (road networks, grids) have thousands of levels of a few hundred vertices;
 * there the whole graph is one range, and with the graph's out-slot layout (outSlots.ts) the top-down
 * expansion is `bfsTopDownSlotsStep`: fixed-width rows instead of CSR rows, and no data-dependent
 * branch per arc. Whether a target is new decides nothing but arithmetic: its depth becomes
 * min-like `old + ((level - old) & mask)` and it is always written to next[count], count advancing by
 * 0 or 1. A branch there is mispredicted about once per frontier vertex on a grid, and every
 * misprediction throws away the loads already in flight for the following vertices; without it the
 * CPU keeps many rows' loads in flight (1024x1024 grid: 23 ms with the branch, 17-19 ms without).
 */
import { EmptyGraphError, VertexNotFoundError } from './errors.js';
import type { GraphCsr } from './csr.js';
import { type Driver, type Range, type StepResult, type StepTable, runDriver, splitRange, sumAt } from './parallel.js';
import type { OutSlots } from './outSlots.js';
import { borrowScratch, giveBack } from '../base/scratchPool.js';
import { outputInt32 } from './shared.js';
import { BETA, BFS_UNREACHED, goBottomUp } from './bfsDirection.js';
import {
  type BfsFrontierArgs,
  type BfsTopDownArgs,
  type BfsTopDownSlotsArgs,
  bfsFrontierStep,
  bfsTopDownSlotsStep,
  bfsTopDownStep,
  FRONTIER_PIECES_PER_PART,
  SPLIT_FRONTIER,
} from './bfsTopDown.js';
import { type BfsBottomUpArgs, bfsBottomUpStep, frontierBitmap } from './bfsBottomUp.js';

export { BFS_UNREACHED, BFS_UNREACHED_TEXT } from './bfsDirection.js';
export { type BfsFrontierArgs, type BfsTopDownArgs, type BfsTopDownSlotsArgs, bfsFrontierStep, bfsTopDownSlotsStep, bfsTopDownStep } from './bfsTopDown.js';
export { type BfsBottomUpArgs, bfsBottomUpStep } from './bfsBottomUp.js';

export interface BfsOptions {
  /** Number of vertex ranges each step is split into (1 = sequential). */
  readonly parts?: number;
  /** 'auto' (default) is direction-optimizing when the in-CSR is present; 'top-down' never goes bottom-up. */
  readonly direction?: 'auto' | 'top-down';
  /**
   * The graph's out-slot layout, when the caller keeps one with the graph: top-down steps over the
   * whole graph (parts = 1) then read it instead of the out-CSR. Not built here: one search saves
   * less than building it costs.
   */
  readonly outSlots?: OutSlots;
  /**
   * Ranges that fill the depth array before the search (default `parts`): a search that runs as one
   * range can still fill its n entries on every worker, which halves that pass on two.
   */
  readonly fillParts?: number;
  /**
   * A search run as one range (parts = 1, no out-slot layout) without bottom-up steps can still share
   * its big levels: a frontier of SPLIT_FRONTIER vertices or more is cut into this many pieces per
   * part, each expanded by whichever worker claims it (`bfsFrontierStep`). Rows need not be sorted.
   */
  readonly frontierParts?: number;
  /** The smallest frontier shared that way (default SPLIT_FRONTIER; tests lower it). */
  readonly splitFrontierFrom?: number;
  /**
   * Ranges for the bottom-up steps when they differ from `parts`: a search whose top-down steps run as
   * one range (rows unsorted: a grouped graph) can still split its bottom-up steps, which read only
   * the in-CSR and each vertex's own depth.
   */
  readonly bottomUpParts?: number;
}

/** Sets depth[lo, hi) to BFS_UNREACHED (fresh memory, so every page is touched here, in parallel). */
export function bfsFillStep(args: { readonly depth: Int32Array }, lo: number, hi: number): StepResult {
  args.depth.fill(BFS_UNREACHED, lo, hi);
  return [];
}

export const BFS_STEPS: StepTable = {
  'bfs.fill': bfsFillStep,
  'bfs.topDown': bfsTopDownStep,
  'bfs.topDownSlots': bfsTopDownSlotsStep,
  'bfs.bottomUp': bfsBottomUpStep,
  'bfs.frontier': bfsFrontierStep,
};

/** The BFS driver: levels, the direction heuristic and the frontier exchange. Yields depth per vertex. */
export function* bfsDriver(g: GraphCsr, source: number, options: BfsOptions = {}): Driver<Int32Array> {
  const { n, out } = g;
  checkSource(n, source, 'BFS source');
  const ranges = splitRange(n, options.parts ?? 1, (g.in ?? out).offsets);
  const whole = ranges.length === 1;
  const bottomUpRanges = options.bottomUpParts === undefined || g.in === undefined ? ranges : splitRange(n, options.bottomUpParts, g.in.offsets);
  const slots = whole && options.outSlots && options.outSlots.width > 0 ? options.outSlots : undefined;
  if (slots && slots.n !== n) throw new RangeError(`the out-slot layout is for ${slots.n} vertices, the graph has ${n}`);
  // With slots, depth has the extra entry n that padding slots read (0, never unreached). Not zeroed:
  // the fill step below writes every entry first (recycled memory's zeroing was a 256 KB memset a warm
  // R-MAT s16 search did for nothing).
  const depthWithPad = outputInt32(slots ? n + 1 : n, true);
  yield { step: 'bfs.fill', args: { depth: depthWithPad }, ranges: splitRange(depthWithPad.length, options.fillParts ?? options.parts ?? 1) };
  if (slots) depthWithPad[n] = 0;
  const depth = slots ? depthWithPad.subarray(0, n) : depthWithPad;
  // Everything but the depths is scratch, dropped when the search ends: the two frontier buffers, the
  // frontier pieces' tail and the bottom-up steps' three bitmaps, in one buffer of this thread's pool.
  // A fresh one costs a page fault per 4 KB it touches (~10 µs each on a small VM: ~0.3 ms of a 3 ms
  // search on R-MAT s16); one reused from the search before is warm. Every step writes what it reads
  // later (frontierBitmap clears, the bottom-up ranges clear their words of nextBits and the first
  // writes every word of pending), so it needs no zeroing.
  const words = (n + 31) >>> 5;
  const scratch = borrowScratch(4 * (2 * n + 1 + 3 * words));
  try {
    return yield* search(g, source, options, ranges, bottomUpRanges, slots, depth, depthWithPad, scratch);
  } finally {
    // Reached only when the driver ends or is closed between steps (runDriverTask closes it when a step
    // fails, after every range of the step is done); a driver abandoned mid-step keeps its scratch.
    giveBack(scratch);
  }
}

/** bfsDriver's levels, over `scratch` (see there). */
function* search(
  g: GraphCsr,
  source: number,
  options: BfsOptions,
  ranges: readonly Range[],
  bottomUpRanges: readonly Range[],
  slots: OutSlots | undefined,
  depth: Int32Array,
  depthWithPad: Int32Array,
  scratch: SharedArrayBuffer,
): Driver<Int32Array> {
  const { n, out } = g;
  const whole = ranges.length === 1;
  const words = (n + 31) >>> 5;
  let frontier = new Int32Array(scratch, 0, n);
  let next = new Int32Array(scratch, 4 * n, n);
  const tail = new Int32Array(scratch, 8 * n, 1);
  // Bottom-up steps' frontier bitmaps (current, next; swapped after each) and their pending vertices.
  const bitmap = (k: number): Int32Array => new Int32Array(scratch, 4 * (2 * n + 1 + k * words), words);
  let bits: [Int32Array, Int32Array] = [bitmap(0), bitmap(1)];
  const pending = bitmap(2);
  let pendingKnown = false;
  const bottomUp = (options.direction ?? 'auto') === 'auto' && g.in !== undefined;
  const bottomUpMinSize = bottomUp ? n / BETA : Infinity;
  const pieces = whole && !slots && !bottomUp ? Math.max(1, options.frontierParts ?? 1) * FRONTIER_PIECES_PER_PART : 1;
  const splitFrom = options.splitFrontierFrom ?? SPLIT_FRONTIER;
  let bitsCurrent = false;
  depth[source] = 0;
  frontier[0] = source;
  let size = 1;
  let level = 0;
  let frontierArcs = out.offsets[source + 1]! - out.offsets[source]!;
  let unexploredArcs = out.m - frontierArcs;
  let topDown = true;
  let previous = 0;
  // The in-arcs of the vertices a bottom-up step left pending (known after the first): what the next
  // one reads at most, besides a word of `pending` per 32 vertices.
  let pendingArcs = Infinity;
  while (size > 0) {
    if (bottomUp) {
      if (topDown && goBottomUp(frontierArcs, unexploredArcs, size, previous, bottomUpMinSize)) topDown = false;
      else if (!topDown && size < bottomUpMinSize && size < previous && frontierArcs < pendingArcs + words) topDown = true;
    }
    previous = size;
    if (!topDown && !bitsCurrent) frontierBitmap(bits[0], frontier, size);
    if (pieces > 1 && size >= splitFrom) {
      tail[0] = 0;
      const step = Math.ceil(size / pieces);
      const cuts = Array.from({ length: Math.ceil(size / step) }, (_, k) => [k * step, Math.min(size, (k + 1) * step)] as const);
      yield { step: 'bfs.frontier', args: { offsets: out.offsets, targets: out.targets, depth, frontier, level, next, tail } satisfies BfsFrontierArgs, ranges: cuts };
      size = Atomics.load(tail, 0);
      level++;
      [frontier, next] = [next, frontier];
      continue;
    }
    const results = yield topDown && slots
      ? {
          step: 'bfs.topDownSlots',
          args: {
            slots: slots.slots,
            width: slots.width,
            maxOutDegree: slots.maxOutDegree,
            offsets: out.offsets,
            targets: out.targets,
            depth: depthWithPad,
            frontier,
            frontierSize: size,
            level,
            next,
            unexploredArcs,
            bottomUpMinSize,
          } satisfies BfsTopDownSlotsArgs,
          ranges,
        }
      : topDown
      ? {
          step: 'bfs.topDown',
          args: {
            offsets: out.offsets,
            targets: out.targets,
            depth,
            frontier,
            frontierSize: size,
            level,
            next,
            levels: whole ? n : 1,
            unexploredArcs,
            bottomUpMinSize,
            ...(pieces > 1 ? { splitAtSize: splitFrom } : {}),
          } satisfies BfsTopDownArgs,
          ranges,
        }
      : {
          step: 'bfs.bottomUp',
          args: {
            inOffsets: g.in!.offsets,
            inTargets: g.in!.targets,
            // Always the field (undefined without hubs): one shape of arguments for the step's loads.
            inHubs: g.inHubs,
            outOffsets: out.offsets,
            depth,
            level,
            next,
            frontierBits: bits[0],
            nextBits: bits[1],
            pending,
            pendingKnown,
          } satisfies BfsBottomUpArgs,
          ranges: bottomUpRanges,
        };
    if (!topDown) {
      bits = [bits[1], bits[0]];
      pendingKnown = true;
    }
    bitsCurrent = !topDown;
    size = sumAt(results, 0);
    frontierArcs = sumAt(results, 1);
    if (!topDown) pendingArcs = sumAt(results, 2);
    // A top-down step's levels, arcs explored, which buffer holds its frontier and the level before (one level of a bottom-up step).
    const [, , levelsDone = 1, explored = frontierArcs, inFrontier = 0, before = previous] = topDown ? results[0]! : [];
    level += levelsDone;
    previous = before;
    unexploredArcs -= explored;
    // Each range listed its vertices at next[lo ..] (or, after several levels, frontier[0 ..]).
    const stepRanges = topDown ? ranges : bottomUpRanges;
    if (stepRanges.length === 1) {
      if (inFrontier === 0) [frontier, next] = [next, frontier];
      continue;
    }
    let at = 0;
    results.forEach((r, i) => {
      const lo = stepRanges[i]![0];
      frontier.set(next.subarray(lo, lo + r[0]!), at);
      at += r[0]!;
    });
  }
  return depth;
}

/** BFS depth of every vertex from `source` (internal id); unreached vertices hold BFS_UNREACHED. */
export function bfs(g: GraphCsr, source: number, options: BfsOptions = {}): Int32Array {
  return runDriver(bfsDriver(g, source, options), BFS_STEPS);
}

export function checkSource(n: number, source: number, what: string): void {
  if (n === 0) throw new EmptyGraphError(what);
  if (!Number.isInteger(source) || source < 0 || source >= n) {
    throw new VertexNotFoundError(String(source), `${what}; internal ids are 0..${n - 1}`);
  }
}
