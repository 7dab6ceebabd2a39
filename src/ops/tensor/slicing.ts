/**
 * NumPy basic indexing for `t.slice(...)`, one argument per axis:
 * - an integer picks one position and drops the axis (negative counts from the end);
 * - a slice object `{start, stop, step}` (each optional, at least one given; negative steps included)
 *   or a `'start:stop:step'` string;
 * - `null` or `':'` takes the whole axis; `'...'` stands for all remaining axes; `'newaxis'` inserts an
 *   axis of length 1;
 * - a string with commas, `t.slice('0:2, ..., 3')`, is split into those parts.
 * Nothing else is an index. In particular an array is refused: inside a NumPy index a list is
 * integer-array ("fancy") indexing, which gathers, and a slice never gathers — each output chunk reads
 * exactly one input chunk. To pass an index held in an array, spread it: `t.slice(...index)`.
 */
import { IndexError, SliceError } from '../../base/errors.js';
import { show } from '../../base/show.js';
import { chunkKey, registerOp } from '../op.js';
import { bounds, Grid, type TensorNode, makeTensor } from './meta.js';

export type IndexSpec = number | null | string | { readonly start?: number | null; readonly stop?: number | null; readonly step?: number | null };

export type NormalIndex =
  | { readonly kind: 'slice'; readonly start: number; readonly step: number; readonly count: number }
  | { readonly kind: 'int'; readonly index: number }
  | { readonly kind: 'newaxis' };

function parsePart(part: string): IndexSpec {
  const s = part.trim();
  if (s === '...' || s === 'newaxis' || s === ':' || s === '') return s === '' ? ':' : s;
  if (/^-?\d+$/.test(s)) return Number(s);
  const m = /^(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?)?$/.exec(s);
  if (!m) throw new SliceError(`'${part}' is not an index: write an integer, 'start:stop:step', '...' or 'newaxis'.`);
  return { start: m[1] === undefined ? null : Number(m[1]), stop: m[2] === undefined ? null : Number(m[2]), step: m[3] === undefined ? null : Number(m[3]) };
}

const SLICE_KEYS = ['start', 'stop', 'step'];

/** Refuses what only looks like an index part: arrays, tensors, empty or misspelt slice objects. */
function checkPart(p: unknown, position: number): void {
  if (Array.isArray(p)) {
    throw new SliceError(
      `index part ${position} is an array (${show(p)}): integer-array indexing gathers, which a slice ` +
        `does not do. Pass one index per axis, e.g. t.slice(0, 1); to use an index held in an array, spread it: t.slice(...index).`,
    );
  }
  if (typeof p !== 'object' || p === null) return;
  const proto = Object.getPrototypeOf(p) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new SliceError(
      `index part ${position} is a ${(p as object).constructor?.name ?? 'non-plain object'}: only integers, slices, ':', '...' and 'newaxis' are indices.`,
    );
  }
  const keys = Object.keys(p);
  const unknown = keys.filter((k) => !SLICE_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new SliceError(`slice object at index part ${position} has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}: a slice has start, stop and step.`);
  }
  if (keys.length === 0) {
    throw new SliceError(`index part ${position} is an empty slice object: give start, stop or step, or write ':' (or null) for a whole axis.`);
  }
}

function normalizeSlice(spec: { start?: number | null; stop?: number | null; step?: number | null }, n: number, axis: number): NormalIndex {
  const step = spec.step ?? 1;
  if (!Number.isInteger(step) || step === 0) throw new SliceError(`slice step on axis ${axis} must be a non-zero integer, got ${show(spec.step)}.`);
  for (const v of [spec.start, spec.stop]) {
    if (v !== null && v !== undefined && !Number.isInteger(v)) throw new SliceError(`slice bounds on axis ${axis} must be integers or null, got ${show(v)}.`);
  }
  const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
  const wrap = (v: number): number => (v < 0 ? v + n : v);
  let start: number;
  let stop: number;
  if (step > 0) {
    start = spec.start === null || spec.start === undefined ? 0 : clamp(wrap(spec.start), 0, n);
    stop = spec.stop === null || spec.stop === undefined ? n : clamp(wrap(spec.stop), 0, n);
  } else {
    start = spec.start === null || spec.start === undefined ? n - 1 : clamp(wrap(spec.start), -1, n - 1);
    stop = spec.stop === null || spec.stop === undefined ? -1 : clamp(wrap(spec.stop), -1, n - 1);
  }
  const count = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
  return { kind: 'slice', start, step, count };
}

