/**
 * Traversal of tileable DAGs: every ancestor of a set of targets, once each, in an order where inputs
 * come before the nodes that use them. Iterative (no recursion limit on 100k-deep chains); a cycle,
 * which can only appear in DAGs rebuilt from plain data, is reported with its path.
 */
import { CycleError } from '../base/errors.js';
import type { TileableNode } from './nodes.js';

export interface WalkOptions {
  /** Nodes at which the walk stops: they are listed, but their inputs are not visited. */
  readonly stopAt?: (node: TileableNode) => boolean;
}

export function topoSortTileables(targets: readonly TileableNode[], options: WalkOptions = {}): TileableNode[] {
  const out: TileableNode[] = [];
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  for (const root of targets) {
    if (state.get(root.key) === 2) continue;
    const stack: { node: TileableNode; next: number }[] = [{ node: root, next: 0 }];
    state.set(root.key, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const stop = options.stopAt?.(top.node) ?? false;
      if (!stop && top.next < top.node.inputs.length) {
        const child = top.node.inputs[top.next++]!;
        const s = state.get(child.key);
        if (s === 2) continue;
        if (s === 1) {
          const from = stack.findIndex((f) => f.node.key === child.key);
          throw new CycleError([...stack.slice(from).map((f) => f.node.key), child.key]);
        }
        state.set(child.key, 1);
        stack.push({ node: child, next: 0 });
      } else {
        stack.pop();
        state.set(top.node.key, 2);
        out.push(top.node);
      }
    }
  }
  return out;
}
