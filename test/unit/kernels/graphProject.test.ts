/**
 * The `graph.project` kernel called directly on dense ids (vertices 0..n-1, Int32 edge columns): the
 * columns are the internal ids, taken without a pass of their own, so an out-of-range id is caught by
 * the CSR build and must still be reported as the projection reports it — the vertex, the end, the
 * edge and the labels — not as the CSR builder's generic endpoint error.
 */
import { describe, expect, it } from 'vitest';
import { runDriver } from '../../../src/graph/parallel.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';
import { getDriver } from '../../../src/kernels/index.js';
import type { ProjectedGraphValue, PropertyGraphValue } from '../../../src/kernels/graph/values.js';

const shared = (values: readonly number[]): Int32Array => {
  const out = new Int32Array(new SharedArrayBuffer(4 * values.length));
  out.set(values);
  return out;
};

function graph(src: readonly number[], dst: readonly number[]): PropertyGraphValue {
  return {
    kind: 'property-graph',
    directed: true,
    oidType: 'int64',
    vertices: [{ label: 'v', ids: { kind: 'number', values: shared([0, 1, 2, 3]) }, props: {} }],
    edges: [{ label: 'e', srcLabel: 'v', dstLabel: 'v', src: { kind: 'number', values: shared(src) }, dst: { kind: 'number', values: shared(dst) }, props: {} }],
  };
}

/** The projection driver run on this thread, as one part (`parallelism: 1`) or as `parts`. */
const project = (g: PropertyGraphValue, parts = 1): ProjectedGraphValue =>
  runDriver(getDriver('graph.project')!([g], { vertexLabel: 'v', edgeLabel: 'e' } as never, { parallelism: parts }), GRAPH_STEPS) as ProjectedGraphValue;

describe('graph.project on dense ids', () => {
  it('builds the CSR straight from the columns', () => {
    const pg = project(graph([0, 0, 3, 2], [1, 2, 0, 2]));
    expect([...pg.graph.out.offsets]).toEqual([0, 2, 2, 3, 4]);
    expect([...pg.graph.out.targets]).toEqual([1, 2, 2, 0]);
    expect([...(pg.ids.values as Float64Array)]).toEqual([0, 1, 2, 3]);
  });

  it('names the undeclared vertex, its end and its edge when an id is out of range', () => {
    expect(() => project(graph([0, 1, 2], [1, 7, 0]))).toThrow(expect.objectContaining({ code: 'VertexNotFound', message: expect.stringMatching(/vertex 7 .*the target of edge 1 of 'e' is not a declared vertex of 'v'/) }));
    expect(() => project(graph([0, -1, 2], [1, 2, 0]))).toThrow(expect.objectContaining({ code: 'VertexNotFound', message: expect.stringMatching(/vertex -1 .*the source of edge 1 of 'e'/) }));
  });
});
