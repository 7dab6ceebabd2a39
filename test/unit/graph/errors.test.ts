import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/base/errors.js';
import { bfs } from '../../../src/graph/bfs.js';
import { cdlp, cdlpDriver } from '../../../src/graph/cdlp.js';
import { buildGraph } from '../../../src/graph/csr.js';
import { degreeCentrality } from '../../../src/graph/degreeCentrality.js';
import { deltaStepping } from '../../../src/graph/deltaStepping.js';
import { EmptyGraphError, NegativeWeightError, VertexNotFoundError } from '../../../src/graph/errors.js';
import { hits } from '../../../src/graph/hits.js';
import { IdMap } from '../../../src/graph/idmap.js';
import { kCore } from '../../../src/graph/kcore.js';
import { pagerank, pagerankDriver } from '../../../src/graph/pagerank.js';
import { sssp } from '../../../src/graph/sssp.js';
import { wcc } from '../../../src/graph/wcc.js';

const graph = (weights: number[]) =>
  buildGraph(
    { n: 4, src: Int32Array.from([0, 1, 2, 3]), dst: Int32Array.from([1, 2, 3, 0]), weights: Float64Array.from(weights) },
    { directed: true },
  );
const empty = buildGraph({ n: 0, src: new Int32Array(0), dst: new Int32Array(0) }, { directed: true, inCsr: true });

describe('bad input to the algorithms raises typed errors', () => {
  it('a negative (or NaN) weight names an offending edge, with original ids when given a label', () => {
    const ids = IdMap.of([100, 200, 300, 400]);
    for (const run of [sssp, deltaStepping]) {
      const err = (() => {
        try {
          run(graph([1, 2, -0.5, 1]), 0, { label: (v) => ids.formatId(v) });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(NegativeWeightError);
      expect(err).toMatchObject({ code: 'NegativeWeight', source: '300', target: '400', weight: -0.5 });
      expect(() => run(graph([1, NaN, 1, 1]), 0)).toThrow(/edge 1 -> 2 has weight NaN/);
    }
  });

  it('an unknown source vertex is VertexNotFound; an empty graph is EmptyGraph', () => {
    const g = graph([1, 1, 1, 1]);
    for (const source of [4, -1, 1.5]) {
      expect(() => bfs(g, source)).toThrow(VertexNotFoundError);
      expect(() => sssp(g, source)).toThrow(VertexNotFoundError);
      expect(() => deltaStepping(g, source)).toThrow(VertexNotFoundError);
    }
    expect(() => bfs(empty, 0)).toThrow(EmptyGraphError);
    expect(() => sssp(empty, 0)).toThrow(EmptyGraphError);
    expect(() => IdMap.of([1, 2]).require(3, 'SSSP source')).toThrow(VertexNotFoundError);
  });

  it('algorithms without a source give empty results on an empty graph', () => {
    expect(pagerank(empty)).toHaveLength(0);
    expect(wcc(empty)).toHaveLength(0);
    expect(cdlp(empty)).toHaveLength(0);
    expect(hits(empty).hub).toHaveLength(0);
    expect(degreeCentrality(empty)).toHaveLength(0);
  });

  it('out-of-range options are InvalidArgument errors', () => {
    const g = graph([1, 1, 1, 1]);
    expect(() => pagerank(g, { damping: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => pagerank(g, { iterations: -1 })).toThrow(InvalidArgumentError);
    expect(() => cdlp(g, { iterations: 0.5 })).toThrow(InvalidArgumentError);
    expect(() => kCore(g, -1)).toThrow(InvalidArgumentError);
    expect(() => hits(g, { maxRound: 0 })).toThrow(InvalidArgumentError);
    expect(() => deltaStepping(g, 0, { delta: 0 })).toThrow(InvalidArgumentError);
    // A delta so small that a distance over it overflows: refused, not a reachable vertex at Infinity.
    const far = buildGraph({ n: 3, src: Int32Array.from([0, 1]), dst: Int32Array.from([1, 2]), weights: Float64Array.from([1e300, 1e300]) }, { directed: true });
    expect(() => deltaStepping(far, 0, { delta: 1e-300 })).toThrow(/delta 1e-300 is too small for arcs of weight up to 1e\+300 on 3 vertices/);
    expect(Array.from(deltaStepping(far, 0, { delta: 1e-7 }))).toEqual([0, 1e300, 2e300]);
    expect(Array.from(deltaStepping(far, 0))).toEqual([0, 1e300, 2e300]);
    expect(() => degreeCentrality(g, 'sideways' as 'in')).toThrow(InvalidArgumentError);
    // A driver handed a directed graph without the in-CSR it reads says what to do.
    expect(() => cdlpDriver(g).next()).toThrow(/withInCsr/);
    // PageRank's places its in-arcs itself (graph/pullLayoutFromOut.ts).
    expect(pagerankDriver(g).next().done).toBe(false);
  });
});
