/**
 * `graph.project` on an edge file's parts (test/unit/graph/fileParts.ts) builds, whichever way it maps
 * the endpoints (dense ids taken as they are, on the gang, or on one thread), the graph that mapping the
 * endpoints on one thread and `buildGraph` give, array for array; and an endpoint that is not a declared
 * vertex is the error the one-thread mapping raises.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildGraph, type GraphCsr } from '../../../src/graph/csr.js';
import { idColumn } from '../../../src/graph/idColumns.js';
import { IdMap } from '../../../src/graph/idmap.js';
import { endpointIds } from '../../../src/graph/parallelIds.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';
import { getDriver } from '../../../src/kernels/index.js';
import type { ProjectedGraphValue, PropertyGraphValue } from '../../../src/kernels/graph/values.js';
import { caseArb, parts, runReversed } from '../graph/fileParts.js';

const plain = (g: GraphCsr) => ({
  n: g.n,
  offsets: [...g.out.offsets],
  targets: [...g.out.targets],
  weights: g.out.weights ? [...g.out.weights] : undefined,
  selfLoops: g.selfLoops,
  parallelArcs: g.parallelArcs,
});

describe('graph.project on a file’s parts', () => {
  it('builds the graph of the endpoints mapped on one thread, or raises the same error', () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), (c, weighted) => {
        const { src, dst, weights, vertices } = parts(c);
        const ids = idColumn(vertices);
        const g: PropertyGraphValue = {
          kind: 'property-graph',
          directed: true,
          oidType: c.style === 'string' ? 'string' : 'int64',
          vertices: c.declared ? [{ label: 'v', ids, props: {} }] : [],
          edges: src.map((s, k) => ({ label: 'e', srcLabel: 'v', dstLabel: 'v', src: s, dst: dst[k]!, props: { w: { kind: 'float64', values: weights[k]! } } })),
        };
        const params = { vertexLabel: 'v', edgeLabel: 'e', ...(weighted ? { edgeProp: 'w' } : {}) };
        const project = () => runReversed(getDriver('graph.project')!([g], params as never, { parallelism: c.gang }), GRAPH_STEPS).value as ProjectedGraphValue;
        const map = c.declared ? IdMap.fromIds(ids) : IdMap.fromEdges(...src, ...dst);
        let expected: GraphCsr;
        try {
          const labels = { edgeLabel: 'e', vertexLabel: 'v' };
          const all = weighted ? Float64Array.from(weights.flatMap((w) => [...w])) : undefined;
          const edges = { n: map.size, src: endpointIds(map, src, labels, 'the source', false), dst: endpointIds(map, dst, labels, 'the target', false), weights: all };
          expected = buildGraph(edges, { directed: true });
        } catch (e) {
          expect(project).toThrow(expect.objectContaining({ name: (e as Error).name, message: (e as Error).message }));
          return;
        }
        const pg = project();
        expect(plain(pg.graph)).toEqual(plain(expected));
        expect(pg.ids.kind === 'string' ? pg.ids.values.starts.length : pg.ids.values.length).toBe(map.size);
      }),
      { numRuns: 300 },
    );
  });
});
