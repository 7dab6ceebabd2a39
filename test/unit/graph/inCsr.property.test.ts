/**
 * The in-CSR node (kernels/graph/project.ts) builds from the property graph beside the projection; it
 * must be exactly the transpose of the projection's out-CSR (without weights): duplicates merged, self
 * loops kept, rows sorted, for dense and general ids and edges in several parts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { transposeCsr } from '../../../src/graph/csr.js';
import '../../../src/kernels/graph/index.js';
import type { InCsrValue } from '../../../src/kernels/graph/project.js';
import type { ProjectedGraphValue, PropertyGraphValue } from '../../../src/kernels/graph/values.js';
import { getKernel } from '../../../src/kernels/registry.js';

const graphs = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    arcs: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 5 * n }),
    parts: fc.integer({ min: 1, max: 3 }),
    spread: fc.boolean(),
  }),
);

describe('graph.in_csr', () => {
  it('is the transpose of the projection\'s out-CSR', () => {
    const project = getKernel('graph.project');
    const inCsr = getKernel('graph.in_csr');
    fc.assert(
      fc.property(graphs, ({ n, arcs, parts, spread }) => {
        const id = (v: number) => (spread ? 3 * v + 11 : v);
        const cut = Math.ceil(arcs.length / parts);
        const edges = Array.from({ length: parts }, (_, k) => arcs.slice(k * cut, (k + 1) * cut)).map((part) => ({
          label: 'e',
          srcLabel: 'v',
          dstLabel: 'v',
          src: { kind: 'number' as const, values: Int32Array.from(part, ([s]) => id(s)) },
          dst: { kind: 'number' as const, values: Int32Array.from(part, ([, d]) => id(d)) },
          props: { w: { kind: 'float64' as const, values: Float64Array.from(part, (_, i) => i + 1) } },
        }));
        const g: PropertyGraphValue = {
          kind: 'property-graph',
          directed: true,
          oidType: 'int64',
          vertices: [{ label: 'v', ids: { kind: 'number', values: Float64Array.from({ length: n }, (_, v) => id(v)) }, props: {} }],
          edges,
        };
        const params = { vertexLabel: 'v', edgeLabel: 'e', edgeProp: 'w' };
        const pg = project([g], params as never) as ProjectedGraphValue;
        const built = (inCsr([g], params as never) as InCsrValue).csr;
        const expected = transposeCsr({ ...pg.graph.out, weights: undefined });
        expect([...built.offsets]).toEqual([...expected.offsets]);
        expect([...built.targets]).toEqual([...expected.targets]);
        expect(built.weights).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
