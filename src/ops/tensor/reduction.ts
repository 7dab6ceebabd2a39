/**
 * Reductions over all or some axes by tree reduction (Mars's map / combine / agg): every input chunk
 * is reduced to a partial, partials of neighbouring chunks along the reduced axes are merged in groups
 * of `combineSize` (4) until one remains per output chunk, and the last merge also finalises. A chunk
 * that is alone along every reduced axis is mapped and finalised in one task. The map step is where a
 * preceding elementwise chain fuses in (see fuse.ts), so `(x*2+y).sum()` never materialises `x*2+y`.
 */
import { booleanOption } from '../../base/args.js';
import { type DType, sumType } from '../../base/dtypes.js';
import { InvalidArgumentError } from '../../base/errors.js';
import { normalizeAxes, normalizeAxis, stridesOf } from '../../base/shape.js';
import { show } from '../../base/show.js';
import type { Expr } from '../../base/expr.js';
import type { ReduceOp } from '../../kernels/tensor/reduce.js';
import { chunkKey, registerOp } from '../op.js';
import { Grid, makeTensor, perShape, type TensorNode } from './meta.js';
import { transposeNode } from './shapeOps.js';

export const COMBINE_SIZE = 4;
/**
 * Partials this small (the elements one merge reads, all its inputs together) merge in one task however
 * many there are: a tree's rounds pay off when merging is work, and for a scalar or a row of partials it
 * is none — each extra combine task is a settle, a store and a wait of its own (a full max of 12 chunks
 * ended in four tasks, ~0.3 ms after the last map on this project's VMs, where NumPy's whole strided max
 * takes 4-5 ms).
 */
export const SINGLE_MERGE_ELEMENTS = 1 << 16;

export interface ReduceOptions {
  readonly axis?: number | readonly number[] | null;
  readonly keepdims?: boolean;
  /** var/std: delta degrees of freedom (NumPy's default 0). */
  readonly ddof?: number;
}

function resultType(op: ReduceOp, dtype: DType): DType {
  switch (op) {
    case 'sum':
    case 'prod':
      return sumType(dtype);
    case 'min':
    case 'max':
      return dtype;
    case 'any':
    case 'all':
      return 'bool';
    case 'count_nonzero':
    case 'argmin':
    case 'argmax':
      return 'int64';
    case 'mean':
    case 'var':
    case 'std':
      return dtype === 'float32' ? 'float32' : 'float64';
  }
}

export function reduceNode(op: ReduceOp, x: TensorNode, opts: ReduceOptions = {}): TensorNode {
  const ndim = x.meta.shape.length;
  let axes: number[];
  if (op === 'argmin' || op === 'argmax') {
    if (Array.isArray(opts.axis)) throw new InvalidArgumentError(`${op} takes a single axis or none, not a list.`);
    axes = opts.axis === undefined || opts.axis === null ? normalizeAxes(null, ndim) : [normalizeAxis(opts.axis as number, ndim)];
  } else {
    axes = normalizeAxes(opts.axis, ndim);
  }
  const keepdims = booleanOption(opts.keepdims, 'keepdims', false);
  const ddof = opts.ddof ?? 0;
  if (!Number.isInteger(ddof) || ddof < 0) throw new InvalidArgumentError(`ddof must be a non-negative integer, got ${show(ddof)}.`);
  const reducedSize = axes.reduce((n, a) => n * x.meta.shape[a]!, 1);
  if (reducedSize === 0 && ['min', 'max', 'argmin', 'argmax'].includes(op)) {
    throw new InvalidArgumentError(`zero-size array to reduction operation ${op}, which has no identity: reduce a non-empty axis.`);
  }
  if (x.op === 'tensor.transpose' && op !== 'argmin' && op !== 'argmax') return reducedTranspose(op, x, axes, keepdims, ddof);
  const shape = x.meta.shape.flatMap((e, a) => (axes.includes(a) ? (keepdims ? [1] : []) : [e]));
  const nsplits = x.meta.nsplits.flatMap((s, a) => (axes.includes(a) ? (keepdims ? [[1]] : []) : [[...s]]));
  const dtype = resultType(op, x.meta.dtype);
  return makeTensor('tensor.reduce', { op, axes, keepdims, ddof }, [x], { shape, dtype, nsplits });
}

/**
 * A reduction of a transpose is the same reduction of the transpose's input over the matching axes
 * (NumPy's `x.T.sum(0)` is `x.sum(1)`), so the transpose — a strided copy of every chunk — is never
 * made: only the (smaller) result is transposed, when its kept axes come out in another order.
 * argmin/argmax are left alone: their flat indices count in the transposed order.
 */
function reducedTranspose(op: ReduceOp, t: TensorNode, axes: readonly number[], keepdims: boolean, ddof: number): TensorNode {
  const perm = t.params.axes as readonly number[];
  const base = t.inputs[0] as TensorNode;
  const baseAxes = axes.map((a) => perm[a]!).sort((a, b) => a - b);
  const reduced = reduceNode(op, base, { axis: baseAxes, keepdims, ddof });
  // The result's axes in the base's order, and the order the transposed reduction has them in.
  const kept = keepdims ? perm.map((_, a) => a) : perm.map((_, a) => a).filter((a) => !baseAxes.includes(a));
  const wanted = keepdims ? perm : perm.filter((a) => !baseAxes.includes(a));
  const order = wanted.map((a) => kept.indexOf(a));
  return order.every((a, i) => a === i) ? reduced : transposeNode(reduced, order);
}

const IDENTITY: Expr = { t: 'in', i: 0, dtype: 'float64' };

