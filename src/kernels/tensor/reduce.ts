/**
 * Tree-reduction kernels. `map` reduces one chunk (evaluating a fused elementwise expression on the
 * fly, so `(x*2+y).sum()` reads x and y once and writes nothing but the partial) into a *partial*;
 * `combine` merges partials of neighbouring chunks; `final` merges and turns the partial into the
 * result dtype and shape. Partials keep the reduced axes as extent 1 and always hold float64, so
 * every level of the tree accumulates at full precision whatever the input dtype.
 *
 * Partials: plain sums/products/extremes/flags are an `ArrayData`; `mean` adds a count; `var`/`std`
 * carry (count, mean, M2) merged with Chan's parallel formula; `argmin`/`argmax` carry the best value
 * and its global index (ties and NaNs resolve to the first occurrence, as in NumPy).
 */
import type { DType } from '../../base/dtypes.js';
import { type ArrayData, allocate } from '../../base/ndarray.js';
import { borrowScratch, giveBack } from '../../base/scratchPool.js';
import { sizeOf } from '../../base/shape.js';
import { registerInPlaceReader, registerKernel } from '../registry.js';
import { compileLoop, INITIAL_VALUE, type ReduceKind } from './codegen.js';
import type { Expr } from '../../base/expr.js';
import { HELPERS } from './expr.js';
import { type InputPlan, type InputView, keepdimsShape, planInputs, viewedInputs } from './layout.js';
import { chunkMoments, mergeMoments } from './moments.js';
import { copy, type F64, filled, runLoop } from './reduceLoop.js';
import { rowLayout, sumBySegments } from './segmentedSum.js';
import { compileUserFunctions } from './userfn.js';
import { rowsSummedInPlace, wasmRowsSum } from './wasmSum.js';

export const REDUCE_OPS = [
  'sum', 'prod', 'min', 'max', 'any', 'all', 'count_nonzero', 'mean', 'var', 'std', 'argmin', 'argmax',
] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

export interface FinalParams {
  readonly op: ReduceOp;
  readonly outShape: readonly number[];
  readonly dtype: DType;
  readonly ddof?: number;
}

export interface ReduceMapParams {
  readonly op: ReduceOp;
  readonly expr: Expr;
  readonly fns?: readonly string[];
  /** The loop shape: the chunk's (broadcast) shape. */
  readonly shape: readonly number[];
  /** Reduced axes of the loop shape, sorted. */
  readonly axes: readonly number[];
  /** arg reductions: global index = gbase + Σ i_d * gstrides_d over the chunk's own indices. */
  readonly gstrides?: readonly number[];
  readonly gbase?: number;
  /** Finish in the same task when this chunk is the only one along every reduced axis. */
  readonly final?: FinalParams;
  /** Per input, a slice read in place (fusion's views), or null for the input as it is. */
  readonly views?: readonly (InputView | null)[];
}

export type Partial =
  | { readonly kind: 'plain'; readonly acc: F64; readonly shape: readonly number[] }
  | { readonly kind: 'mean'; readonly acc: F64; readonly count: number; readonly shape: readonly number[] }
  | { readonly kind: 'moments'; readonly count: number; readonly mean: F64; readonly meanLo: F64; readonly m2: F64; readonly shape: readonly number[] }
  | { readonly kind: 'arg'; readonly value: F64; readonly index: F64; readonly shape: readonly number[] };

const PLAIN: { readonly [op in ReduceOp]?: ReduceKind } = {
  sum: 'sum', prod: 'prod', min: 'min', max: 'max', any: 'any', all: 'all', count_nonzero: 'cnz',
};

/** Reductions whose flat loop adds with four interleaved accumulators (the nd loop uses one). */
const FOUR_WAY = new Set<ReduceOp>(['sum', 'prod', 'mean', 'var', 'std']);

/**
 * The input plan of a full reduction whose inputs the flat loop cannot read (broadcast, or viewed) —
 * the one case the paths below exist for — or undefined.
 */
function broadcastPlan(p: ReduceMapParams, ins: readonly ArrayData[]): InputPlan | undefined {
  const full = p.shape.length === 0 || p.axes.length === p.shape.length;
  if (!full || !FOUR_WAY.has(p.op)) return undefined;
  const plan = planInputs(ins, p.shape.length === 0 ? [1] : p.shape);
  return plan.flat ? undefined : plan;
}

/**
 * A full sum or mean of such inputs whose loop lays out as rows: summed segment by segment in cache
 * (segmentedSum.ts), bit-identical to the flat loop over the values. Undefined when it does not lay out.
 */
