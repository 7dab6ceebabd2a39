/**
 * A chunk reduced in blocks of rows (slices along the loop's first axis) small enough to stay in the
 * core's L2 cache, so a kernel that reads its input twice — var/std's mean, then its squared
 * deviations — takes it from memory once. A block is the same inputs read over a shorter loop: a
 * contiguous input becomes the subarray of its rows, a viewed one the same view moved to the block's
 * first row, and an input broadcast along the first axis (or a single value) is read as it is.
 */
import type { ArrayData } from '../../base/ndarray.js';
import { sizeOf } from '../../base/shape.js';
import { ROWS_PER_PASS } from './codegen.js';
import type { InputView } from './layout.js';

/**
 * Elements of the loop one block covers (all its inputs' reads together stay under ~1 MiB, the L2 of
 * the cores we measured on). Below twice this a chunk is not split: it is cached already.
 */
export const BLOCK_ELEMENTS = 64 * 1024;

export interface RowBlock {
  readonly first: number;
  readonly rows: number;
  /** The loop shape of the block: the first axis cut to `rows`. */
  readonly shape: readonly number[];
  readonly inputs: readonly ArrayData[];
}

type Viewed = ArrayData & { readonly view?: InputView };

/** Rows per block for a loop shape, or 0 when the chunk is not worth splitting (small, or one row). */
export function rowsPerBlock(shape: readonly number[], arrays: number): number {
  if (shape.length === 0 || shape[0]! < 2) return 0;
  const perBlock = BLOCK_ELEMENTS / Math.max(1, arrays);
  if (sizeOf(shape) < 2 * perBlock) return 0;
  const rowElements = sizeOf(shape.slice(1));
  const fit = Math.floor(perBlock / Math.max(1, rowElements));
  // Whole passes of the column loop (codegen.ts ROWS_PER_PASS): a row left over costs three times as much.
  const rows = fit >= ROWS_PER_PASS ? fit - (fit % ROWS_PER_PASS) : fit;
  return rows >= 1 && rows < shape[0]! ? rows : 0;
}

/** The inputs read over rows [first, first + rows) of the loop shape `shape`. */
export function blockInputs(inputs: readonly ArrayData[], shape: readonly number[], first: number, rows: number): ArrayData[] {
  const along = (x: { readonly shape: readonly number[] }): boolean => x.shape.length === shape.length && x.shape[0] === shape[0];
  return inputs.map((x) => {
    const v = (x as Viewed).view;
    if (v) {
      if (!along(v)) return x;
      const view: InputView = { shape: [rows, ...v.shape.slice(1)], strides: v.strides, offset: v.offset + first * v.strides[0]! };
      return { dtype: x.dtype, shape: view.shape, data: x.data, view } satisfies Viewed;
    }
    if (x.data.length === 1 || !along(x)) return x;
    const rowElements = sizeOf(x.shape.slice(1));
    return { dtype: x.dtype, shape: [rows, ...x.shape.slice(1)], data: x.data.subarray(first * rowElements, (first + rows) * rowElements) };
  });
}

/** The blocks of rows of a loop shape, in order (one block of every row when it is not worth splitting). */
export function* rowBlocks(inputs: readonly ArrayData[], shape: readonly number[]): Generator<RowBlock> {
  const arrays = inputs.filter((x) => x.data.length > 1).length;
  const per = rowsPerBlock(shape, arrays);
  if (per === 0) {
    yield { first: 0, rows: shape[0] ?? 1, shape, inputs };
    return;
  }
  for (let first = 0; first < shape[0]!; first += per) {
    const rows = Math.min(per, shape[0]! - first);
    yield { first, rows, shape: [rows, ...shape.slice(1)], inputs: blockInputs(inputs, shape, first, rows) };
  }
}
