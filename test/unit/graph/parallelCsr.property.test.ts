/**
 * The CSR built in parts (graph/parallelCsr.ts) is the one `buildGraph` builds on one thread, array for
 * array — offsets, targets in sorted rows, weights (parallel arcs merged to their smallest weight, or
 * kept in input order), self-loop and parallel-arc counts — whatever the number of parts, in whatever
 * order the workers happen to run the ranges (here: reversed), with the weights as one column or as a
 * file's parts; and an endpoint out of range is the same error. The in-CSR built in parts is
 * `transposeCsr`'s, with and without weights.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Csr, type CsrBuildOptions, buildGraph, type EdgeList, type GraphCsr, transposeCsr } from '../../../src/graph/csr.js';
import type { Driver, StepTable } from '../../../src/graph/parallel.js';
import { lookupStep } from '../../../src/graph/parallel.js';
import { buildGraphDriver, transposeDriver } from '../../../src/graph/parallelCsr.js';
import { isShared, sharedFloat64, sharedInt32 } from '../../../src/graph/shared.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';

/** Runs a driver here, each request's ranges in reverse order (a gang claims them in any order). */
function runReversed<R>(driver: Driver<R>, table: StepTable): { value: R; requests: string[] } {
  const requests: string[] = [];
  let next = driver.next();
  while (!next.done) {
    const request = next.value;
    requests.push(`${request.step}x${request.ranges.length}`);
    const step = lookupStep(table, request.step);
    const results = new Array(request.ranges.length);
    for (let i = request.ranges.length - 1; i >= 0; i--) results[i] = step(request.args, request.ranges[i]![0], request.ranges[i]![1]);
    next = driver.next(results);
  }
  return { value: next.value, requests };
}

function plain(g: GraphCsr) {
  const { out } = g;
  return {
    n: g.n,
    m: out.m,
    offsets: [...out.offsets],
    targets: [...out.targets],
    weights: out.weights ? [...out.weights] : undefined,
    selfLoops: g.selfLoops,
    parallelArcs: g.parallelArcs,
    in: g.in,
    directed: g.directed,
  };
}

const edgeCase: fc.Arbitrary<EdgeCase> = fc.record({
  // Up to 3000 vertices: blocks of one vertex (n <= 1024) and blocks of several.
  n: fc.integer({ min: 1, max: 3000 }),
  arcs: fc.integer({ min: 0, max: 4000 }),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  // Hubs make long rows (the insertion sort's guard) and many repeats.
  hubs: fc.boolean(),
  weighted: fc.constantFrom<EdgeCase['weighted']>('none', 'column', 'parts'),
  duplicates: fc.constantFrom<'merge' | 'keep'>('merge', 'keep'),
  parts: fc.integer({ min: 2, max: 5 }),
});

interface EdgeCase {
  readonly n: number;
  readonly arcs: number;
  readonly seed: number;
  readonly hubs: boolean;
  readonly weighted: 'none' | 'column' | 'parts';
  readonly duplicates: 'merge' | 'keep';
  readonly parts: number;
}

function edgesOf(c: EdgeCase): EdgeList {
  let x = c.seed;
  const rand = (k: number) => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x % k;
  };
  const src = sharedInt32(c.arcs);
  const dst = sharedInt32(c.arcs);
  const weights = sharedFloat64(c.arcs);
  for (let i = 0; i < c.arcs; i++) {
    src[i] = c.hubs && rand(3) === 0 ? rand(Math.min(c.n, 4)) : rand(c.n);
    dst[i] = c.hubs && rand(3) === 0 ? rand(Math.min(c.n, 8)) : rand(c.n);
    weights[i] = rand(7) + rand(100) / 100;
  }
  if (c.weighted === 'none') return { n: c.n, src, dst };
  if (c.weighted === 'column') return { n: c.n, src, dst, weights };
  const cut1 = Math.floor(c.arcs / 3);
  const cut2 = Math.floor((2 * c.arcs) / 3);
  return { n: c.n, src, dst, weights: [weights.slice(0, cut1), weights.slice(cut1, cut2), weights.slice(cut2)] };
}

