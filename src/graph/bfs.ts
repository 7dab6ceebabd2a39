/**
 * Breadth-first search depth (Graphalytics BFS): hops from the source along out-arcs (both directions
 * on an undirected graph). Direction-optimizing (Beamer): top-down steps expand the frontier while it
 * is small; once the arcs leaving it outweigh the unexplored arcs, bottom-up steps let every unvisited
 * vertex look for a parent among its in-neighbours instead, which is far cheaper on the huge middle
 * frontiers of small-world graphs; the search switches back when the frontier shrinks. Bottom-up needs
 * the in-CSR; without it every step is top-down.
 *
 * Unreached vertices hold BFS_UNREACHED (2^31 - 1, so it compares greater than any depth); Graphalytics
 * prints them as 9223372036854775807 (Java's Long.MAX_VALUE), which is BFS_UNREACHED_TEXT.
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
import { firstArcFrom } from './csr.js';
import { type Driver, type StepResult, type StepTable, runDriver, splitRange, sumAt } from './parallel.js';
import { LONG_ROW, type OutSlots } from './outSlots.js';
import { type Offsets, sharedInt32 } from './shared.js';

export const BFS_UNREACHED = 2147483647;
export const BFS_UNREACHED_TEXT = '9223372036854775807';

/**
 * Beamer's switch: go bottom-up when the frontier's arcs exceed the unexplored arcs / ALPHA, and back
 * top-down when the frontier falls below n / BETA vertices while shrinking. The first test also asks
 * for a frontier that is either that large or still growing: near the end of a long, thin search (a
 * road grid) the unexplored arcs run out while the frontier is small and shrinking, and going
 * bottom-up there would scan all n vertices for a handful of new ones, level after level. For the same
 * reason the frontier needs at least n / SCAN arcs: a bottom-up step reads every vertex's depth in
 * order, and a top-down arc (a random access) costs about as much as SCAN of those reads. (Without
 * it, the 1024x1024 grid's last levels, which grow now and then by a vertex or two, went bottom-up:
 * 5 ms to find 16 vertices. R-MAT goes bottom-up at frontiers of millions of arcs, far above n / SCAN.)
 */
const ALPHA = 15;
const BETA = 18;
const SCAN = 32;

/** `minSize` is n / BETA (Infinity when bottom-up is off, which fails every test). */
function goBottomUp(arcs: number, unexplored: number, size: number, previous: number, minSize: number): boolean {
  return arcs > unexplored / ALPHA && arcs >= (minSize * BETA) / SCAN && (size >= minSize || size > previous);
}

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
}

export interface BfsTopDownArgs {
  readonly offsets: Offsets;
  readonly targets: Int32Array;
  readonly depth: Int32Array;
  readonly frontier: Int32Array;
  readonly frontierSize: number;
  readonly level: number;
  readonly next: Int32Array;
  /**
   * Levels to expand before returning: 1 when several ranges must exchange their frontiers; more when
   * one range owns every vertex, which saves a driver round trip per level on long, thin searches.
   */
  readonly levels: number;
  /** For the multi-level case: the driver's switch to bottom-up (stop at a level that meets it). */
  readonly unexploredArcs: number;
  readonly bottomUpMinSize: number;
  /** For the multi-level case: stop at a frontier this large, for the driver to share (`frontierParts`). */
  readonly splitAtSize?: number;
}

/** Frontier pieces: what `bfsFrontierStep` expands; discoveries are appended to `next` at `tail[0]`. */
export interface BfsFrontierArgs {
  readonly offsets: Offsets;
  readonly targets: Int32Array;
  readonly depth: Int32Array;
  readonly frontier: Int32Array;
  readonly level: number;
  readonly next: Int32Array;
  readonly tail: Int32Array;
}

export interface BfsTopDownSlotsArgs {
  readonly slots: Int32Array;
  readonly width: number;
  /** Bounds the arcs of a frontier, so the bottom-up test rarely needs to count them. */
  readonly maxOutDegree: number;
  /** The CSR, for rows flagged LONG_ROW and for the bottom-up test. */
  readonly offsets: Offsets;
  readonly targets: Int32Array;
  /** n + 1 entries: entry n, which padding slots read, is 0 (never BFS_UNREACHED). */
  readonly depth: Int32Array;
  readonly frontier: Int32Array;
  readonly frontierSize: number;
  readonly level: number;
  readonly next: Int32Array;
  readonly unexploredArcs: number;
  readonly bottomUpMinSize: number;
}

