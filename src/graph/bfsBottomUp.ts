/** BFS bottom-up step (see bfs.ts): unvisited vertices look for a parent in the frontier's bitmap. */
import type { StepResult } from './parallel.js';
import type { Offsets } from './shared.js';
import { BFS_UNREACHED } from './bfsDirection.js';

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
 * nextBits and pending it writes. Returns [reached, their out-arcs].
 *
 * Only the first bottom-up step of a search scans every vertex of its range. The later ones visit the
 * `pending` bits: on R-MAT most unreached vertices have no in-arc at all (s16: 25,185 of 25,254), and the
 * second step, which reaches a few thousand vertices, read all 65,536 depths to find them (0.5 of 2.2 ms).
 * A vertex left out of `pending` is reached already or has no in-arc, so no bottom-up step could reach
 * it: both ways reach the same vertices, listed in the same (ascending) order.
 */
export function bfsBottomUpStep(args: BfsBottomUpArgs, lo: number, hi: number): StepResult {
  const { nextBits } = args;
  nextBits.fill(0, lo >>> 5, (hi + 31) >>> 5);
  return args.pendingKnown ? pendingStep(args, lo, hi) : scanStep(args, lo, hi);
}

/** Every unvisited vertex of [lo, hi) looks for a parent; those with in-arcs that find none are pending. */
function scanStep(args: BfsBottomUpArgs, lo: number, hi: number): StepResult {
  const { inOffsets, inTargets, outOffsets, depth, level, next, frontierBits, nextBits, pending } = args;
  const reachedDepth = level + 1;
  let count = 0;
  let arcs = 0;
  for (let w = lo >>> 5, wordEnd = (hi + 31) >>> 5; w < wordEnd; w++) {
    let left = 0;
    for (let v = w << 5, end = Math.min(hi, (w + 1) << 5); v < end; v++) {
      if (depth[v] !== BFS_UNREACHED) continue;
      const first = inOffsets[v]!;
      const last = inOffsets[v + 1]!;
      let e = first;
      for (; e < last; e++) {
        const u = inTargets[e]!;
        if ((frontierBits[u >>> 5]! & (1 << (u & 31))) !== 0) break;
      }
      if (e < last) {
        depth[v] = reachedDepth;
        next[lo + count++] = v;
        nextBits[w]! |= 1 << (v & 31);
        arcs += outOffsets[v + 1]! - outOffsets[v]!;
      } else if (last > first) left |= 1 << (v & 31);
    }
    pending[w] = left;
  }
  return [count, arcs];
}

/** The pending vertices of [lo, hi) look for a parent; those reached leave `pending`. */
function pendingStep(args: BfsBottomUpArgs, lo: number, hi: number): StepResult {
  const { inOffsets, inTargets, outOffsets, depth, level, next, frontierBits, nextBits, pending } = args;
  const reachedDepth = level + 1;
  let count = 0;
  let arcs = 0;
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
      const last = inOffsets[v + 1]!;
      for (let e = inOffsets[v]!; e < last; e++) {
        const u = inTargets[e]!;
        if ((frontierBits[u >>> 5]! & (1 << (u & 31))) !== 0) {
          depth[v] = reachedDepth;
          next[lo + count++] = v;
          nextBits[w]! |= 1 << bit;
          arcs += outOffsets[v + 1]! - outOffsets[v]!;
          left &= ~(1 << bit);
          break;
        }
      }
    }
    pending[w] = left;
  }
  return [count, arcs];
}

/** The bitmap of the vertices of `frontier[0, size)`. */
export function frontierBitmap(bits: Int32Array, frontier: Int32Array, size: number): void {
  bits.fill(0);
  for (let i = 0; i < size; i++) bits[frontier[i]! >>> 5]! |= 1 << (frontier[i]! & 31);
}
