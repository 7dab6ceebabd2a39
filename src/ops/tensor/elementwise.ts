/**
 * Elementwise ops: arithmetic, comparisons, math functions, where/clip, casts and user functions, all
 * one op (`tensor.ew`) carrying an expression over its tensor inputs (scalars are constants inside the
 * expression). Build time infers the broadcast shape, the result dtype (NumPy promotion, scalars weak
 * as in NEP 50) and a common chunk grid; tiling rechunks any input whose grid differs and emits one
 * chunk per output grid cell, reading broadcast inputs' single chunk along broadcast axes.
 */
import {
  type DType, arithmeticType, checkDType, floatType, isFloat, promoteTypes, promoteWithScalar, scalarDType,
} from '../../base/dtypes.js';
import { InvalidArgumentError, ShapeError } from '../../base/errors.js';
import { broadcastShapes, shapeStr } from '../../base/shape.js';
import { type BinaryOp, type Expr, type UnaryOp, UNARY_OPS } from '../../base/expr.js';
import { chunkKey, registerOp, type Tiled } from '../op.js';
import { Grid, hasUnknownExtent, makeTensor, perShape, type TensorNode } from './meta.js';
import { rechunkTiled } from './rechunk.js';

export type Operand = TensorNode | number | boolean;

const COMPARISON = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'xor']);
const TRUE_DIVISION = new Set<BinaryOp>(['div', 'arctan2', 'hypot']);
const BOOL_RESULT = new Set<UnaryOp>(['isnan', 'isinf', 'isfinite', 'not']);
const KEEPS_DTYPE = new Set<UnaryOp>(['floor', 'ceil', 'round', 'trunc']);
const ARITHMETIC_UNARY = new Set<UnaryOp>(['neg', 'abs', 'square', 'sign']);

function isNode(x: Operand): x is TensorNode {
  return typeof x === 'object' && x !== null;
}

/** A constant operand, normalised to the dtype the operation computes in (NumPy casts the scalar first). */
function constant(v: number | boolean, dtype: DType): Expr {
  const n = Number(v);
  return { t: 'const', v: dtype === 'float32' ? Math.fround(n) : n, dtype };
}

/** The dtype two operands are computed in. */
function operandType(a: { dtype: DType; scalar?: number | boolean }, b: { dtype: DType; scalar?: number | boolean }): DType {
  if (a.scalar !== undefined && b.scalar === undefined) return promoteWithScalar(b.dtype, a.scalar);
  if (b.scalar !== undefined && a.scalar === undefined) return promoteWithScalar(a.dtype, b.scalar);
  return promoteTypes(a.dtype, b.dtype);
}

export function binaryResultType(op: BinaryOp, common: DType): DType {
  if (COMPARISON.has(op)) return 'bool';
  // NumPy's true_divide gives float64 for any integer inputs; arctan2/hypot follow the unary-math rule.
  if (op === 'div' && !isFloat(common)) return 'float64';
  if (TRUE_DIVISION.has(op)) return floatType(common);
  if (op === 'maximum' || op === 'minimum') return common;
  return arithmeticType(common);
}

export function unaryResultType(op: UnaryOp, dtype: DType): DType {
  if (BOOL_RESULT.has(op)) return 'bool';
  if (KEEPS_DTYPE.has(op)) return dtype;
  if (ARITHMETIC_UNARY.has(op)) return arithmeticType(dtype);
  // Transcendental functions and reciprocal give floats (NumPy's integer reciprocal truncates to 0; we don't).
  return isFloat(dtype) ? dtype : floatType(dtype);
}

interface Built {
  readonly inputs: TensorNode[];
  readonly leaf: (x: Operand) => { expr: Expr; dtype: DType; scalar?: number | boolean };
}

function collector(): Built {
  const inputs: TensorNode[] = [];
  return {
    inputs,
    leaf(x) {
      if (isNode(x)) {
        let i = inputs.findIndex((n) => n.key === x.key);
        if (i < 0) i = inputs.push(x) - 1;
        return { expr: { t: 'in', i, dtype: x.meta.dtype }, dtype: x.meta.dtype };
      }
      if (typeof x !== 'number' && typeof x !== 'boolean') {
        throw new InvalidArgumentError(`operand must be a tensor, a number or a boolean, got ${x === null ? 'null' : typeof x}.`);
      }
      return { expr: constant(x, scalarDType(x)), dtype: scalarDType(x), scalar: x };
    },
  };
}

