/**
 * Graphs loaded from DataFrames on the wire: `graph.add_vertices_frame` and `graph.add_edges_frame`
 * nodes (int and string ids, property lists and renames, a frame from select/head, endpoint checks the
 * load must make) and the apps over them are rebuilt through their builders with the very keys and
 * metas they had; a node whose frame input is not a frame, or whose properties are not column names,
 * is refused.
 */
import { describe, expect, it } from 'vitest';
import { dataframe as df, graph as gs, type Handle } from '../../../src/index.js';
import type { TileableNode } from '../../../src/dag/nodes.js';
import { decodeFrame, encodeFrame, frameBytes } from '../../../src/service/wire/frame.js';
import { collectNodes, rebuildNodes, toWire, type WireNode } from '../../../src/service/wire/nodes.js';

const options = { lookup: () => undefined, allowUserCode: false, resolvePath: (p: string) => p };

function wireOf(handles: readonly Handle[]): WireNode[] {
  const nodes = collectNodes(handles.map((h) => h.node), () => false);
  return decodeFrame(frameBytes(encodeFrame(nodes.map(toWire)))) as WireNode[];
}

describe('graphs from DataFrames on the wire', () => {
  it('rebuild with their keys and metas', () => {
    const edges = df.fromColumns({ a: Int32Array.from([0, 1, 2]), b: [1.0, 2, 0], w: [0.5, 1, 2], ok: [true, false, true] }, { chunkRows: 2 });
    const vertices = df.fromColumns({ id: Int32Array.from([0, 1, 2, 3]), age: [30, 40, 50, 60] });
    const strings = df.fromColumns({ x: ['é', 'b', '🎉'], y: ['b', '🎉', 'é'] }).head(2);
    const g1 = gs.loadFrom({ vertices, edges, edgeProperties: ['w'] });
    const g2 = gs.loadFrom({ edges: edges.select(['b', 'a', 'w']), directed: false });
    const g3 = gs.loadFrom({ edges: strings });
    const g4 = gs.loadFrom({ vertices: { id: [0, 1, 2] }, edges, src: 'b', dst: 0, edgeProperties: [2, 'ok'] });
    const handles = [g1, gs.sssp(g1, 0).toArray('r'), g2, gs.wcc(g2).toArray('r'), g3, gs.pagerank(g3).toArray('r'), g4];
    expect(g1.node.params).toMatchObject({ verify: ['src', 'dst'] });
    const back = rebuildNodes(wireOf(handles), options);
    const nodes = collectNodes(handles.map((h) => h.node), () => false);
    expect(nodes.map((n) => n.op)).toEqual(expect.arrayContaining(['graph.add_vertices_frame', 'graph.add_edges_frame']));
    for (const node of nodes) {
      expect(back.get(node.key)?.key, node.op).toBe(node.key);
      expect(back.get(node.key)?.meta).toEqual(node.meta);
    }
  });

  it('refuse a frame input that is not a frame, and properties that are not column names', () => {
    const edges = df.fromColumns({ a: [0, 1], b: [1, 0], w: [1, 2] });
    const wire = wireOf([gs.loadFrom({ edges })]);
    const at = wire.findIndex((n) => n.op === 'graph.add_edges_frame');
    const swapped = structuredClone(wire);
    swapped[at] = { ...swapped[at]!, inputs: [swapped[at]!.inputs[0]!, swapped[at]!.inputs[0]!] };
    expect(() => rebuildNodes(swapped, options)).toThrow(/input 1 must be a dataframe node/);
    const props = structuredClone(wire);
    props[at] = { ...props[at]!, params: { ...props[at]!.params, properties: { w: 2 } } };
    expect(() => rebuildNodes(props, options)).toThrow(/params\.properties must map property names to column names/);
    const unknown = structuredClone(wire);
    unknown[at] = { ...unknown[at]!, params: { ...unknown[at]!.params, src: 'nope' } };
    expect(() => rebuildNodes(unknown, options)).toThrow(/no column "nope"/);
    const rebuilt: Map<string, TileableNode> = rebuildNodes(wire, options);
    expect(rebuilt.size).toBe(wire.length);
  });
});
