/**
 * Dataframe nodes on the wire: sources of every dtype with nulls and unicode, select, rename, head and
 * a graph selection's frame are encoded, decoded and rebuilt through their builders with the very keys
 * and metas they had; a source whose buffers lie about their rows or dictionary is refused.
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

function rebuilt(handles: readonly Handle[]): Map<string, TileableNode> {
  return rebuildNodes(wireOf(handles), options);
}

describe('dataframe nodes on the wire', () => {
  it('rebuild with their keys and metas', () => {
    const d = df.fromColumns({ i: Int32Array.from([1, 2, 3]), f: [0.5, null, 2], b: [true, null, false], s: ['é', null, '🎉'] }, { chunkRows: 2 });
    const ctx = gs.wcc(gs.g().addEdges({ a: [0, 1], b: [1, 2] }, { src: 'a', dst: 'b' }));
    const handles = [d.select(['s', 'i']).rename({ i: 'n' }).head(2), df.fromColumns({}), ctx.toDataFrame({ id: 'v.id', c: 'r' })];
    const back = rebuilt(handles);
    for (const node of collectNodes(handles.map((h) => h.node), () => false)) {
      expect(back.get(node.key)?.key, node.op).toBe(node.key);
      expect(back.get(node.key)?.meta).toEqual(node.meta);
    }
  });

  it('refuse a source whose buffers do not match its rows or dictionary', () => {
    const wire = wireOf([df.fromColumns({ s: ['a', 'b'], n: [1, 2] })]);
    const chunk = (w: WireNode[]) => (w[0]!.params.chunks as { rows: number; columns: Record<string, unknown>[] }[])[0]!;
    const rows = structuredClone(wire);
    (chunk(rows) as { rows: number }).rows = 3;
    expect(() => rebuildNodes(rows, options)).toThrow(/does not hold 3 rows/);
    const codes = structuredClone(wire);
    chunk(codes).columns[0]!.codes = Int32Array.from([0, 7]);
    expect(() => rebuildNodes(codes, options)).toThrow(/column 0 of chunk 0/);
  });
});