export interface BfsBottomUpArgs {
  readonly inOffsets: Offsets;
  readonly inTargets: Int32Array;
  readonly outOffsets: Offsets;
  readonly depth: Int32Array;
  readonly level: number;
  readonly next: Int32Array;
  /** The frontier (the vertices at depth `level`) as a bitmap: bit v & 31 of word v >>> 5. */
  readonly frontierBits: Int32Array;
  /** Where a range sets the bits of the vertices it reaches (its own words, cleared first). */
  readonly nextBits: Int32Array;
}

/**
 * Expands the frontier into [lo, hi), up to `levels` levels (ping-ponging between `frontier` and `next`).
 * Returns [frontier size, its out-arcs, levels done, arcs explored, 1 if the final frontier is in
 * `frontier` else 0, size of the level before]; a range's new vertices are at next[lo ..] (or
 * frontier[lo ..]).
 */
export function bfsTopDownStep(args: BfsTopDownArgs, lo: number, hi: number): StepResult {
  const { offsets, targets, depth, levels, unexploredArcs, bottomUpMinSize } = args;
  let current = args.frontier;
  let following = args.next;
  let size = args.frontierSize;
  let level = args.level;
  let done = 0;
  let explored = 0;
  let arcs = 0;
  let previous = size;
  for (;;) {
    const reachedDepth = level + 1;
    let count = 0;
    arcs = 0;
    for (let i = 0; i < size; i++) {
      const u = current[i]!;
      const end = offsets[u + 1]!;
      for (let e = firstArcFrom(targets, offsets[u]!, end, lo); e < end; e++) {
        const t = targets[e]!;
        if (t >= hi) break;
        if (depth[t] === BFS_UNREACHED) {
          depth[t] = reachedDepth;
          following[lo + count++] = t;
        }
      }
    }
    // The new frontier's arcs matter only to the bottom-up switch, which needs a wide or growing
    // frontier. (The offsets read here are read again to expand the next level, so little is lost.)
    if (levels === 1 || (bottomUpMinSize < Infinity && (count >= bottomUpMinSize || count > size))) {
      for (let i = lo; i < lo + count; i++) arcs += offsets[following[i]! + 1]! - offsets[following[i]!]!;
    }
    const swap = current;
    current = following;
    following = swap;
    previous = size;
    size = count;
    level++;
    done++;
    explored += arcs;
    if (done >= levels || size === 0 || size >= (args.splitAtSize ?? Infinity)) break;
    if (goBottomUp(arcs, unexploredArcs - explored, size, previous, bottomUpMinSize)) break;
  }
  return [size, arcs, done, explored, current === args.frontier ? 1 : 0, previous];
}

/** Discoveries a frontier piece keeps before appending them to `next` (one atomic add per batch). */
const FRONTIER_BATCH = 256;

/**
 * Expands frontier[lo, hi) by one level. Several pieces run at once and their rows may reach the same
 * vertex, so a vertex is claimed by compare-and-swap on its depth (it goes to exactly one piece), and a
 * piece appends what it claimed to `next` in batches, reserving room with an atomic add on `tail`.
 * Depths do not depend on which piece claims a vertex; the order of the next frontier does, and
 * nothing reads it but the next level. Returns [vertices claimed].
 */
export function bfsFrontierStep(args: BfsFrontierArgs, lo: number, hi: number): StepResult {
  const { offsets, targets, depth, frontier, next, tail } = args;
  const reachedDepth = args.level + 1;
  const found = new Int32Array(FRONTIER_BATCH);
  let count = 0;
  let total = 0;
  for (let i = lo; i < hi; i++) {
    const u = frontier[i]!;
    const end = offsets[u + 1]!;
    for (let e = offsets[u]!; e < end; e++) {
      const t = targets[e]!;
      if (depth[t] !== BFS_UNREACHED || Atomics.compareExchange(depth, t, BFS_UNREACHED, reachedDepth) !== BFS_UNREACHED) continue;
      found[count++] = t;
      if (count === FRONTIER_BATCH) {
        next.set(found, Atomics.add(tail, 0, count));
        total += count;
        count = 0;
      }
    }
  }
  if (count > 0) next.set(found.subarray(0, count), Atomics.add(tail, 0, count));
  return [total + count];
}

