/**
 * Running a compiled reduction loop over a chunk's inputs (flat when every input allows it, nd
 * otherwise), and the float64 accumulators the reduction kernels fill. A full max/min of a chunk that
 * lies in a WebAssembly memory is read there in SIMD instead (wasmExtreme.ts), and so are the sums
 * along its rows (wasmSum.ts), adding in the loop's own order.
 */
import { type ArrayData, allocate } from '../../base/ndarray.js';
import { sizeOf } from '../../base/shape.js';
import { compileLoop, type ReduceKind } from './codegen.js';
import { HELPERS } from './expr.js';
import { type InputPlan, type InputView, planInputs, reducedStrides } from './layout.js';
import type { ReduceMapParams } from './reduce.js';
import { compileUserFunctions } from './userfn.js';
import { wasmExtreme } from './wasmExtreme.js';
import { wasmRowSum } from './wasmSum.js';

export type F64 = Float64Array;

export function filled(n: number, v: number): F64 {
  const a = allocate('float64', n) as F64;
  if (v !== 0) a.fill(v);
  return a;
}

export function copy(a: F64): F64 {
  const out = allocate('float64', a.length) as F64;
  out.set(a);
  return out;
}

/** `split`: a sum keeps its low part in `aux` (codegen.ts LoopSpec.split). */
export function runLoop(kind: ReduceKind, p: ReduceMapParams, ins: readonly ArrayData[], acc: F64, aux: F64 | null, split = false): void {
  const loopShape = p.shape.length === 0 ? [1] : p.shape;
  const axes = p.shape.length === 0 ? [0] : p.axes;
  const full = axes.length === loopShape.length;
  if ((kind === 'max' || kind === 'min') && full && ins.length === 1 && p.expr.t === 'in' && inPlaceExtreme(kind, ins[0]!, sizeOf(loopShape), acc)) return;
  const plan = planInputs(ins, loopShape);
  if (kind === 'sum' && !split && ins.length === 1 && p.expr.t === 'in' && inPlaceRowSums(plan, axes, full, ins[0]!.data, acc)) return;
  const arg = kind === 'argmin' || kind === 'argmax';
  const fns = compileUserFunctions(p.fns);
  const data = ins.map((x) => x.data);
  if (plan.flat && full && !arg) {
    compileLoop({ expr: p.expr, nIn: ins.length, access: plan.flatAccess, mode: 'flat', reduce: kind, split })(
      data, plan.strides, plan.shape, [], acc, aux, null, 0, fns, HELPERS);
    return;
  }
  const innerReduced = axes.includes(loopShape.length - 1);
  const loop = compileLoop({ expr: p.expr, nIn: ins.length, access: plan.ndAccess, mode: 'nd', reduce: kind, innerReduced, split });
  const gst = arg ? (p.gstrides && p.gstrides.length > 0 ? p.gstrides : [0]) : null;
  loop(data, plan.strides, plan.shape, reducedStrides(plan.shape, axes), acc, aux, gst, p.gbase ?? 0, fns, HELPERS);
}

/**
 * A full max/min of one float64 input — a chunk, or a view of one whose rows are contiguous — read in
 * place in WebAssembly when the chunk lies in a WebAssembly memory (wasmExtreme.ts). False when it does
 * not apply, or when a NaN or a zero extreme needs the exact loop's tie rules.
 */
function inPlaceExtreme(kind: 'max' | 'min', x: ArrayData & { readonly view?: InputView }, size: number, acc: F64): boolean {
  if (!(x.data instanceof Float64Array)) return false;
  const rows = rowsOf(x);
  // The input read whole, not broadcast over a bigger loop.
  if (!rows || rows.rows * rows.cols !== size) return false;
  const found = wasmExtreme(kind, x.data, rows.offset, rows.rows, rows.cols, rows.stride);
  if (found === undefined || found !== found) return false;
  const before = acc[0]!;
  if (before === before && (kind === 'max' ? found > before : found < before)) acc[0] = found;
  return true;
}