function segmentedFullSum(p: ReduceMapParams, ins: readonly ArrayData[], plan: InputPlan): Partial | undefined {
  const layout = rowLayout(plan.shape, plan.strides);
  if (!layout) return undefined;
  // A float64 input summed as it is along unit-stride rows (a slice's sum) needs no evaluation: its rows are copied.
  const copied = p.expr.t === 'in' && ins.length === 1 && ins[0]!.data instanceof Float64Array && layout.strides[0]![1] === 1;
  const acc = filled(1, 0);
  // Rows of a multiple of four elements in a WebAssembly memory are summed where they lie (wasmSum.ts).
  const inPlace = copied && rowsSummedInPlace(layout.cols) ? wasmRowsSum(ins[0]!.data as Float64Array) : undefined;
  if (inPlace) {
    const [rowStride, , offset] = layout.strides[0]!;
    acc[0] = acc[0]! + inPlace(offset, rowStride, layout.cols, layout.rows);
  } else {
    const map = copied ? null : compileLoop({ expr: p.expr, nIn: ins.length, access: plan.ndAccess, mode: 'nd' });
    sumBySegments(map, ins.map((x) => x.data), layout, compileUserFunctions(p.fns), acc);
  }
  const shape = keepdimsShape(p.shape, p.axes);
  return p.op === 'sum' ? { kind: 'plain', acc, shape } : { kind: 'mean', acc, count: sizeOf(plan.shape), shape };
}

/**
 * A full reduction of one stored chunk runs the flat loop; once fusion substitutes a producer with
 * broadcast inputs into this map, only the nd loop fits and its single accumulator adds in another
 * order, so fused and unfused results would differ in the last bits. Where segments do not serve (var,
 * std, prod, or a loop that does not lay out as rows) the expression is evaluated into a scratch buffer
 * first — exactly the values the unfused chunk would hold, since every expression node is normalised to
 * its dtype — and reduced with the flat loop like that chunk.
 */
function flattened(p: ReduceMapParams, ins: readonly ArrayData[], plan: InputPlan): { p: ReduceMapParams; ins: readonly ArrayData[]; scratch: SharedArrayBuffer } {
  // Written in full here and dead once summed (reduceMap gives it back): a pooled buffer, whose pages
  // are warm, instead of a fresh one that costs its page faults on every run (72 MB: ~250 ms here).
  const buffer = borrowScratch(8 * sizeOf(plan.shape));
  const scratch = new Float64Array(buffer);
  try {
    compileLoop({ expr: p.expr, nIn: ins.length, access: plan.ndAccess, mode: 'nd' })(
      ins.map((x) => x.data), plan.strides, plan.shape, [], scratch, null, null, 0, compileUserFunctions(p.fns), HELPERS);
  } catch (e) {
    giveBack(buffer);
    throw e;
  }
  const { fns: _fns, views: _views, ...rest } = p;
  return {
    p: { ...rest, expr: { t: 'in', i: 0, dtype: 'float64' } },
    ins: [{ dtype: 'float64', shape: [...p.shape], data: scratch }],
    scratch: buffer,
  };
}

export function reduceMap(inputs: readonly unknown[], params: ReduceMapParams): Partial | ArrayData {
  const viewed = viewedInputs(inputs, params.views);
  const plan = broadcastPlan(params, viewed);
  if (!plan) return reduceFlattened(params, viewed);
  const segmented = params.op === 'sum' || params.op === 'mean' ? segmentedFullSum(params, viewed, plan) : undefined;
  if (segmented) return params.final ? finish(segmented, params.final) : segmented;
  const { p, ins, scratch } = flattened(params, viewed, plan);
  try {
    return reduceFlattened(p, ins);
  } finally {
    giveBack(scratch);
  }
}

function reduceFlattened(p: ReduceMapParams, ins: readonly ArrayData[]): Partial | ArrayData {
  const shape = keepdimsShape(p.shape, p.axes);
  const n = sizeOf(shape);
  const count = p.axes.reduce((c, a) => c * p.shape[a]!, 1);
  let partial: Partial;
  const plain = PLAIN[p.op];
  if (plain) {
    const acc = filled(n, INITIAL_VALUE[plain]);
    runLoop(plain, p, ins, acc, null);
    partial = { kind: 'plain', acc, shape };
  } else if (p.op === 'mean') {
    const acc = filled(n, 0);
    runLoop('sum', p, ins, acc, null);
    partial = { kind: 'mean', acc, count, shape };
  } else if (p.op === 'var' || p.op === 'std') {
    partial = chunkMoments(p, ins, shape, n, count);
  } else {
    const value = filled(n, INITIAL_VALUE[p.op as 'argmin' | 'argmax']);
    const index = filled(n, -1);
    runLoop(p.op as ReduceKind, p, ins, value, index);
    partial = { kind: 'arg', value, index, shape };
  }
  return p.final ? finish(partial, p.final) : partial;
}

