import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildGraph, groupGraph } from '../../../src/graph/csr.js';
import { NegativeWeightError } from '../../../src/graph/errors.js';
import { hubOrder } from '../../../src/graph/hubOrder.js';
import { sssp } from '../../../src/graph/sssp.js';
import { HUB_ORDER_MIN_VERTICES, hubOrderOf, ssspLayout } from '../../../src/graph/ssspLayout.js';
import { refGraph, refSssp } from './reference.js';

/** Weights that break naive queues: zeros, ties, denormals, huge ranges, infinities. */
const hostileWeight = fc.oneof(
  fc.constant(0),
  fc.constant(1),
  fc.constant(5e-324),
  fc.constant(1e-300),
  fc.constant(1e300),
  fc.constant(Infinity),
  fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }),
);

const hostileGraph = fc
  .record({
    n: fc.integer({ min: 1, max: 16 }),
    directed: fc.boolean(),
    // Equal weights everywhere in some graphs, mixed in others.
    equal: fc.option(fc.constantFrom(0, 1, 0.1), { nil: undefined }),
    raw: fc.array(fc.tuple(fc.nat(), fc.nat(), hostileWeight), { maxLength: 60 }),
  })
  .map(({ n, directed, equal, raw }) => ({ n, directed, edges: raw.map(([u, v, w]) => ({ u: u % n, v: v % n, w: equal ?? w })) }));

/** n vertices, degree * n arcs from uniform tails to heads skewed to low ids (x^6: 1/16 of the ids take 63% of the arcs). */
function hubGraph(n: number, degree: number) {
  let state = 12345;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const m = degree * n;
  const src = Int32Array.from({ length: m }, () => Math.floor(next() * n));
  const dst = Int32Array.from({ length: m }, () => Math.floor(next() ** 6 * n));
  const weights = Float64Array.from({ length: m }, () => (next() < 0.05 ? 0 : next()));
  return buildGraph({ n, src, dst, weights }, { directed: true });
}

type Hostile = ReturnType<typeof hostileGraph.generate>['value'];

const csrOf = (g: Hostile) =>
  buildGraph(
    { n: g.n, src: Int32Array.from(g.edges, (e) => e.u), dst: Int32Array.from(g.edges, (e) => e.v), weights: Float64Array.from(g.edges, (e) => e.w) },
    { directed: g.directed, inCsr: false },
  );

