/**
 * What a pull over the in-arcs (PageRank) needs, arranged so that it runs without data-dependent
 * branches. Walking a CSR row by row costs one mispredicted loop exit per row; on power-law graphs
 * most rows hold a handful of arcs, so those mispredictions cost as much as the gathers themselves.
 * Here rows of 1-4, 5-8 and 9-16 arcs are copied into fixed-width slot arrays (ELLPACK style), padded
 * with the index n, which reads a zero from a gather array of n + 1 entries; each class is one straight
 * loop of exactly 4, 8 or 16 gathers per vertex. Vertices without in-arcs form a class of their own;
 * rows longer than 16 are read as rows (copied here, as the slots are), where one mispredicted exit is
 * amortised over many arcs.
 * Every vertex is in exactly one list, lists are sorted, so the vertices of a range [lo, hi) are a
 * contiguous slice of each. The layout depends only on the graph, so a caller may keep it with it.
 *
 * The contributions a pull gathers are kept by `position` — the vertices by out-degree, highest first —
 * and the slots and long rows name sources by position: a vertex's contribution is gathered once per
 * out-arc, so on a power-law graph the few that take most gathers sit together, in the first-level
 * cache, instead of spread over the whole array (R-MAT s16, 20 iterations on one thread, the same layout
 * with and without positions alternated in one process: 6-9% faster; a warm PageRank through
 * `toArray('r')`: 24.6-24.8 against 27.1-28.5 ms; `.tmp` probes). Which contribution sits where changes
 * no sum: each row's arcs are still added in their order. The long rows' copy costs 4 bytes an arc of
 * theirs (R-MAT s16: about half the arcs), kept with the layout; the slots and the long rows' sources
 * are one buffer, the classes' slots and `longSources` views of it.
 *
 * Made here over the in-CSR (`pullLayout`), or straight from the out-arcs without one
 * (pullLayoutFromOut.ts), which places every arc where this would copy it: the same layout.
 */
import { giveBack, scratchArray } from '../base/scratchPool.js';
import type { Csr, GraphCsr } from './csr.js';
import { placeByOutDegree } from './pullOrder.js';
import { type Offsets, outputFloat64, outputInt32, outputOffsets } from './shared.js';
import { requireInCsr } from './views.js';

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
  /** Vertices without in-arcs. */
  readonly isolated: Int32Array;
  readonly classes: readonly SlotClass[];
  /** Vertices with more than 16 in-arcs, ascending, and their in-arcs' sources (positions), row by row. */
  readonly long: Int32Array;
  readonly longOffsets: Offsets;
  readonly longSources: Int32Array;
  /** Where each vertex's contribution is kept (n + 1 entries: the padding slot n stays n). */
  readonly position: Int32Array;
  /** Vertices without out-arcs (sinks), ascending. */
  readonly sinks: Int32Array;
  /** 1 / out-degree, 0 for sinks: a multiplication per vertex instead of a division. */
  readonly inverseOutDegree: Float64Array;
  /** The in-CSR's offsets (n + 1): what a pull's ranges are weighed by. */
  readonly inOffsets: Offsets;
}

/**
 * The layout over the graph's in-CSR. `outDegrees`: each vertex's out-degree when it is not its out-row's
 * length (a grouped graph with parallel arcs, csr.ts `mergedTranspose`).
 */
export function pullLayout(g: GraphCsr, outDegrees?: Int32Array): PullLayout {
  const { n, out } = g;
  const { offsets, targets } = requireInCsr(g, 'the pull layout');
  const degrees = outDegrees ?? outDegreesOf(out);
  const frame = framed(n, offsets, degrees);
  const { rowStart, sources } = frame;
  const { position } = frame.layout;
  for (let v = 0; v < n; v++) {
    const start = offsets[v]!;
    const end = offsets[v + 1]!;
    const at = rowStart[v]! - start;
    for (let e = start; e < end; e++) sources[at + e] = position[targets[e]!]!;
  }
  giveBack(rowStart);
  if (!outDegrees) giveBack(degrees);
  return frame.layout;
}

/** The out-rows' lengths (scratch: give it back). */
export function outDegreesOf(out: Csr): Int32Array {
  const degrees = scratchArray(Int32Array, out.n);
  for (let v = 0; v < out.n; v++) degrees[v] = out.offsets[v + 1]! - out.offsets[v]!;
  return degrees;
}

export interface Framed {
  /** Complete but for its slots and long rows' sources, which `sources` holds. */
  readonly layout: PullLayout;
  /** The slots of every class and the long rows' sources, one after another (the layout's arrays are views of it). */
  readonly sources: Int32Array;
  /** Where each vertex's first in-arc goes in `sources` (scratch: give it back). */
  readonly rowStart: Int32Array;
}

