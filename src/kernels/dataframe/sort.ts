/**
 * Sort kernels: the local stable sort of a chunk and the three small kernels PSRS (parallel sorting by
 * regular sampling, ops/dataframe/sort.ts) adds around it — regular samples of a sorted chunk, pivots
 * from all samples, and the piece of a sorted chunk that falls between two pivots. A partition's
 * pieces are merged by `frame.sort.merge`: concatenated in chunk order and sorted again with the
 * stable radix sort, which is linear and keeps ties in chunk order, i.e. in frame order.
 *
 * A sorted chunk's string key columns have sorted dictionaries (code = rank), so a later kernel can
 * place a pivot string among them with one binary search instead of sorting the dictionary again.
 */
import {
  concatFrames, makeFrame, sliceRows, takeRows, valueAt, type FrameChunk, type FrameColumn,
} from '../../base/frame.js';
import { registerKernel } from '../registry.js';
import {
  encodeKeys, encodeValue, isSortedDictionary, rankDictionary, wordCount, type SortKeys,
} from './compareRows.js';
import { radixArgsort } from './radix.js';

/** Rewrites a string column so its dictionary is sorted by code point (codes become ranks). */
function withSortedDictionary(c: FrameColumn): FrameColumn {
  if (c.dtype !== 'string' || isSortedDictionary(c.dict)) return c;
  const { sorted, rank } = rankDictionary(c.dict);
  const src = c.codes;
  const codes = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const k = src[i]!;
    codes[i] = k < 0 ? -1 : rank[k]!;
  }
  return { dtype: 'string', codes, dict: sorted };
}

/** The chunk's rows in key order, stably; string key columns come out with sorted dictionaries. */
export function sortFrame(chunk: FrameChunk, keys: SortKeys): FrameChunk {
  const columns = chunk.columns.map((c, j) => (keys.by.includes(chunk.names[j]!) ? withSortedDictionary(c) : c));
  const normalized: FrameChunk = { ...chunk, columns };
  const perm = radixArgsort(encodeKeys(normalized, keys), chunk.rows);
  let identity = true;
  for (let i = 0; i < perm.length && identity; i++) identity = perm[i] === i;
  return identity ? normalized : takeRows(normalized, perm);
}

/** The key columns of a chunk, alone. */
export function keyColumns(chunk: FrameChunk, by: readonly string[]): FrameChunk {
  return makeFrame(by, by.map((name) => chunk.columns[chunk.names.indexOf(name)]!));
}

/** Rows at regular positions floor(j·rows/count), j < count — PSRS's regular sample. */
export function regularSample(chunk: FrameChunk, count: number): Int32Array {
  const m = Math.min(count, chunk.rows);
  const index = new Int32Array(m);
  for (let j = 0; j < m; j++) index[j] = Math.floor((j * chunk.rows) / m);
  return index;
}

/**
 * Pivots for `parts` partitions: parts-1 rows at regular positions of the sorted samples (fewer when
 * there are fewer samples; the partitions past the last pivot are then empty).
 */
export function pickPivots(samples: FrameChunk, keys: SortKeys, parts: number): FrameChunk {
  const sorted = sortFrame(samples, keys);
  const m = sorted.rows;
  const count = Math.min(parts - 1, m);
  const index = new Int32Array(count);
  for (let j = 0; j < count; j++) index[j] = Math.min(m - 1, Math.floor(((j + 1) * m) / parts));
  return takeRows(sorted, index);
}

/** Index of the first row of the sorted chunk that sorts after pivot row `p` (an upper bound). */
function upperBound(chunk: FrameChunk, keys: SortKeys, pivots: FrameChunk, p: number): number {
  const cols = keys.by.map((name) => chunk.columns[chunk.names.indexOf(name)]!);
  const width = cols.reduce((s, c) => s + wordCount(c), 0);
  const pivot = new Array<number>(width);
  const row = new Array<number>(width);
  let at = 0;
  cols.forEach((c, j) => {
    encodeValue(c, keys.ascending[j]!, valueAt(pivots.columns[j]!, p), pivot, at);
    at += wordCount(c);
  });
  let lo = 0;
  let hi = chunk.rows;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    let w = 0;
    cols.forEach((c, j) => {
      encodeValue(c, keys.ascending[j]!, valueAt(c, mid), row, w);
      w += wordCount(c);
    });
    let cmp = 0;
    for (let k = 0; k < width && cmp === 0; k++) cmp = row[k]! - pivot[k]!;
    if (cmp <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rows of a sorted chunk in partition `part`: after pivot part-1 and up to pivot part inclusive. A key
 * equal to a pivot always goes to the same partition whatever its chunk, so equal keys stay together
 * and the merge keeps them in chunk order.
 */
export function pieceOf(chunk: FrameChunk, pivots: FrameChunk, keys: SortKeys, part: number): FrameChunk {
  const np = pivots.rows;
  const lo = part === 0 ? 0 : part - 1 < np ? upperBound(chunk, keys, pivots, part - 1) : chunk.rows;
  const hi = part < np ? upperBound(chunk, keys, pivots, part) : chunk.rows;
  return sliceRows(chunk, lo, Math.max(lo, hi));
}

/** Merges one partition's pieces (given in chunk order) into a sorted chunk. */
export function mergePieces(pieces: readonly FrameChunk[], keys: SortKeys): FrameChunk {
  const nonEmpty = pieces.filter((p) => p.rows > 0);
  if (nonEmpty.length === 0) return pieces[0]!;
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  return sortFrame(concatFrames(nonEmpty), keys);
}

function frames(inputs: readonly unknown[]): FrameChunk[] {
  return inputs as FrameChunk[];
}

registerKernel<SortKeys>('frame.sort', (inputs, keys) => sortFrame(frames(inputs)[0]!, keys));

registerKernel<{ by: string[]; count: number }>('frame.sort.sample', (inputs, { by, count }) => {
  const chunk = frames(inputs)[0]!;
  return takeRows(keyColumns(chunk, by), regularSample(chunk, count));
});

registerKernel<SortKeys & { parts: number }>('frame.sort.pivots', (inputs, params) =>
  pickPivots(concatFrames(frames(inputs)), params, params.parts),
);

registerKernel<SortKeys & { part: number }>('frame.sort.piece', (inputs, params) => {
  const [chunk, pivots] = frames(inputs);
  return pieceOf(chunk!, pivots!, params, params.part);
});

registerKernel<SortKeys>('frame.sort.merge', (inputs, keys) => mergePieces(frames(inputs), keys));