function recast(e: Expr, dtype: DType): Expr {
  return e.t === 'const' ? constant(e.v, dtype) : e;
}

export function binaryNode(op: BinaryOp, a: Operand, b: Operand): TensorNode {
  const c = collector();
  const la = c.leaf(a);
  const lb = c.leaf(b);
  const common = operandType(la, lb);
  const expr: Expr = { t: 'bin', op, a: recast(la.expr, common), b: recast(lb.expr, common), dtype: binaryResultType(op, common) };
  return ewNode(expr, c.inputs);
}

const KNOWN_UNARY: ReadonlySet<string> = new Set(UNARY_OPS);

/** A name from the table of unary functions; anything else (`'constructor'`, `'eval'`, a typo) is refused here. */
function checkUnary(op: unknown): UnaryOp {
  if (typeof op !== 'string' || !KNOWN_UNARY.has(op)) {
    throw new InvalidArgumentError(
      `${typeof op === 'string' ? `'${op}'` : `a ${op === null ? 'null' : typeof op}`} is not a unary function: use one of ${UNARY_OPS.join(', ')}.`,
    );
  }
  return op as UnaryOp;
}

export function unaryNode(name: UnaryOp, a: TensorNode): TensorNode {
  const op = checkUnary(name);
  const dtype = unaryResultType(op, a.meta.dtype);
  return ewNode({ t: 'un', op, a: { t: 'in', i: 0, dtype: a.meta.dtype }, dtype }, [a]);
}

export function whereNode(cond: Operand, a: Operand, b: Operand): TensorNode {
  const c = collector();
  const lc = c.leaf(cond);
  const la = c.leaf(a);
  const lb = c.leaf(b);
  const dtype = operandType(la, lb);
  return ewNode({ t: 'where', c: lc.expr, a: recast(la.expr, dtype), b: recast(lb.expr, dtype), dtype }, c.inputs);
}

export function clipNode(a: TensorNode, lo: Operand | null, hi: Operand | null): TensorNode {
  if (lo === null && hi === null) throw new InvalidArgumentError('clip needs at least one of min and max.');
  const c = collector();
  const la = c.leaf(a);
  let expr = la.expr;
  let dtype = la.dtype;
  for (const [op, bound] of [['maximum', lo], ['minimum', hi]] as const) {
    if (bound === null) continue;
    const lb = c.leaf(bound);
    dtype = operandType({ dtype, ...(la.scalar !== undefined ? { scalar: la.scalar } : {}) }, lb);
    expr = { t: 'bin', op, a: expr, b: recast(lb.expr, dtype), dtype };
  }
  return ewNode(expr, c.inputs);
}

export function castNode(a: TensorNode, dtype: DType): TensorNode {
  const to = checkDType(dtype);
  if (to === a.meta.dtype) return a;
  return ewNode({ t: 'cast', a: { t: 'in', i: 0, dtype: a.meta.dtype }, dtype: to }, [a]);
}

/** `t.map(fn)`: a pure user function applied to every element (its source is part of the key). */
export function mapNode(a: TensorNode, source: string, dtype: DType = 'float64'): TensorNode {
  return ewNode({ t: 'fn', f: 0, a: { t: 'in', i: 0, dtype: a.meta.dtype }, dtype: checkDType(dtype) }, [a], [source]);
}

/** The common grid: per output axis, the splits of the first input that is not broadcast along it. */
function unifySplits(shape: readonly number[], inputs: readonly TensorNode[]): number[][] {
  return shape.map((extent, d) => {
    for (const x of inputs) {
      const a = d - (shape.length - x.meta.shape.length);
      if (a >= 0 && x.meta.shape[a] === extent) return [...x.meta.nsplits[a]!];
    }
    return [extent];
  });
}