describe('the hub order', () => {
  it('renumbers by decreasing in-degree and keeps every row with its weights, arcs into hubs first', () => {
    fc.assert(
      fc.property(hostileGraph, (g) => {
        const { out } = csrOf(g);
        const h = hubOrder(out, { always: true })!;
        expect([...h.oldOf].sort((a, b) => a - b)).toEqual(Array.from({ length: g.n }, (_, i) => i));
        const newOf = new Int32Array(g.n);
        h.oldOf.forEach((old, v) => (newOf[old] = v));
        const inDegree = new Int32Array(g.n);
        for (const t of out.targets) inDegree[t]!++;
        for (let v = 1; v < g.n; v++) {
          const [a, b] = [h.oldOf[v - 1]!, h.oldOf[v]!];
          expect(inDegree[a]! > inDegree[b]! || (inDegree[a] === inDegree[b] && a < b)).toBe(true);
        }
        expect(h.hubs).toBe(Math.ceil(g.n / 16));
        for (let v = 0; v < g.n; v++) {
          const u = h.oldOf[v]!;
          // The row's arcs (target, weight), renumbered: those into hubs in row order, then the others in reverse.
          const arcs = Array.from({ length: out.offsets[u + 1]! - out.offsets[u]! }, (_, i) => [newOf[out.targets[out.offsets[u]! + i]!]!, out.weights![out.offsets[u]! + i]!]);
          const expected = [...arcs.filter(([t]) => t! < h.hubs), ...arcs.filter(([t]) => t! >= h.hubs).reverse()];
          const row = Array.from({ length: h.csr.offsets[v + 1]! - h.csr.offsets[v]! }, (_, i) => [h.csr.targets[h.csr.offsets[v]! + i]!, h.csr.weights![h.csr.offsets[v]! + i]!]);
          expect(row).toEqual(expected);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('gives the reference distances exactly: zeros, ties, denormals, huge ranges, infinite weights, unreachable vertices', () => {
    fc.assert(
      fc.property(hostileGraph, fc.nat(), (g, s) => {
        const source = s % g.n;
        const csr = csrOf(g);
        const hubs = hubOrder(csr.out, { always: true })!;
        const expected = refSssp(refGraph(g.n, g.directed, g.edges, { duplicates: 'merge', selfLoops: 'keep' }), source);
        expect([...sssp(csr, source, { hubs })]).toEqual(expected);
        expect([...sssp(csr, source)]).toEqual(expected);
        // Into a caller's buffer, whatever it held.
        const into = new Float64Array(g.n).fill(-7);
        sssp(csr, source, { hubs, into });
        expect([...into]).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('searches a grouped graph (rows unsorted, parallel arcs kept) like the sorted one', () => {
    fc.assert(
      fc.property(hostileGraph, fc.nat(), (g, s) => {
        const source = s % g.n;
        const edges = { n: g.n, src: Int32Array.from(g.edges, (e) => e.u), dst: Int32Array.from(g.edges, (e) => e.v), weights: Float64Array.from(g.edges, (e) => e.w) };
        const grouped = groupGraph(edges, { directed: g.directed });
        expect([...sssp(grouped, source, { hubs: hubOrder(grouped.out, { always: true })! })]).toEqual([...sssp(csrOf(g), source)]);
      }),
      { numRuns: 100 },
    );
  });

  it('is built for a big weighted graph of hubs, not for a uniform one, a small one or an unweighted one', () => {
    const skewed = hubGraph(HUB_ORDER_MIN_VERTICES, 8);
    const hubs = hubOrderOf(skewed).order;
    expect(hubs).toBeDefined();
    const layout = ssspLayout(skewed);
    expect(layout.outSlots.width).toBe(0);
    for (const source of [0, 1, 777, HUB_ORDER_MIN_VERTICES - 1]) expect([...sssp(skewed, source, { ...layout, hubs })]).toEqual([...sssp(skewed, source)]);
    // Every vertex has in-degree 8 or so: no hubs to gather.
    const n = HUB_ORDER_MIN_VERTICES;
    const src = Int32Array.from({ length: 8 * n }, (_, i) => i % n);
    const dst = Int32Array.from({ length: 8 * n }, (_, i) => (i * 2654435761) % n);
    const weights = Float64Array.from({ length: 8 * n }, (_, i) => (i % 13) / 13);
    expect(hubOrderOf(buildGraph({ n, src, dst, weights }, { directed: true })).order).toBeUndefined();
    expect(hubOrderOf(buildGraph({ n, src, dst }, { directed: true })).order).toBeUndefined();
    expect(hubOrderOf(hubGraph(HUB_ORDER_MIN_VERTICES / 2, 8)).order).toBeUndefined();
  });

  it('leaves a negative weight to the check, which the search with the hub order reports', () => {
    const n = 64;
    const src = Int32Array.from({ length: 4 * n }, (_, i) => (i * 7) % n);
    const dst = Int32Array.from({ length: 4 * n }, (_, i) => i % 8);
    const weights = Float64Array.from({ length: 4 * n }, (_, i) => (i === 4 * n - 1 ? -0.5 : 1));
    const g = buildGraph({ n, src, dst, weights }, { directed: true });
    const layout = ssspLayout(g);
    expect(layout.weightCheck!.badArc).toBeGreaterThanOrEqual(0);
    expect(layout.outSlots.width).toBe(0);
    const hubs = hubOrder(g.out, { always: true })!;
    expect(() => sssp(g, 0, { ...layout, hubs })).toThrow(NegativeWeightError);
    expect(() => sssp(g, 0, { hubs })).toThrow(NegativeWeightError);
  });
});