function mergePlain(op: ReduceOp, a: F64, b: F64): void {
  const n = a.length;
  switch (op) {
    case 'sum':
    case 'count_nonzero':
      for (let i = 0; i < n; i++) a[i]! += b[i]!;
      return;
    case 'prod':
      for (let i = 0; i < n; i++) a[i]! *= b[i]!;
      return;
    case 'min':
      for (let i = 0; i < n; i++) if (b[i]! < a[i]! || b[i] !== b[i]) a[i] = b[i]!;
      return;
    case 'max':
      for (let i = 0; i < n; i++) if (b[i]! > a[i]! || b[i] !== b[i]) a[i] = b[i]!;
      return;
    case 'any':
      for (let i = 0; i < n; i++) if (b[i] !== 0) a[i] = 1;
      return;
    case 'all':
      for (let i = 0; i < n; i++) if (b[i] === 0) a[i] = 0;
      return;
    default:
      throw new Error(`not a plain reduction: ${op}`);
  }
}

/** Merges partials left to right into a fresh partial (inputs are never written: they may be cached). */
export function combinePartials(op: ReduceOp, parts: readonly Partial[]): Partial {
  const first = parts[0]!;
  switch (first.kind) {
    case 'plain': {
      const acc = copy(first.acc);
      for (const p of parts.slice(1)) mergePlain(op, acc, (p as typeof first).acc);
      return { kind: 'plain', acc, shape: first.shape };
    }
    case 'mean': {
      const acc = copy(first.acc);
      let count = first.count;
      for (const p of parts.slice(1) as (typeof first)[]) {
        for (let i = 0; i < acc.length; i++) acc[i]! += p.acc[i]!;
        count += p.count;
      }
      return { kind: 'mean', acc, count, shape: first.shape };
    }
    case 'moments': {
      const mean = copy(first.mean);
      const meanLo = copy(first.meanLo);
      const m2 = copy(first.m2);
      let na = first.count;
      for (const p of parts.slice(1) as (typeof first)[]) {
        mergeMoments(mean, meanLo, m2, na, p.mean, p.meanLo, p.m2, p.count);
        na += p.count;
      }
      return { kind: 'moments', count: na, mean, meanLo, m2, shape: first.shape };
    }
    case 'arg': {
      const value = copy(first.value);
      const index = copy(first.index);
      const max = op === 'argmax';
      for (const p of parts.slice(1) as (typeof first)[]) {
        for (let i = 0; i < value.length; i++) {
          const v = p.value[i]!;
          const bi = p.index[i]!;
          if (bi < 0) continue;
          const cur = value[i]!;
          const ci = index[i]!;
          if (ci >= 0 && !argWins(v, bi, cur, ci, max)) continue;
          {
            value[i] = v;
            index[i] = bi;
          }
        }
      }
      return { kind: 'arg', value, index, shape: first.shape };
    }
  }
}

/** Does candidate (v, vi) beat the current best (c, ci)? NaN beats numbers; ties go to the lower index. */
function argWins(v: number, vi: number, c: number, ci: number, max: boolean): boolean {
  const vNaN = v !== v;
  const cNaN = c !== c;
  if (vNaN || cNaN) return vNaN && (!cNaN || vi < ci);
  if (v === c) return vi < ci;
  return max ? v > c : v < c;
}

function finish(p: Partial, f: FinalParams): ArrayData {
  const n = sizeOf(f.outShape);
  const out = allocate(f.dtype, n);
  switch (p.kind) {
    case 'plain':
      out.set(p.acc);
      break;
    case 'mean':
      for (let i = 0; i < n; i++) out[i] = p.acc[i]! / p.count;
      break;
    case 'moments': {
      // NumPy divides by max(n - ddof, 0): too few elements give inf or NaN, never a negative variance.
      const denom = Math.max(p.count - (f.ddof ?? 0), 0);
      for (let i = 0; i < n; i++) {
        const v = p.m2[i]! / denom;
        out[i] = f.op === 'std' ? Math.sqrt(v) : v;
      }
      break;
    }
    case 'arg':
      out.set(p.index);
      break;
  }
  return { dtype: f.dtype, shape: [...f.outShape], data: out };
}

registerKernel('tensor.reduce_map', reduceMap);
// Read in place when the input lies in a WebAssembly memory (reduceLoop.ts): a full max/min of an input
// as it is, and its sums along rows — a whole chunk's, with the last axis reduced, or a full sum of a
// view whose rows are a multiple of four elements long (segmentedFullSum).
registerInPlaceReader('tensor.reduce_map', (p: ReduceMapParams) => {
  if (p.expr.t !== 'in') return false;
  const full = p.shape.length === 0 || p.axes.length === p.shape.length;
  if (p.op === 'max' || p.op === 'min') return full;
  if (p.op !== 'sum' && p.op !== 'mean') return false;
  if (!full) return p.axes.includes(p.shape.length - 1);
  const view = p.views?.[0];
  return !view || (view.strides[view.strides.length - 1] === 1 && rowsSummedInPlace(p.shape[p.shape.length - 1]!));
});
registerKernel('tensor.reduce_combine', (inputs, p: { readonly op: ReduceOp }) =>
  combinePartials(p.op, inputs as readonly Partial[]),
);
registerKernel('tensor.reduce_final', (inputs, p: FinalParams) =>
  finish(combinePartials(p.op, inputs as readonly Partial[]), p),
);
