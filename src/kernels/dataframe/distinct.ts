/**
 * Kernels of drop-duplicates and value counts.
 *
 * Drop-duplicates keeps each key's first row in frame order and keeps the frame's row order, so it
 * works on row *positions*: `frame.distinct.partial` lists each chunk's first row per key (keys, chunk
 * number `\0chunk`, row `\0row`); `frame.distinct.combine` merges such lists (concatenated in frame
 * order, so the first entry of a key is its first row in the frame); `frame.distinct.filter` keeps the
 * rows of one input chunk that the merged lists name — output chunk i is input chunk i thinned, so the
 * answer keeps the frame's order whichever way the lists were merged (tree or shuffle).
 *
 * `frame.valueCounts.sort` turns a group-by size into pandas' `value_counts()`: nulls dropped (pandas'
 * default `dropna=True`), sorted by count descending, ties by value ascending.
 */
import {
  allocInt32, columnOf, concatFrames, type FrameChunk, makeFrame, takeColumn, takeRows,
} from '../../base/frame.js';
import { registerKernel } from '../registry.js';
import { factorize } from './factorize.js';
import { compactDicts, frameInputs, int32Column, intValues } from './gather.js';
import { anyNullAt, keyColumns, rowComparator } from './hashKeys.js';

export const CHUNK_COL = '\0chunk';
export const ROW_COL = '\0row';

export interface DistinctParams {
  readonly keys: readonly string[];
  /** The input chunk's position (partial, filter). */
  readonly chunk?: number;
  readonly part?: number;
}

export function distinctPartial(chunk: FrameChunk, p: DistinctParams): FrameChunk {
  const keys = keyColumns(chunk, p.keys);
  const { first } = factorize(keys, chunk.rows);
  return compactDicts(makeFrame(
    [...p.keys, CHUNK_COL, ROW_COL],
    [...keys.map((c) => takeColumn(c, first)), int32Column(allocInt32(first.length).fill(p.chunk ?? 0)), int32Column(first.slice())],
  ));
}

export function distinctCombine(frames: readonly FrameChunk[], p: DistinctParams): FrameChunk {
  const cat = concatFrames(frames);
  const { first } = factorize(keyColumns(cat, p.keys), cat.rows);
  return takeRows(cat, first);
}

/** The rows of `chunk` (input chunk `p.chunk`) that the merged first-row lists name, in order. */
export function distinctFilter(chunk: FrameChunk, lists: readonly FrameChunk[], p: DistinctParams): FrameChunk {
  const keep = new Uint8Array(chunk.rows);
  for (const list of lists) {
    const c = intValues(columnOf(list, CHUNK_COL));
    const r = intValues(columnOf(list, ROW_COL));
    for (let i = 0; i < list.rows; i++) if (c[i] === p.chunk) keep[r[i]!] = 1;
  }
  let n = 0;
  for (let i = 0; i < keep.length; i++) n += keep[i]!;
  const index = new Int32Array(n);
  n = 0;
  for (let i = 0; i < keep.length; i++) if (keep[i] === 1) index[n++] = i;
  return takeRows(chunk, index);
}

/** Value counts from group-by output chunks (`column`, `count`): nulls dropped, count desc, value asc. */
export function valueCountsSort(frames: readonly FrameChunk[], column: string): FrameChunk {
  const all = concatFrames(frames);
  const key = [columnOf(all, column)];
  const counts = intValues(columnOf(all, 'count'));
  const rows: number[] = [];
  for (let i = 0; i < all.rows; i++) if (!anyNullAt(key, i)) rows.push(i);
  const byValue = rowComparator(key);
  rows.sort((a, b) => counts[b]! - counts[a]! || byValue(a, b));
  return takeRows(all, Int32Array.from(rows));
}

registerKernel<DistinctParams>('frame.distinct.partial', (inputs, p) => distinctPartial(frameInputs(inputs, undefined)[0]!, p));
registerKernel<DistinctParams>('frame.distinct.combine', (inputs, p) => distinctCombine(frameInputs(inputs, p.part), p));
registerKernel<DistinctParams>('frame.distinct.filter', (inputs, p) => {
  const [chunk, ...lists] = frameInputs(inputs, undefined);
  return distinctFilter(chunk!, lists, p);
});
registerKernel<{ column: string }>('frame.valueCounts.sort', (inputs, p) => valueCountsSort(frameInputs(inputs, undefined), p.column));