/** Everything of the layout but its slots' and long rows' contents, from the in-CSR's offsets and the out-degrees. */
export function framed(n: number, inOffsets: Offsets, degrees: Int32Array): Framed {
  // Two passes over the vertices (count, then place), each reading degrees straight from the arrays
  // and the class from a table (`slotClass`, which V8 inlines): a closure chosen at run time and a
  // search per vertex made the kernel 1.4-1.8x slower (R-MAT s16: 5.8 against 3.2-4.3 ms).
  const counts = SLOT_WIDTHS.map(() => 0);
  let isolatedCount = 0;
  let longCount = 0;
  let longArcs = 0;
  let sinkCount = 0;
  for (let v = 0; v < n; v++) {
    const inDegree = inOffsets[v + 1]! - inOffsets[v]!;
    const k = slotClass(inDegree);
    if (k === ISOLATED) isolatedCount++;
    else if (k === LONG) {
      longCount++;
      longArcs += inDegree;
    } else counts[k]!++;
    if (degrees[v] === 0) sinkCount++;
  }
  // The layout lives as long as its graph, so it takes recycled memory like the CSR it is made from:
  // fresh, its arrays faulted in ~1,000 pages on R-MAT s16 (a tenth of a first PageRank where a fault
  // costs 11 µs). Every element of these but the long rows' offsets (a few, zeroed) is written below,
  // the slots' and long rows' sources by the caller.
  const slotStarts = [0];
  for (let k = 0; k < SLOT_WIDTHS.length; k++) slotStarts.push(slotStarts[k]! + SLOT_WIDTHS[k]! * counts[k]!);
  const slotTotal = slotStarts[SLOT_WIDTHS.length]!;
  const sources = outputInt32(slotTotal + longArcs, true);
  sources.fill(n, 0, slotTotal);
  const classes = SLOT_WIDTHS.map((width, k) => ({
    width,
    vertices: outputInt32(counts[k]!, true),
    slots: sources.subarray(slotStarts[k]!, slotStarts[k + 1]!),
  }));
  const verticesOf = classes.map((c) => c.vertices);
  const isolated = outputInt32(isolatedCount, true);
  const long = outputInt32(longCount, true);
  const sinks = outputInt32(sinkCount, true);
  const inverseOutDegree = outputFloat64(n);
  const position = outputInt32(n + 1, true);
  placeByOutDegree(n, degrees, position);
  position[n] = n;
  const longOffsets = outputOffsets(longCount, longArcs);
  const rowStart = scratchArray(Int32Array, n);
  const filled = SLOT_WIDTHS.map(() => 0);
  let isolatedAt = 0;
  let longAt = 0;
  let sinkAt = 0;
  for (let v = 0; v < n; v++) {
    const degree = degrees[v]!;
    if (degree === 0) sinks[sinkAt++] = v;
    else inverseOutDegree[v] = 1 / degree;
    const inDegree = inOffsets[v + 1]! - inOffsets[v]!;
    const k = slotClass(inDegree);
    if (k === ISOLATED) {
      isolated[isolatedAt++] = v;
      rowStart[v] = 0;
    } else if (k === LONG) {
      long[longAt] = v;
      rowStart[v] = slotTotal + longOffsets[longAt]!;
      longOffsets[longAt + 1] = longOffsets[longAt]! + inDegree;
      longAt++;
    } else {
      const i = filled[k]!++;
      verticesOf[k]![i] = v;
      rowStart[v] = slotStarts[k]! + i * SLOT_WIDTHS[k]!;
    }
  }
  const longSources = sources.subarray(slotTotal);
  const layout: PullLayout = { n, isolated, classes, long, longOffsets, longSources, position, sinks, inverseOutDegree, inOffsets };
  return { layout, sources, rowStart };
}

const ISOLATED = -1;
const LONG = -2;
const MAX_WIDTH: number = SLOT_WIDTHS[SLOT_WIDTHS.length - 1]!;

/** The class of each in-degree up to the widest slot: ISOLATED for 0, else the narrowest width that holds it. */
const CLASS_OF_DEGREE = Int8Array.from({ length: MAX_WIDTH + 1 }, (_, degree) => (degree === 0 ? ISOLATED : SLOT_WIDTHS.findIndex((w) => degree <= w)));

/** A vertex's class by its in-degree: ISOLATED, LONG, or the index of its slot width (a table lookup). */
function slotClass(inDegree: number): number {
  return inDegree <= MAX_WIDTH ? CLASS_OF_DEGREE[inDegree]! : LONG;
}
