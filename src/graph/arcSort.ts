/**
 * Groups arcs into CSR rows by a vertex key without comparisons. On a large graph, scattering arcs
 * straight into a million rows costs a cache and TLB miss per arc; instead a first pass scatters them
 * into at most 1024 blocks of consecutive keys — each block's region of the output itself (other end,
 * weight) plus a key relative to the block (1024 sequential write streams per array, which the caches
 * absorb) — and each block is then finished while it sits in L2: when rows must be sorted, a counting
 * sort into a block-sized scratch by the top bits of the other endpoint (up to 11, fewer for blocks of
 * fewer arcs), then a stable counting sort by key back into the final positions. Rows are then sorted by those top bits, so an
 * insertion sort finishes each row in about linear time (with a guard that switches to a full sort on
 * adversarial rows). Graphs of up to 2^20 arcs fit in cache and take a direct counting scatter instead.
 * Every step is stable, so unsorted rows keep the input order of their arcs.
 */
import { RADIX_MAX_VERTICES, radixRows } from './radixRows.js';
import { type Offsets, outputFloat64, outputInt32 } from './shared.js';

/** A weight column in consecutive parts (a file's byte ranges), read in order without joining them. */
export type WeightParts = readonly Float64Array[];

/** Arcs to group: parallel columns, or the arcs of a CSR regrouped by head (a transpose). */
export type ArcSource =
  | {
      readonly kind: 'columns';
      readonly keys: Int32Array;
      readonly others: Int32Array;
      readonly weights: Float64Array | WeightParts | undefined;
      /** Arcs per other end, when the caller counted them (graphs of up to RADIX_MAX_VERTICES vertices take radixRows then). */
      readonly otherCounts?: Offsets;
    }
  | {
      readonly kind: 'transpose';
      readonly offsets: Offsets;
      readonly targets: Int32Array;
      readonly weights: Float64Array | undefined;
    };

export interface GroupedArcs {
  readonly targets: Int32Array;
  readonly weights: Float64Array | undefined;
  /** Sorted rows only: arcs equal to the previous arc of their row; arcs v->v, without and with repeats. */
  readonly repeats: number;
  readonly distinctSelfLoops: number;
  readonly selfLoops: number;
}

const BLOCK_COUNT_BITS = 10;
const DIGIT_BITS = 11;

/**
 * Puts each arc (key, other end, weight) into row `key`, whose place is `offsets[key] .. offsets[key+1]`
 * (offsets must count the arcs per key). Rows are ordered by the other end when `sortRows` (ties in
 * input order), else they keep input order. Returns new shared arrays.
 */
export function groupArcs(n: number, source: ArcSource, offsets: Offsets, sortRows: boolean): GroupedArcs {
  const m = offsets[n]!;
  const direct = m <= DIRECT_ARCS && (!sortRows || shortRows(n, offsets));
  if (sortRows && !direct && source.kind === 'columns' && source.otherCounts && n <= RADIX_MAX_VERTICES) {
    return radixRows(n, source.keys, source.others, source.weights, offsets, source.otherCounts);
  }
  // Both are written in full (every arc lands in one slot), so recycled memory needs no zeroing.
  const targets = outputInt32(m, true);
  const weights = source.weights ? outputFloat64(m, true) : undefined;
  if (direct) scatterDirect(n, source, offsets, targets, weights);
  else groupByBlocks(n, source, offsets, sortRows, targets, weights);
  if (!sortRows) return { targets, weights, repeats: 0, distinctSelfLoops: 0, selfLoops: 0 };
  return { targets, weights, ...finishRowsIn(0, n, offsets, targets, weights) };
}

/**
 * Graphs this small fit in cache, where a direct counting scatter beats the two-step blocked grouping,
 * as long as insertion-sorting its rows in input order is cheap (shortRows).
 */
const DIRECT_ARCS = 1 << 20;

/** Whether insertion sort of every row costs at most a few moves per arc: sum of d^2 <= 16 m. */
function shortRows(n: number, offsets: Offsets): boolean {
  let squares = 0;
  for (let v = 0; v < n; v++) {
    const d = offsets[v + 1]! - offsets[v]!;
    squares += d * d;
  }
  return squares <= 16 * offsets[n]!;
}

