/**
 * `t.reduce(fn, initial)`: a full reduction with a user function, tiled as one fold per chunk and a
 * final fold over the partials in chunk order (the function must be associative, as for any parallel
 * reduce). Reducing an empty tensor without `initial` fails at build time, like `[].reduce(fn)`.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import { chunkKey, registerOp } from '../op.js';
import { makeTensor, type TensorNode } from './meta.js';

export function userReduceNode(x: TensorNode, fnSource: string, initial?: number): TensorNode {
  if (initial !== undefined && typeof initial !== 'number') {
    throw new InvalidArgumentError(`reduce initial value must be a number, got ${typeof initial}.`);
  }
  if (initial === undefined && x.meta.shape.some((d) => d === 0)) {
    throw new InvalidArgumentError('reduce of an empty tensor with no initial value: pass an initial value.');
  }
  const params = initial === undefined ? { fn: fnSource } : { fn: fnSource, initial };
  return makeTensor('tensor.user_reduce', params, [x], { shape: [], dtype: 'float64', nsplits: [] });
}

registerOp({
  name: 'tensor.user_reduce',
  tile(node, ctx) {
    const input = ctx.input(0);
    const { fn, initial } = node.params as { fn: string; initial?: number };
    const partials = input.chunks.map((c, i) =>
      ctx.add({ key: chunkKey(node.key, [i], 'fold'), kernel: 'tensor.fold_map', params: { fn }, inputs: [c], meta: { partial: 'fold' } }),
    );
    const key = ctx.add({
      key: chunkKey(node.key, []),
      kernel: 'tensor.fold_final',
      params: initial === undefined ? { fn } : { fn, initial },
      inputs: partials,
      meta: { shape: [], dtype: 'float64' },
    });
    return { nsplits: [], chunks: [key] };
  },
});
