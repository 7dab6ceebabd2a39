/**
 * Tensor meta and chunking. A tensor node's meta carries its shape, dtype and chunk grid (`nsplits`:
 * the chunk extents along every axis), all known at build time, so every later op can check shapes and
 * plan its chunks without running anything. `chunkSize` accepts an int (every axis), one entry per axis
 * (an int, `-1`/`null` for the whole axis, or explicit extents that sum to the axis), or nothing: then
 * chunks of about the `defaultChunkBytes` process option (16 MiB), keeping trailing axes whole so chunks
 * stay contiguous.
 */
import { type DType, itemSize } from '../../base/dtypes.js';
import { ChunkSizeError, ShapeError } from '../../base/errors.js';
import { processOptions } from '../../base/processOptions.js';
import { show } from '../../base/show.js';
import { shapeStr } from '../../base/shape.js';
import { makeTileable, type NodeMeta, type TileableNode } from '../../dag/nodes.js';
import { reprNode } from '../../dag/repr.js';

export interface TensorMeta extends NodeMeta {
  readonly type: 'tensor';
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly nsplits: readonly (readonly number[])[];
}

export type TensorNode = TileableNode<TensorMeta>;

export type ChunkSize = number | readonly (number | null | readonly number[])[];

function splitAxis(extent: number, size: number, axis: number): number[] {
  if (!Number.isInteger(size) || size <= 0) {
    throw new ChunkSizeError(`chunk size ${show(size)} on axis ${axis} is not a positive integer: chunks must hold at least one element.`);
  }
  if (extent === 0) return [0];
  const out: number[] = [];
  for (let s = 0; s < extent; s += size) out.push(Math.min(size, extent - s));
  return out;
}

export function normalizeChunks(shape: readonly number[], dtype: DType, chunkSize?: ChunkSize): number[][] {
  if (chunkSize === undefined) return autoChunks(shape, dtype);
  if (typeof chunkSize === 'number') return shape.map((d, a) => splitAxis(d, chunkSize, a));
  if (!Array.isArray(chunkSize) || chunkSize.length !== shape.length) {
    throw new ChunkSizeError(
      `chunkSize ${show(chunkSize)} must be an int or have one entry per axis of shape ${shapeStr(shape)}.`,
    );
  }
  return shape.map((d, a) => {
    const c = chunkSize[a];
    if (c === null || c === -1) return [d];
    if (typeof c === 'number') return splitAxis(d, c, a);
    if (!Array.isArray(c) || c.some((x) => !Number.isInteger(x) || x < 0) || c.reduce((s, x) => s + x, 0) !== d) {
      throw new ChunkSizeError(`explicit chunks ${show(c)} on axis ${a} must be non-negative ints summing to ${d}.`);
    }
    if (d > 0 && c.some((x) => x === 0)) throw new ChunkSizeError(`explicit chunks on axis ${a} contain an empty chunk.`);
    return d === 0 ? [0] : [...c];
  });
}

function autoChunks(shape: readonly number[], dtype: DType): number[][] {
  const target = Math.max(1, Math.floor(processOptions.defaultChunkBytes / itemSize(dtype)));
  const out: number[][] = new Array(shape.length);
  let inner = 1;
  let split = false;
  for (let a = shape.length - 1; a >= 0; a--) {
    const d = shape[a]!;
    if (split) out[a] = splitAxis(d, 1, a);
    else if (d * inner <= target || d === 0) {
      out[a] = d === 0 ? [0] : [d];
      inner *= Math.max(d, 1);
    } else {
      out[a] = splitAxis(d, Math.max(1, Math.floor(target / inner)), a);
      split = true;
    }
  }
  return out;
}

/** Start offsets of every chunk along one axis, plus the total at the end. */
export function bounds(splits: readonly number[]): number[] {
  const b = [0];
  for (const s of splits) b.push(b[b.length - 1]! + s);
  return b;
}

/** A chunk grid with its per-axis chunk offsets computed once (tiling 200k chunks stays linear). */
export class Grid {
  readonly nsplits: readonly (readonly number[])[];
  readonly bounds: readonly (readonly number[])[];

