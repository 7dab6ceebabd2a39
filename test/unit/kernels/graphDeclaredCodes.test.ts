/**
 * String endpoints coded against their label's declared vertices (`graph.encode_ids` with `declared`,
 * what big inline string edge columns get when the build could not check them): each code is the
 * vertex's position in the vertex table's dictionary, the edge table holds that very dictionary (so the
 * projection maps nothing), and an endpoint that is not a declared vertex is the error the load gave
 * before, naming the id, the end and the row, the source first.
 */
import { describe, expect, it } from 'vitest';
import { VertexNotFoundError } from '../../../src/graph/errors.js';
import { sharedStringSpans, spanText } from '../../../src/graph/idColumns.js';
import { runDriver } from '../../../src/graph/parallel.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';
import { getDriver, getKernel } from '../../../src/kernels/index.js';
import type { AddEdgesParams, ColumnsSource, EncodedIds, EncodeIdsParams } from '../../../src/kernels/graph/load.js';
import type { ProjectedGraphValue, PropertyGraphValue } from '../../../src/kernels/graph/values.js';

const VERTICES = ['b', 'é', 'a', '\u{1f600}', 'a-long-vertex-id-0', '\uffef'];

function withVertices(ids: readonly string[]): PropertyGraphValue {
  const empty = getKernel('graph.empty')([], { directed: true, oidType: 'string' } as never);
  const source: ColumnsSource = { kind: 'columns', columns: { id: { kind: 'string', values: sharedStringSpans(ids) } } };
  return getKernel('graph.add_vertices')([empty], { label: 'v', source, id: 'id', properties: {}, oidType: 'string' } as never) as PropertyGraphValue;
}

/** The graph with its vertex dictionaries' lookup tables dropped. */
function withoutTable(g: PropertyGraphValue): PropertyGraphValue {
  return { ...g, vertices: g.vertices.map((t) => (t.ids.kind === 'coded' ? { ...t, ids: { kind: 'coded', values: { dict: t.ids.values.dict, codes: t.ids.values.codes } } } : t)) };
}

/** `graph.add_edges` of inline string columns, both ends encoded by their tasks against the declared vertices. */
function addEdges(g: PropertyGraphValue, src: readonly string[], dst: readonly string[]): PropertyGraphValue {
  const columns = { s: { kind: 'string', values: sharedStringSpans(src) }, d: { kind: 'string', values: sharedStringSpans(dst) } } as const;
  // The source looks its ids up in the table the vertex ids' encoding left; the target in a table of its
  // own, as for a vertex dictionary that has none.
  const encoded = (['src', 'dst'] as const).map((end) => {
    const params: EncodeIdsParams = { end, column: columns[end === 'src' ? 's' : 'd'].values, declared: 'v' };
    return getKernel('graph.encode_ids')([end === 'src' ? g : withoutTable(g)], params as never) as EncodedIds;
  });
  const params: AddEdgesParams = { label: 'e', srcLabel: 'v', dstLabel: 'v', source: { kind: 'columns', columns }, src: 's', dst: 'd', properties: {}, oidType: 'string', verify: ['src', 'dst'] };
  return getKernel('graph.add_edges')([g, ...encoded], params as never) as PropertyGraphValue;
}

const project = (g: PropertyGraphValue): unknown => runDriver(getDriver('graph.project')!([g], { vertexLabel: 'v', edgeLabel: 'e' } as never, { parallelism: 1 }), GRAPH_STEPS);

describe('edge ids coded against the declared vertices', () => {
  it('are positions in the vertex dictionary, which the edge table shares; misses and repeats fail as before', () => {
    const g = withVertices(VERTICES);
    const src = ['é', 'a', '\u{1f600}', 'a-long-vertex-id-0', 'b'];
    const dst = ['\uffef', '\uffef', 'a', 'é', 'a-long-vertex-id-0'];
    const out = addEdges(g, src, dst);
    const vertexIds = out.vertices[0]!.ids;
    // The vertex ids' encoding keeps its hash table for the edge columns, in shared memory.
    if (vertexIds.kind === 'coded') expect(vertexIds.values.table?.slots.buffer).toBeInstanceOf(SharedArrayBuffer);
    const [edges] = out.edges;
    if (vertexIds.kind !== 'coded' || edges!.src.kind !== 'coded' || edges!.dst.kind !== 'coded') throw new Error('expected coded columns');
    expect(edges!.src.values.dict).toBe(vertexIds.values.dict);
    expect(edges!.dst.values.dict).toBe(vertexIds.values.dict);
    expect(Array.from(edges!.src.values.codes, (k) => spanText(vertexIds.values.dict, k))).toEqual(src);
    expect(Array.from(edges!.dst.values.codes, (k) => spanText(vertexIds.values.dict, k))).toEqual(dst);
    const pg = project(out) as ProjectedGraphValue;
    // Internal ids follow code point order: a, a-long-vertex-id-0, b, é, \uffef, 😀.
    expect([...pg.graph.out.offsets]).toEqual([0, 1, 2, 3, 4, 4, 5]);
    expect([...pg.graph.out.targets]).toEqual([4, 3, 1, 4, 0]);

    // The first endpoint that is not a declared vertex, as the load named it: the source first, then the target.
    const missingBoth = () => addEdges(g, ['a', 'a', 'zz-\u{1f600}'], ['b', 'nope', 'b']);
    expect(missingBoth).toThrow(VertexNotFoundError);
    expect(missingBoth).toThrow("vertex zz-\u{1f600} is not in the graph (the source of edge 2 of 'e' is not a declared vertex of 'v').");
    expect(() => addEdges(g, ['a', 'a', 'b'], ['b', 'b', 'nope'])).toThrow("vertex nope is not in the graph (the target of edge 2 of 'e' is not a declared vertex of 'v').");

    // A repeated vertex id is left to the projection, which refuses it at its second row.
    const repeated = addEdges(withVertices([...VERTICES, 'é']), ['a'], ['é']);
    expect(() => project(repeated)).toThrow("vertex é is not in the graph (vertex id é of 'v' is declared twice (again at row 6)).");
  });
});
