/**
 * Shared test helpers: fast-check arbitraries for small random graphs (isolated vertices, zero
 * weights, self-loops, duplicate edges and disconnected parts all occur), a seeded generator for
 * bigger ones, and conversions from reference edge lists to the library's CSR.
 */
import fc from 'fast-check';
import { type GraphCsr, buildGraph } from '../../../src/graph/csr.js';
import type { PullLayout } from '../../../src/graph/pullLayout.js';
import type { RefBuildOptions, RefEdge } from './reference.js';

export interface RandomGraph {
  readonly n: number;
  readonly directed: boolean;
  readonly edges: readonly RefEdge[];
  readonly options: RefBuildOptions;
}

const weight = fc.oneof(
  fc.constant(0),
  fc.constant(1),
  fc.constantFrom(0.5, 0.25, 2, 3),
  fc.double({ min: 0, max: 10, noNaN: true, noDefaultInfinity: true }),
);

export function randomGraph(maxVertices = 12, maxEdges = 40): fc.Arbitrary<RandomGraph> {
  return fc
    .record({
      n: fc.integer({ min: 1, max: maxVertices }),
      directed: fc.boolean(),
      duplicates: fc.constantFrom<'merge' | 'keep'>('merge', 'keep'),
      selfLoops: fc.constantFrom<'keep' | 'drop'>('keep', 'drop'),
      raw: fc.array(fc.tuple(fc.nat(), fc.nat(), weight), { maxLength: maxEdges }),
    })
    .map(({ n, directed, duplicates, selfLoops, raw }) => ({
      n,
      directed,
      edges: raw.map(([u, v, w]) => ({ u: u % n, v: v % n, w })),
      options: { duplicates, selfLoops },
    }));
}

export function toCsr(g: RandomGraph, inCsr = true): GraphCsr {
  return buildGraph(
    {
      n: g.n,
      src: Int32Array.from(g.edges, (e) => e.u),
      dst: Int32Array.from(g.edges, (e) => e.v),
      weights: Float64Array.from(g.edges, (e) => e.w),
    },
    { directed: g.directed, inCsr, duplicates: g.options.duplicates, selfLoops: g.options.selfLoops },
  );
}

/** A seeded random graph of about `m` edges over `n` vertices, with skewed degrees (for range tests). */
export function seededGraph(n: number, m: number, directed: boolean, seed: number): GraphCsr {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const src = new Int32Array(m);
  const dst = new Int32Array(m);
  const weights = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    // Squaring skews towards low ids: a few hubs, many light vertices, some isolated ones.
    src[i] = Math.floor(next() ** 2 * n);
    dst[i] = Math.floor(next() * next() * n);
    weights[i] = next() < 0.05 ? 0 : next();
  }
  return buildGraph({ n, src, dst, weights }, { directed, inCsr: true });
}

export function closeTo(actual: ArrayLike<number>, expected: ArrayLike<number>, relative = 1e-9): boolean {
  if (actual.length !== expected.length) return false;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= relative * Math.max(Math.abs(a), Math.abs(e), 1e-300))) return false;
  }
  return true;
}

/** A seeded linear congruential stream: each call, the next integer in [0, k) (the same sequence for the same seed). */
export function seededInts(seed: number): (k: number) => number {
  let x = seed;
  return (k) => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x % k;
  };
}

/** A slot pull layout's arrays as plain ones (graph/pullLayout.ts), for comparing two layouts. */
export function plainLayout(l: PullLayout): Record<string, unknown> {
  return {
    position: Array.from(l.position),
    isolated: Array.from(l.isolated),
    sinks: Array.from(l.sinks),
    long: Array.from(l.long),
    longOffsets: Array.from(l.longOffsets),
    longSources: Array.from(l.longSources),
    inverseOutDegree: Array.from(l.inverseOutDegree),
    inOffsets: Array.from(l.inOffsets),
    classes: l.classes.map((c) => ({ width: c.width, vertices: Array.from(c.vertices), slots: Array.from(c.slots) })),
  };
}
