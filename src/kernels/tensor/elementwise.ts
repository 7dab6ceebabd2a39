/**
 * The elementwise kernel: evaluates one (possibly fused) expression over its input chunks with NumPy
 * broadcasting, into a fresh shared-memory chunk.
 */
import type { DType } from '../../base/dtypes.js';
import { type ArrayData, allocateOverwritten } from '../../base/ndarray.js';
import { sizeOf } from '../../base/shape.js';
import { registerKernel } from '../registry.js';
import { compileLoop } from './codegen.js';
import type { Expr } from '../../base/expr.js';
import { HELPERS } from './expr.js';
import { type InputView, planInputs, viewedInputs } from './layout.js';
import { compileUserFunctions } from './userfn.js';

export interface ElementwiseParams {
  readonly expr: Expr;
  /** Output chunk shape (the broadcast of the input chunk shapes). */
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Sources of user functions referenced by `fn` nodes. */
  readonly fns?: readonly string[];
  /** Per input, a slice read in place (fusion's views), or null for the input as it is. */
  readonly views?: readonly (InputView | null)[];
}

export function elementwise(inputs: readonly unknown[], p: ElementwiseParams): ArrayData {
  const ins = viewedInputs(inputs, p.views);
  const plan = planInputs(ins, p.shape);
  // Every element is written by the loop below.
  const out = allocateOverwritten(p.dtype, sizeOf(p.shape));
  const loop = plan.flat
    ? compileLoop({ expr: p.expr, nIn: ins.length, access: plan.flatAccess, mode: 'flat' })
    : compileLoop({ expr: p.expr, nIn: ins.length, access: plan.ndAccess, mode: 'nd' });
  loop(ins.map((x) => x.data), plan.strides, plan.shape, [], out, null, null, 0, compileUserFunctions(p.fns), HELPERS);
  return { dtype: p.dtype, shape: [...p.shape], data: out };
}

registerKernel('tensor.ew', elementwise);
