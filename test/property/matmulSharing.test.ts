/**
 * Products big enough to share (≥ 2^25 multiply-adds) are cut into finer output blocks than their
 * input chunks give, in rows, columns or both (ops/tensor/matmul.ts `shareCuts`): each block reads
 * its rows of A and its columns of B in place at an offset. Whatever the shapes (odd extents, a side
 * too short to cut, 1-row or 1-column blocks next to wide ones), chunkings, a transposed operand or
 * integer dtypes, the product equals a plain triple loop exactly (small integers: every sum is exact
 * in any order), on both executors. The cut itself: a square product is cut into 2×2 blocks (packing
 * each operand's copies least), a big one into 16.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor as tt } from '../../src/index.js';
import { EXECUTORS, propertySessions } from '../support/cases.js';

const sessions = propertySessions();
const SHARE_MIN_MACS = 2 ** 25;
/** Elements an operand or the product may have, so the triple-loop reference stays quick. */
const MAX_OPERAND = 1_200_000;

interface ShareCase {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly seed: number;
  readonly aChunks: readonly [number, number];
  readonly bChunks: readonly [number, number];
  readonly transposeA: boolean;
  readonly int32: boolean;
}

const extentArb = fc.oneof(
  fc.constantFrom(1, 2, 3, 63, 64, 65, 127, 128, 129, 255, 333, 511, 513),
  fc.integer({ min: 1, max: 700 }),
  fc.integer({ min: 1000, max: 6000 }),
);

const shareCaseArb: fc.Arbitrary<ShareCase> = fc
  .record({
    m: extentArb,
    n: extentArb,
    extraK: fc.integer({ min: 0, max: 300 }),
    seed: fc.nat(),
    chunkPicks: fc.array(fc.double({ min: 0.2, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
    transposeA: fc.boolean(),
    int32: fc.boolean(),
  })
  .map(({ m, n, extraK, seed, chunkPicks, transposeA, int32 }) => {
    const k = Math.ceil(SHARE_MIN_MACS / (m * n)) + extraK;
    const chunk = (d: number, f: number): number => Math.max(1, Math.ceil(d * f));
    return {
      m, k, n, seed, transposeA, int32,
      aChunks: [chunk(transposeA ? k : m, chunkPicks[0]!), chunk(transposeA ? m : k, chunkPicks[1]!)] as const,
      bChunks: [chunk(k, chunkPicks[2]!), chunk(n, chunkPicks[3]!)] as const,
    };
  })
  .filter(({ m, k, n }) => m * k <= MAX_OPERAND && k * n <= MAX_OPERAND && m * n <= MAX_OPERAND && m * n * k >= SHARE_MIN_MACS);

/** Integers from -3 to 3, from a seeded generator. */
function smallInts(length: number, seed: number): Int32Array {
  let s = seed >>> 0;
  return Int32Array.from({ length }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 16) % 7 - 3;
  });
}

function reference(a: Int32Array, b: Int32Array, m: number, k: number, n: number, transposeA: boolean): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let q = 0; q < k; q++) {
      const x = transposeA ? a[q * m + i]! : a[i * k + q]!;
      if (x === 0) continue;
      for (let j = 0, row = q * n, o = i * n; j < n; j++) out[o + j] = out[o + j]! + x * b[row + j]!;
    }
  }
  return out;
}

describe.each(EXECUTORS)('products cut into finer blocks equal a triple loop (%s executor)', (kind) => {
  const { run } = sessions(kind);

  it('any shapes past the sharing threshold, any chunking, a transposed left operand, int32 or float64', async () => {
    await fc.assert(
      fc.asyncProperty(shareCaseArb, async (c) => {
        const a = smallInts(c.m * c.k, c.seed);
        const b = smallInts(c.k * c.n, c.seed + 1);
        const typed = (x: Int32Array): Int32Array | Float64Array => (c.int32 ? x : Float64Array.from(x));
        const stored = tt.array(typed(a), { shape: c.transposeA ? [c.k, c.m] : [c.m, c.k], chunkSize: [...c.aChunks] });
        const left = c.transposeA ? stored.transpose() : stored;
        const right = tt.array(typed(b), { shape: [c.k, c.n], chunkSize: [...c.bChunks] });
        const product = left.matmul(right);
        const got = await run(product);
        expect(got.shape).toEqual([c.m, c.n]);
        expect(product.dtype).toBe(c.int32 ? 'int32' : 'float64');
        const want = reference(a, b, c.m, c.k, c.n, c.transposeA);
        const data = got.data as ArrayLike<number>;
        let firstWrong = -1;
        for (let e = 0; e < want.length && firstWrong < 0; e++) if (data[e] !== want[e]) firstWrong = e;
        expect(firstWrong).toBe(-1);
      }),
      { numRuns: 10 },
    );
  });
});

describe('how a shared product is cut', () => {
  const cuts = (m: number, k: number, n: number): [number[], number[]] => {
    const product = tt.zeros([m, k], { chunkSize: [m, k] }).matmul(tt.zeros([k, n], { chunkSize: [k, n] }));
    const [rows, cols] = product.node.meta.nsplits as [number[], number[]];
    return [rows, cols];
  };

  it('cuts a square one-chunk product 2×2: 4 blocks, each operand copied least', () => {
    expect(cuts(1000, 1000, 1000)).toEqual([[500, 500], [500, 500]]);
  });

  it('cuts a wide product in columns and a tall one in rows', () => {
    const [wideRows, wideCols] = cuts(64, 1000, 8000);
    expect(wideRows).toEqual([64]);
    expect(wideCols.length).toBe(4);
    const [tallRows, tallCols] = cuts(8000, 1000, 64);
    expect(tallRows.length).toBe(4);
    expect(tallCols).toEqual([64]);
  });

  it('cuts a big product into 16 blocks, so unequal input chunks still split evenly over a pool', () => {
    const a = tt.zeros([4000, 4000]);
    const product = a.matmul(tt.zeros([4000, 4000]));
    const [rows, cols] = product.node.meta.nsplits as [number[], number[]];
    expect(a.node.meta.nsplits[0]!.length).toBe(8);
    expect(rows.length * cols.length).toBe(16);
    expect(cols).toEqual([2000, 2000]);
  });

  it('leaves a product below the threshold as its chunks come', () => {
    expect(cuts(300, 300, 300)).toEqual([[300], [300]]);
  });
});
