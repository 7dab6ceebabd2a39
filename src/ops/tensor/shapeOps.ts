/**
 * Shape-changing ops: transpose (chunk-wise), reshape and concatenate. Reshape is free when the input
 * is one chunk or its chunks line up with rows of the new shape (each output chunk is an input chunk
 * relabelled, no copy); otherwise each output chunk gathers from the input chunks its flat index range
 * overlaps. Concatenate reuses the input chunks as its own (after aligning the other axes), so it moves
 * no data at all.
 */
import { promoteTypes } from '../../base/dtypes.js';
import { InvalidArgumentError, ShapeError } from '../../base/errors.js';
import { normalizeAxis, shapeStr, sizeOf, stridesOf } from '../../base/shape.js';
import { show } from '../../base/show.js';
import { chunkKey, registerOp } from '../op.js';
import { castNode } from './elementwise.js';
import { bounds, Grid, type TensorNode, makeTensor } from './meta.js';
import { rechunkTiled } from './rechunk.js';

export function transposeNode(x: TensorNode, axes?: readonly number[]): TensorNode {
  const nd = x.meta.shape.length;
  if (axes !== undefined && !Array.isArray(axes)) {
    throw new InvalidArgumentError(`transpose axes must be an array (a permutation of 0..${nd - 1}), got ${show(axes)}.`);
  }
  const perm = axes ? axes.map((a) => normalizeAxis(a, nd)) : [...Array(nd).keys()].reverse();
  if (perm.length !== nd || new Set(perm).size !== nd) {
    throw new InvalidArgumentError(`transpose axes ${show(axes)} must be a permutation of 0..${nd - 1}.`);
  }
  if (perm.every((a, i) => a === i)) return x;
  return makeTensor('tensor.transpose', { axes: perm }, [x], {
        shape: perm.map((a) => x.meta.shape[a]!),
    dtype: x.meta.dtype,
    nsplits: perm.map((a) => [...x.meta.nsplits[a]!]),
  });
}

registerOp({
  name: 'tensor.transpose',
  tile(tileable, ctx) {
    const node = tileable as TensorNode;
    const axes = node.params.axes as number[];
    const input = ctx.input(0);
    const inGrid = new Grid(input.nsplits);
    const outGrid = new Grid(node.meta.nsplits);
    const chunks = outGrid.indices().map((oi) => {
      const ii = new Array<number>(axes.length);
      axes.forEach((a, k) => (ii[a] = oi[k]!));
      const shape = outGrid.shape(oi);
      return ctx.add({
        key: chunkKey(node.key, oi),
        kernel: 'tensor.transpose',
        params: { axes, shape, dtype: node.meta.dtype },
        inputs: [input.chunks[inGrid.flat(ii)]!],
        meta: { shape, dtype: node.meta.dtype },
      });
    });
    return { nsplits: node.meta.nsplits, chunks };
  },
});

function resolveShape(shape: readonly number[], size: number, from: readonly number[]): number[] {
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw new ShapeError('reshape can only infer one dimension (one -1).');
  for (const d of shape) {
    if (!Number.isInteger(d) || d < -1) throw new ShapeError(`reshape extents must be non-negative integers or -1, got ${show(shape)}.`);
  }
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (sizeOf(out) !== size || out.some((d) => !Number.isInteger(d))) {
    throw new ShapeError(`cannot reshape a tensor of shape ${shapeStr(from)} (size ${size}) into shape ${shapeStr(shape)}: the sizes differ.`);
  }
  return out;
}

/** Chunks whose flat ranges follow each other in grid order, each a whole number of output rows. */
function alignedRows(x: TensorNode, shape: readonly number[]): number[] | null {
  const ns = x.meta.nsplits;
  const j = ns.findIndex((s) => s.length > 1);
  if (j < 0 || ns.slice(0, j).some((s) => s.some((e) => e !== 1)) || ns.slice(j + 1).some((s) => s.length > 1)) return null;
  const rowSize = sizeOf(shape.slice(1));
  const inner = sizeOf(x.meta.shape.slice(j + 1));
  const sizes = ns[j]!.map((e) => e * inner);
  if (rowSize === 0 || sizes.some((s) => s % rowSize !== 0)) return null;
  const rowsPerChunk = sizes.map((s) => s / rowSize);
  // The leading axes of size-1 chunks repeat the j-axis pattern: list every chunk in grid order.
  const repeats = sizeOf(x.meta.shape.slice(0, j));
  return Array.from({ length: repeats }, () => rowsPerChunk).flat();
}

export function reshapeNode(x: TensorNode, newShape: readonly number[] | number): TensorNode {
  const size = sizeOf(x.meta.shape);
  const shape = resolveShape(typeof newShape === 'number' ? [newShape] : newShape, size, x.meta.shape);
  if (shape.length === x.meta.shape.length && shape.every((d, i) => d === x.meta.shape[i])) return x;
  const meta = { shape, dtype: x.meta.dtype };
  const single = x.meta.nsplits.every((s) => s.length === 1);
  if (single) return makeTensor('tensor.reshape', { shape, mode: 'view' }, [x], { ...meta, nsplits: shape.map((d) => [d]) });
  const rows = shape.length > 0 ? alignedRows(x, shape) : null;
  if (rows) {
    return makeTensor('tensor.reshape', { shape, mode: 'rows' }, [x], { ...meta, nsplits: [rows, ...shape.slice(1).map((d) => [d])] });
  }
  const biggest = x.meta.nsplits.reduce((p, s) => p * Math.max(...s), 1);
  const nsplits: number[][] = [];
  let inner = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    const d = shape[a]!;
    const per = inner * d <= biggest ? d : Math.max(1, Math.floor(biggest / inner));
    const splits: number[] = [];
    for (let s = 0; s < d; s += per) splits.push(Math.min(per, d - s));
    nsplits.unshift(d === 0 ? [0] : splits);
    inner *= Math.max(1, per);
  }
  return makeTensor('tensor.reshape', { shape, mode: 'gather' }, [x], { ...meta, nsplits });
}

