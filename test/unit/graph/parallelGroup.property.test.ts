/**
 * The grouped graph built in parts (graph/parallelGroup.ts) is the one `groupGraph` builds on one
 * thread, array for array — offsets, rows in input order with parallel arcs and self-loops kept,
 * weights in the same order, the self-loop count — whatever the number of parts and in whatever order
 * the workers run the ranges (here: reversed); an endpoint out of range is the same error; and what it
 * does not split (undirected graphs, weights in parts) is `groupGraph`'s own result.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scratchPoolStats } from '../../../src/base/scratchPool.js';
import { type EdgeList, type GraphCsr, groupGraph } from '../../../src/graph/csr.js';
import { type Driver, lookupStep } from '../../../src/graph/parallel.js';
import { groupGraphDriver } from '../../../src/graph/parallelGroup.js';
import { sharedFloat64, sharedInt32 } from '../../../src/graph/shared.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';

function runReversed<R>(driver: Driver<R>): { value: R; requests: string[] } {
  const requests: string[] = [];
  let next = driver.next();
  while (!next.done) {
    const request = next.value;
    requests.push(`${request.step}x${request.ranges.length}`);
    const step = lookupStep(GRAPH_STEPS, request.step);
    const results = new Array(request.ranges.length);
    for (let i = request.ranges.length - 1; i >= 0; i--) results[i] = step(request.args, request.ranges[i]![0], request.ranges[i]![1]);
    next = driver.next(results);
  }
  return { value: next.value, requests };
}

const plain = (g: GraphCsr) => ({
  n: g.n,
  directed: g.directed,
  m: g.out.m,
  offsets: [...g.out.offsets],
  targets: [...g.out.targets],
  weights: g.out.weights ? [...g.out.weights] : undefined,
  selfLoops: g.selfLoops,
  parallelArcs: g.parallelArcs,
  grouped: g.grouped,
  hasIn: g.in !== undefined,
});

const arcsOf = (n: number) => fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.double({ min: 0, max: 100, noNaN: true })), { minLength: 1, maxLength: 300 });

function shared(n: number, arcs: readonly (readonly [number, number, number])[], weighted: boolean): EdgeList {
  const src = sharedInt32(arcs.length);
  const dst = sharedInt32(arcs.length);
  const weights = weighted ? sharedFloat64(arcs.length) : undefined;
  arcs.forEach(([s, d, w], i) => {
    src[i] = s;
    dst[i] = d;
    if (weights) weights[i] = w;
  });
  return { n, src, dst, weights };
}

describe('groupGraphDriver', () => {
  it('is groupGraph, array for array, in any number of parts run in any order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 2, max: 5 }), fc.boolean(), (n, parts, weighted) => {
        fc.assert(
          fc.property(arcsOf(n), (arcs) => {
            const edges = shared(n, arcs, weighted);
            const { value, requests } = runReversed(groupGraphDriver(edges, { directed: true }, { parts, fromArcs: 1 }));
            expect(plain(value)).toEqual(plain(groupGraph(edges, { directed: true })));
            // One arc is one part: grouped here, with no step.
            const split = Math.min(parts, arcs.length);
            expect(requests).toEqual(split > 1 ? [`group.countx${split}`, `group.scatterx${split}`] : []);
          }),
          { numRuns: 5 },
        );
      }),
      { numRuns: 40 },
    );
  });

  it('counts in scratch from the last build of about its size, zeroed, and its arrays are its own', () => {
    type Arc = readonly [number, number, number];
    const arcsFor = (n: number, m: number, seed: number): Arc[] => Array.from({ length: m }, (_, i): Arc => [(i * 7 + seed) % n, (i * 13 + 3 * seed) % n, i % 5]);
    // 20,000 and 18,000 vertices: each part's counters of both round up to one size.
    const a = shared(20_000, arcsFor(20_000, 90_000, 1), true);
    const b = shared(18_000, arcsFor(18_000, 80_000, 2), true);
    const first = runReversed(groupGraphDriver(a, { directed: true }, { parts: 2, fromArcs: 1 })).value;
    const firstPlain = plain(first);
    const reused = scratchPoolStats().reused;
    const second = runReversed(groupGraphDriver(b, { directed: true }, { parts: 2, fromArcs: 1 })).value;
    expect(scratchPoolStats().reused).toBeGreaterThanOrEqual(reused + 2);
    expect(plain(second)).toEqual(plain(groupGraph(b, { directed: true })));
    expect(plain(first)).toEqual(firstPlain);
    expect(firstPlain).toEqual(plain(groupGraph(a, { directed: true })));
  });

  it('reports the first arc with an endpoint out of range, as groupGraph does', () => {
    const edges = shared(10, [[0, 1, 1], [2, 3, 1], [4, 12, 1], [5, 6, 1], [11, 1, 1], [7, 8, 1]], false);
    let expected: unknown;
    try {
      groupGraph(edges, { directed: true });
    } catch (e) {
      expected = e;
    }
    expect(expected).toBeInstanceOf(Error);
    expect(() => runReversed(groupGraphDriver(edges, { directed: true }, { parts: 3, fromArcs: 1 }))).toThrow((expected as Error).message);
  });

  it('leaves undirected graphs and weights in parts to groupGraph (no step)', () => {
    const edges = shared(6, [[0, 1, 1], [1, 2, 2], [2, 2, 3], [3, 4, 4]], true);
    const undirected = runReversed(groupGraphDriver(edges, { directed: false }, { parts: 2, fromArcs: 1 }));
    expect(undirected.requests).toEqual([]);
    expect(plain(undirected.value)).toEqual(plain(groupGraph(edges, { directed: false })));
    const w = edges.weights as Float64Array;
    const inParts = { ...edges, weights: [w.subarray(0, 2), w.subarray(2)] };
    const split = runReversed(groupGraphDriver(inParts, { directed: true }, { parts: 2, fromArcs: 1 }));
    expect(split.requests).toEqual([]);
    expect(plain(split.value)).toEqual(plain(groupGraph(edges, { directed: true })));
  });
});