export function normalizeIndex(specs: readonly IndexSpec[], shape: readonly number[]): NormalIndex[] {
  specs.forEach(checkPart);
  const parts = specs.flatMap((s) => (typeof s === 'string' ? s.split(',').map(parsePart) : [s]));
  const ellipses = parts.filter((p) => p === '...').length;
  if (ellipses > 1) throw new SliceError("an index can only have a single ellipsis ('...').");
  const consuming = parts.filter((p) => p !== '...' && p !== 'newaxis').length;
  if (consuming > shape.length) {
    throw new IndexError(`too many indices: the tensor is ${shape.length}-dimensional, but ${consuming} were given.`);
  }
  const out: NormalIndex[] = [];
  let axis = 0;
  for (const p of parts) {
    if (p === '...') {
      for (let k = 0; k < shape.length - consuming; k++, axis++) out.push(normalizeSlice({}, shape[axis]!, axis));
    } else if (p === 'newaxis') out.push({ kind: 'newaxis' });
    else if (p === null || p === ':') {
      out.push(normalizeSlice({}, shape[axis]!, axis));
      axis++;
    } else if (typeof p === 'number') {
      const n = shape[axis]!;
      if (!Number.isInteger(p) || p < -n || p >= n) throw new IndexError(`index ${p} is out of bounds for axis ${axis} with size ${n}.`);
      out.push({ kind: 'int', index: p < 0 ? p + n : p });
      axis++;
    } else if (typeof p === 'object') {
      out.push(normalizeSlice(p, shape[axis]!, axis));
      axis++;
    } else {
      throw new SliceError(`unsupported index ${show(p)}: only integers, slices, '...' and 'newaxis' are basic indices.`);
    }
  }
  for (; axis < shape.length; axis++) out.push(normalizeSlice({}, shape[axis]!, axis));
  return out;
}

interface Piece {
  readonly chunk: number;
  readonly start: number;
  readonly step: number;
  readonly count: number;
}

/** The pieces of one axis's selection, in output order, each inside one input chunk. */
function axisPieces(ix: NormalIndex, splits: readonly number[]): Piece[] {
  const b = bounds(splits);
  const chunkOf = (g: number): number => {
    let lo = 0;
    let hi = splits.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (b[mid]! <= g) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  if (ix.kind === 'int') {
    const c = chunkOf(ix.index);
    return [{ chunk: c, start: ix.index - b[c]!, step: 1, count: 1 }];
  }
  if (ix.kind !== 'slice') throw new Error('newaxis has no input axis');
  if (ix.count === 0) return [{ chunk: 0, start: 0, step: 1, count: 0 }];
  const pieces: Piece[] = [];
  let i = 0;
  while (i < ix.count) {
    const g = ix.start + i * ix.step;
    const c = chunkOf(g);
    const lo = b[c]!;
    const hi = b[c + 1]!;
    const room = ix.step > 0 ? Math.ceil((hi - g) / ix.step) : Math.floor((g - lo) / -ix.step) + 1;
    const count = Math.min(room, ix.count - i);
    pieces.push({ chunk: c, start: g - lo, step: ix.step, count });
    i += count;
  }
  return pieces;
}

export function sliceNode(x: TensorNode, specs: readonly IndexSpec[]): TensorNode {
  const index = normalizeIndex(specs, x.meta.shape);
  const shape: number[] = [];
  const nsplits: number[][] = [];
  let axis = 0;
  for (const ix of index) {
    if (ix.kind === 'newaxis') {
      shape.push(1);
      nsplits.push([1]);
      continue;
    }
    const pieces = axisPieces(ix, x.meta.nsplits[axis]!);
    if (ix.kind === 'slice') {
      shape.push(ix.count);
      nsplits.push(pieces.map((p) => p.count));
    }
    axis++;
  }
  return makeTensor('tensor.slice', { index }, [x], { shape, dtype: x.meta.dtype, nsplits });
}

registerOp({
  name: 'tensor.slice',
  tile(tileable, ctx) {
    const node = tileable as TensorNode;
    const input = ctx.input(0);
    const inGrid = new Grid(input.nsplits);
    const index = node.params.index as NormalIndex[];
    // Per output axis: the input axis it reads (or -1 for newaxis) and its pieces.
    const inAxisPieces: Piece[][] = [];
    const outAxes: { inAxis: number }[] = [];
    let axis = 0;
    for (const ix of index) {
      if (ix.kind === 'newaxis') {
        outAxes.push({ inAxis: -1 });
        continue;
      }
      inAxisPieces.push(axisPieces(ix, input.nsplits[axis]!));
      if (ix.kind === 'slice') outAxes.push({ inAxis: axis });
      axis++;
    }
    const outGrid = new Grid(node.meta.nsplits);
    const chunks = outGrid.indices().map((oi) => {
      const chosen: Piece[] = inAxisPieces.map((p) => p[0]!);
      oi.forEach((i, o) => {
        const a = outAxes[o]!.inAxis;
        if (a >= 0) chosen[a] = inAxisPieces[a]![i]!;
      });
      const shape = outGrid.shape(oi);
      const sourceIndex = chosen.map((p) => p.chunk);
      return ctx.add({
        key: chunkKey(node.key, oi),
        kernel: 'tensor.slice',
        // `source`, the input chunk's shape, lets fusion read the slice in place (ops/tensor/fuse.ts).
        params: {
          starts: chosen.map((p) => p.start), steps: chosen.map((p) => p.step), sliced: chosen.map((p) => p.count), shape, dtype: node.meta.dtype,
          source: inGrid.shape(sourceIndex),
        },
        inputs: [input.chunks[inGrid.flat(sourceIndex)]!],
        meta: { shape, dtype: node.meta.dtype },
      });
    });
    return { nsplits: node.meta.nsplits, chunks };
  },
});
