/**
 * In-rows regrouped so that a pull over them (PageRank) runs without data-dependent branches. Walking a
 * CSR row by row costs one mispredicted loop exit per row; on power-law graphs most rows hold a handful
 * of arcs, so those mispredictions cost as much as the gathers themselves. Here rows of 1-4, 5-8 and
 * 9-16 arcs are copied into fixed-width slot arrays (ELLPACK style), padded with the index n, which
 * reads a zero from a gather array of n + 1 entries; each class is then one straight loop of exactly
 * 4, 8 or 16 gathers per vertex. Rows longer than 16 stay in the in-CSR, where one mispredicted exit is
 * amortised over many arcs. Rows without arcs are in no list. Vertex lists are sorted, so the vertices
 * of a range [lo, hi) are a contiguous slice of each list.
 */
import type { Csr } from './csr.js';
import { sharedInt32 } from './shared.js';

export const SLOT_WIDTHS = [4, 8, 16] as const;

export interface SlotClass {
  readonly width: number;
  /** Vertices whose in-degree is in (previous width, width], ascending. */
  readonly vertices: Int32Array;
  /** `width` tails per vertex, padded with n. */
  readonly slots: Int32Array;
}

export interface PullLayout {
  readonly n: number;
  readonly classes: readonly SlotClass[];
  /** Vertices with more than 16 in-arcs, ascending; their arcs are read from the in-CSR. */
  readonly long: Int32Array;
}

export function pullLayout(inCsr: Csr): PullLayout {
  const { n, offsets, targets } = inCsr;
  const counts = SLOT_WIDTHS.map(() => 0);
  let longCount = 0;
  for (let v = 0; v < n; v++) {
    const degree = offsets[v + 1]! - offsets[v]!;
    if (degree === 0) continue;
    const k = classOf(degree);
    if (k < 0) longCount++;
    else counts[k]!++;
  }
  const classes = SLOT_WIDTHS.map((width, k) => ({
    width,
    vertices: sharedInt32(counts[k]!),
    slots: sharedInt32(width * counts[k]!).fill(n),
  }));
  const long = sharedInt32(longCount);
  const filled = SLOT_WIDTHS.map(() => 0);
  let longAt = 0;
  for (let v = 0; v < n; v++) {
    const start = offsets[v]!;
    const degree = offsets[v + 1]! - start;
    if (degree === 0) continue;
    const k = classOf(degree);
    if (k < 0) {
      long[longAt++] = v;
      continue;
    }
    const c = classes[k]!;
    const i = filled[k]!++;
    c.vertices[i] = v;
    const at = i * c.width - start;
    for (let e = start; e < start + degree; e++) c.slots[at + e] = targets[e]!;
  }
  return { n, classes, long };
}

function classOf(degree: number): number {
  for (let k = 0; k < SLOT_WIDTHS.length; k++) if (degree <= SLOT_WIDTHS[k]!) return k;
  return -1;
}
