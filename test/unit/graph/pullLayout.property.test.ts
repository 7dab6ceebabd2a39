/**
 * PageRank's slot layout (graph/pullLayout.ts) keeps the contributions by position — the vertices by
 * out-degree, highest first, ties by id — and names every in-arc's source by its position, in the
 * row's order: in a slot of its target's class (padding n), or in its long row — the same whether made
 * over the in-CSR or placed straight from the out-arcs. PageRank over it equals the reference, and gives
 * the same bits as the same layout with contributions kept by vertex id.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type GraphCsr, withInCsr } from '../../../src/graph/csr.js';
import { pagerank } from '../../../src/graph/pagerank.js';
import { type PullLayout, pullLayout } from '../../../src/graph/pullLayout.js';
import { PULL_LAYOUT_STEPS, pullLayoutFromOutDriver } from '../../../src/graph/pullLayoutFromOut.js';
import { runDriver } from '../../../src/graph/parallel.js';
import { closeTo, plainLayout, randomGraph, seededGraph, toCsr } from './helpers.js';
import { refGraph, refPagerank } from './reference.js';

function expectLayoutOf(g: GraphCsr & { readonly in: NonNullable<GraphCsr['in']> }, layout: PullLayout): void {
  const { n, out } = g;
  const degree = (v: number): number => out.offsets[v + 1]! - out.offsets[v]!;
  const order = Array.from({ length: n }, (_, v) => v).sort((a, b) => degree(b) - degree(a) || a - b);
  const position = new Array<number>(n + 1);
  order.forEach((v, i) => (position[v] = i));
  position[n] = n;
  expect([...layout.position]).toEqual(position);
  const row = (v: number): number[] => [...g.in.targets.subarray(g.in.offsets[v]!, g.in.offsets[v + 1]!)].map((s) => position[s]!);
  for (const { width, vertices, slots } of layout.classes) {
    vertices.forEach((v, i) => {
      const want = row(v);
      expect(want.length).toBeLessThanOrEqual(width);
      expect([...slots.subarray(i * width, (i + 1) * width)]).toEqual([...want, ...new Array<number>(width - want.length).fill(n)]);
    });
  }
  layout.long.forEach((v, i) => expect([...layout.longSources.subarray(layout.longOffsets[i]!, layout.longOffsets[i + 1]!)]).toEqual(row(v)));
  expect(layout.longOffsets[layout.long.length]).toBe(layout.longSources.length);
}

/** The same layout with contributions kept by vertex id (what it was before positions). */
function byVertexId(layout: PullLayout): PullLayout {
  const { n } = layout;
  const vertexAt = new Int32Array(n + 1);
  for (let v = 0; v <= n; v++) vertexAt[layout.position[v]!] = v;
  const back = (a: Int32Array): Int32Array => Int32Array.from(a, (p) => vertexAt[p]!);
  return { ...layout, classes: layout.classes.map((c) => ({ ...c, slots: back(c.slots) })), longSources: back(layout.longSources), position: Int32Array.from({ length: n + 1 }, (_, v) => v) };
}

/** The layout placed from the out-arcs of `g` (its in-CSR left out), counted and placed in `parts` parts. */
const fromOut = (g: GraphCsr, parts: number): PullLayout => runDriver(pullLayoutFromOutDriver({ ...g, in: undefined }, parts), PULL_LAYOUT_STEPS);

describe('slot pull layout', () => {
  it('names every in-arc by its source\'s position, positions ordered by out-degree', () => {
    fc.assert(
      fc.property(randomGraph(40, 400), fc.integer({ min: 1, max: 4 }), (g, parts) => {
        const csr = withInCsr(toCsr(g, false));
        const layout = pullLayout(csr);
        expectLayoutOf(csr, layout);
        // Placed straight from the out-arcs in parts, parallel arcs kept as the in-CSR keeps them: the same layout.
        expect(plainLayout(fromOut(csr, parts))).toEqual(plainLayout(layout));
      }),
      { numRuns: 200 },
    );
  });

  it('gives PageRank the reference ranks, and the bits of contributions kept by id, across splits', () => {
    fc.assert(
      fc.property(randomGraph(30, 200), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 25 }), (g, d, it) => {
        const csr = withInCsr(toCsr(g, false));
        const layout = pullLayout(csr);
        const ranks = pagerank(csr, { damping: d, iterations: it, layout });
        expect(closeTo(ranks, refPagerank(refGraph(g.n, g.directed, g.edges, g.options), d, it), 1e-12)).toBe(true);
        expect([...pagerank(csr, { damping: d, iterations: it, layout: byVertexId(layout), parts: 3 })]).toEqual([...ranks]);
      }),
      { numRuns: 200 },
    );
    // Long rows (over 16 in-arcs) and every slot class on a skewed graph.
    const g = withInCsr(seededGraph(5000, 80_000, true, 5));
    const layout = pullLayout(g);
    expect(layout.long.length).toBeGreaterThan(0);
    expectLayoutOf(g, layout);
    for (const parts of [1, 2, 5]) expect(plainLayout(fromOut(g, parts))).toEqual(plainLayout(layout));
    expect([...pagerank(g, { layout, parts: 4 })]).toEqual([...pagerank(g, { layout: byVertexId(layout) })]);
  });
});
