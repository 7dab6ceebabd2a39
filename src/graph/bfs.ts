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
 */
import { EmptyGraphError, VertexNotFoundError } from './errors.js';
import type { GraphCsr } from './csr.js';
import { lowerBound } from './csr.js';
import { type Driver, type StepResult, type StepTable, runDriver, splitRange, sumAt } from './parallel.js';
import { type Offsets, sharedInt32 } from './shared.js';

export const BFS_UNREACHED = 2147483647;
export const BFS_UNREACHED_TEXT = '9223372036854775807';

/**
 * Beamer's switch: go bottom-up when the frontier's arcs exceed the unexplored arcs / ALPHA, and back
 * top-down when the frontier falls below n / BETA vertices while shrinking. The first test also asks
 * for a frontier that is either that large or still growing: near the end of a long, thin search (a
 * road grid) the unexplored arcs run out while the frontier is small and shrinking, and going
 * bottom-up there would scan all n vertices for a handful of new ones, level after level.
 */
const ALPHA = 15;
const BETA = 18;

function goBottomUp(arcs: number, unexplored: number, size: number, previous: number, minSize: number): boolean {
  return arcs > unexplored / ALPHA && (size >= minSize || size > previous);
}

export interface BfsOptions {
  /** Number of vertex ranges each step is split into (1 = sequential). */
  readonly parts?: number;
  /** 'auto' (default) is direction-optimizing when the in-CSR is present; 'top-down' never goes bottom-up. */
  readonly direction?: 'auto' | 'top-down';
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
}

export interface BfsBottomUpArgs {
  readonly inOffsets: Offsets;
  readonly inTargets: Int32Array;
  readonly outOffsets: Offsets;
  readonly depth: Int32Array;
  readonly level: number;
  readonly next: Int32Array;
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
      let e = offsets[u]!;
      if (lo > 0 && e < end && targets[e]! < lo) e = lowerBound(targets, e, end, lo);
      for (; e < end; e++) {
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
    if (done >= levels || size === 0) break;
    if (goBottomUp(arcs, unexploredArcs - explored, size, previous, bottomUpMinSize)) break;
  }
  return [size, arcs, done, explored, current === args.frontier ? 1 : 0, previous];
}

/** Unvisited vertices of [lo, hi) look for a parent at depth `level`. Returns [reached, their out-arcs]. */
export function bfsBottomUpStep(args: BfsBottomUpArgs, lo: number, hi: number): StepResult {
  const { inOffsets, inTargets, outOffsets, depth, level, next } = args;
  const reachedDepth = level + 1;
  let count = 0;
  let arcs = 0;
  for (let v = lo; v < hi; v++) {
    if (depth[v] !== BFS_UNREACHED) continue;
    const end = inOffsets[v + 1]!;
    for (let e = inOffsets[v]!; e < end; e++) {
      // Other ranges may be setting depths to level + 1 right now; that never equals `level`.
      if (depth[inTargets[e]!] === level) {
        depth[v] = reachedDepth;
        next[lo + count++] = v;
        arcs += outOffsets[v + 1]! - outOffsets[v]!;
        break;
      }
    }
  }
  return [count, arcs];
}

export const BFS_STEPS: StepTable = { 'bfs.topDown': bfsTopDownStep, 'bfs.bottomUp': bfsBottomUpStep };

/** The BFS driver: levels, the direction heuristic and the frontier exchange. Yields depth per vertex. */
export function* bfsDriver(g: GraphCsr, source: number, options: BfsOptions = {}): Driver<Int32Array> {
  const { n, out } = g;
  checkSource(n, source, 'BFS source');
  const depth = sharedInt32(n).fill(BFS_UNREACHED);
  // The two frontier buffers share one allocation (on small graphs allocation shows in the run time).
  const buffers = sharedInt32(2 * n);
  let frontier = buffers.subarray(0, n);
  let next = buffers.subarray(n);
  const ranges = splitRange(n, options.parts ?? 1, (g.in ?? out).offsets);
  const whole = ranges.length === 1;
  const bottomUp = (options.direction ?? 'auto') === 'auto' && g.in !== undefined;
  const bottomUpMinSize = bottomUp ? n / BETA : Infinity;
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
    const results = yield topDown
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
          } satisfies BfsTopDownArgs,
          ranges,
        }
      : {
          step: 'bfs.bottomUp',
          args: { inOffsets: g.in!.offsets, inTargets: g.in!.targets, outOffsets: out.offsets, depth, level, next },
          ranges,
        };
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
