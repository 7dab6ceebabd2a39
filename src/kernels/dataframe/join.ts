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
import { columnOf, concatColumns, concatFrames, type FrameChunk, makeFrame, takeColumn } from '../../base/frame.js';
import { registerKernel } from '../registry.js';
import { factorize } from './factorize.js';
import { frameInputs, takeOrNull } from './gather.js';
import { anyNullAt } from './hashKeys.js';

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

/** Grows an Int32Array list. */
class IntList {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  done(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

export function hashJoin(left: FrameChunk, right: FrameChunk, p: JoinParams): FrameChunk {
  const nL = left.rows;
  const nR = right.rows;
  const keys = p.on.map((k) => concatColumns([columnOf(left, k), columnOf(right, k)]));
  const { ids, count } = factorize(keys, nL + nR);
  const hasNull = (i: number): boolean => anyNullAt(keys, i);
  // Right rows bucketed by group: rows of group g are rRows[start[g] .. start[g+1]).
  const start = new Int32Array(count + 1);
  for (let r = 0; r < nR; r++) if (!hasNull(nL + r)) start[ids[nL + r]! + 1]!++;
  for (let g = 0; g < count; g++) start[g + 1]! += start[g]!;
  const rRows = new Int32Array(start[count]!);
  const fill = start.slice(0, count);
  for (let r = 0; r < nR; r++) if (!hasNull(nL + r)) rRows[fill[ids[nL + r]!]!++] = r;

  const keepLeft = p.how === 'left' || p.how === 'outer';
  const keepRight = p.how === 'right' || p.how === 'outer';
  const matched = keepRight ? new Uint8Array(count) : null;
  const li = new IntList();
  const ri = new IntList();
  for (let l = 0; l < nL; l++) {
    const g = hasNull(l) ? -1 : ids[l]!;
    const a = g < 0 ? 0 : start[g]!;
    const b = g < 0 ? 0 : start[g + 1]!;
    if (a === b) {
      if (keepLeft) (li.push(l), ri.push(-1));
      continue;
    }
    if (matched !== null) matched[g] = 1;
    for (let k = a; k < b; k++) (li.push(l), ri.push(rRows[k]!));
  }
  if (keepRight) {
    for (let r = 0; r < nR; r++) {
      if (hasNull(nL + r) || matched![ids[nL + r]!] === 0) (li.push(-1), ri.push(r));
    }
  }
  const leftIdx = li.done();
  const rightIdx = ri.done();
  const keyIdx = new Int32Array(leftIdx.length);
  for (let i = 0; i < keyIdx.length; i++) keyIdx[i] = leftIdx[i]! >= 0 ? leftIdx[i]! : nL + rightIdx[i]!;
  const cols = [
    ...keys.map((c) => takeColumn(c, keyIdx)),
    ...p.leftOthers.map((n) => takeOrNull(columnOf(left, n), leftIdx)),
    ...p.rightOthers.map((n) => takeOrNull(columnOf(right, n), rightIdx)),
  ];
  return makeFrame(p.names, cols);
}

registerKernel<JoinParams>('frame.join', (inputs, p) => {
  const frames = frameInputs(inputs, p.part);
  return hashJoin(concatFrames(frames.slice(0, p.nLeft)), concatFrames(frames.slice(p.nLeft)), p);
});
