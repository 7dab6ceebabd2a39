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
export function frontierBitmap(bits: Int32Array, frontier: Int32Array, size: number): void {
  bits.fill(0);
  for (let i = 0; i < size; i++) bits[frontier[i]! >>> 5]! |= 1 << (frontier[i]! & 31);
}
