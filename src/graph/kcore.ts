/**
 * k-cores on the simple undirected view (direction, self-loops and parallel arcs ignored, as networkx's
 * `core_number` requires and GraphScope's `k_core` app does on the undirected graphs it supports). The
 * core number of v is the largest k such that v belongs to a subgraph in which every vertex has degree
 * >= k. Batagelj-Zaversnik: vertices bucketed by degree, peeled in increasing order, each removal
 * lowering its neighbours' degrees; O(n + m). Sequential: it is one linear pass.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { type GraphCsr, withInCsr } from './csr.js';
import { sharedInt32 } from './shared.js';
import { simpleUndirected } from './views.js';

/** Core number of every vertex. */
export function coreNumbers(g: GraphCsr): Int32Array {
  const view = simpleUndirected(g.directed ? withInCsr(g) : g);
  const { n, offsets, targets } = view;
  const degree = sharedInt32(n);
  let maxDegree = 0;
  for (let v = 0; v < n; v++) {
    const d = offsets[v + 1]! - offsets[v]!;
    degree[v] = d;
    if (d > maxDegree) maxDegree = d;
  }
  // order[] lists vertices by current degree; binStart[d] is where degree d starts; where[v] finds v.
  const binStart = new Int32Array(maxDegree + 2);
  for (let v = 0; v < n; v++) binStart[degree[v]! + 1]!++;
  for (let d = 1; d <= maxDegree + 1; d++) binStart[d] = binStart[d]! + binStart[d - 1]!;
  const order = new Int32Array(n);
  const where = new Int32Array(n);
  const fill = binStart.slice();
  for (let v = 0; v < n; v++) {
    const at = fill[degree[v]!]!++;
    order[at] = v;
    where[v] = at;
  }
  for (let i = 0; i < n; i++) {
    const v = order[i]!;
    const dv = degree[v]!;
    const end = offsets[v + 1]!;
    for (let e = offsets[v]!; e < end; e++) {
      const u = targets[e]!;
      const du = degree[u]!;
      if (du <= dv) continue;
      // Move u to the front of its bin, then shrink the bin by one: u now has degree du - 1.
      const first = binStart[du]!;
      const w = order[first]!;
      const pu = where[u]!;
      order[pu] = w;
      where[w] = pu;
      order[first] = u;
      where[u] = first;
      binStart[du] = first + 1;
      degree[u] = du - 1;
    }
  }
  return degree;
}

/** GraphScope `k_core`: 1 for the vertices of the k-core, 0 for the others. */
export function kCore(g: GraphCsr, k: number): Int32Array {
  if (!Number.isInteger(k) || k < 0) throw new InvalidArgumentError(`k must be an integer >= 0, got ${k}`);
  const core = coreNumbers(g);
  const member = sharedInt32(g.n);
  for (let v = 0; v < g.n; v++) member[v] = core[v]! >= k ? 1 : 0;
  return member;
}
