/**
 * Derived views of a graph that several algorithms share. `simpleUndirected` is the graph LCC,
 * triangles and k-core are defined on: N(v) = N_in(v) ∪ N_out(v) as a set, without v itself, so
 * direction, parallel arcs and self-loops are all forgotten. It is a Csr with sorted rows like any
 * other, built by merging each vertex's sorted out-row and in-row; an undirected graph that is already
 * simple is returned as is.
 */
import { InvalidArgumentError } from '../base/errors.js';
import type { Csr, GraphCsr } from './csr.js';
import { sharedInt32, sharedOffsets } from './shared.js';

/** The in-CSR of `g`, or a clear error for a driver handed a directed graph without one. */
export function requireInCsr(g: GraphCsr, what: string): Csr {
  if (!g.in) {
    throw new InvalidArgumentError(`${what} reads the in-CSR of a directed graph: build it with withInCsr(g) first.`);
  }
  return g.in;
}

/** Row v: the distinct neighbours of v in either direction, v excluded, sorted. Unweighted. */
export function simpleUndirected(g: GraphCsr): Csr {
  const { n, out } = g;
  if (!g.directed && g.selfLoops === 0 && g.parallelArcs === 0) return { ...out, weights: undefined };
  const other = g.directed ? requireInCsr(g, 'the undirected view') : out;
  let m = 0;
  for (let v = 0; v < n; v++) m += mergeRow(v, out, other, undefined, 0);
  const offsets = sharedOffsets(n, m);
  const targets = sharedInt32(m);
  let at = 0;
  for (let v = 0; v < n; v++) {
    offsets[v] = at;
    at += mergeRow(v, out, other, targets, at);
  }
  offsets[n] = at;
  return { n, m, offsets, targets, weights: undefined };
}

/** Writes (when `into` is given) the sorted union of v's rows in `a` and `b` minus v; returns its size. */
function mergeRow(v: number, a: Csr, b: Csr, into: Int32Array | undefined, at: number): number {
  let i = a.offsets[v]!;
  const iEnd = a.offsets[v + 1]!;
  let j = b.offsets[v]!;
  const jEnd = b === a ? j : b.offsets[v + 1]!;
  if (b === a) j = jEnd;
  let count = 0;
  let last = -1;
  while (i < iEnd || j < jEnd) {
    let t: number;
    if (j >= jEnd || (i < iEnd && a.targets[i]! <= b.targets[j]!)) t = a.targets[i++]!;
    else t = b.targets[j++]!;
    if (t === v || t === last) continue;
    last = t;
    if (into) into[at + count] = t;
    count++;
  }
  return count;
}
