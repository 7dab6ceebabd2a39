/**
 * PageRank's ordered pull layout (graph/pullOrder.ts): the vertices by out-degree, highest first (ties
 * by id, sinks last), every in-arc once in its target's row with its source's position, rows ascending —
 * built on one thread or by the gang's ranges alike — and PageRank over it equal to the reference, the
 * same for any split.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GraphCsr } from '../../../src/graph/csr.js';
import { pagerank } from '../../../src/graph/pagerank.js';
import { runDriver } from '../../../src/graph/parallel.js';
import { type OrderedPullLayout, orderedPullLayout, orderedPullLayoutDriver } from '../../../src/graph/pullOrder.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';
import { closeTo, randomGraph, seededGraph, toCsr } from './helpers.js';
import { refGraph, refPagerank } from './reference.js';

/** What the layout must be, from the out-CSR, the slow way. */
function expectLayoutOf(g: GraphCsr, layout: OrderedPullLayout): void {
  const { n, out } = g;
  const degree = (v: number): number => out.offsets[v + 1]! - out.offsets[v]!;
  const order = Array.from({ length: n }, (_, v) => v).sort((a, b) => degree(b) - degree(a) || a - b);
  expect([...layout.order]).toEqual(order);
  const position = new Array<number>(n);
  order.forEach((v, i) => (position[v] = i));
  expect(layout.firstSink).toBe(order.filter((v) => degree(v) > 0).length);
  expect([...layout.inverseOutDegree]).toEqual(order.map((v) => (degree(v) === 0 ? 0 : 1 / degree(v))));
  const rows: number[][] = order.map(() => []);
  for (let u = 0; u < n; u++) for (let e = out.offsets[u]!; e < out.offsets[u + 1]!; e++) rows[position[out.targets[e]!]!]!.push(position[u]!);
  const offsets = [0];
  for (const row of rows) offsets.push(offsets[offsets.length - 1]! + row.length);
  expect([...layout.offsets]).toEqual(offsets);
  expect([...layout.sources]).toEqual(rows.flatMap((row) => row.sort((a, b) => a - b)));
}

const reference = (g: Parameters<typeof toCsr>[0]) => refGraph(g.n, g.directed, g.edges, g.options);

describe('ordered pull layout', () => {
  it('lists every in-arc by positions ordered by out-degree, rows ascending', () => {
    fc.assert(
      fc.property(randomGraph(14, 60), (g) => {
        const csr = toCsr(g, false);
        expectLayoutOf(csr, orderedPullLayout(csr));
      }),
      { numRuns: 200 },
    );
  });

  it('is the same built by the gang in ranges (the relabelling split, the transpose in parts)', () => {
    for (const [n, m, directed, seed] of [[3000, 40_000, true, 7], [5000, 30_000, false, 11]] as const) {
      const g = seededGraph(n, m, directed, seed);
      const alone = orderedPullLayout(g);
      expectLayoutOf(g, alone);
      const split = runDriver(orderedPullLayoutDriver(g, { parts: 3, fromArcs: 1000 }), GRAPH_STEPS);
      expect([...split.order]).toEqual([...alone.order]);
      expect([...split.offsets]).toEqual([...alone.offsets]);
      expect([...split.sources]).toEqual([...alone.sources]);
      expect(split.firstSink).toBe(alone.firstSink);
    }
  });

  it('gives PageRank the reference ranks, whatever the damping, iterations and split', () => {
    fc.assert(
      fc.property(randomGraph(14, 60), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 30 }), (g, d, it) => {
        const csr = toCsr(g, false);
        const layout = orderedPullLayout(csr);
        const ranks = pagerank(csr, { damping: d, iterations: it, layout });
        expect(closeTo(ranks, refPagerank(reference(g), d, it), 1e-12)).toBe(true);
        expect(Math.abs(ranks.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
        expect([...pagerank(csr, { damping: d, iterations: it, layout, parts: 3 })]).toEqual([...ranks]);
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with the slot layout on a skewed graph with sinks, bit for bit across splits', () => {
    const g = seededGraph(20_000, 200_000, true, 3);
    const slots = pagerank(g, { damping: 0.85, iterations: 20 });
    const layout = orderedPullLayout(g);
    const ordered = pagerank(g, { damping: 0.85, iterations: 20, layout });
    expect(closeTo(ordered, slots, 1e-12)).toBe(true);
    for (const parts of [2, 5, 16]) expect(pagerank(g, { damping: 0.85, iterations: 20, layout, parts })).toEqual(ordered);
  });

  it('refuses a layout made for another graph', () => {
    const layout = orderedPullLayout(seededGraph(100, 400, true, 1));
    expect(() => pagerank(seededGraph(120, 400, true, 1), { layout })).toThrow(/pull layout is for 100 vertices, the graph has 120/);
  });
});
