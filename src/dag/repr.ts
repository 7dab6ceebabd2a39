/**
 * The text a handle shows for itself before it has data: its kind, op, key and — for tensors — shape
 * and dtype. This is also the `<repr>` in "Cannot fetch unexecuted tileable: <repr>".
 */
import type { TileableNode } from './nodes.js';

const KIND: Record<string, string> = { tensor: 'Tensor', graph: 'Graph', context: 'Context', dataframe: 'DataFrame' };

export function reprNode(node: TileableNode): string {
  const meta = node.meta as { type: string; shape?: readonly number[]; dtype?: string };
  const kind = KIND[meta.type] ?? meta.type;
  const shape = meta.shape ? `, shape=(${meta.shape.join(', ')}${meta.shape.length === 1 ? ',' : ''}), dtype=${meta.dtype}` : '';
  return `${kind} <op=${node.op}, key=${node.key}${shape}>`;
}
