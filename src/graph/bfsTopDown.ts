/**
 * BFS top-down steps (see bfs.ts for the search as a whole): expanding a frontier over vertex ranges
 * (`bfsTopDownStep`), over frontier pieces claimed by compare-and-swap (`bfsFrontierStep`), and over
 * the out-slot layout (`bfsTopDownSlotsStep`).
 */
import { firstArcFrom } from './csr.js';
import type { StepResult } from './parallel.js';
import { LONG_ROW } from './outSlots.js';
import type { Offsets } from './shared.js';
import { BETA, BFS_UNREACHED, SCAN, goBottomUp } from './bfsDirection.js';

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

/** Frontiers from this many vertices are shared (smaller levels cost less than a round of the gang). */
export const SPLIT_FRONTIER = 4096;
/** Pieces per part, claimed one by one: a piece holding a hub does not leave the other workers idle. */
export const FRONTIER_PIECES_PER_PART = 4;
