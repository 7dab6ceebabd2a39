/**
 * The full sum of a chunk whose expression broadcasts or reads a view (a fused `x.sub(m).div(s).sum()`,
 * a slice's sum): its values are evaluated one segment at a time into a small buffer that stays in
 * cache and summed there, instead of into a scratch copy of the whole chunk that is written to memory
 * and read back. The sum is bit-identical to the flat loop's over a stored chunk of the same values
 * (what fusion promises): segments are taken from the chunk's end, each but the last a whole number of
 * the flat sum's blocks, and the compensated running sum is carried from one to the next
 * (codegen.ts `resume`). The segment lies in a WebAssembly memory and is summed there in SIMD where it
 * can be (wasmSum.ts, the same additions in the same order): a slice's sum, rows copied in, took twice
 * as long as its max, most of it in the JavaScript loop over the segment. (A slice whose rows are a
 * multiple of four long is not copied at all: reduce.ts sums its rows where they lie.)
 */
import { compileLoop, type CompiledLoop, resumedTotal, SUM_BLOCK } from './codegen.js';
import { HELPERS } from './expr.js';
import { wasmSumSegment } from './wasmSum.js';

/** Elements per segment: 64 KiB of float64, written and read back while still in the core's cache. */
export const SEGMENT = 64 * SUM_BLOCK;

/** The loop as rows x columns: per input [row stride, column stride, first element]. */
export interface RowLayout {
  readonly rows: number;
  readonly cols: number;
  readonly strides: readonly (readonly [number, number, number])[];
}

/**
 * The loop shape's outer axes merged into one row axis, when every input's strides allow it (an input
 * broadcast along one outer axis but not another does not); null otherwise.
 */
export function rowLayout(shape: readonly number[], strides: readonly (readonly number[])[]): RowLayout | null {
  const nd = shape.length;
  const cols = shape[nd - 1]!;
  const rows = shape.slice(0, nd - 1).reduce((a, b) => a * b, 1);
  const merged: [number, number, number][] = [];
  for (const st of strides) {
    let rowStride = 0;
    let extent = 1;
    for (let d = nd - 2; d >= 0; d--) {
      if (shape[d] === 1) continue;
      if (extent === 1) rowStride = st[d]!;
      else if (st[d] !== rowStride * extent) return null;
      extent *= shape[d]!;
    }
    merged.push([rowStride, st[nd - 1]!, st[nd]!]);
  }
  return { rows, cols, strides: merged };
}

const IDENTITY = { t: 'in', i: 0, dtype: 'float64' } as const;
let buffer: Float64Array | undefined;

/**
 * Adds to acc[0] the sum of the `map` loop's values over `layout` (`map` an elementwise nd loop
 * compiled for these inputs, or null when the values are the one float64 input's own, read along
 * unit-stride rows: copied in, not evaluated), segment by segment from the end.
 */
export function sumBySegments(map: CompiledLoop | null, data: readonly ArrayLike<number>[], layout: RowLayout, fns: readonly ((x: number) => number)[], acc: Float64Array): void {
  const { rows, cols } = layout;
  const n = rows * cols;
  // In WebAssembly SIMD where it runs (the same additions in the same order: wasmSum.ts), else the loop.
  const wasm = wasmSumSegment(SEGMENT);
  const loop = wasm ? undefined : compileLoop({ expr: IDENTITY, nIn: 1, access: '1', mode: 'flat', reduce: 'sum', resume: true });
  const segment = wasm?.values ?? (buffer ??= new Float64Array(SEGMENT));
  const state = new Float64Array(2);
  /** Evaluates (or copies) `count` rows of `len` elements from (row, col) into segment[at ...]. */
  const evaluate = (row: number, col: number, count: number, len: number, at: number): void => {
    if (map === null) {
      const source = data[0] as Float64Array;
      const [rs, , base] = layout.strides[0]!;
      for (let r = 0; r < count; r++) {
        const from = base + (row + r) * rs + col;
        segment.set(source.subarray(from, from + len), at + r * len);
      }
      return;
    }
    const st = layout.strides.map(([rs, cs, base]) => [rs, cs, base + row * rs + col * cs]);
    map(data, st, [count, len], [], segment.subarray(at), null, null, 0, fns, HELPERS);
  };
  for (let hi = n; hi > 0; hi -= SEGMENT) {
    const lo = Math.max(0, hi - SEGMENT);
    let e = lo;
    while (e < hi) {
      const row = Math.floor(e / cols);
      const col = e - row * cols;
      if (col === 0 && hi - e >= cols) {
        const count = Math.floor((hi - e) / cols);
        evaluate(row, 0, count, cols, e - lo);
        e += count * cols;
      } else {
        const len = Math.min(cols - col, hi - e);
        evaluate(row, col, 1, len, e - lo);
        e += len;
      }
    }
    if (wasm) wasm.sum(hi - lo, state);
    else loop!([segment], [[1, 0]], [hi - lo], [], acc, state, null, 0, [], HELPERS);
  }
  acc[0] = acc[0]! + resumedTotal(state);
}