/** Frontiers from this many vertices are shared (smaller levels cost less than a round of the gang). */
const SPLIT_FRONTIER = 4096;
/** Pieces per part, claimed one by one: a piece holding a hub does not leave the other workers idle. */
const FRONTIER_PIECES_PER_PART = 4;

/**
 * Top-down over the out-slot layout, for one range owning every vertex: expands level after level
 * until the frontier is empty or the bottom-up test passes. Returns what bfsTopDownStep returns.
 *
 * The hot loop does not count arcs (counting costs 1.5 of 20 ms on the grid). The bottom-up test needs
 * them only once the frontier could have n / SCAN arcs (maxOutDegree * size); then the arcs explored so
 * far are summed from the depths (one pass over n, at most once per level that gets that far), and
 * `explored` is exact whenever the step stops for bottom-up. When the frontier empties, the search is
 * over and `explored` is 0.
 */
export function bfsTopDownSlotsStep(args: BfsTopDownSlotsArgs): StepResult {
  const { slots, width, maxOutDegree, offsets, targets, depth, unexploredArcs, bottomUpMinSize } = args;
  const n = depth.length - 1;
  let current = args.frontier;
  let following = args.next;
  let size = args.frontierSize;
  let level = args.level;
  let done = 0;
  let explored = 0;
  let arcs = 0;
  let previous = size;
  for (;;) {
    const reachedDepth = level + 1;
    let count = 0;
    for (let i = 0; i < size; i++) {
      const u = current[i]!;
      const row = width * u;
      if (slots[row] === LONG_ROW) {
        const end = offsets[u + 1]!;
        for (let e = offsets[u]!; e < end; e++) {
          const t = targets[e]!;
          if (depth[t] === BFS_UNREACHED) {
            depth[t] = reachedDepth;
            following[count++] = t;
          }
        }
        continue;
      }
      for (let k = row; k < row + width; k++) {
        const t = slots[k]!;
        const old = depth[t]!;
        // -1 when t was reached before (or is padding), 0 when it is new: old < UNREACHED iff reached.
        const seen = (old - BFS_UNREACHED) >> 31;
        depth[t] = old + ((reachedDepth - old) & ~seen);
        following[count] = t;
        count += seen + 1;
      }
    }
    const swap = current;
    current = following;
    following = swap;
    previous = size;
    size = count;
    level++;
    done++;
    if (size === 0) break;
    if ((size >= bottomUpMinSize || size > previous) && maxOutDegree * size >= (bottomUpMinSize * BETA) / SCAN) {
      // The frontiers formed here before this one (depths args.level + 1 .. level - 1) were explored.
      explored = arcsAtDepths(depth, offsets, args.level + 1, level - 1);
      arcs = 0;
      for (let i = 0; i < size; i++) arcs += offsets[current[i]! + 1]! - offsets[current[i]!]!;
      if (goBottomUp(arcs, unexploredArcs - explored - arcs, size, previous, bottomUpMinSize)) {
        explored += arcs;
        break;
      }
    }
  }
  return [size, size === 0 ? 0 : arcs, done, size === 0 ? 0 : explored, current === args.frontier ? 1 : 0, previous];
}

/** The out-arcs of the vertices whose depth is in [from, to] (depth has n + 1 entries; the last is padding). */
function arcsAtDepths(depth: Int32Array, offsets: Offsets, from: number, to: number): number {
  let arcs = 0;
  for (let v = 0; v < depth.length - 1; v++) {
    const d = depth[v]!;
    if (d >= from && d <= to) arcs += offsets[v + 1]! - offsets[v]!;
  }
  return arcs;
}

/**
 * Unvisited vertices of [lo, hi) look for a parent at depth `level` in the frontier's bitmap, which stays
 * in cache where the depths do not (R-MAT s20: 128 KB against 4 MB, read at random once per in-arc
 * scanned). Ranges cut at multiples of 32 (splitRange: of REDUCE_BLOCK), so a range owns the words of
 * nextBits it writes. Returns [reached, their out-arcs]. */
