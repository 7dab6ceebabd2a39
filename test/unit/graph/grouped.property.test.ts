/**
 * Grouped graphs (csr.ts `groupGraph`): every input arc in its tail's row, in input order, parallel arcs
 * kept — and the algorithms that take one (Dijkstra with and without the out-slot layout, one-range
 * BFS, WCC split in ranges) give on it exactly what they give on the sorted, merged graph; so does
 * PageRank, which reads it through the merged graph's in-CSR and out-degrees (`mergedTranspose`), or
 * through the slot layout placed straight from its rows (`pullLayoutFromOut`, the same layout).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BFS_UNREACHED, bfs } from '../../../src/graph/bfs.js';
import { buildGraph, groupGraph, mergedTranspose } from '../../../src/graph/csr.js';
import { pagerank } from '../../../src/graph/pagerank.js';
import { pullLayout } from '../../../src/graph/pullLayout.js';
import { PULL_LAYOUT_STEPS, pullLayoutFromOutDriver } from '../../../src/graph/pullLayoutFromOut.js';
import { outSlots } from '../../../src/graph/outSlots.js';
import { runDriver } from '../../../src/graph/parallel.js';
import { sssp } from '../../../src/graph/sssp.js';
import { WCC_STEPS, wccDriver } from '../../../src/graph/wcc.js';
import { closeTo, plainLayout, randomGraph, type RandomGraph } from './helpers.js';
import { refBfs, refGraph, refSssp, refWcc } from './reference.js';

const grouped = (g: RandomGraph) =>
  groupGraph(
    { n: g.n, src: Int32Array.from(g.edges, (e) => e.u), dst: Int32Array.from(g.edges, (e) => e.v), weights: Float64Array.from(g.edges, (e) => e.w) },
    { directed: g.directed },
  );
/** Grouped graphs keep self-loops and parallel arcs: the reference with the same rules. */
const reference = (g: RandomGraph) => refGraph(g.n, g.directed, g.edges, { duplicates: 'keep', selfLoops: 'keep' });

describe('groupGraph', () => {
  it('puts every arc in its tail row, in input order, and counts self-loops', () => {
    fc.assert(
      fc.property(randomGraph(12, 60), (g) => {
        const { out, selfLoops, grouped: flag, in: inCsr } = grouped(g);
        expect(flag).toBe(true);
        if (!g.directed) expect(inCsr).toBe(out);
        const rows = Array.from({ length: g.n }, (_, u) => {
          const row: string[] = [];
          for (let e = out.offsets[u]!; e < out.offsets[u + 1]!; e++) row.push(`${out.targets[e]} ${out.weights![e]}`);
          return row;
        });
        const expected = Array.from({ length: g.n }, () => [] as string[]);
        for (const a of reference(g).arcs) expected[a.u]!.push(`${a.v} ${a.w}`);
        // The reference lists each undirected edge's two arcs in input order too.
        expect(rows).toEqual(expected);
        expect(selfLoops).toBe(g.edges.filter((e) => e.u === e.v).length);
      }),
      { numRuns: 200 },
    );
  });

  it('gives Dijkstra, one-range BFS and WCC the answers of the sorted, merged graph', () => {
    fc.assert(
      fc.property(randomGraph(), fc.nat(), fc.integer({ min: 1, max: 4 }), (g, s, parts) => {
        const source = s % g.n;
        const csr = grouped(g);
        const merged = refGraph(g.n, g.directed, g.edges, { duplicates: 'merge', selfLoops: 'keep' });
        expect(closeTo(sssp(csr, source), refSssp(merged, source), 1e-12)).toBe(true);
        expect(closeTo(sssp(csr, source, { outSlots: outSlots(csr, { width: 2 }) }), refSssp(merged, source), 1e-12)).toBe(true);
        const depths = refBfs(merged, source).map((d) => (d < 0 ? BFS_UNREACHED : d));
        expect([...bfs({ ...csr, in: g.directed ? undefined : csr.out }, source, { direction: 'top-down' })]).toEqual(depths);
        expect([...bfs(csr, source, { outSlots: outSlots(csr, { width: 2 }) })]).toEqual(depths);
        const labels = runDriver(wccDriver(csr, { parts }), WCC_STEPS);
        expect([...labels]).toEqual(refWcc(merged));
      }),
      { numRuns: 200 },
    );
  });

  it('gives PageRank, through the merged transpose, bit for bit the ranks of the sorted, merged graph', () => {
    fc.assert(
      fc.property(randomGraph(12, 60), fc.integer({ min: 1, max: 4 }), (g, parts) => {
        const directed = { ...g, directed: true };
        const csr = grouped(directed);
        const sorted = buildGraph(
          { n: g.n, src: Int32Array.from(g.edges, (e) => e.u), dst: Int32Array.from(g.edges, (e) => e.v), weights: Float64Array.from(g.edges, (e) => e.w) },
          { directed: true, inCsr: true },
        );
        const merged = mergedTranspose(csr.out);
        expect([...merged.in.offsets]).toEqual([...sorted.in!.offsets]);
        expect([...merged.in.targets]).toEqual([...sorted.in!.targets]);
        const withIn = { ...csr, in: merged.in };
        const overMerged = pullLayout(withIn, merged.outDegrees);
        const ranks = pagerank(withIn, { parts, layout: overMerged });
        expect([...ranks]).toEqual([...pagerank(sorted, { parts })]);
        // Straight from the grouped rows (no in-CSR): the same layout, parallel arcs merged.
        const fromOut = runDriver(pullLayoutFromOutDriver(csr, parts), PULL_LAYOUT_STEPS);
        expect(plainLayout(fromOut)).toEqual(plainLayout(overMerged));
        expect([...pagerank(csr, { parts, layout: fromOut })]).toEqual([...ranks]);
      }),
      { numRuns: 200 },
    );
  });
});