/** `x` as rows of contiguous elements (axes of extent 1 dropped), or undefined when it is not. */
function rowsOf(x: ArrayData & { readonly view?: InputView }): { offset: number; rows: number; cols: number; stride: number } | undefined {
  if (!x.view) return { offset: 0, rows: 1, cols: x.data.length, stride: 0 };
  const { shape, strides, offset } = x.view;
  const axes = shape.map((e, a) => [e, strides[a]!] as const).filter(([e]) => e !== 1);
  if (axes.length === 0) return { offset, rows: 1, cols: 1, stride: 0 };
  const [cols, unit] = axes[axes.length - 1]!;
  if (unit !== 1 || axes.length > 2) return undefined;
  if (axes.length === 1) return { offset, rows: 1, cols, stride: 0 };
  const [rows, stride] = axes[0]!;
  return stride >= cols ? { offset, rows, cols, stride } : undefined;
}

/**
 * A sum of one float64 input as it is, in a WebAssembly memory, along unit-stride rows — the flat loop
 * over a whole chunk (one row), or the nd loop with the last axis reduced — read in place by wasmSum.ts,
 * which adds in the loop's order: each row's total met with its output as the loop meets it
 * (`out = out + total`), the rows in the loop's walk, from the last position down. False when it does
 * not apply.
 */
function inPlaceRowSums(plan: InputPlan, axes: readonly number[], full: boolean, data: ArrayData['data'], acc: F64): boolean {
  if (!(data instanceof Float64Array)) return false;
  const { shape } = plan;
  const nd = shape.length;
  const strides = plan.strides[0]!;
  if (plan.flat && full) {
    // A single value the flat loop broadcasts over the chunk is not a row.
    if (data.length !== sizeOf(shape)) return false;
    const rowSum = wasmRowSum(data);
    if (!rowSum) return false;
    acc[0] = acc[0]! + rowSum(0, data.length);
    return true;
  }
  if (!axes.includes(nd - 1) || strides[nd - 1] !== 1) return false;
  const rowSum = wasmRowSum(data);
  if (!rowSum) return false;
  const walk = rowWalk(shape, strides, axes);
  if (walk) sumRowsDown(rowSum, acc, walk);
  return true;
}

/**
 * The outer axes of a row walk in typed arrays: shapes and strides reach a kernel as arrays of whatever
 * element kind their sender made (small integers, or doubles after a division), and a hot loop reading
 * both kinds was optimised, thrown away and optimised again up to eight times in a benchmark's first
 * runs — each a compile on a background thread that took a core from the kernels on a 2-core machine.
 * Undefined when the walk is empty.
 */
interface RowWalk {
  readonly extents: Int32Array;
  readonly inStrides: Int32Array;
  readonly outStrides: Int32Array;
  readonly base: number;
  readonly inner: number;
}

function rowWalk(shape: readonly number[], strides: readonly number[], axes: readonly number[]): RowWalk | undefined {
  if (sizeOf(shape) === 0) return undefined;
  const outer = shape.length - 1;
  const typed = (a: readonly number[]): Int32Array => new Int32Array(a.slice(0, outer));
  // The keepdims output's strides over the loop shape are zero along reduced axes.
  return { extents: typed(shape), inStrides: typed(strides), outStrides: typed(reducedStrides(shape, axes)), base: strides[outer + 1]!, inner: shape[outer]! };
}

/** codegen.ts's downOdometer over the outer axes: the last outer axis moves first, each from its end down. */
function sumRowsDown(rowSum: (offset: number, count: number) => number, acc: F64, walk: RowWalk): void {
  const { extents, inStrides, outStrides, inner } = walk;
  const outer = extents.length;
  const idx = new Int32Array(outer);
  let base = walk.base;
  let at = 0;
  for (let d = 0; d < outer; d++) {
    const last = extents[d]! - 1;
    idx[d] = last;
    base += last * inStrides[d]!;
    at += last * outStrides[d]!;
  }
  for (;;) {
    acc[at] = acc[at]! + rowSum(base, inner);
    let d = outer - 1;
    for (; d >= 0; d--) {
      base -= inStrides[d]!;
      at -= outStrides[d]!;
      if (--idx[d]! >= 0) break;
      const extent = extents[d]!;
      base += inStrides[d]! * extent;
      at += outStrides[d]! * extent;
      idx[d] = extent - 1;
    }
    if (d < 0) return;
  }
}
