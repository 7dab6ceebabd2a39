/**
 * What the dashboard draws of a run's chunk graph: nodes laid out by topological level, and the edges
 * between them. Up to `detailChunks` chunks every chunk is a node; a bigger run is drawn one node per
 * stage — the chunks one tileable emitted with one kernel (a reduction's map, combine and final steps
 * apart), with their counts by state — and past `nodes` / `edges` the rest is counted, not drawn: the
 * page says how much it left out. Built once per run, when it is planned.
 */
import type { ChunkGraph } from '../../../dag/chunkGraph.js';
import type { TileableNode } from '../../../dag/nodes.js';

export interface DagLimits {
  /** Runs with at most this many chunks are drawn chunk by chunk. */
  readonly detailChunks: number;
  readonly nodes: number;
  readonly edges: number;
}

export const DEFAULT_DAG_LIMITS: DagLimits = { detailChunks: 1000, nodes: 1000, edges: 3000 };

export interface DagNode {
  /** The kernel of the chunk(s) it stands for; `stored` for results the run read from the store. */
  readonly label: string;
  readonly level: number;
  /** Chunks it stands for (1 when drawn chunk by chunk). */
  readonly size: number;
}

export interface DagLayout {
  readonly grouped: boolean;
  readonly nodes: readonly DagNode[];
  /** Pairs of node indices, flat: `[from0, to0, from1, to1, ...]`. */
  readonly edges: readonly number[];
  /** The drawn node each chunk counts towards, or -1 when its node was left out. */
  readonly nodeOf: Int32Array;
  readonly hiddenChunks: number;
  readonly hiddenEdges: number;
}

const STORED = 'stored';

export function layoutDag(graph: ChunkGraph, ownerOf: (index: number) => TileableNode | undefined, limits: DagLimits = DEFAULT_DAG_LIMITS): DagLayout {
  const grouped = graph.size > limits.detailChunks;
  const { groupOf, labels, sizes } = grouped ? byStage(graph, ownerOf) : byChunk(graph);
  const groupCount = labels.length;
  const edges = groupEdges(graph, groupOf, groupCount);
  const levels = longestPathLevels(groupCount, edges);

  // Past the node cap, keep the groups nearest the inputs: the run is read left to right.
  let drawn = Array.from({ length: groupCount }, (_, g) => g);
  if (groupCount > limits.nodes) drawn = drawn.sort((a, b) => levels[a]! - levels[b]! || a - b).slice(0, limits.nodes).sort((a, b) => a - b);
  const nodeOfGroup = new Int32Array(groupCount).fill(-1);
  drawn.forEach((g, k) => (nodeOfGroup[g] = k));

  const nodeOf = new Int32Array(graph.size);
  let hiddenChunks = 0;
  for (let i = 0; i < graph.size; i++) {
    nodeOf[i] = nodeOfGroup[groupOf[i]!]!;
    if (nodeOf[i]! < 0) hiddenChunks++;
  }
  const drawnEdges: number[] = [];
  let hiddenEdges = 0;
  for (let e = 0; e < edges.length; e += 2) {
    const from = nodeOfGroup[edges[e]!]!;
    const to = nodeOfGroup[edges[e + 1]!]!;
    if (from < 0 || to < 0) continue;
    if (drawnEdges.length / 2 >= limits.edges) hiddenEdges++;
    else drawnEdges.push(from, to);
  }
  return {
    grouped,
    nodes: drawn.map((g) => ({ label: labels[g]!, level: levels[g]!, size: sizes[g]! })),
    edges: drawnEdges,
    nodeOf,
    hiddenChunks,
    hiddenEdges,
  };
}

interface Grouping {
  readonly groupOf: Int32Array;
  readonly labels: string[];
  readonly sizes: number[];
}

function byChunk(graph: ChunkGraph): Grouping {
  return {
    groupOf: Int32Array.from({ length: graph.size }, (_, i) => i),
    labels: graph.kernels.map((k) => k ?? STORED),
    sizes: new Array<number>(graph.size).fill(1),
  };
}

/** One group per tileable and kernel, and one for every chunk read from the store. */
function byStage(graph: ChunkGraph, ownerOf: (index: number) => TileableNode | undefined): Grouping {
  const groupOf = new Int32Array(graph.size);
  const byKey = new Map<string, number>();
  const labels: string[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < graph.size; i++) {
    const kernel = graph.kernels[i];
    const key = kernel === null ? STORED : `${ownerOf(i)?.key ?? ''}\0${kernel}`;
    let g = byKey.get(key);
    if (g === undefined) {
      g = labels.length;
      byKey.set(key, g);
      labels.push(kernel ?? STORED);
      sizes.push(0);
    }
    groupOf[i] = g;
    sizes[g]!++;
  }
  return { groupOf, labels, sizes };
}

/** Distinct edges between groups (an input's group to its consumer's), flat pairs. */
function groupEdges(graph: ChunkGraph, groupOf: Int32Array, groupCount: number): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  for (let i = 0; i < graph.size; i++) {
    const to = groupOf[i]!;
    for (let e = graph.depStart[i]!; e < graph.depStart[i + 1]!; e++) {
      const from = groupOf[graph.deps[e]!]!;
      if (from === to) continue;
      const id = from * groupCount + to;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(from, to);
    }
  }
  return out;
}

/**
 * Each node's level: the longest chain of inputs before it (Kahn's order). Groups of chunks could in
 * principle feed each other both ways; any node left unordered then goes one level past the rest.
 */
export function longestPathLevels(count: number, edges: readonly number[]): Int32Array {
  const indeg = new Int32Array(count);
  const outStart = new Int32Array(count + 1);
  for (let e = 0; e < edges.length; e += 2) {
    outStart[edges[e]! + 1]!++;
    indeg[edges[e + 1]!]!++;
  }
  for (let i = 0; i < count; i++) outStart[i + 1]! += outStart[i]!;
  const fill = outStart.slice(0, count);
  const out = new Int32Array(edges.length / 2);
  for (let e = 0; e < edges.length; e += 2) out[fill[edges[e]!]!++] = edges[e + 1]!;

  const level = new Int32Array(count);
  const queue = new Int32Array(count);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < count; i++) if (indeg[i] === 0) queue[tail++] = i;
  let deepest = 0;
  while (head < tail) {
    const i = queue[head++]!;
    deepest = Math.max(deepest, level[i]!);
    for (let e = outStart[i]!; e < outStart[i + 1]!; e++) {
      const s = out[e]!;
      level[s] = Math.max(level[s]!, level[i]! + 1);
      if (--indeg[s]! === 0) queue[tail++] = s;
    }
  }
  if (tail < count) for (let i = 0; i < count; i++) if (indeg[i]! > 0) level[i] = deepest + 1;
  return level;
}
