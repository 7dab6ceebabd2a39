import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/base/errors.js';
import { type Csr, buildGraph, transposeCsr, withInCsr } from '../../../src/graph/csr.js';
import { isShared } from '../../../src/graph/shared.js';
import { simpleUndirected } from '../../../src/graph/views.js';
import { randomGraph, toCsr } from './helpers.js';
import { refGraph, refNeighbours, type RefEdge } from './reference.js';

/** Arcs of a CSR as sorted "u v w" strings (a multiset). */
function arcsOf(csr: Csr, reverse = false): string[] {
  const arcs: string[] = [];
  for (let u = 0; u < csr.n; u++) {
    for (let e = csr.offsets[u]!; e < csr.offsets[u + 1]!; e++) {
      const t = csr.targets[e]!;
      arcs.push(reverse ? `${t} ${u} ${csr.weights?.[e]}` : `${u} ${t} ${csr.weights?.[e]}`);
    }
  }
  return arcs.sort();
}

const arcStrings = (arcs: readonly RefEdge[]): string[] => arcs.map((a) => `${a.u} ${a.v} ${a.w}`).sort();

function checkInvariants(csr: Csr): void {
  expect(csr.offsets[0]).toBe(0);
  expect(csr.offsets[csr.n]).toBe(csr.m);
  expect(csr.targets.length).toBe(csr.m);
  for (const a of [csr.offsets, csr.targets, ...(csr.weights ? [csr.weights] : [])]) expect(isShared(a)).toBe(true);
  for (let v = 0; v < csr.n; v++) {
    expect(csr.offsets[v + 1]!).toBeGreaterThanOrEqual(csr.offsets[v]!);
    for (let e = csr.offsets[v]! + 1; e < csr.offsets[v + 1]!; e++) expect(csr.targets[e]!).toBeGreaterThanOrEqual(csr.targets[e - 1]!);
  }
}

