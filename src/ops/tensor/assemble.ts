/**
 * Assembles a tensor result from its chunks into one fresh NdArray, or into the caller's `into` (always
 * a copy: the chunks stay in the session's cache, and a caller writing into fetched data must never
 * change a cached result).
 */
import type { TypedArray } from '../../base/dtypes.js';
import { type ArrayData, allocateForUser, NdArray } from '../../base/ndarray.js';
import { sizeOf, stridesOf } from '../../base/shape.js';
import { copyStrided } from '../../base/blocks.js';
import type { ChunkGraph } from '../../dag/chunkGraph.js';
import { type SliceParams, sliceView } from '../../kernels/tensor/layout.js';
import { registerAssembler } from '../assemble.js';
import { intoFor } from './into.js';
import { Grid, type TensorNode } from './meta.js';

export function assembleTensor(node: TensorNode, nsplits: readonly (readonly number[])[], chunks: readonly unknown[], into?: TypedArray): NdArray {
  return assembleInto(node, nsplits, into, (flat, at, ext, out, outStrides) => {
    const c = chunks[flat] as ArrayData;
    copyStrided(c.data, 0, stridesOf(c.shape), out, at, outStrides, ext);
  });
}

/**
 * The user's array for a result of this tiling (or `into`), each non-empty output chunk's block — `ext`
 * elements per axis from element `at` of `out` — written by `copyChunk`.
 */
function assembleInto(
  node: TensorNode,
  nsplits: readonly (readonly number[])[],
  into: TypedArray | undefined,
  copyChunk: (flat: number, at: number, ext: readonly number[], out: TypedArray, outStrides: readonly number[]) => void,
): NdArray {
  const { dtype } = node.meta;
  // From the tiling, not the meta: a length unknown when built (NaN) is measured there.
  const shape = nsplits.map((s) => s.reduce((a, b) => a + b, 0));
  const out = intoFor(into, sizeOf(shape), shape, () => allocateForUser(dtype, sizeOf(shape)));
  const grid = new Grid(nsplits);
  const outStrides = stridesOf(shape);
  grid.indices().forEach((index, flat) => {
    const ext = grid.shape(index);
    if (sizeOf(ext) === 0) return;
    const start = grid.start(index);
    let at = 0;
    for (let k = 0; k < ext.length; k++) at += start[k]! * outStrides[k]!;
    copyChunk(flat, at, ext, out, outStrides);
  });
  return new NdArray(dtype, shape, out);
}

/** An output chunk of a basic slice: the key of the one input chunk it reads, and what it reads of it. */
export interface SliceSource {
  readonly key: string;
  readonly read: SliceParams;
}

/**
 * Where each of a slice's output chunks `keys` (planned in `graph`) reads from, when every one is a
 * `tensor.slice` of a chunk `stored` says the store has; undefined when any is made otherwise (a slice
 * of a slice not yet run, say).
 */
export function storedSliceSources(graph: ChunkGraph, keys: readonly string[], stored: (key: string) => boolean): SliceSource[] | undefined {
  const sources: SliceSource[] = [];
  for (const key of keys) {
    const i = graph.indexOf(key);
    if (i < 0 || graph.kernels[i] !== 'tensor.slice' || graph.depStart[i + 1]! - graph.depStart[i]! !== 1) return undefined;
    const input = graph.keys[graph.deps[graph.depStart[i]!]!]!;
    if (!stored(input)) return undefined;
    sources.push({ key: input, read: graph.params[i] as SliceParams });
  }
  return sources;
}

/**
 * A slice of stored chunks assembled straight from them: each output chunk's elements copied from the
 * chunk it selects from into the user's array — one copy, where running the slice's kernels first made
 * a chunk of it and then copied that (two fresh arrays: 25-70 ms for 200 rows of a 5000x5000 where
 * faults are dear). `sources[flat]` is the value and read of the output chunk at that grid position.
 */
export function assembleSliceOfStored(node: TensorNode, nsplits: readonly (readonly number[])[], sources: readonly { readonly value: ArrayData; readonly read: SliceParams }[], into?: TypedArray): NdArray {
  return assembleInto(node, nsplits, into, (flat, at, ext, out, outStrides) => {
    const { value, read } = sources[flat]!;
    // The same view fusion reads a slice in place through (kernels/tensor/layout.ts), over the output axes.
    const view = sliceView(read, value.shape);
    copyStrided(value.data, view.offset, view.strides, out, at, outStrides, ext);
  });
}

registerAssembler('tensor', (node, tiled, chunks, options) => assembleTensor(node as TensorNode, tiled.nsplits, chunks, options.into), { copies: true });
