/**
 * Topological order and depth-first priorities for chunk graphs.
 *
 * Invariants this file guarantees, and why the scheduler can rely on them:
 * - `topologicalOrder(g)` lists every chunk exactly once, each after all of its inputs (Kahn's
 *   algorithm over the CSR arrays, O(V + E), no recursion, no per-node objects: a 200k-chunk graph
 *   orders in milliseconds). Ties are broken by index, so the order is deterministic for a given graph.
 * - If the graph has a cycle, no order exists; instead of a partial order, a `CycleError` is thrown
 *   whose `path` lists the keys around one cycle in data-flow order (input before consumer, first key
 *   repeated at the end), so the user sees exactly which chunks feed each other.
 * - `depthFirstPriority(g, targets)` ranks chunks by the post-order of a depth-first walk from the
 *   targets, inputs first. Running ready chunks in increasing rank finishes one branch (and frees its
 *   intermediates) before starting the next, which keeps peak memory close to one branch's worth —
 *   the static half of Dask's memory-aware ordering. Ranks are a permutation of 0..n-1 for the chunks
 *   reachable from the targets; unreachable chunks rank after them.
 */
import { CycleError } from '../base/errors.js';
import type { ChunkGraph } from './chunkGraph.js';

export function topologicalOrder(g: ChunkGraph): Int32Array {
  const n = g.size;
  const indeg = new Int32Array(n);
  for (let i = 0; i < n; i++) indeg[i] = g.depStart[i + 1]! - g.depStart[i]!;
  const order = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) if (indeg[i] === 0) order[tail++] = i;
  while (head < tail) {
    const i = order[head++]!;
    for (let e = g.succStart[i]!; e < g.succStart[i + 1]!; e++) {
      const s = g.succs[e]!;
      if (--indeg[s]! === 0) order[tail++] = s;
    }
  }
  if (tail < n) throw new CycleError(findCycle(g, indeg));
  return order;
}

/** Walks inputs among the chunks Kahn could not order (each has an unordered input) until one repeats. */
function findCycle(g: ChunkGraph, indeg: Int32Array): string[] {
  let start = 0;
  while (indeg[start] === 0) start++;
  const seenAt = new Map<number, number>();
  const walk: number[] = [];
  let i = start;
  while (!seenAt.has(i)) {
    seenAt.set(i, walk.length);
    walk.push(i);
    let next = -1;
    for (let e = g.depStart[i]!; e < g.depStart[i + 1]!; e++) {
      if (indeg[g.deps[e]!]! > 0) {
        next = g.deps[e]!;
        break;
      }
    }
    i = next;
  }
  const cycle = walk.slice(seenAt.get(i)!).reverse();
  return [...cycle, cycle[0]!].map((k) => g.keys[k]!);
}

export function depthFirstPriority(g: ChunkGraph, targets: ArrayLike<number>): Int32Array {
  const n = g.size;
  const rank = new Int32Array(n).fill(-1);
  const visited = new Uint8Array(n);
  let next = 0;
  const nodeStack = new Int32Array(n);
  const edgeStack = new Int32Array(n);
  for (let t = 0; t < targets.length; t++) {
    const root = targets[t]!;
    if (visited[root]) continue;
    let sp = 0;
    nodeStack[0] = root;
    edgeStack[0] = g.depStart[root]!;
    visited[root] = 1;
    while (sp >= 0) {
      const i = nodeStack[sp]!;
      const e = edgeStack[sp]!;
      if (e < g.depStart[i + 1]!) {
        edgeStack[sp] = e + 1;
        const d = g.deps[e]!;
        if (!visited[d]) {
          visited[d] = 1;
          sp++;
          nodeStack[sp] = d;
          edgeStack[sp] = g.depStart[d]!;
        }
      } else {
        rank[i] = next++;
        sp--;
      }
    }
  }
  for (let i = 0; i < n; i++) if (rank[i] === -1) rank[i] = next++;
  return rank;
}
