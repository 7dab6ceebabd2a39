/**
 * The endpoints of an edge file's parts mapped to internal ids on the gang (graph/parallelIds.ts) are
 * the ones mapped on one thread, array for array, whatever the ids (dense, offset, gappy, sparse beyond
 * int32, beyond 2^53, strings), the parts (parsed from text as the workers parse a file's byte ranges,
 * some empty), the gang's size and the order its ranges run in (here: reversed); an endpoint that is not
 * a declared vertex is the same error, naming the same first edge.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IdColumn, idColumn } from '../../../src/graph/idColumns.js';
import { IdMap } from '../../../src/graph/idmap.js';
import { endpointIds, endpointIdsDriver } from '../../../src/graph/parallelIds.js';
import { isShared } from '../../../src/graph/shared.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';
import { type Case, caseArb, idOf, parts, runReversed } from './fileParts.js';

const labels = { edgeLabel: 'e', vertexLabel: 'v' };

/** The serial mapping's ids, or the error it raises. */
function serial(map: IdMap, src: readonly IdColumn[], dst: readonly IdColumn[]): { src: number[]; dst: number[] } | Error {
  try {
    return { src: [...endpointIds(map, src, labels, 'the source', true)], dst: [...endpointIds(map, dst, labels, 'the target', true)] };
  } catch (e) {
    return e as Error;
  }
}

describe('endpointIdsDriver', () => {
  it('maps a file’s parts on the gang exactly as on one thread, and fails the same way', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { src, dst, vertices } = parts(c);
        const map = c.declared ? IdMap.fromIds(idColumn(vertices)) : IdMap.fromEdges(...src, ...dst);
        const expected = serial(map, src, dst);
        if (expected instanceof Error) {
          expect(c.declared && c.unseen && c.arcs > 0).toBeTruthy();
          expect(() => runReversed(endpointIdsDriver(map, src, dst, labels, { parts: c.gang, fromIds: 0 }), GRAPH_STEPS)).toThrow(
            expect.objectContaining({ name: expected.name, message: expected.message }),
          );
          return;
        }
        const { value, requests } = runReversed(endpointIdsDriver(map, src, dst, labels, { parts: c.gang, fromIds: 0 }), GRAPH_STEPS);
        expect({ src: [...value.src], dst: [...value.dst] }).toEqual(expected);
        // Int32 ids 0..n-1 are the internal ids already (no pass at all); 'huge' files mix number and
        // bigint parts, which the serial path converts; every other file is mapped on the gang.
        const onGang = !map.isIdentity() && c.style !== 'huge' && c.arcs > 0;
        if (onGang) expect(requests).toEqual(['ids.map']);
        if (map.isIdentity()) expect(requests).toEqual([]);
        if (onGang) for (const a of [value.src, value.dst]) expect(isShared(a)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('maps on one thread below the threshold and for a gang of one', () => {
    const c: Case = { style: 'gappy', n: 50, arcs: 200, seed: 5, declared: false, unseen: undefined, cuts: [0.3, 0.6], gang: 2 };
    const { src, dst } = parts(c);
    const map = IdMap.fromEdges(...src, ...dst);
    for (const [gang, fromIds] of [[2, 401], [1, 0]] as const) {
      const { value, requests } = runReversed(endpointIdsDriver(map, src, dst, labels, { parts: gang, fromIds }), GRAPH_STEPS);
      expect(requests).toEqual([]);
      expect({ src: [...value.src], dst: [...value.dst] }).toEqual(serial(map, src, dst));
    }
  });

  it('names the first undeclared endpoint in column order, sources before targets, whichever range finds one', () => {
    const c: Case = { style: 'sparse', n: 40, arcs: 300, seed: 9, declared: true, unseen: { edge: 250, end: 'src', inside: false }, cuts: [0.5], gang: 4 };
    const { src, dst, vertices } = parts(c);
    const absent = Number(idOf('sparse', 41, 9));
    // A second undeclared id, among the targets of an earlier edge: the sources are reported first.
    (dst[0]!.values as Float64Array)[10] = absent;
    const map = IdMap.fromIds(idColumn(vertices));
    expect(() => runReversed(endpointIdsDriver(map, src, dst, labels, { parts: 4, fromIds: 0 }), GRAPH_STEPS)).toThrow(
      expect.objectContaining({ code: 'VertexNotFound', message: expect.stringContaining(`vertex ${absent} is not in the graph (the source of edge 250 of 'e' is not a declared vertex of 'v')`) }),
    );
  });
});