registerOp({
  name: 'tensor.reshape',
  tile(tileable, ctx) {
    const node = tileable as TensorNode;
    const x = node.inputs[0] as TensorNode;
    const input = ctx.input(0);
    const { mode } = node.params as { mode: 'view' | 'rows' | 'gather' };
    const outGrid = new Grid(node.meta.nsplits);
    const dtype = node.meta.dtype;
    const chunks = outGrid.indices().map((oi, flat) => {
      const shape = outGrid.shape(oi);
      const key = chunkKey(node.key, oi);
      if (mode !== 'gather') {
        return ctx.add({ key, kernel: 'tensor.reshape', params: { shape, dtype }, inputs: [input.chunks[flat]!], meta: { shape, dtype } });
      }
      const inGrid = new Grid(input.nsplits);
      const outStr = stridesOf(node.meta.shape);
      const start = outGrid.start(oi);
      const lo = start.reduce((s, v, d) => s + v * outStr[d]!, 0);
      const hi = start.reduce((s, v, d) => s + (v + shape[d]! - 1) * outStr[d]!, 0);
      const inStr = stridesOf(x.meta.shape);
      const inputs: string[] = [];
      const slots = new Array<number>(inGrid.size).fill(-1);
      for (const ii of inGrid.indices()) {
        const s = inGrid.start(ii);
        const e = inGrid.shape(ii);
        const a = s.reduce((acc, v, d) => acc + v * inStr[d]!, 0);
        const b = s.reduce((acc, v, d) => acc + (v + e[d]! - 1) * inStr[d]!, 0);
        if (b >= lo && a <= hi && sizeOf(e) > 0) {
          slots[inGrid.flat(ii)] = inputs.length;
          inputs.push(input.chunks[inGrid.flat(ii)]!);
        }
      }
      return ctx.add({
        key,
        kernel: 'tensor.reshape_gather',
        params: { shape, dtype, inShape: x.meta.shape, outShape: node.meta.shape, outStart: start, inBounds: input.nsplits.map(bounds), slots },
        inputs,
        meta: { shape, dtype },
      });
    });
    return { nsplits: node.meta.nsplits, chunks };
  },
});

export function concatenateNode(xs: readonly TensorNode[], axis = 0): TensorNode {
  if (xs.length === 0) throw new InvalidArgumentError('concatenate needs at least one tensor.');
  const nd = xs[0]!.meta.shape.length;
  if (nd === 0) throw new ShapeError('zero-dimensional tensors cannot be concatenated.');
  const ax = normalizeAxis(axis, nd);
  for (const x of xs) {
    if (x.meta.shape.length !== nd || x.meta.shape.some((d, a) => a !== ax && d !== xs[0]!.meta.shape[a])) {
      throw new ShapeError(
        `all tensors must match except on axis ${ax}: ${xs.map((t) => shapeStr(t.meta.shape)).join(', ')}.`,
      );
    }
  }
  const dtype = xs.map((x) => x.meta.dtype).reduce(promoteTypes);
  const inputs = xs.map((x) => castNode(x, dtype));
  const shape = [...xs[0]!.meta.shape];
  shape[ax] = xs.reduce((s, x) => s + x.meta.shape[ax]!, 0);
  const nsplits = xs[0]!.meta.nsplits.map((s, a) => (a === ax ? inputs.flatMap((x) => x.meta.nsplits[ax]!.filter((e) => e > 0)) : [...s]));
  if (nsplits[ax]!.length === 0) nsplits[ax] = [0];
  if (inputs.length === 1) return inputs[0]!;
  return makeTensor('tensor.concatenate', { axis: ax }, inputs, { shape, dtype, nsplits });
}

registerOp({
  name: 'tensor.concatenate',
  tile(tileable, ctx) {
    const node = tileable as TensorNode;
    const ax = node.params.axis as number;
    const target = node.meta.nsplits;
    const parts = node.inputs.map((x, i) => {
      const t = x as TensorNode;
      const want = target.map((s, a) => (a === ax ? t.meta.nsplits[ax]! : s));
      const tiled = rechunkTiled(ctx, { key: t.key, dtype: t.meta.dtype }, ctx.input(i), want);
      return { tiled, grid: new Grid(tiled.nsplits), n: t.meta.shape[ax] === 0 ? 0 : t.meta.nsplits[ax]!.length };
    });
    const outGrid = new Grid(target);
    const chunks = outGrid.indices().map((oi) => {
      let k = oi[ax]!;
      const part = parts.find((p) => (k < p.n ? true : ((k -= p.n), false))) ?? parts[0]!;
      const local = oi.map((v, a) => (a === ax ? k : v));
      return part.tiled.chunks[part.grid.flat(local)]!;
    });
    return { nsplits: target, chunks };
  },
});
