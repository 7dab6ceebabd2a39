import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NegativeWeightError } from '../../../src/graph/errors.js';
import { BFS_STEPS, BFS_UNREACHED, bfs, bfsDriver } from '../../../src/graph/bfs.js';
import { buildGraph } from '../../../src/graph/csr.js';
import { LONG_ROW, outSlots } from '../../../src/graph/outSlots.js';
import { sssp } from '../../../src/graph/sssp.js';
import { ssspLayout } from '../../../src/graph/ssspLayout.js';
import { randomGraph, seededGraph, toCsr } from './helpers.js';
import { refBfs, refGraph, refSssp } from './reference.js';

const arb = randomGraph(14, 50);
const reference = (g: ReturnType<typeof arb.generate>['value']) => refGraph(g.n, g.directed, g.edges, g.options);
// Width 1 and 2 make long rows (read from the CSR) common on these graphs; 8 makes padding common.
const width = fc.constantFrom(1, 2, 4, 8);

/** A width x height grid with both arcs of every segment, row-major ids (the benchmark's shape). */
function grid(w: number, h: number, drop: (i: number) => boolean) {
  const src: number[] = [];
  const dst: number[] = [];
  const weights: number[] = [];
  let i = 0;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const v = r * w + c;
      for (const u of [c + 1 < w ? v + 1 : -1, r + 1 < h ? v + w : -1]) {
        if (u < 0 || drop(i++)) continue;
        src.push(v, u);
        dst.push(u, v);
        weights.push(1 + (i % 7), 1 + (i % 5));
      }
    }
  }
  return buildGraph(
    { n: w * h, src: Int32Array.from(src), dst: Int32Array.from(dst), weights: Float64Array.from(weights) },
    { directed: true, inCsr: true },
  );
}

describe('the out-slot layout', () => {
  it('holds every row in CSR order, padded with n, or flags it LONG_ROW', () => {
    fc.assert(
      fc.property(arb, width, (g, w) => {
        const csr = toCsr(g);
        const layout = outSlots(csr, { width: w, weights: true });
        const { offsets, targets, weights } = csr.out;
        let long = 0;
        for (let v = 0; v < csr.n; v++) {
          const row = [...layout.slots.subarray(w * v, w * (v + 1))];
          const degree = offsets[v + 1]! - offsets[v]!;
          if (degree > w) {
            long++;
            expect(row[0]).toBe(LONG_ROW);
            continue;
          }
          const expected = [...targets.subarray(offsets[v]!, offsets[v + 1]!)];
          expect(row).toEqual([...expected, ...Array<number>(w - degree).fill(csr.n)]);
          expect([...layout.weights!.subarray(w * v, w * v + degree)]).toEqual([...weights!.subarray(offsets[v]!, offsets[v + 1]!)]);
        }
        expect(layout.longRows).toBe(long);
        // BFS's layout (the default) carries no weights.
        expect(outSlots(csr, { width: w }).weights).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('chooses width 4 for a grid and does not apply to a graph of hubs', () => {
    const g = grid(30, 20, (i) => i % 10 === 3);
    const layout = outSlots(g);
    expect(layout.width).toBe(4);
    expect(layout.longRows).toBe(0);
    expect(layout.maxOutDegree).toBe(4);
    const hubs = seededGraph(2000, 40_000, true, 7);
    expect(outSlots(hubs).width).toBe(0);
    expect(outSlots(hubs).slots.length).toBe(0);
  });

  it('BFS over the slots equals the reference: isolated vertices, long rows, self-loops, duplicates, disconnected parts', () => {
    fc.assert(
      fc.property(arb, width, fc.nat(), (g, w, s) => {
        const source = s % g.n;
        const expected = refBfs(reference(g), source).map((d) => (d < 0 ? BFS_UNREACHED : d));
        const csr = toCsr(g);
        const layout = outSlots(csr, { width: w });
        const depth = bfs(csr, source, { outSlots: layout });
        expect(depth.length).toBe(g.n);
        expect([...depth]).toEqual(expected);
        expect([...bfs(csr, source, { outSlots: layout, direction: 'top-down' })]).toEqual(expected);
        expect([...bfs(toCsr(g, false), source, { outSlots: layout })]).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('Dijkstra over the slots equals the reference (zero weights, long rows, unreachable = Infinity)', () => {
    fc.assert(
      fc.property(arb, width, fc.nat(), (g, w, s) => {
        const source = s % g.n;
        const csr = toCsr(g);
        expect([...sssp(csr, source, { outSlots: outSlots(csr, { width: w, weights: true }) })]).toEqual(refSssp(reference(g), source));
        // SSSP's layout (slots often "not applicable" here) carries the weight check.
        expect([...sssp(csr, source, ssspLayout(csr))]).toEqual([...sssp(csr, source)]);
      }),
      { numRuns: 200 },
    );
  });

  it('equals the CSR search on a bigger grid, where the level loop and the bottom-up test both run', () => {
    const g = grid(64, 48, (i) => (i * 7919) % 10 === 0);
    const layout = outSlots(g);
    const forSssp = ssspLayout(g);
    expect(forSssp.outSlots.weights).toBeDefined();
    for (const source of [0, 65, 1500, 64 * 48 - 1]) {
      expect([...bfs(g, source, { outSlots: layout })]).toEqual([...bfs(g, source)]);
      expect([...sssp(g, source, forSssp)]).toEqual([...sssp(g, source)]);
    }
  });

  it('stops for bottom-up steps on a small-world graph, with the same depths as the CSR search', () => {
    // A sparse random digraph (out-degree 3) has a few huge middle levels, where bottom-up pays.
    const n = 4000;
    let state = 12345;
    const next = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const src = Int32Array.from({ length: 3 * n }, (_, i) => Math.floor(i / 3));
    const dst = Int32Array.from({ length: 3 * n }, () => next());
    const g = buildGraph({ n, src, dst }, { directed: true, inCsr: true });
    const layout = outSlots(g);
    expect(layout.width).toBe(4);
    const steps = (options: Parameters<typeof bfsDriver>[2]) => {
      const names: string[] = [];
      const driver = bfsDriver(g, 0, options);
      let r = driver.next();
      while (!r.done) {
        names.push(r.value.step);
        const request = r.value;
        r = driver.next(request.ranges.map(([lo, hi]) => BFS_STEPS[request.step]!(request.args, lo, hi)));
      }
      return { names, depth: r.value };
    };
    const plain = steps({});
    const slots = steps({ outSlots: layout });
    expect([...slots.depth]).toEqual([...plain.depth]);
    expect(slots.names.slice(0, 2)).toEqual(['bfs.fill', 'bfs.topDownSlots']);
    expect(slots.names).toContain('bfs.bottomUp');
  });

  it('reports a negative weight from the kept check as the plain search does', () => {
    const g = buildGraph({ n: 3, src: Int32Array.of(0, 1), dst: Int32Array.of(1, 2), weights: Float64Array.of(1, -2) }, { directed: true, inCsr: false });
    const layout = ssspLayout(g);
    expect(layout.weightCheck).toEqual({ maxWeight: 1, badArc: 1 });
    expect(() => sssp(g, 0, layout)).toThrow(NegativeWeightError);
    expect(() => sssp(g, 0, layout)).toThrow(/1.*2.*-2/);
  });
});
