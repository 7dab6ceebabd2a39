/**
 * A graph or context another session persisted, as a source node of this session. It keeps the
 * original's key — same content, same key — and carries the persisted value itself (the catalog's
 * typed arrays, not a copy), so this session computes with it like with anything it built: projections,
 * apps and selectors on top of it run here. Its chunk needs no input: a context's projected graph rides
 * along as an input node only so that selectors find it.
 */
import { makeTileable, type NodeMeta, type TileableNode } from '../../dag/nodes.js';
import { chunkKey, registerOp } from '../op.js';

export const PERSISTED_OP = 'graph.persisted';

export function persistedNode<M extends NodeMeta>(key: string, meta: M, value: unknown, inputs: readonly TileableNode[] = []): TileableNode<M> {
  return makeTileable<M>(PERSISTED_OP, { value }, inputs, meta, { key });
}

registerOp({
  name: PERSISTED_OP,
  tile(node, ctx) {
    const key = ctx.add({ key: chunkKey(node.key, []), kernel: PERSISTED_OP, params: node.params, inputs: [], meta: { type: node.meta.type } });
    return { nsplits: [], chunks: [key] };
  },
});
