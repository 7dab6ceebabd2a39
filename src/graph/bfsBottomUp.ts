/** BFS bottom-up step (see bfs.ts): unvisited vertices look for a parent in the frontier's bitmap. */
import type { StepResult } from './parallel.js';
import type { Offsets } from './shared.js';
import { BFS_UNREACHED } from './bfsDirection.js';

export interface BfsBottomUpArgs {
  readonly inOffsets: Offsets;
  readonly inTargets: Int32Array;
  /** Per vertex, the in-neighbour to try first (graph/inHubs.ts), when the graph keeps them. */
  readonly inHubs?: Int32Array;
  readonly outOffsets: Offsets;
  readonly depth: Int32Array;
  readonly level: number;
  readonly next: Int32Array;
  /** The frontier (the vertices at depth `level`) as a bitmap: bit v & 31 of word v >>> 5. */
  readonly frontierBits: Int32Array;
  /** Where a range sets the bits of the vertices it reaches (its own words, cleared first). */
  readonly nextBits: Int32Array;
  /**
   * The vertices a bottom-up step may still reach, as a bitmap: those with in-arcs that the search's
   * first bottom-up step left unreached. That step writes it (every word of its ranges); later ones
   * read it (`pendingKnown`) and drop the vertices they reach or find reached since.
   */
  readonly pending: Int32Array;
  readonly pendingKnown: boolean;
}

/**
 * Unvisited vertices of [lo, hi) look for a parent at depth `level` in the frontier's bitmap, which stays
 * in cache where the depths do not (R-MAT s20: 128 KB against 4 MB, read at random once per in-arc
 * scanned). Ranges cut at multiples of 32 (splitRange: of REDUCE_BLOCK), so a range owns the words of
 * nextBits and pending it writes.
 *
 * Only the first bottom-up step of a search scans every vertex of its range. The later ones visit the
 * `pending` bits: on R-MAT most unreached vertices have no in-arc at all (s16: 25,185 of 25,254), and the
 * second step, which reaches a few thousand vertices, read all 65,536 depths to find them (0.5 of 2.2 ms).
 * A vertex left out of `pending` is reached already or has no in-arc, so no bottom-up step could reach
 * it: both ways reach the same vertices, listed in the same (ascending) order.
 *
 * Returns [reached, their out-arcs, the in-arcs of the range's vertices left pending]: the last bounds
 * what a next bottom-up step would read, which the driver weighs against a top-down step's arcs.
 */
export function bfsBottomUpStep(args: BfsBottomUpArgs, lo: number, hi: number): StepResult {
  const { nextBits } = args;
  nextBits.fill(0, lo >>> 5, (hi + 31) >>> 5);
  return args.pendingKnown ? pendingStep(args, lo, hi) : scanStep(args, lo, hi);
}

/**
 * Every unvisited vertex of [lo, hi) looks for a parent; those with in-arcs that find none are pending.
 * A word's candidates (unvisited, with in-arcs) are found first as a bitmap without a branch, then
 * visited bit by bit: tested one at a time, those two conditions mispredicted about once a vertex on
 * R-MAT, whose reached, isolated and unvisited vertices interleave (s16's first bottom-up step: 0.93 →
 * 0.67 ms on one thread, `.tmp` probe of this step alone, medians of 300). A candidate looks at its
 * in-hub first, when the graph has them (graph/inHubs.ts), and reads its row only when that is not in
 * the frontier.
 */