registerOp({
  name: 'tensor.reduce',
  tile(tileable, ctx) {
    const node = tileable as TensorNode;
    const x = node.inputs[0] as TensorNode;
    const { op, axes, keepdims, ddof } = node.params as { op: ReduceOp; axes: number[]; keepdims: boolean; ddof: number };
    const input = ctx.input(0);
    const inGrid = new Grid(input.nsplits);
    const dims = inGrid.dims;
    const ndim = dims.length;
    const arg = op === 'argmin' || op === 'argmax';
    // From the tiling: a length unknown when built (NaN) is measured by now.
    const extents = input.nsplits.map((s) => s.reduce((a, b) => a + b, 0));
    const globalStrides = stridesOf(extents);
    const gstrides = arg ? (axes.length === 1 && ndim > 1 ? extents.map((_, a) => (a === axes[0] ? 1 : 0)) : globalStrides) : undefined;
    const outSplits = input.nsplits.flatMap((s, a) => (axes.includes(a) ? (keepdims ? [[1]] : []) : [[...s]]));
    const outGrid = new Grid(outSplits);
    const final = (index: readonly number[]) => {
      const outIndex = index.flatMap((i, a) => (axes.includes(a) ? (keepdims ? [0] : []) : [i]));
      return { op, outShape: outGrid.shape(outIndex), dtype: node.meta.dtype, ddof, outIndex };
    };
    const lonely = axes.every((a) => dims[a] === 1);
    const inExpr: Expr = { ...IDENTITY, dtype: x.meta.dtype };
    const mapParams = perShape((chunkShape) => ({ op, expr: inExpr, shape: chunkShape, axes }));
    const partialMeta = perShape((chunkShape) => ({ shape: chunkShape.map((e, a) => (axes.includes(a) ? 1 : e)), dtype: 'float64', partial: op }));
    const combineParams = { op };
    // A partial's shape (its accumulator's), so the executors see how small a merge is (taskSize.ts).
    const combineMeta = (index: readonly number[]) => ({ shape: index.map((i, a) => (axes.includes(a) ? 1 : input.nsplits[a]![i]!)), dtype: 'float64', partial: op });
    // Level 0: map every input chunk to a partial (finalising directly when it is alone).
    // `level` holds each level's chunk keys in row-major order of that level's grid.
    let level: string[] = [];
    for (const index of inGrid.indices()) {
      const chunkShape = inGrid.shape(index);
      const start = inGrid.start(index);
      const f = lonely ? final(index) : undefined;
      const key = lonely ? chunkKey(node.key, f!.outIndex) : chunkKey(node.key, index, 'map');
      ctx.add({
        key,
        kernel: 'tensor.reduce_map',
        params:
          gstrides || f
            ? {
                ...mapParams(chunkShape),
                ...(gstrides ? { gstrides, gbase: start.reduce((s, v, a) => s + v * gstrides[a]!, 0) } : {}),
                ...(f ? { final: { op, outShape: f.outShape, dtype: f.dtype, ddof } } : {}),
              }
            : mapParams(chunkShape),
        inputs: [input.chunks[inGrid.flat(index)]!],
        meta: lonely ? { shape: f!.outShape, dtype: f!.dtype } : partialMeta(chunkShape),
      });
      level.push(key);
    }
    if (!lonely) {
      // Combine rounds: group neighbours along each reduced axis until one chunk remains per axis. Only
      // the axes split into several chunks share the group size: a full reduction of a grid of row
      // chunks merges them four at a time, not two (each round is a wait for the slowest of its group).
      // When one merge of all the partials is small, every group spans its whole axis (one round).
      const split = axes.filter((a) => dims[a]! > 1).length;
      const partials = axes.reduce((n, a) => n * dims[a]!, 1);
      const largestPartial = outSplits.reduce((n, s) => n * Math.max(0, ...s), 1);
      const factor = partials * largestPartial <= SINGLE_MERGE_ELEMENTS ? Math.max(...axes.map((a) => dims[a]!)) : Math.max(2, Math.floor(COMBINE_SIZE ** (1 / split)));
      let cur = [...dims];
      for (let round = 1; axes.some((a) => cur[a]! > 1); round++) {
        const next = cur.map((n, a) => (axes.includes(a) ? Math.ceil(n / factor) : n));
        const last = axes.every((a) => next[a] === 1);
        const nextLevel: string[] = [];
        const curGrid = new Grid(cur.map((n) => new Array<number>(n).fill(1)));
        for (const index of new Grid(next.map((n) => new Array<number>(n).fill(1))).indices()) {
          const groupInputs: string[] = [];
          const ranges = index.map((i, a) => (axes.includes(a) ? [i * factor, Math.min(cur[a]!, (i + 1) * factor)] : [i, i + 1]));
          for (const src of new Grid(ranges.map(([lo, hi]) => new Array<number>(hi! - lo!).fill(1))).indices()) {
            groupInputs.push(level[curGrid.flat(src.map((s, a) => s + ranges[a]![0]!))]!);
          }
          const f = last ? final(index) : undefined;
          const key = last ? chunkKey(node.key, f!.outIndex) : chunkKey(node.key, index, `combine${round}`);
          ctx.add({
            key,
            kernel: last ? 'tensor.reduce_final' : 'tensor.reduce_combine',
            params: last ? { op, outShape: f!.outShape, dtype: f!.dtype, ddof } : combineParams,
            inputs: groupInputs,
            meta: last ? { shape: f!.outShape, dtype: f!.dtype } : combineMeta(index),
          });
          nextLevel.push(key);
        }
        level = nextLevel;
        cur = next;
      }
    }
    const chunks = outGrid.indices().map((i) => chunkKey(node.key, i));
    return { nsplits: outSplits, chunks };
  },
});
