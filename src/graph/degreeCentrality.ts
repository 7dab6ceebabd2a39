/**
 * Degree centrality (GraphScope `degree_centrality`): the in-, out- or in+out degree of each vertex
 * divided by n - 1, the largest degree a simple graph allows. Parallel arcs count with multiplicity and
 * a self-loop counts once in each direction, as the CSR stores them. On an undirected graph in and out
 * degree are the same number, and every type gives degree / (n - 1) (networkx's definition, which
 * GraphScope's tests compare against). With n <= 1 every vertex gets 1, as in networkx.
 */
import { InvalidArgumentError } from '../base/errors.js';
import type { GraphCsr } from './csr.js';
import { sharedFloat64 } from './shared.js';

export type DegreeType = 'in' | 'out' | 'both';

export function degreeCentrality(g: GraphCsr, type: DegreeType = 'both'): Float64Array {
  if (type !== 'in' && type !== 'out' && type !== 'both') {
    throw new InvalidArgumentError(`centrality type must be 'in', 'out' or 'both', got '${String(type)}'`);
  }
  const { n, out } = g;
  const result = sharedFloat64(n);
  if (n <= 1) return result.fill(1);
  const inDegree = new Float64Array(n);
  if (g.directed && type !== 'out') {
    for (let e = 0; e < out.m; e++) {
      const t = out.targets[e]!;
      inDegree[t] = inDegree[t]! + 1;
    }
  }
  for (let v = 0; v < n; v++) {
    const outDegree = out.offsets[v + 1]! - out.offsets[v]!;
    const degree = !g.directed || type === 'out' ? outDegree : type === 'in' ? inDegree[v]! : outDegree + inDegree[v]!;
    result[v] = degree / (n - 1);
  }
  return result;
}