function scatterDirect(
  n: number,
  source: ArcSource,
  offsets: Offsets,
  targets: Int32Array,
  weights: Float64Array | undefined,
): void {
  const fill = offsets.slice(0, n);
  if (source.kind === 'columns') {
    const { keys, others } = source;
    // A graph this small joins weights given in parts.
    const from = source.weights && joined(source.weights);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const p = fill[k]!;
      fill[k] = p + 1;
      targets[p] = others[i]!;
      if (weights) weights[p] = from![i]!;
    }
    return;
  }
  for (let u = 0; u < n; u++) {
    const end = source.offsets[u + 1]!;
    for (let e = source.offsets[u]!; e < end; e++) {
      const k = source.targets[e]!;
      const p = fill[k]!;
      fill[k] = p + 1;
      targets[p] = u;
      if (weights) weights[p] = source.weights![e]!;
    }
  }
}

/** A block's arcs while it is finished: other ends, weights, and keys relative to the block's first key. */
interface BlockScratch {
  readonly others: Int32Array;
  readonly weights: Float64Array | undefined;
  readonly keys: Int32Array;
}

function groupByBlocks(
  n: number,
  source: ArcSource,
  offsets: Offsets,
  sortRows: boolean,
  targets: Int32Array,
  outWeights: Float64Array | undefined,
): void {
  const m = offsets[n]!;
  const blockBits = blockBitsFor(n);
  const blocks = n === 0 ? 0 : ((n - 1) >>> blockBits) + 1;
  // Blocks are runs of consecutive keys, so each arc is scattered straight into its block's final
  // region of the output, with its key relative to the block (2 bytes while blocks span at most 2^16
  // keys) alongside: no record buffer of all the arcs (16 bytes an arc) besides the output.
  const keys = blockBits <= 16 ? new Uint16Array(m) : new Int32Array(m);
  const pos = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) pos[b] = offsets[b << blockBits]!;
  const to: BlockDestination = { blockBits, pos, base: 0, keysOut: keys, targets, outWeights };
  if (source.kind === 'columns') scatterColumns(to, source.keys, source.others, source.weights, 0, source.keys.length);
  else scatterTranspose(to, source.offsets, source.targets, source.weights, 0, n);
  finishBlocks(n, blockBits, 0, blocks, offsets, sortRows, keys, targets, outWeights);
}

/** Blocks are runs of 2^blockBits consecutive keys, at most 2^BLOCK_COUNT_BITS of them. */
export function blockBitsFor(n: number): number {
  return Math.max(0, bitsFor(n) - BLOCK_COUNT_BITS);
}

/**
 * Puts the arcs of blocks [firstBlock, lastBlock) — already scattered into their blocks' regions of
 * `targets` (and `outWeights`), with `keys` relative to the block — into their rows; rows come out
 * sorted by the other end when `sortRows`. Blocks own disjoint regions, so block ranges may be finished
 * at the same time on different threads (parallelCsr.ts).
 */
export function finishBlocks(
  n: number,
  blockBits: number,
  firstBlock: number,
  lastBlock: number,
  offsets: Offsets,
  sortRows: boolean,
  keys: Uint16Array | Int32Array,
  targets: Int32Array,
  outWeights: Float64Array | undefined,
): void {
  let largest = 0;
  for (let b = firstBlock; b < lastBlock; b++) {
    const size = offsets[Math.min(n, (b + 1) << blockBits)]! - offsets[b << blockBits]!;
    if (size > largest) largest = size;
  }
  const scratch: BlockScratch = { others: new Int32Array(largest), weights: outWeights ? new Float64Array(largest) : undefined, keys: new Int32Array(largest) };
  const counts = new Int32Array(1 << DIGIT_BITS);
  const fill = new Float64Array(1 << blockBits);
  const idBits = bitsFor(n);
  for (let b = firstBlock; b < lastBlock; b++) {
    const first = b << blockBits;
    const last = Math.min(n, (b + 1) << blockBits);
    const lo = offsets[first]!;
    const hi = offsets[last]!;
    if (hi === lo) continue;
    if (sortRows) {
      // As many top bits as the block has arcs, up to DIGIT_BITS: small blocks get small histograms.
      const digitBits = Math.min(idBits, DIGIT_BITS, Math.max(1, Math.ceil(Math.log2(hi - lo))));
      bucketByTopBits(lo, hi, targets, outWeights, keys, scratch, idBits - digitBits, counts.subarray(0, 1 << digitBits));
    } else {
      scratch.others.set(targets.subarray(lo, hi));
      scratch.weights?.set(outWeights!.subarray(lo, hi));
      scratch.keys.set(keys.subarray(lo, hi));
    }
    placeInRows(scratch, hi - lo, first, last, offsets, fill, targets, outWeights);
  }
}