function scanStep(args: BfsBottomUpArgs, lo: number, hi: number): StepResult {
  const { inOffsets, inTargets, inHubs, outOffsets, depth, level, next, frontierBits, nextBits, pending } = args;
  const reachedDepth = level + 1;
  let count = 0;
  let arcs = 0;
  let pendingArcs = 0;
  for (let w = lo >>> 5, wordEnd = (hi + 31) >>> 5; w < wordEnd; w++) {
    const first = w << 5;
    const end = Math.min(hi, first + 32);
    // Bit b: vertex first + b is unvisited (depth - BFS_UNREACHED is 0, not negative) and has in-arcs
    // (offsets[v] - offsets[v + 1] is negative; a row's arc count fits 31 bits).
    let candidates = 0;
    let rowStart = inOffsets[first]!;
    for (let v = first; v < end; v++) {
      const rowEnd = inOffsets[v + 1]!;
      candidates |= (((rowStart - rowEnd) & ~(depth[v]! - BFS_UNREACHED)) >>> 31) << (v - first);
      rowStart = rowEnd;
    }
    const left = candidates;
    let reached = 0;
    while (candidates !== 0) {
      const bit = 31 - Math.clz32(candidates & -candidates);
      candidates &= candidates - 1;
      const v = first | bit;
      if (!viaHub(inHubs, frontierBits, v) && !viaRow(inOffsets, inTargets, frontierBits, v)) {
        pendingArcs += inOffsets[v + 1]! - inOffsets[v]!;
        continue;
      }
      depth[v] = reachedDepth;
      next[lo + count++] = v;
      reached |= 1 << bit;
      arcs += outOffsets[v + 1]! - outOffsets[v]!;
    }
    nextBits[w] = reached;
    pending[w] = left & ~reached;
  }
  return [count, arcs, pendingArcs];
}

/** Whether v's in-hub is in the frontier (false without hubs). */
function viaHub(inHubs: Int32Array | undefined, frontierBits: Int32Array, v: number): boolean {
  if (inHubs === undefined) return false;
  const hub = inHubs[v]!;
  return hub >= 0 && (frontierBits[hub >>> 5]! & (1 << (hub & 31))) !== 0;
}

/** Whether an in-neighbour of v is in the frontier, read from its row. */
function viaRow(inOffsets: Offsets, inTargets: Int32Array, frontierBits: Int32Array, v: number): boolean {
  for (let e = inOffsets[v]!, last = inOffsets[v + 1]!; e < last; e++) {
    const u = inTargets[e]!;
    if ((frontierBits[u >>> 5]! & (1 << (u & 31))) !== 0) return true;
  }
  return false;
}

/** The pending vertices of [lo, hi) look for a parent; those reached leave `pending`. */
function pendingStep(args: BfsBottomUpArgs, lo: number, hi: number): StepResult {
  const { inOffsets, inTargets, inHubs, outOffsets, depth, level, next, frontierBits, nextBits, pending } = args;
  const reachedDepth = level + 1;
  let count = 0;
  let arcs = 0;
  let pendingArcs = 0;
  for (let w = lo >>> 5, wordEnd = (hi + 31) >>> 5; w < wordEnd; w++) {
    let bits = pending[w]!;
    if (bits === 0) continue;
    let left = bits;
    while (bits !== 0) {
      const bit = 31 - Math.clz32(bits & -bits);
      bits &= bits - 1;
      const v = (w << 5) | bit;
      if (depth[v] !== BFS_UNREACHED) {
        left &= ~(1 << bit);
        continue;
      }
      if (!viaHub(inHubs, frontierBits, v) && !viaRow(inOffsets, inTargets, frontierBits, v)) {
        pendingArcs += inOffsets[v + 1]! - inOffsets[v]!;
        continue;
      }
      depth[v] = reachedDepth;
      next[lo + count++] = v;
      nextBits[w]! |= 1 << bit;
      arcs += outOffsets[v + 1]! - outOffsets[v]!;
      left &= ~(1 << bit);
    }
    pending[w] = left;
  }
  return [count, arcs, pendingArcs];
}

/** The bitmap of the vertices of `frontier[0, size)`. */
export function frontierBitmap(bits: Int32Array, frontier: Int32Array, size: number): void {
  bits.fill(0);
  for (let i = 0; i < size; i++) bits[frontier[i]! >>> 5]! |= 1 << (frontier[i]! & 31);
}
