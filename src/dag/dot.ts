/**
 * Graphviz text for any DAG: a tileable DAG (from its targets) or a chunk graph. Keys are shortened
 * to stay readable; fetch chunks (already in the store) are drawn dashed.
 */
import type { ChunkGraph } from './chunkGraph.js';
import type { TileableNode } from './nodes.js';
import { topoSortTileables } from './walk.js';

/** A quoted DOT string; several lines are joined with DOT's own `\n` escape. */
function quote(...lines: string[]): string {
  return `"${lines.map((l) => l.replace(/\\/g, '\\\\').replace(/"/g, '\\"')).join('\\n')}"`;
}

function shortKey(key: string): string {
  const m = /^(.*?)-([0-9a-f]{8})[0-9a-f]{24}(.*)$/.exec(key);
  return m ? `${m[1]}-${m[2]}${m[3]}` : key;
}

/**
 * `planOf` gives what an op decided when the node was tiled (`ctx.plan`); each decision is one more
 * line of the node's label.
 */
export function tileableToDot(targets: readonly TileableNode[], name = 'tessera', planOf?: (key: string) => readonly string[] | undefined): string {
  const nodes = topoSortTileables(targets);
  const lines = [`digraph ${quote(name)} {`, '  rankdir=LR;', '  node [shape=box, fontname="monospace"];'];
  for (const n of nodes) {
    const meta = n.meta as { type: string; shape?: readonly number[]; dtype?: string };
    const what = meta.shape ? `${meta.dtype ?? meta.type}(${meta.shape.join(', ')})` : meta.type;
    const plan = (planOf?.(n.key) ?? []).map((d) => `plan: ${d}`);
    lines.push(`  ${quote(n.key)} [label=${quote(n.op, shortKey(n.key), what, ...plan)}, tooltip=${quote(n.key)}];`);
    for (const i of n.inputs) lines.push(`  ${quote(i.key)} -> ${quote(n.key)};`);
  }
  lines.push('}');
  return lines.join('\n');
}

export function chunkGraphToDot(g: ChunkGraph, name = 'chunks'): string {
  const lines = [`digraph ${quote(name)} {`, '  rankdir=LR;', '  node [shape=box, fontname="monospace"];'];
  for (let i = 0; i < g.size; i++) {
    const kernel = g.kernels[i];
    const style = kernel === null ? ', style=dashed' : '';
    lines.push(`  n${i} [label=${quote(kernel ?? 'fetch', shortKey(g.keys[i]!))}${style}, tooltip=${quote(g.keys[i]!)}];`);
    for (let e = g.depStart[i]!; e < g.depStart[i + 1]!; e++) lines.push(`  n${g.deps[e]} -> n${i};`);
  }
  lines.push('}');
  return lines.join('\n');
}
