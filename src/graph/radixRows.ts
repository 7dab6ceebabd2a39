/**
 * Sorted CSR rows of a graph with few vertices, by a two-pass radix sort with whole vertex ids as
 * digits: a stable counting scatter of the arcs by their other end into a scratch, then one by key
 * from the scratch, read in other-end order, into the rows. Rows come out sorted with ties (parallel
 * arcs) adjacent in input order, and the second pass counts repeats and self-loops as it writes them,
 * so nothing is left to sort or scan afterwards.
 *
 * Why not the blocked grouping (arcSort.ts) here: its worth is on graphs whose per-vertex write
 * positions do not fit in cache. With at most RADIX_MAX_VERTICES vertices they do, and two plain
 * scatters beat the blocked one, its per-block sorting and the insertion-sort pass over every row
 * (R-MAT s16, 65,536 vertices and 955K arcs, one thread, shared machine: 42-43 -> 36 ms user time,
 * minimum of 20 builds).
 */
import type { GroupedArcs, WeightParts } from './arcSort.js';
import { type Offsets, outputFloat64, outputInt32 } from './shared.js';

/** Graphs up to this many vertices take the radix path (their write positions stay in L2). */
export const RADIX_MAX_VERTICES = 1 << 16;

/**
 * Groups the arcs (keys[i] -> others[i], weights[i]) into rows `offsets[k] .. offsets[k+1]` sorted by
 * other end. `offsets` count the arcs per key and `otherCounts` per other end; every end is in
 * 0..n-1 (the caller checked).
 */
export function radixRows(
  n: number,
  keys: Int32Array,
  others: Int32Array,
  weights: Float64Array | WeightParts | undefined,
  offsets: Offsets,
  otherCounts: Offsets,
): GroupedArcs {
  const m = offsets[n]!;
  const byOther = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) byOther[v + 1] = byOther[v]! + otherCounts[v]!;
  const scratchKeys = new Int32Array(m);
  const scratchWeights = weights ? new Float64Array(m) : undefined;
  const fill = byOther.slice(0, n);
  if (!weights) scatterByOther(others, keys, fill, scratchKeys);
  else {
    const parts = weights instanceof Float64Array ? [weights] : weights;
    for (let k = 0, first = 0; k < parts.length; first += parts[k]!.length, k++) {
      scatterWeightedByOther(others, keys, parts[k]!, first, fill, scratchKeys, scratchWeights!);
    }
  }
  // scatterByKey writes every arc's slot: recycled memory needs no zeroing.
  const targets = outputInt32(m, true);
  const outWeights = weights ? outputFloat64(m, true) : undefined;
  return { targets, weights: outWeights, ...scatterByKey(n, byOther, scratchKeys, scratchWeights, offsets, targets, outWeights) };
}

function scatterByOther(others: Int32Array, keys: Int32Array, fill: Int32Array, toKeys: Int32Array): void {
  for (let i = 0; i < others.length; i++) {
    const other = others[i]!;
    const p = fill[other]!;
    fill[other] = p + 1;
    toKeys[p] = keys[i]!;
  }
}

/** Arcs first .. first + part.length, whose weights are `part` (a file's byte ranges give weights in parts). */
function scatterWeightedByOther(others: Int32Array, keys: Int32Array, part: Float64Array, first: number, fill: Int32Array, toKeys: Int32Array, toWeights: Float64Array): void {
  for (let j = 0; j < part.length; j++) {
    const other = others[first + j]!;
    const p = fill[other]!;
    fill[other] = p + 1;
    toKeys[p] = keys[first + j]!;
    toWeights[p] = part[j]!;
  }
}

/**
 * The scratch, read in other-end order, scattered by key into the rows; counts repeats and self-loops
 * on the way. Each key's next position and the other end it last received sit side by side (`rows`),
 * so a repeat costs no extra cache miss: rows fill in other-end order, so a repeat is an arc whose
 * other end is the one its row last received.
 */
function scatterByKey(
  n: number,
  byOther: Int32Array,
  keys: Int32Array,
  weights: Float64Array | undefined,
  offsets: Offsets,
  targets: Int32Array,
  outWeights: Float64Array | undefined,
): Omit<GroupedArcs, 'targets' | 'weights'> {
  const rows = new Int32Array(2 * n);
  for (let v = 0; v < n; v++) {
    rows[2 * v] = offsets[v]!;
    rows[2 * v + 1] = -1;
  }
  let repeats = 0;
  let selfLoops = 0;
  let distinctSelfLoops = 0;
  for (let other = 0; other < n; other++) {
    const end = byOther[other + 1]!;
    for (let p = byOther[other]!; p < end; p++) {
      const key = keys[p]!;
      const q = rows[2 * key]!;
      rows[2 * key] = q + 1;
      const repeat = rows[2 * key + 1] === other;
      rows[2 * key + 1] = other;
      if (repeat) repeats++;
      if (key === other) {
        selfLoops++;
        if (!repeat) distinctSelfLoops++;
      }
      targets[q] = other;
      if (outWeights) outWeights[q] = weights![p]!;
    }
  }
  return { repeats, distinctSelfLoops, selfLoops };
}
