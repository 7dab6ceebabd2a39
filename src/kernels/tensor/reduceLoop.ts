/**
 * Running a compiled reduction loop over a chunk's inputs (flat when every input allows it, nd
 * otherwise), and the float64 accumulators the reduction kernels fill.
 */
import { type ArrayData, allocate } from '../../base/ndarray.js';
import { compileLoop, type ReduceKind } from './codegen.js';
import { HELPERS } from './expr.js';
import { planInputs, reducedStrides } from './layout.js';
import type { ReduceMapParams } from './reduce.js';
import { compileUserFunctions } from './userfn.js';

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
  const plan = planInputs(ins, loopShape);
  const full = axes.length === loopShape.length;
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