/**
 * Sorts the rows of vertices [first, last) (cheaply when nearly sorted) and counts their repeated arcs
 * and self-loops. Rows own disjoint regions, so ranges may be finished at once (parallelCsr.ts).
 */
export function finishRowsIn(
  first: number,
  last: number,
  offsets: Offsets,
  targets: Int32Array,
  weights: Float64Array | undefined,
): Omit<GroupedArcs, 'targets' | 'weights'> {
  let repeats = 0;
  let selfLoops = 0;
  let distinctSelfLoops = 0;
  for (let v = first; v < last; v++) {
    const start = offsets[v]!;
    const end = offsets[v + 1]!;
    finishRow(targets, weights, start, end);
    for (let e = start; e < end; e++) {
      const t = targets[e]!;
      const repeat = e > start && t === targets[e - 1];
      if (repeat) repeats++;
      if (t === v) {
        selfLoops++;
        if (!repeat) distinctSelfLoops++;
      }
    }
  }
  return { repeats, distinctSelfLoops, selfLoops };
}

function bitsFor(n: number): number {
  return Math.max(1, Math.ceil(Math.log2(Math.max(2, n))));
}
/**
 * Where a scatter puts arcs: block b's next arc goes to `pos[base + b]` (a part of a parallel build has
 * its own run of positions, parallelCsr.ts), with its key relative to the block beside it.
 */
export interface BlockDestination {
  readonly blockBits: number;
  readonly pos: Float64Array;
  readonly base: number;
  readonly keysOut: Uint16Array | Int32Array;
  readonly targets: Int32Array;
  readonly outWeights: Float64Array | undefined;
}

/** Scatters arcs [lo, hi) of parallel columns (weights as one column or in parts) into their blocks. */
export function scatterColumns(
  to: BlockDestination,
  keys: Int32Array,
  others: Int32Array,
  weights: Float64Array | WeightParts | undefined,
  lo: number,
  hi: number,
): void {
  const { blockBits, pos, base, keysOut, targets, outWeights } = to;
  const mask = (1 << blockBits) - 1;
  if (weights) {
    let start = 0;
    for (const part of weights instanceof Float64Array ? [weights] : weights) {
      const end = Math.min(hi, start + part.length);
      for (let i = Math.max(lo, start); i < end; i++) {
        const k = keys[i]!;
        const b = base + (k >>> blockBits);
        const p = pos[b]!;
        pos[b] = p + 1;
        targets[p] = others[i]!;
        outWeights![p] = part[i - start]!;
        keysOut[p] = k & mask;
      }
      start += part.length;
    }
    return;
  }
  for (let i = lo; i < hi; i++) {
    const k = keys[i]!;
    const b = base + (k >>> blockBits);
    const p = pos[b]!;
    pos[b] = p + 1;
    targets[p] = others[i]!;
    keysOut[p] = k & mask;
  }
}

/** Weights given in parts as one column (a copy). */
export function joined(weights: Float64Array | WeightParts): Float64Array {
  if (weights instanceof Float64Array) return weights;
  const out = new Float64Array(weights.reduce((n, w) => n + w.length, 0));
  let at = 0;
  for (const w of weights) {
    out.set(w, at);
    at += w.length;
  }
  return out;
}

/** The arcs of tails [lo, hi) of a CSR keyed by head, read in tail order (so a stable grouping keeps rows sorted). */
export function scatterTranspose(
  to: BlockDestination,
  offsets: Offsets,
  heads: Int32Array,
  weights: Float64Array | undefined,
  lo: number,
  hi: number,
): void {
  const { blockBits, pos, base, keysOut, targets, outWeights } = to;
  const mask = (1 << blockBits) - 1;
  for (let u = lo; u < hi; u++) {
    const end = offsets[u + 1]!;
    for (let e = offsets[u]!; e < end; e++) {
      const k = heads[e]!;
      const b = base + (k >>> blockBits);
      const p = pos[b]!;
      pos[b] = p + 1;
      targets[p] = u;
      if (outWeights) outWeights[p] = weights![e]!;
      keysOut[p] = k & mask;
    }
  }
}

/** Counting sort of a block's arcs (output region lo..hi) into the scratch, by the top bits of their other end. */
function bucketByTopBits(
  lo: number,
  hi: number,
  others: Int32Array,
  weights: Float64Array | undefined,
  keys: Uint16Array | Int32Array,
  scratch: BlockScratch,
  shift: number,
  pos: Int32Array,
): void {
  countDigits(others, lo, hi, shift, pos);
  startsFromCounts(pos);
  scatterByDigit(others, weights, keys, lo, hi, shift, pos, scratch);
}

