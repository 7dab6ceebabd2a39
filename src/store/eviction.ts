/**
 * Choosing what to evict, without touching anything: the store commits the plan only when it frees
 * enough, so a failed `put` leaves the store exactly as it was.
 *
 * Bytes belong to blobs, and several objects may share a blob (a reshape shares its input's data), so
 * evicting an object frees a blob only once no object still in memory needs it. Candidates are taken in
 * the order given (the store passes unheld chunks in LRU order, then held ones) until enough bytes are
 * freed; a candidate that ends up freeing none of its blobs is left alone.
 */

export interface EvictionCandidate {
  readonly id: bigint;
  readonly key: string;
  readonly blobs: readonly bigint[];
}

/** A blob the store may free: its in-memory referrers and its size. Undefined for blobs it may not free. */
export interface FreeableBlob {
  readonly residentRefs: number;
  readonly nbytes: number;
}

export interface EvictionPlan {
  readonly chosen: readonly EvictionCandidate[];
  /** Each freed blob, with the chosen object whose eviction freed it (its bytes go in that object's spill file). */
  readonly freedBy: ReadonlyMap<bigint, bigint>;
  readonly freedBytes: number;
}

export function planEviction(
  need: number,
  candidates: Iterable<EvictionCandidate>,
  blobInfo: (id: bigint) => FreeableBlob | undefined,
): EvictionPlan {
  const remainingRefs = new Map<bigint, number>();
  const freedBy = new Map<bigint, bigint>();
  const taken: EvictionCandidate[] = [];
  let freedBytes = 0;
  for (const candidate of candidates) {
    if (freedBytes >= need) break;
    taken.push(candidate);
    for (const blob of new Set(candidate.blobs)) {
      const info = blobInfo(blob);
      if (!info) continue;
      const left = (remainingRefs.get(blob) ?? info.residentRefs) - 1;
      remainingRefs.set(blob, left);
      if (left === 0) {
        freedBy.set(blob, candidate.id);
        freedBytes += info.nbytes;
      }
    }
  }
  const chosen = taken.filter((c) => c.blobs.some((b) => freedBy.has(b)));
  return { chosen, freedBy, freedBytes };
}