describe('buildGraph', () => {
  it('holds the documented arcs: sorted rows, merged or kept duplicates, self-loops, symmetry, transpose', () => {
    fc.assert(
      fc.property(randomGraph(10, 30), (g) => {
        const graph = toCsr(g);
        const ref = refGraph(g.n, g.directed, g.edges, g.options);
        checkInvariants(graph.out);
        checkInvariants(graph.in!);
        expect(arcsOf(graph.out)).toEqual(arcStrings(ref.arcs));
        expect(arcsOf(graph.in!, true)).toEqual(arcStrings(ref.arcs));
        if (!g.directed) expect(graph.in).toBe(graph.out);
        expect(graph.selfLoops).toBe(ref.arcs.filter((a) => a.u === a.v).length);
        const distinct = new Set(ref.arcs.map((a) => `${a.u} ${a.v}`)).size;
        expect(graph.parallelArcs).toBe(ref.arcs.length - distinct);
        const view = simpleUndirected(graph);
        checkInvariants(view);
        for (let v = 0; v < g.n; v++) {
          const row = [...view.targets.subarray(view.offsets[v]!, view.offsets[v + 1]!)];
          expect(row).toEqual([...refNeighbours(ref, v)].sort((a, b) => a - b));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('sorts and merges through every block path on larger graphs (many blocks, hubs, repeated targets)', () => {
    const n = 70000;
    const tails: number[] = [];
    const heads: number[] = [];
    let seed = 7;
    const random = (k: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % k;
    };
    for (let i = 0; i < 20000; i++) (tails.push(random(n)), heads.push(random(n)));
    // A hub whose targets share their top bits, repeated and descending: defeats the insertion sort.
    for (let r = 0; r < 60; r++) for (let t = 63; t >= 0; t--) (tails.push(12345), heads.push(t));
    const weights = Float64Array.from(tails, (_, i) => (i * 7919) % 101);
    const edges = { n, src: Int32Array.from(tails), dst: Int32Array.from(heads), weights };
    for (const duplicates of ['merge', 'keep'] as const) {
      const g = buildGraph(edges, { directed: true, duplicates, inCsr: true });
      checkInvariants(g.out);
      checkInvariants(g.in!);
      const best = new Map<string, number>();
      const all: string[] = [];
      tails.forEach((u, i) => {
        const key = `${u} ${heads[i]}`;
        all.push(`${key} ${weights[i]}`);
        best.set(key, Math.min(best.get(key) ?? Infinity, weights[i]!));
      });
      const expected = duplicates === 'merge' ? [...best].map(([k, w]) => `${k} ${w}`).sort() : all.sort();
      // Compared as one string: deep equality of 24k-element arrays is needlessly slow.
      expect(arcsOf(g.out).join('\n')).toBe(expected.join('\n'));
      expect(arcsOf(transposeCsr(g.out), true).join('\n')).toBe(expected.join('\n'));
    }
  });

  it('reads weights given in parts (the ranges of a file, some empty) as the joined column, on every build path', () => {
    const split = (w: Float64Array, cuts: readonly number[]): Float64Array[] => {
      const at = [0, ...cuts.map((c) => c % (w.length + 1)).sort((a, b) => a - b), w.length];
      return at.slice(1).map((end, k) => w.subarray(at[k]!, end));
    };
    const same = (edges: { n: number; src: Int32Array; dst: Int32Array; weights: Float64Array }, cuts: readonly number[]): void => {
      for (const directed of [true, false]) {
        for (const duplicates of ['merge', 'keep'] as const) {
          const joined = buildGraph(edges, { directed, duplicates, inCsr: true });
          const parted = buildGraph({ ...edges, weights: split(edges.weights, cuts) }, { directed, duplicates, inCsr: true });
          for (const k of ['out', 'in'] as const) {
            expect([...parted[k]!.offsets]).toEqual([...joined[k]!.offsets]);
            expect([...parted[k]!.targets]).toEqual([...joined[k]!.targets]);
            expect([...parted[k]!.weights!]).toEqual([...joined[k]!.weights!]);
          }
        }
      }
    };
    fc.assert(
      fc.property(randomGraph(10, 30), fc.array(fc.nat(), { maxLength: 5 }), (g, cuts) => {
        const edges = { n: g.n, src: Int32Array.from(g.edges, (e) => e.u), dst: Int32Array.from(g.edges, (e) => e.v), weights: Float64Array.from(g.edges, (e) => e.w) };
        same(edges, cuts);
      }),
      { numRuns: 100 },
    );
    // Block grouping (a hub whose rows defeat the direct scatter), cut into 16 parts and one empty one.
    const n = 5000;
    const src = Int32Array.from({ length: 30000 }, (_, i) => (i % 7 === 0 ? 17 : (i * 7919) % n));
    const dst = Int32Array.from({ length: 30000 }, (_, i) => (i * 104729) % n);
    const weights = Float64Array.from(src, (_, i) => (i * 31) % 97);
    same({ n, src, dst, weights }, [...Array.from({ length: 15 }, (_, k) => 2000 * (k + 1)), 0]);
  });

  it('sorts, merges and counts through the radix path (few vertices, hubs, repeats, self-loops, weights in parts)', () => {
    const n = 3000;
    let seed = 11;
    const random = (k: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % k;
    };
    const tails: number[] = [];
    const heads: number[] = [];
    for (let i = 0; i < 6000; i++) (tails.push(random(n)), heads.push(random(n)));
    // Hubs (rows too long for the direct path's insertion sort), repeated arcs out of order, self-loops.
    for (let r = 0; r < 10; r++) for (let t = 199; t >= 0; t--) (tails.push(7), heads.push((t * 13) % n));
    for (let r = 0; r < 3; r++) for (let v = 0; v < 50; v++) (tails.push(v * 11), heads.push(v * 11));
    const weights = Float64Array.from(tails, (_, i) => (i * 7919) % 101);
    const src = Int32Array.from(tails);
    const dst = Int32Array.from(heads);
    const parts = [weights.subarray(0, 3000), weights.subarray(3000, 3000), weights.subarray(3000, 7000), weights.subarray(7000)];
    for (const directed of [true, false]) {
      for (const duplicates of ['merge', 'keep'] as const) {
        for (const selfLoops of ['keep', 'drop'] as const) {
          const edges = tails.map((u, i) => ({ u, v: heads[i]!, w: weights[i]! }));
          const ref = refGraph(n, directed, edges, { duplicates, selfLoops });
          const g = buildGraph({ n, src, dst, weights }, { directed, duplicates, selfLoops, inCsr: true });
          checkInvariants(g.out);
          checkInvariants(g.in!);
          expect(arcsOf(g.out).join('\n')).toBe(arcStrings(ref.arcs).join('\n'));
          expect(arcsOf(g.in!, true).join('\n')).toBe(arcStrings(ref.arcs).join('\n'));
          expect(g.selfLoops).toBe(ref.arcs.filter((a) => a.u === a.v).length);
          expect(g.parallelArcs).toBe(ref.arcs.length - new Set(ref.arcs.map((a) => `${a.u} ${a.v}`)).size);
          const parted = buildGraph({ n, src, dst, weights: parts }, { directed, duplicates, selfLoops });
          expect(parted.out.targets.join()).toBe(g.out.targets.join());
          expect(parted.out.weights!.join()).toBe(g.out.weights!.join());
        }
      }
    }
    // Parallel arcs stay in input order within their row.
    const kept = buildGraph({ n, src, dst, weights }, { directed: true, duplicates: 'keep' });
    const row = (u: number, t: number): number[] => {
      const out: number[] = [];
      for (let e = kept.out.offsets[u]!; e < kept.out.offsets[u + 1]!; e++) if (kept.out.targets[e] === t) out.push(kept.out.weights![e]!);
      return out;
    };
    expect(row(7, 13)).toEqual(tails.flatMap((u, i) => (u === 7 && heads[i] === 13 ? [weights[i]!] : [])));
  });

  it('keeps parallel arcs in input order within a row', () => {
    const g = buildGraph(
      { n: 3, src: Int32Array.from([0, 0, 0, 0]), dst: Int32Array.from([2, 1, 2, 2]), weights: Float64Array.from([3, 9, 1, 2]) },
      { directed: true, duplicates: 'keep' },
    );
    expect([...g.out.targets]).toEqual([1, 2, 2, 2]);
    expect([...g.out.weights!]).toEqual([9, 3, 1, 2]);
  });

  it('adds the in-CSR on demand, once', () => {
    const g = buildGraph({ n: 3, src: Int32Array.from([0, 1]), dst: Int32Array.from([2, 2]) }, { directed: true });
    expect(g.in).toBeUndefined();
    const withIn = withInCsr(g);
    expect([...withIn.in.targets]).toEqual([0, 1]);
    expect(withInCsr(withIn)).toBe(withIn);
  });

  it('rejects endpoints outside 0..n-1 and columns of different lengths', () => {
    const bad = { n: 2, src: Int32Array.from([0, 1]), dst: Int32Array.from([1, 2]) };
    expect(() => buildGraph(bad, { directed: true })).toThrow(InvalidArgumentError);
    expect(() => buildGraph(bad, { directed: true })).toThrow(/edge 1 \(1 -> 2\)/);
    expect(() => buildGraph({ n: 2, src: Int32Array.from([-1]), dst: Int32Array.from([0]) }, { directed: false })).toThrow(InvalidArgumentError);
    expect(() => buildGraph({ n: 2, src: Int32Array.from([0]), dst: Int32Array.from([0, 1]) }, { directed: true })).toThrow(/differ in length/);
    expect(() => buildGraph({ n: -1, src: new Int32Array(0), dst: new Int32Array(0) }, { directed: true })).toThrow(InvalidArgumentError);
  });

  it('builds empty graphs and graphs without arcs', () => {
    const empty = buildGraph({ n: 0, src: new Int32Array(0), dst: new Int32Array(0) }, { directed: true, inCsr: true });
    expect(empty.out.m).toBe(0);
    const isolated = buildGraph({ n: 5, src: new Int32Array(0), dst: new Int32Array(0) }, { directed: false });
    expect([...isolated.out.offsets]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