  constructor(nsplits: readonly (readonly number[])[]) {
    this.nsplits = nsplits;
    this.bounds = nsplits.map(bounds);
  }

  get ndim(): number {
    return this.nsplits.length;
  }
  get dims(): number[] {
    return this.nsplits.map((s) => s.length);
  }
  get size(): number {
    return this.nsplits.reduce((n, s) => n * s.length, 1);
  }
  start(index: readonly number[]): number[] {
    return index.map((i, d) => this.bounds[d]![i]!);
  }
  shape(index: readonly number[]): number[] {
    return index.map((i, d) => this.nsplits[d]![i]!);
  }
  flat(index: readonly number[]): number {
    let f = 0;
    for (let d = 0; d < index.length; d++) f = f * this.nsplits[d]!.length + index[d]!;
    return f;
  }
  /** Every grid index in row-major order. */
  indices(): number[][] {
    const dims = this.dims;
    const total = this.size;
    const out: number[][] = new Array(total);
    const idx = new Array<number>(dims.length).fill(0);
    for (let n = 0; n < total; n++) {
      out[n] = [...idx];
      for (let d = dims.length - 1; d >= 0; d--) {
        if (++idx[d]! < dims[d]!) break;
        idx[d] = 0;
      }
    }
    return out;
  }
}

/** Bytes a tileable takes once materialised, when its meta says (tensors); undefined otherwise. */
export function materialisedBytes(node: TileableNode): number | undefined {
  const meta = node.meta as Partial<TensorMeta>;
  if (meta.type !== 'tensor' || !meta.shape || !meta.dtype) return undefined;
  const bytes = meta.shape.reduce((n, d) => n * d, 1) * itemSize(meta.dtype);
  // A length not known until run (NaN) cannot be checked before: the store's limit applies as it runs.
  return Number.isNaN(bytes) ? undefined : bytes;
}

/** Ops that take a tensor whose extents are not known until it runs (NaN): they tile from the measured extents. */
const TAKES_UNKNOWN_EXTENTS: ReadonlySet<string> = new Set(['tensor.ew', 'tensor.reduce', 'tensor.user_reduce']);

export function hasUnknownExtent(shape: readonly number[]): boolean {
  return shape.some((e) => Number.isNaN(e));
}

/** Refuses, at the user's line, an op that needs its input's shape when it is built but got an unknown one. */
function refuseUnknownExtents(op: string, inputs: readonly TileableNode[]): void {
  if (TAKES_UNKNOWN_EXTENTS.has(op)) return;
  for (const x of inputs) {
    const shape = (x.meta as Partial<TensorMeta>).shape;
    if (x.meta.type === 'tensor' && shape && hasUnknownExtent(shape)) {
      throw new ShapeError(
        `${op.replace('tensor.', '')} needs the shape of its input when it is built, and ${reprNode(x)} has shape ${shapeStr(shape)}: ` +
          'its length is known only once it has run (a column of a filtered frame). Execute it first and build from that handle ' +
          '(its shape is then measured), or use elementwise ops and reductions, which take it as it is.',
      );
    }
  }
}

export function makeTensor(
  op: string,
  params: Readonly<Record<string, unknown>>,
  inputs: readonly TileableNode[],
  meta: Omit<TensorMeta, 'type'>,
): TensorNode {
  refuseUnknownExtents(op, inputs);
  return makeTileable<TensorMeta>(op, params, inputs, { type: 'tensor', ...meta });
}

/**
 * One object per distinct chunk shape: most chunks of a grid share their shape, so sharing their
 * (immutable) params and meta objects keeps tiling 200k chunks from allocating 200k copies of each.
 */
export function perShape<T>(make: (shape: number[]) => T): (shape: number[]) => T {
  const cache = new Map<string, T>();
  return (shape) => {
    const key = shape.join(',');
    let v = cache.get(key);
    if (v === undefined) cache.set(key, (v = make(shape)));
    return v;
  };
}