export function ewNode(expr: Expr, inputs: readonly TensorNode[], fns?: readonly string[]): TensorNode {
  if (inputs.length === 0) {
    throw new InvalidArgumentError('an elementwise op needs at least one tensor operand (use tensor.full for constants).');
  }
  const shape = broadcastShapes(...inputs.map((x) => x.meta.shape));
  const nsplits = unifySplits(shape, inputs);
  const params = fns && fns.length > 0 ? { expr, fns } : { expr };
  return makeTensor('tensor.ew', params, inputs, { shape, dtype: expr.dtype, nsplits });
}

/**
 * The output's shape and grid at tile time. Extents unknown when the node was built (NaN: a filtered
 * column's length) are measured by now in the inputs' tilings; they must broadcast as known ones do,
 * else the run fails here with the measured shapes.
 */
function resolvedGrid(node: TensorNode, inputs: readonly Tiled[]): { shape: number[]; nsplits: number[][] } {
  const { shape, nsplits } = node.meta;
  if (!hasUnknownExtent(shape)) return { shape: [...shape], nsplits: nsplits.map((s) => [...s]) };
  const measured = inputs.map((t) => t.nsplits.map((s) => s.reduce((a, b) => a + b, 0)));
  const out = [...shape];
  const splits = nsplits.map((s) => [...s]);
  shape.forEach((extent, d) => {
    if (!Number.isNaN(extent)) return;
    let found = 1;
    inputs.forEach((t, i) => {
      const a = d - (shape.length - measured[i]!.length);
      const e = a >= 0 ? measured[i]![a]! : 1;
      if (e === 1 || e === found) return;
      if (found !== 1) {
        throw new ShapeError(`Shapes ${measured.map(shapeStr).join(' and ')} (measured when run) do not broadcast: axis ${d - shape.length} has extents ${found} and ${e}.`);
      }
      found = e;
      splits[d] = [...t.nsplits[a]!];
    });
    out[d] = found;
    if (found === 1) splits[d] = [1];
  });
  return { shape: out, nsplits: splits };
}

registerOp({
  name: 'tensor.ew',
  tile(tileable, ctx) {
    const node = tileable as TensorNode;
    const { dtype } = node.meta;
    const inputs = node.inputs.map((_, i) => ctx.input(i));
    const { shape, nsplits } = resolvedGrid(node, inputs);
    const grid = new Grid(nsplits);
    const ins = node.inputs.map((x, i) => {
      const t = x as TensorNode;
      // The input's extents as tiled (equal to its meta's, or measured where the meta did not know them).
      const extents = inputs[i]!.nsplits.map((s) => s.reduce((a, b) => a + b, 0));
      const off = shape.length - extents.length;
      const along = extents.map((e, a) => e === shape[a + off]);
      if (along.some((on, a) => !on && extents[a] !== 1)) {
        throw new ShapeError(`Shapes ${shapeStr(extents)} and ${shapeStr(shape)} (measured when run) do not broadcast: extents must be equal or 1 (NumPy broadcasting rules).`);
      }
      const target = extents.map((e, a) => (along[a] ? nsplits[a + off]! : [e]));
      const tiled = rechunkTiled(ctx, { key: t.key, dtype: t.meta.dtype }, inputs[i]!, target);
      return { along, off, tiled, grid: new Grid(tiled.nsplits) };
    });
    const { expr, fns } = node.params as { expr: Expr; fns?: string[] };
    const paramsFor = perShape((chunkShape) => (fns ? { expr, shape: chunkShape, dtype, fns } : { expr, shape: chunkShape, dtype }));
    const metaFor = perShape((chunkShape) => ({ shape: chunkShape, dtype }));
    const chunks = grid.indices().map((index) => {
      const chunkShape = grid.shape(index);
      const chunkInputs = ins.map(({ along, off, tiled, grid: g }) => {
        const at = along.map((on, a) => (on ? index[a + off]! : 0));
        return tiled.chunks[g.flat(at)]!;
      });
      return ctx.add({
        key: chunkKey(node.key, index),
        kernel: 'tensor.ew',
        params: paramsFor(chunkShape),
        inputs: chunkInputs,
        meta: metaFor(chunkShape),
      });
    });
    return { nsplits, chunks };
  },
});