describe('buildGraphDriver', () => {
  it('builds in parts exactly the CSR buildGraph builds', () => {
    fc.assert(
      fc.property(edgeCase, (c) => {
        const edges = edgesOf(c);
        const options: CsrBuildOptions = { directed: true, duplicates: c.duplicates };
        const { value, requests } = runReversed(buildGraphDriver(edges, options, { parts: c.parts, fromArcs: 0 }), GRAPH_STEPS);
        expect(plain(value)).toEqual(plain(buildGraph(edges, options)));
        for (const a of [value.out.offsets, value.out.targets, ...(value.out.weights ? [value.out.weights] : [])]) expect(isShared(a)).toBe(true);
        // It did run in parts: one count and one scatter range per part.
        if (c.arcs > 0) {
          expect(requests[0]).toBe(`csr.countx${c.parts}`);
          expect(requests[2]).toBe(`csr.scatterx${c.parts}`);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('builds on one thread below the threshold, for one part, and for what it does not cover', () => {
    const edges = edgesOf({ n: 50, arcs: 300, seed: 7, hubs: true, weighted: 'column', duplicates: 'merge', parts: 2 });
    const cases: [CsrBuildOptions, number, number][] = [
      [{ directed: true }, 2, 301],
      [{ directed: true }, 1, 0],
      [{ directed: false }, 2, 0],
      [{ directed: true, selfLoops: 'drop' }, 2, 0],
      [{ directed: true, inCsr: true }, 2, 0],
    ];
    for (const [options, parts, fromArcs] of cases) {
      const { value, requests } = runReversed(buildGraphDriver(edges, options, { parts, fromArcs }), GRAPH_STEPS);
      expect(requests).toEqual([]);
      expect(plain(value)).toEqual(plain(buildGraph(edges, options)));
    }
  });

  it('reports the first endpoint out of range as buildGraph does, whichever part finds it', () => {
    const edges = edgesOf({ n: 100, arcs: 1000, seed: 3, hubs: false, weighted: 'none', duplicates: 'merge', parts: 4 });
    edges.dst[900] = 100;
    edges.src[620] = -1;
    const expected = (() => {
      try {
        buildGraph(edges, { directed: true });
      } catch (e) {
        return e as Error;
      }
      throw new Error('buildGraph accepted an endpoint out of range');
    })();
    expect(expected.message).toMatch(/edge 620 /);
    expect(() => runReversed(buildGraphDriver(edges, { directed: true }, { parts: 4, fromArcs: 0 }), GRAPH_STEPS)).toThrow(
      expect.objectContaining({ name: expected.name, message: expected.message }),
    );
  });
});

const csrArrays = (c: Csr) => ({ n: c.n, m: c.m, offsets: [...c.offsets], targets: [...c.targets], weights: c.weights ? [...c.weights] : undefined });

describe('transposeDriver', () => {
  it('transposes in parts exactly as transposeCsr does', () => {
    fc.assert(
      fc.property(edgeCase, fc.boolean(), (c, keepWeights) => {
        const { out } = buildGraph(edgesOf(c), { directed: true, duplicates: c.duplicates });
        const csr = keepWeights ? out : { ...out, weights: undefined };
        const { value, requests } = runReversed(transposeDriver(csr, { parts: c.parts, fromArcs: 0 }), GRAPH_STEPS);
        expect(csrArrays(value)).toEqual(csrArrays(transposeCsr(csr)));
        // Vertex ranges are whole blocks of 1024 balanced by arcs, so a small or skewed graph gets fewer parts
        // than asked (a block heavy enough to reach two goals leaves no range between them), never more.
        const ranges = Number(/^csr\.transposeCountx(\d+)$/.exec(requests[0]!)?.[1]);
        expect(ranges).toBeGreaterThanOrEqual(1);
        expect(ranges).toBeLessThanOrEqual(Math.min(c.parts, Math.ceil(c.n / 1024)));
      }),
      { numRuns: 100 },
    );
  });

  it('transposes on one thread below the threshold or for one part', () => {
    const { out } = buildGraph(edgesOf({ n: 3000, arcs: 500, seed: 11, hubs: true, weighted: 'column', duplicates: 'keep', parts: 2 }), { directed: true });
    for (const [parts, fromArcs] of [[2, 501], [1, 0]] as const) {
      const { value, requests } = runReversed(transposeDriver(out, { parts, fromArcs }), GRAPH_STEPS);
      expect(requests).toEqual([]);
      expect(csrArrays(value)).toEqual(csrArrays(transposeCsr(out)));
    }
  });
});
