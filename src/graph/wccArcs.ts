/**
 * Weakly connected components straight from a projection's arc list (arcList.ts), with no CSR.
 *
 * Union-find needs every arc once, in any order, so a graph's first WCC has no use for the sorted
 * out-CSR that every other app reads: on R-MAT s20 (16M arcs) building it is most of a first WCC's
 * wait (bench/graph/timeline.ts: `graph.project` about ten times the app), while hooking the arcs as the
 * edge tables hold them costs about one pass of finds over them. The arcs are read in their tables'
 * ids, each id standing for a slot (id - min): slots are in original id order, as internal ids are, so
 * the union-find's rule (a root is its tree's smallest member) gives every component the slot of its
 * smallest original id — the label wcc.ts gives it over the CSR. Slots no vertex has (holes of a
 * direct table) stay alone and are never read back.
 *
 * Steps, every write an `Atomics.compareExchange` as in wcc.ts (`wccHookStep`):
 * - `wcc.hookArcs`: ranges of the arcs laid end to end (the tables' or a file's parts) join their ends;
 * - `wcc.compress` (wcc.ts): every slot points at its root;
 * - when slots are not the internal ids (a direct table with holes), the driver turns root slots into
 *   internal ids, one pass over the slots.
 */
import type { ArcList } from './arcList.js';
import { type Driver, type Range, splitRange, type StepResult, type StepTable } from './parallel.js';
import { outputInt32, sharedInt32 } from './shared.js';
import { linkAlone, union } from './wcc.js';

/** Ranges per gang member, claimed one by one, so a member slowed down does not hold the others up. */
const RANGES_PER_PART = 4;
/** Fewer arcs are hooked in one range: a gang round costs more than the split saves. */
const SPLIT_FROM_ARCS = 1 << 18;
/** A gang request has at most this many ranges (kernels/gang.ts). */
const MAX_RANGES = 1023;

interface HookArcsArgs {
  readonly src: ArcList['src'];
  readonly dst: ArcList['dst'];
  /** Where part k's arcs start when the parts are laid end to end: starts[k], then the total. */
  readonly starts: Float64Array;
  readonly min: number;
  readonly parent: Int32Array;
}

/** Joins the ends of arcs [first, last) of one part with `union`. Returns the number of successful links. */
function hookPart(src: ArcList['src'][number], dst: ArcList['dst'][number], first: number, last: number, min: number, parent: Int32Array): number {
  let links = 0;
  for (let i = first; i < last; i++) {
    // The projection checked every id (arcList.ts): id - min is a slot, an int32.
    links += union(parent, (src[i]! - min) | 0, (dst[i]! - min) | 0);
  }
  return links;
}

/** `hookPart` for a range that is its step's only one: plain writes (wcc.ts `wccHookAloneStep` says why). */
function hookPartAlone(src: ArcList['src'][number], dst: ArcList['dst'][number], first: number, last: number, min: number, parent: Int32Array): number {
  let links = 0;
  for (let i = first; i < last; i++) {
    const u = (src[i]! - min) | 0;
    const v = (dst[i]! - min) | 0;
    if (parent[u] !== parent[v]) links += linkAlone(parent, u, v);
  }
  return links;
}

/** Joins the ends of arcs [lo, hi) of the parts laid end to end, a part at a time. Returns the number of successful links. */
function hookArcs(args: HookArcsArgs, lo: number, hi: number, hook: typeof hookPart): StepResult {
  const { starts, min, parent } = args;
  let links = 0;
  let k = 0;
  while (starts[k + 1]! <= lo) k++;
  for (; k < args.src.length && starts[k]! < hi; k++) {
    links += hook(args.src[k]!, args.dst[k]!, Math.max(lo, starts[k]!) - starts[k]!, Math.min(hi, starts[k + 1]!) - starts[k]!, min, parent);
  }
  return [links];
}

export const WCC_ARCS_STEPS: StepTable = {
  'wcc.hookArcs': (args: HookArcsArgs, lo: number, hi: number) => hookArcs(args, lo, hi, hookPart),
  'wcc.hookArcsAlone': (args: HookArcsArgs, lo: number, hi: number) => hookArcs(args, lo, hi, hookPartAlone),
};

/** About `count` ranges of equal arcs over [0, total). */
function arcRanges(total: number, count: number): Range[] {
  const ranges: Range[] = [];
  for (let r = 0; r < count; r++) {
    const lo = Math.floor((total * r) / count);
    const hi = Math.floor((total * (r + 1)) / count);
    if (hi > lo) ranges.push([lo, hi]);
  }
  return ranges;
}

export interface WccArcsOptions {
  /** The gang's parallelism. */
  readonly parts: number;
  /** Hook in parts from this many arcs (default SPLIT_FROM_ARCS; tests lower it). */
  readonly splitFromArcs?: number;
}

/** The WCC driver over an arc list: the label of every vertex is the smallest internal id of its component. */
export function* wccArcsDriver(arcs: ArcList, options: WccArcsOptions): Driver<Int32Array> {
  const { n, span, min, internal } = arcs;
  // Without a slot map the parents are the labels returned (recycled memory, see wcc.ts); with one
  // they are scratch, which must not be recycled memory (its death would go unseen).
  const parent = internal ? sharedInt32(span) : outputInt32(span, true);
  for (let s = 0; s < span; s++) parent[s] = s;
  const starts = new Float64Array(arcs.src.length + 1);
  arcs.src.forEach((part, k) => (starts[k + 1] = starts[k]! + part.length));
  const total = starts[arcs.src.length]!;
  const parts = Math.max(1, Math.floor(options.parts));
  const count = total < (options.splitFromArcs ?? SPLIT_FROM_ARCS) || parts < 2 ? 1 : Math.min(MAX_RANGES, parts * RANGES_PER_PART);
  yield { step: count === 1 ? 'wcc.hookArcsAlone' : 'wcc.hookArcs', args: { src: arcs.src, dst: arcs.dst, starts, min, parent } satisfies HookArcsArgs, ranges: arcRanges(total, count) };
  yield { step: 'wcc.compress', args: { parent }, ranges: splitRange(span, count === 1 ? 1 : parts) };
  if (!internal) return parent;
  // Root slots to internal ids: a root is its component's smallest slot, so it is a vertex's.
  const labels = outputInt32(n);
  for (let s = 0; s < span; s++) {
    const v = internal[s]!;
    if (v >= 0) labels[v] = internal[parent[s]!]!;
  }
  return labels;
}