/*
 * Each loop of the counting sort is the whole of a function of its own. A big block's loop is optimised
 * on the stack (OSR) before the code after it has ever run; with that code in the same function, the
 * optimised loop met it without type feedback and deoptimised — and V8 kept the OSR code, so every big
 * block entered it and bailed out again: 1,221 deoptimisations in three R-MAT s20 loads (--trace-deopt),
 * the rest of each block's sort in the interpreter.
 */

function countDigits(others: Int32Array, lo: number, hi: number, shift: number, pos: Int32Array): void {
  pos.fill(0);
  for (let i = lo; i < hi; i++) {
    const digit = others[i]! >>> shift;
    pos[digit] = pos[digit]! + 1;
  }
}

function startsFromCounts(pos: Int32Array): void {
  let acc = 0;
  for (let d = 0; d < pos.length; d++) {
    const c = pos[d]!;
    pos[d] = acc;
    acc += c;
  }
}

function scatterByDigit(
  others: Int32Array,
  weights: Float64Array | undefined,
  keys: Uint16Array | Int32Array,
  lo: number,
  hi: number,
  shift: number,
  pos: Int32Array,
  to: BlockScratch,
): void {
  const { others: toOthers, weights: toWeights, keys: toKeys } = to;
  for (let i = lo; i < hi; i++) {
    const other = others[i]!;
    const digit = other >>> shift;
    const q = pos[digit]!;
    pos[digit] = q + 1;
    toOthers[q] = other;
    toKeys[q] = keys[i]!;
    if (toWeights) toWeights[q] = weights![i]!;
  }
}

/**
 * Insertion sort of a row that is already sorted by the top bits of its targets, so it moves few
 * elements. A budget of moves guards against rows whose targets share their top bits (a hub linked to
 * a dense id range): past it, the row is sorted with a packed native sort instead.
 */
function finishRow(targets: Int32Array, weights: Float64Array | undefined, lo: number, hi: number): void {
  let budget = 8 * (hi - lo) + 64;
  for (let i = lo + 1; i < hi; i++) {
    const t = targets[i]!;
    let j = i - 1;
    if (targets[j]! <= t) continue;
    const w = weights ? weights[i]! : 0;
    while (j >= lo && targets[j]! > t) {
      targets[j + 1] = targets[j]!;
      if (weights) weights[j + 1] = weights[j]!;
      j--;
    }
    targets[j + 1] = t;
    if (weights) weights[j + 1] = w;
    budget -= i - j;
    if (budget < 0) {
      sortRow(targets, weights, lo, hi);
      return;
    }
  }
}

const PACK = 2 ** 21;

/** Sorts `targets[lo..hi)` ascending, moving `weights` along, ties in their current order. */
function sortRow(targets: Int32Array, weights: Float64Array | undefined, lo: number, hi: number): void {
  const len = hi - lo;
  const oldTargets = targets.slice(lo, hi);
  const oldWeights = weights ? weights.slice(lo, hi) : undefined;
  let order: ArrayLike<number>;
  if (len < PACK) {
    // target * 2^21 + position < 2^52: exact doubles ordered by (target, position).
    const packed = new Float64Array(len);
    for (let i = 0; i < len; i++) packed[i] = oldTargets[i]! * PACK + i;
    packed.sort();
    for (let i = 0; i < len; i++) packed[i] = packed[i]! % PACK;
    order = packed;
  } else {
    order = Array.from({ length: len }, (_, i) => i).sort((a, b) => oldTargets[a]! - oldTargets[b]! || a - b);
  }
  for (let i = 0; i < len; i++) {
    targets[lo + i] = oldTargets[order[i]!]!;
    if (weights) weights[lo + i] = oldWeights![order[i]!]!;
  }
}

/** Stable counting sort of a block's arcs (in the scratch) by key, into their final CSR positions. */
function placeInRows(
  scratch: BlockScratch,
  size: number,
  first: number,
  last: number,
  offsets: Offsets,
  fill: Float64Array,
  targets: Int32Array,
  weights: Float64Array | undefined,
): void {
  for (let v = first; v < last; v++) fill[v - first] = offsets[v]!;
  const { others, weights: fromWeights, keys } = scratch;
  for (let i = 0; i < size; i++) {
    const k = keys[i]!;
    const p = fill[k]!;
    fill[k] = p + 1;
    targets[p] = others[i]!;
    if (weights) weights[p] = fromWeights![i]!;
  }
}
