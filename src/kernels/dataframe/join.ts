/**
 * The hash join kernel: joins a left frame and a right frame (each given as one or more chunks — a
 * broadcast side, or a shuffle partition's parts from every mapper) on key columns, for inner, left,
 * right and outer joins.
 *
 * Both sides' key columns are concatenated and factorized together, so a key's group id is the same on
 * both sides whatever the dictionaries (strings meet by text) and an int32 key meets an equal float64
 * one; right rows are bucketed by group (a counting sort), and each left row emits its group's right
 * rows in right order. A row with any null key never matches (SQL). Output: the keys (from whichever
 * side has the row; the merged dtype), then left's other columns, then right's, under `p.names`; a
 * missing side's columns are null. Rows come in left order, a left row's matches in right order, then
 * (right/outer) the right rows that matched nothing, in right order.
 */
import {
  columnOf, concatColumns, concatFrames, type FrameChunk, type FrameColumn, makeFrame, takeColumn,
} from '../../base/frame.js';
import { registerKernel } from '../registry.js';
import { factorize } from './factorize.js';
import { frameInputs, takeOrNull } from './gather.js';

export type JoinHow = 'inner' | 'left' | 'right' | 'outer';

export interface JoinParams {
  readonly on: readonly string[];
  readonly how: JoinHow;
  /** Left's columns other than the keys, then right's. */
  readonly leftOthers: readonly string[];
  readonly rightOthers: readonly string[];
  /** Output names: keys, left others, right others (suffixes already applied). */
  readonly names: readonly string[];
  /** How many of the inputs are left chunks (the rest are right's). */
  readonly nLeft: number;
  readonly part?: number;
}

/** 1 per row (of the concatenated keys) with a null in any key column; null when no key has a null. */
function nullRows(keys: readonly FrameColumn[], rows: number): Uint8Array | null {
  let mask: Uint8Array | null = null;
  for (const c of keys) {
    if (c.dtype === 'string') {
      for (let i = 0; i < rows; i++) if (c.codes[i]! < 0) (mask ??= new Uint8Array(rows))[i] = 1;
    } else if (c.valid !== null) {
      const valid = c.valid;
      for (let i = 0; i < rows; i++) if (valid[i] === 0) (mask ??= new Uint8Array(rows))[i] = 1;
    }
  }
  return mask;
}

export function hashJoin(left: FrameChunk, right: FrameChunk, p: JoinParams): FrameChunk {
  const nL = left.rows;
  const nR = right.rows;
  const keys = p.on.map((k) => concatColumns([columnOf(left, k), columnOf(right, k)]));
  const { ids, count } = factorize(keys, nL + nR);
  // A null-key row takes group `count`, which no right row is bucketed in: it never matches.
  const nulls = nullRows(keys, nL + nR);
  if (nulls !== null) for (let i = 0; i < nL + nR; i++) if (nulls[i] === 1) ids[i] = count;
  // Right rows bucketed by group: rows of group g are rRows[start[g] .. start[g+1]).
  const start = new Int32Array(count + 2);
  for (let r = 0; r < nR; r++) {
    const g = ids[nL + r]!;
    if (g < count) start[g + 1]!++;
  }
  for (let g = 0; g < count; g++) start[g + 1]! += start[g]!;
  start[count + 1] = start[count]!;
  const rRows = new Int32Array(start[count]!);
  const fill = start.slice(0, count);
  for (let r = 0; r < nR; r++) {
    const g = ids[nL + r]!;
    if (g < count) rRows[fill[g]!++] = r;
  }

  const keepLeft = p.how === 'left' || p.how === 'outer';
  const keepRight = p.how === 'right' || p.how === 'outer';
  // Count the output first, so the index arrays are allocated once at their size.
  let total = 0;
  const matched = keepRight ? new Uint8Array(count + 1) : null;
  for (let l = 0; l < nL; l++) {
    const g = ids[l]!;
    const m = start[g + 1]! - start[g]!;
    total += m === 0 ? (keepLeft ? 1 : 0) : m;
    if (matched !== null && m > 0) matched[g] = 1;
  }
  let unmatchedRight = 0;
  if (matched !== null) for (let r = 0; r < nR; r++) if (matched[ids[nL + r]!] === 0) unmatchedRight++;
  total += unmatchedRight;
  const leftIdx = new Int32Array(total);
  const rightIdx = new Int32Array(total);
  let o = 0;
  for (let l = 0; l < nL; l++) {
    const g = ids[l]!;
    const a = start[g]!;
    const b = start[g + 1]!;
    if (a === b) {
      if (keepLeft) (leftIdx[o] = l), (rightIdx[o++] = -1);
      continue;
    }
    for (let k = a; k < b; k++) (leftIdx[o] = l), (rightIdx[o++] = rRows[k]!);
  }
  if (matched !== null) {
    for (let r = 0; r < nR; r++) if (matched[ids[nL + r]!] === 0) (leftIdx[o] = -1), (rightIdx[o++] = r);
  }
  // A many-to-one join that keeps every left row once, in order (a fact table against a dimension table,
  // the common case), leaves left's columns as they are: no gather, the buffers are shared.
  let identity = total === nL;
  for (let i = 0; identity && i < total; i++) identity = leftIdx[i] === i;
  const gather = (c: FrameColumn, index: Int32Array): FrameColumn => (index.includes(-1) ? takeOrNull(c, index) : takeColumn(c, index));
  const keyIdx = identity ? leftIdx : new Int32Array(total);
  if (!identity) for (let i = 0; i < total; i++) keyIdx[i] = leftIdx[i]! >= 0 ? leftIdx[i]! : nL + rightIdx[i]!;
  const cols = [
    ...keys.map((c, j) => {
      const own = columnOf(left, p.on[j]!);
      return identity && own.dtype === c.dtype ? own : takeColumn(c, keyIdx);
    }),
    ...p.leftOthers.map((n) => (identity ? columnOf(left, n) : gather(columnOf(left, n), leftIdx))),
    ...p.rightOthers.map((n) => gather(columnOf(right, n), rightIdx)),
  ];
  return makeFrame(p.names, cols);
}

registerKernel<JoinParams>('frame.join', (inputs, p) => {
  const frames = frameInputs(inputs, p.part);
  return hashJoin(concatFrames(frames.slice(0, p.nLeft)), concatFrames(frames.slice(p.nLeft)), p);
});