export function bfsBottomUpStep(args: BfsBottomUpArgs, lo: number, hi: number): StepResult {
  const { inOffsets, inTargets, outOffsets, depth, level, next, frontierBits, nextBits } = args;
  const reachedDepth = level + 1;
  nextBits.fill(0, lo >>> 5, (hi + 31) >>> 5);
  let count = 0;
  let arcs = 0;
  for (let v = lo; v < hi; v++) {
    if (depth[v] !== BFS_UNREACHED) continue;
    const end = inOffsets[v + 1]!;
    for (let e = inOffsets[v]!; e < end; e++) {
      const u = inTargets[e]!;
      if ((frontierBits[u >>> 5]! & (1 << (u & 31))) !== 0) {
        depth[v] = reachedDepth;
        next[lo + count++] = v;
        nextBits[v >>> 5]! |= 1 << (v & 31);
        arcs += outOffsets[v + 1]! - outOffsets[v]!;
        break;
      }
    }
  }
  return [count, arcs];
}

/** The bitmap of the vertices of `frontier[0, size)`. */
function frontierBitmap(bits: Int32Array, frontier: Int32Array, size: number): void {
  bits.fill(0);
  for (let i = 0; i < size; i++) bits[frontier[i]! >>> 5]! |= 1 << (frontier[i]! & 31);
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
  const slots = whole && options.outSlots && options.outSlots.width > 0 ? options.outSlots : undefined;
  if (slots && slots.n !== n) throw new RangeError(`the out-slot layout is for ${slots.n} vertices, the graph has ${n}`);
  // With slots, depth has the extra entry n that padding slots read (0, never unreached).
  const depthWithPad = sharedInt32(slots ? n + 1 : n);
  yield { step: 'bfs.fill', args: { depth: depthWithPad }, ranges: splitRange(depthWithPad.length, options.fillParts ?? options.parts ?? 1) };
  if (slots) depthWithPad[n] = 0;
  const depth = slots ? depthWithPad.subarray(0, n) : depthWithPad;
  // The two frontier buffers share one allocation (on small graphs allocation shows in the run time).
  const buffers = sharedInt32(2 * n);
  let frontier = buffers.subarray(0, n);
  let next = buffers.subarray(n);
  const bottomUp = (options.direction ?? 'auto') === 'auto' && g.in !== undefined;
  const bottomUpMinSize = bottomUp ? n / BETA : Infinity;
  const pieces = whole && !slots && !bottomUp ? Math.max(1, options.frontierParts ?? 1) * FRONTIER_PIECES_PER_PART : 1;
  const splitFrom = options.splitFrontierFrom ?? SPLIT_FRONTIER;
  const tail = sharedInt32(1);
  // Bottom-up steps' frontier bitmaps (current, next; swapped after each), allocated at the first of them.
  let bits: [Int32Array, Int32Array] | undefined;
  let bitsCurrent = false;
  depth[source] = 0;
  frontier[0] = source;
  let size = 1;
  let level = 0;
  let frontierArcs = out.offsets[source + 1]! - out.offsets[source]!;
  let unexploredArcs = out.m - frontierArcs;
  let topDown = true;
  let previous = 0;
  while (size > 0) {
    if (bottomUp) {
      if (topDown && goBottomUp(frontierArcs, unexploredArcs, size, previous, bottomUpMinSize)) topDown = false;
      else if (!topDown && size < bottomUpMinSize && size < previous) topDown = true;
    }
    previous = size;
    if (!topDown && !bitsCurrent) {
      const words = (n + 31) >>> 5;
      bits ??= [sharedInt32(words), sharedInt32(words)];
      frontierBitmap(bits[0], frontier, size);
    }
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
          args: { inOffsets: g.in!.offsets, inTargets: g.in!.targets, outOffsets: out.offsets, depth, level, next, frontierBits: bits![0], nextBits: bits![1] } satisfies BfsBottomUpArgs,
          ranges,
        };
    if (!topDown) bits = [bits![1], bits![0]];
    bitsCurrent = !topDown;
    size = sumAt(results, 0);
    frontierArcs = sumAt(results, 1);
    const [, , levelsDone = 1, explored = frontierArcs, inFrontier = 0, before = previous] = results[0]!;
    level += levelsDone;
    previous = before;
    unexploredArcs -= explored;
    // Each range listed its vertices at next[lo ..] (or, after several levels, frontier[0 ..]).
    if (whole) {
      if (inFrontier === 0) [frontier, next] = [next, frontier];
      continue;
    }
    let at = 0;
    results.forEach((r, i) => {
      const lo = ranges[i]![0];
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
