/**
 * The set intersection at the heart of LCC and triangle counting: for a vertex v whose neighbours N(v)
 * are marked in a stamp array, count the arcs u -> w with u and w both in N(v). Rows are sorted, so a
 * repeated arc is skipped by comparing with its predecessor, and when u's row is much longer than N(v)
 * (a hub next to a small vertex) the members of N(v) are binary-searched in it instead of scanning it,
 * which bounds the work by |N(v)| log deg(u) instead of deg(u).
 */
import { lowerBound } from './csr.js';
import type { Offsets } from './shared.js';

/** Rows at least this many times longer than |N(v)| are searched instead of scanned. */
const SEARCH_RATIO = 8;

/**
 * Number of pairs (u, w), u in N(v) (row v of the view), w in row u of `edges`, w in N(v), w != u,
 * each distinct w counted once per u. `mark[x] === stamp` must hold exactly for x in N(v).
 */
export function closedPairs(
  v: number,
  viewOffsets: Offsets,
  viewTargets: Int32Array,
  edgeOffsets: Offsets,
  edgeTargets: Int32Array,
  mark: Int32Array,
  stamp: number,
): number {
  const start = viewOffsets[v]!;
  const end = viewOffsets[v + 1]!;
  const degree = end - start;
  let pairs = 0;
  for (let i = start; i < end; i++) {
    const u = viewTargets[i]!;
    const rowStart = edgeOffsets[u]!;
    const rowEnd = edgeOffsets[u + 1]!;
    if (rowEnd - rowStart > SEARCH_RATIO * degree) {
      for (let j = start; j < end; j++) {
        const w = viewTargets[j]!;
        if (w === u) continue;
        const at = lowerBound(edgeTargets, rowStart, rowEnd, w);
        if (at < rowEnd && edgeTargets[at] === w) pairs++;
      }
      continue;
    }
    let previous = -1;
    for (let e = rowStart; e < rowEnd; e++) {
      const w = edgeTargets[e]!;
      if (w !== previous && w !== u && mark[w] === stamp) pairs++;
      previous = w;
    }
  }
  return pairs;
}

/** Marks row v of the view with `stamp` (v + 1 keeps stamps distinct without clearing between vertices). */
export function markRow(
  v: number,
  viewOffsets: Offsets,
  viewTargets: Int32Array,
  mark: Int32Array,
  stamp: number,
): void {
  const end = viewOffsets[v + 1]!;
  for (let i = viewOffsets[v]!; i < end; i++) mark[viewTargets[i]!] = stamp;
}
