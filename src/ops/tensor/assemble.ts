/**
 * Assembles a tensor result from its chunks into one fresh NdArray, or into the caller's `into` (always
 * a copy: the chunks stay in the session's cache, and a caller writing into fetched data must never
 * change a cached result).
 */
import type { TypedArray } from '../../base/dtypes.js';
import { type ArrayData, allocateForUser, NdArray } from '../../base/ndarray.js';
import { sizeOf, stridesOf } from '../../base/shape.js';
import { copyBlock } from '../../base/blocks.js';
import { registerAssembler } from '../assemble.js';
import { intoFor } from './into.js';
import { Grid, type TensorNode } from './meta.js';

export function assembleTensor(node: TensorNode, nsplits: readonly (readonly number[])[], chunks: readonly unknown[], into?: TypedArray): NdArray {
  const { dtype } = node.meta;
  // From the tiling, not the meta: a length unknown when built (NaN) is measured there.
  const shape = nsplits.map((s) => s.reduce((a, b) => a + b, 0));
  const out = intoFor(into, sizeOf(shape), shape, () => allocateForUser(dtype, sizeOf(shape)));
  const grid = new Grid(nsplits);
  const outStrides = stridesOf(shape);
  grid.indices().forEach((index, flat) => {
    const c = chunks[flat] as ArrayData;
    const ext = grid.shape(index);
    if (sizeOf(ext) === 0) return;
    copyBlock(c.data, stridesOf(c.shape), ext.map(() => 0), out, outStrides, grid.start(index), ext);
  });
  return new NdArray(dtype, shape, out);
}

registerAssembler('tensor', (node, tiled, chunks, options) => assembleTensor(node as TensorNode, tiled.nsplits, chunks, options.into), { copies: true });
