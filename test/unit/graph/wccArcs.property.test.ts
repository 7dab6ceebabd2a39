/**
 * WCC over a projection's arc list (graph/arcList.ts, graph/wccArcs.ts), which a big graph's first WCC
 * reads instead of a CSR: the labels are the reference's (the smallest internal id of each component)
 * whatever the ids (Int32 0..n-1 as the columns path holds them, a file's parts of dense, offset,
 * holed, gappy, sparse, int64 or string ids), the parts, the gang's size and the order its ranges run
 * in, with the hook as one range (plain writes) or many (compare-and-swap); an endpoint that is not a
 * declared vertex is the error the projection raises on one thread.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arcListDriver } from '../../../src/graph/arcList.js';
import { type IdColumn, idColumn } from '../../../src/graph/idColumns.js';
import { IdMap } from '../../../src/graph/idmap.js';
import { endpointIds } from '../../../src/graph/parallelIds.js';
import type { Driver } from '../../../src/graph/parallel.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';
import { wccArcsDriver } from '../../../src/graph/wccArcs.js';
import { caseArb, parts, runReversed } from './fileParts.js';
import { refGraph, refWcc } from './reference.js';

const labels = { edgeLabel: 'e', vertexLabel: 'v' };

/** The reference labels over the ids mapped on one thread, or the error the mapping raises. */
function expected(map: IdMap, src: readonly IdColumn[], dst: readonly IdColumn[], directed: boolean): number[] | Error {
  try {
    const s = endpointIds(map, src, labels, 'the source', false);
    const d = endpointIds(map, dst, labels, 'the target', false);
    const edges = Array.from(s, (u, i) => ({ u, v: d[i]!, w: 1 }));
    return refWcc(refGraph(map.size, directed, edges, { duplicates: 'keep', selfLoops: 'keep' }));
  } catch (e) {
    return e as Error;
  }
}

/** The ids of number parts as Int32 columns (what the columns path holds), when they all fit. */
function asInt32(columns: readonly IdColumn[]): IdColumn[] | undefined {
  const fits = columns.every((c) => c.kind === 'number' && (c.values as Float64Array).every((x) => x === (x | 0)));
  if (!fits) return undefined;
  return columns.map((c) => {
    const values = c.values as Float64Array;
    const out = new Int32Array(new SharedArrayBuffer(4 * values.length));
    out.set(values);
    return { kind: 'number', values: out };
  });
}

/** `alone`: the hook runs as one range (plain writes: wccArcs.ts `hookPartAlone`), as on a small graph. */
function* wccOfArcs(map: IdMap, src: readonly IdColumn[], dst: readonly IdColumn[], directed: boolean, complete: boolean, gang: number, alone = false): Driver<number[]> {
  const arcs = yield* arcListDriver(map, src, dst, labels, { directed, complete, parts: gang, fromIds: 0 });
  expect(arcs.n).toBe(map.size);
  return [...(yield* wccArcsDriver(arcs, { parts: alone ? 1 : gang, splitFromArcs: 0 }))];
}

describe('WCC over an arc list', () => {
  it('labels components as the reference does, for every kind of id, part and gang, and fails as the projection does', () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), fc.boolean(), fc.boolean(), (c, directed, int32, alone) => {
        const file = parts(c);
        const src = (int32 && asInt32(file.src)) || file.src;
        const dst = (int32 && asInt32(file.dst)) || file.dst;
        const map = c.declared ? IdMap.fromIds(idColumn(file.vertices)) : IdMap.fromEdges(...src, ...dst);
        const want = expected(map, src, dst, directed);
        const run = () => runReversed(wccOfArcs(map, src, dst, directed, !c.declared, c.gang, alone), GRAPH_STEPS);
        if (want instanceof Error) {
          expect(c.declared && c.unseen && c.arcs > 0).toBeTruthy();
          expect(run).toThrow(expect.objectContaining({ name: want.name, message: want.message }));
          return;
        }
        expect(run().value).toEqual(want);
      }),
      { numRuns: 400 },
    );
  });

  it('reads integer ids where they are (no mapping pass) and maps the others first', () => {
    const c = { style: 'holes' as const, n: 60, arcs: 300, seed: 3, declared: true, unseen: undefined, cuts: [0.5], gang: 3 };
    const file = parts(c);
    const map = IdMap.fromIds(idColumn(file.vertices));
    const { requests } = runReversed(wccOfArcs(map, file.src, file.dst, true, false, 3), GRAPH_STEPS);
    expect(requests).toEqual(['arcs.check', 'wcc.hookArcs', 'wcc.compress']);
    // Vertices that are their edges' endpoints need no check.
    const implicit = IdMap.fromEdges(...file.src, ...file.dst);
    expect(runReversed(wccOfArcs(implicit, file.src, file.dst, true, true, 3), GRAPH_STEPS).requests).toEqual(['wcc.hookArcs', 'wcc.compress']);
    expect(runReversed(wccOfArcs(implicit, file.src, file.dst, true, true, 3, true), GRAPH_STEPS).requests).toEqual(['wcc.hookArcsAlone', 'wcc.compress']);
    const sparse = parts({ ...c, style: 'sparse' });
    const sparseMap = IdMap.fromEdges(...sparse.src, ...sparse.dst);
    expect(runReversed(wccOfArcs(sparseMap, sparse.src, sparse.dst, true, true, 3), GRAPH_STEPS).requests[0]).toBe('ids.map');
  });
});
