/**
 * Shuffle mappers: split a chunk into P parts by its key columns so that equal keys from any chunk land
 * in the same part — by hash (merge, drop-duplicates: any balanced split will do) or by key range
 * (group-by: each reducer's output is sorted, and the ranges are in order, so the concatenated
 * partitions are the globally sorted answer pandas gives). Range pivots come from a regular sample of
 * every chunk (`frame.sample`), sorted once (`frame.pivots`), as in PSRS.
 */
import { concatFrames, type FrameChunk, makeFrame, takeRows } from '../../base/frame.js';
import { dictSize } from '../../base/utf8Dict.js';
import { registerKernel } from '../registry.js';
import { compactDicts, type FrameParts, frameInputs } from './gather.js';
import { compareAcross, hashRows, keyColumns, sortedRows } from './hashKeys.js';

export interface PartitionParams {
  readonly keys: readonly string[];
  readonly parts: number;
}

/** Splits rows by a part number per row, keeping each part's rows in order. */
export function splitByPart(chunk: FrameChunk, partOf: Int32Array, parts: number): FrameParts {
  const counts = new Int32Array(parts + 1);
  for (let i = 0; i < chunk.rows; i++) counts[partOf[i]! + 1]!++;
  for (let p = 0; p < parts; p++) counts[p + 1]! += counts[p]!;
  const order = new Int32Array(chunk.rows);
  const at = counts.slice(0, parts);
  for (let i = 0; i < chunk.rows; i++) order[at[partOf[i]!]!++] = i;
  const out: FrameChunk[] = [];
  for (let p = 0; p < parts; p++) out.push(compactDicts(takeRows(chunk, order.subarray(counts[p]!, counts[p + 1]!))));
  return { kind: 'frameParts', parts: out };
}

/** Part of each row by hash of its keys (the same hash in every chunk: see hashKeys.ts). */
export function hashPartition(chunk: FrameChunk, p: PartitionParams): FrameParts {
  const h = hashRows(keyColumns(chunk, p.keys), chunk.rows);
  const partOf = new Int32Array(chunk.rows);
  for (let i = 0; i < chunk.rows; i++) partOf[i] = (h[i]! >>> 0) % p.parts;
  return splitByPart(chunk, partOf, p.parts);
}

/** Up to `size` rows of the key columns, evenly spaced through the chunk. */
export function sampleKeys(chunk: FrameChunk, keys: readonly string[], size: number): FrameChunk {
  const keyFrame = makeFrame(keys, keyColumns(chunk, keys));
  const n = Math.min(size, chunk.rows);
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = Math.floor(((i + 0.5) * chunk.rows) / n);
  return takeRows(keyFrame, index);
}

/** P-1 pivots (rows of the keys) cutting the pooled samples into P nearly equal runs. */
export function pivotsOf(samples: readonly FrameChunk[], p: PartitionParams): FrameChunk {
  const all = concatFrames(samples);
  const order = sortedRows(keyColumns(all, p.keys), all.rows);
  const index = new Int32Array(all.rows === 0 ? 0 : p.parts - 1);
  for (let i = 0; i < index.length; i++) index[i] = order[Math.floor(((i + 1) * all.rows) / p.parts)]!;
  return takeRows(all, index);
}

/** Part of each row by key range: the number of pivots at or below it (equal keys share a part). */
export function rangePartition(chunk: FrameChunk, pivots: FrameChunk, p: PartitionParams): FrameParts {
  const cols = keyColumns(chunk, p.keys);
  const piv = keyColumns(pivots, p.keys);
  const partOf = new Int32Array(chunk.rows);
  const c0 = cols[0]!;
  const partAt = (i: number): number => {
    let lo = 0;
    let hi = pivots.rows;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareAcross(piv, mid, cols, i) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  if (cols.length === 1 && c0.dtype === 'string') {
    // One string key: place each dictionary entry once, then every row by its code.
    const byCode = new Int32Array(dictSize(c0.dict) + 1).fill(-1);
    for (let i = 0; i < chunk.rows; i++) {
      const s = c0.codes[i]! + 1;
      if (byCode[s]! < 0) byCode[s] = partAt(i);
      partOf[i] = byCode[s]!;
    }
  } else {
    for (let i = 0; i < chunk.rows; i++) partOf[i] = partAt(i);
  }
  return splitByPart(chunk, partOf, p.parts);
}

registerKernel<PartitionParams>('frame.partition.hash', (inputs, p) => hashPartition(frameInputs(inputs, undefined)[0]!, p));
registerKernel<PartitionParams>('frame.partition.range', (inputs, p) => {
  const [chunk, pivots] = frameInputs(inputs, undefined);
  return rangePartition(chunk!, pivots!, p);
});
registerKernel<{ keys: readonly string[]; size: number }>('frame.sample', (inputs, p) => sampleKeys(frameInputs(inputs, undefined)[0]!, p.keys, p.size));
registerKernel<PartitionParams>('frame.pivots', (inputs, p) => pivotsOf(frameInputs(inputs, undefined), p));
