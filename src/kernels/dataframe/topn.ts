/**
 * Top-n: the first n rows of a stable sort, without sorting everything. A chunk keeps its n best rows
 * in a bounded max-heap ordered by (key words, row index) — O(rows·log n) compares of small integers,
 * and the row index makes ties go to the earlier row, so the result equals `sortValues(...).head(n)`.
 * When n is a sizeable share of the rows a full radix sort (linear) is cheaper, and is used instead.
 *
 * `frame.topn` takes one or more frames: the leaves of ops/dataframe/sort.ts's tree get one input
 * chunk, the merge levels get up to four earlier results in chunk order; concatenating them in that
 * order and taking the top n again keeps ties in chunk order.
 */
import { concatFrames, sliceRows, takeRows, type FrameChunk } from '../../base/frame.js';
import { registerKernel } from '../registry.js';
import { encodeKeys, type KeyWords, type SortKeys } from './compareRows.js';
import { sortFrame } from './sort.js';

/** Above this share of the rows (n·SHARE ≥ rows), top-n sorts everything: radix is linear. */
const SHARE = 8;

/** Whether row a sorts after row b (keys, then position). */
function after(words: KeyWords, a: number, b: number): boolean {
  for (let w = 0; w < words.length; w++) {
    const col = words[w];
    if (col === null || col === undefined) continue;
    const d = col[a]! - col[b]!;
    if (d !== 0) return d > 0;
  }
  return a > b;
}

/** Indices (ascending) of the n rows that sort first, kept with a max-heap of the best n so far. */
export function selectTop(words: KeyWords, rows: number, n: number): Int32Array {
  const heap = new Int32Array(n);
  let size = 0;
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      const r = l + 1;
      const big = r < size && after(words, heap[r]!, heap[l]!) ? r : l;
      if (!after(words, heap[big]!, heap[i]!)) return;
      const t = heap[i]!;
      heap[i] = heap[big]!;
      heap[big] = t;
      i = big;
    }
  };
  for (let row = 0; row < rows; row++) {
    if (size < n) {
      let i = size++;
      heap[i] = row;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!after(words, heap[i]!, heap[parent]!)) break;
        const t = heap[i]!;
        heap[i] = heap[parent]!;
        heap[parent] = t;
        i = parent;
      }
    } else if (n > 0 && after(words, heap[0]!, row)) {
      heap[0] = row;
      siftDown(0);
    }
  }
  return heap.subarray(0, size).sort();
}

/** The first n rows of the chunk in stable key order. */
export function topN(chunk: FrameChunk, keys: SortKeys, n: number): FrameChunk {
  if (n <= 0) return sliceRows(chunk, 0, 0);
  if (n * SHARE >= chunk.rows) {
    const sorted = sortFrame(chunk, keys);
    // A copy of the head, not a view, so the full sorted chunk is not kept alive by the result.
    return n >= sorted.rows ? sorted : takeRows(sorted, Int32Array.from({ length: n }, (_, i) => i));
  }
  const chosen = selectTop(encodeKeys(chunk, keys), chunk.rows, n);
  return sortFrame(takeRows(chunk, chosen), keys);
}

registerKernel<SortKeys & { n: number }>('frame.topn', (inputs, params) =>
  topN(concatFrames(inputs as FrameChunk[]), params, params.n),
);
