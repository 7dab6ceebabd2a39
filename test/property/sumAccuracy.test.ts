/**
 * Sums, means and variances stay accurate on data that defeats a plain running sum, on both executors,
 * compared with an exact reference (test/support/exactSum.ts). A chunk is summed in blocks whose sums
 * are added with compensation (kernels/tensor/codegen.ts `blockedSum`), so the error of a sum is that of
 * one block plus one rounding per chunk merge: the bound asserted is 40 · eps · Σ|x| — NumPy's pairwise
 * sum guarantees (16 + log2(n / 128)) · eps · Σ|x|, 31 for these 4M elements. A running sum per
 * accumulator, as before, lost 69,000 · eps · Σ|x| on 4M tenths. Variances are two-pass per chunk and
 * merged with Chan's formula; on values 1e8 + U(0, 1) a one-pass Σx² − n·mean² would lose every digit.
 */
import { describe, expect, it } from 'vitest';
import { tensor as tt, type Tensor } from '../../src/index.js';
import { absSum, exactSum, exactVariance } from '../support/exactSum.js';
import { EXECUTORS, propertySessions } from '../support/cases.js';

const EPS = 2 ** -52;
const N = (1 << 22) + 3;
const BOUND = 40;

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** Data no plain running sum gets right: equal inexact values, a large offset, wide dynamic range, cancellation. */
const HOSTILE: Record<string, () => Float64Array> = {
  'four million tenths': () => new Float64Array(N).fill(0.1),
  'a large offset plus noise': () => {
    const r = lcg(7);
    return Float64Array.from({ length: N }, () => 1e8 + r());
  },
  'magnitudes from 1e-8 to 1e8': () => {
    const r = lcg(11);
    return Float64Array.from({ length: N }, () => 10 ** (16 * r() - 8));
  },
  'large terms that cancel, small ones that do not': () => {
    const r = lcg(13);
    return Float64Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 1e12 : -5e11) + r());
  },
};

/** The error of `got` in units of eps · Σ|x|. */
const errorUnits = (got: number, exact: number, scale: number): number => Math.abs(got - exact) / (EPS * scale);

describe.each(EXECUTORS)('sums on hostile data are within %s of an exact reference', (kind) => {
  const { run } = propertySessions()(kind);
  const item = async (t: Tensor): Promise<number> => (await run(t)).item() as number;

  for (const [name, make] of Object.entries(HOSTILE)) {
    it(`sum and mean of ${name}, whole and in 16 chunks`, async () => {
      const x = make();
      const exact = exactSum(x);
      const scale = absSum(x);
      for (const chunkSize of [N, 1 << 18]) {
        const t = tt.array(x, { chunkSize });
        expect(errorUnits(await item(t.sum()), exact, scale)).toBeLessThanOrEqual(BOUND);
        expect(errorUnits(await item(t.mean()) * N, exact, scale)).toBeLessThanOrEqual(BOUND + 1);
      }
    });
  }

  it('a fused elementwise sum, (x * 3 + 0.1).sum(), is as accurate as the sum of its values', async () => {
    const x = HOSTILE['four million tenths']!();
    const values = Float64Array.from(x, (v) => v * 3 + 0.1);
    const got = await item(tt.array(x, { chunkSize: 1 << 20 }).mul(3).add(0.1).sum());
    expect(errorUnits(got, exactSum(values), absSum(values))).toBeLessThanOrEqual(BOUND);
  });

  it('row sums along a long last axis (the nd loop) are as accurate as full sums', async () => {
    const rows = 4;
    const x = new Float64Array(rows * (N >> 2)).fill(0.1);
    const got = (await run(tt.array(x, { shape: [rows, N >> 2], chunkSize: [2, N >> 2] }).sum({ axis: 1 }))).data;
    const row = x.subarray(0, N >> 2);
    for (let i = 0; i < rows; i++) expect(errorUnits(got[i] as number, exactSum(row), absSum(row))).toBeLessThanOrEqual(BOUND);
  });

  // The variance's condition here is mean² / var ≈ 1e17: a one-pass Σx² − n·mean² has an error of order
  // 1 (every digit lost). Chan's merge of per-chunk moments adds the difference of two rounded chunk
  // means, which is good to ~1e-11 of itself: measured 3e-12 relative error.
  it('var and std of a large offset plus noise: relative error below 1e-10, with ddof 0 and 1', async () => {
    const x = HOSTILE['a large offset plus noise']!();
    for (const ddof of [0, 1]) {
      const exact = exactVariance(x, ddof);
      const t = tt.array(x, { chunkSize: 1 << 19 });
      expect(Math.abs((await item(t.var({ ddof }))) - exact) / exact).toBeLessThan(1e-10);
      expect(Math.abs((await item(t.std({ ddof }))) - Math.sqrt(exact)) / Math.sqrt(exact)).toBeLessThan(1e-10);
    }
  });

  // Chan's merge adds the difference of two chunk means (~1e-3 here), which two rounded means of ~1e8
  // spoil by up to 7e-9: kept as double-doubles (the compensated sum's low part divided too) and
  // corrected by the sum of the deviations from them (moments.ts), the merged variance is off by at most
  // 8.3e-16 over nine chunkings from 33,333 to 524,288 elements. Without the correction the chunk sums'
  // own rounding (plain sums inside each 128-element block) left it 1.6e-14 to 8.5e-12 off, by chunking
  // (7.4e-12 at 65,537, 8.5e-12 at 33,333), where NumPy's x.var() is 4.0e-12 off on the same data.
  it('var of a large offset plus noise over many chunks, whole and by rows: relative error below 1e-14', async () => {
    const x = HOSTILE['a large offset plus noise']!();
    const exact = exactVariance(x, 0);
    for (const chunkSize of [1 << 19, 1 << 16, 100_003, 65_537, 33_333]) {
      const got = await item(tt.array(x, { chunkSize }).var());
      expect(Math.abs(got - exact) / exact).toBeLessThan(1e-14);
    }
    const rows = 4;
    const width = (N - 3) / rows;
    const m = tt.array(x.subarray(0, rows * width), { shape: [rows, width], chunkSize: [1, 1 << 17] });
    const byRow = (await run(m.var({ axis: 1 }))).data;
    for (let i = 0; i < rows; i++) {
      const row = exactVariance(x.subarray(i * width, (i + 1) * width), 0);
      expect(Math.abs((byRow[i] as number) - row) / row).toBeLessThan(1e-14);
    }
  });

  // The corrected mean (moments.ts) in every loop layout: a full var (the flat loop), along the last axis
  // (the nd loop's row sums), along the first or middle axis (its column passes), and along two axes.
  it('var along every axis and pair of axes of a 3-D large offset plus noise, in chunks: relative error below 1e-14', async () => {
    const shape = [12, 40, 60];
    const x = HOSTILE['a large offset plus noise']!().subarray(0, 12 * 40 * 60);
    const at = (i: number, j: number, k: number): number => x[(i * 40 + j) * 60 + k]!;
    const t = tt.array(x, { shape, chunkSize: [5, 17, 60] });
    for (const axis of [null, 0, 1, 2, [0, 2], [1, 2]] as const) {
      const axes = axis === null ? [0, 1, 2] : typeof axis === 'number' ? [axis] : [...axis];
      const kept = [0, 1, 2].filter((a) => !axes.includes(a));
      const got = await run(t.var(axis === null ? {} : { axis: axis as number | number[] }));
      const values = axis === null ? [got.item() as number] : Array.from(got.data as Float64Array);
      const outputs = kept.reduce((n, a) => n * shape[a]!, 1);
      expect(values.length).toBe(outputs);
      for (let o = 0; o < outputs; o++) {
        // Output o's position along the kept axes (row-major), and every element reduced into it.
        const fixed = new Map<number, number>();
        let rest = o;
        for (let q = kept.length - 1; q >= 0; q--) {
          fixed.set(kept[q]!, rest % shape[kept[q]!]!);
          rest = Math.floor(rest / shape[kept[q]!]!);
        }
        const group: number[] = [];
        for (let i = 0; i < 12; i++) for (let j = 0; j < 40; j++) for (let k = 0; k < 60; k++) {
          const index = [i, j, k];
          if (kept.every((a) => index[a] === fixed.get(a))) group.push(at(i, j, k));
        }
        const exact = exactVariance(Float64Array.from(group), 0);
        expect(Math.abs(values[o]! - exact) / exact, `var over axes ${axes.join(',')}, output ${o}`).toBeLessThan(1e-14);
      }
    }
  });

  // By column each chunk's column sums are running sums, one rounding a row: their errors are kept apart
  // (the column loop's compensation) and the chunk mean normalised before the deviations are taken from
  // it. Without, a 1000-row chunk's column means were off by ~1e-7 and the merged variance by 4e-9.
  it('var and std by column over row chunks of a large offset plus noise: relative error below 1e-12', async () => {
    const x = HOSTILE['a large offset plus noise']!();
    const cols = 8;
    const rows = 1 << 16;
    const m = x.subarray(0, rows * cols);
    const column = (c: number): Float64Array => Float64Array.from({ length: rows }, (_, r) => m[r * cols + c]!);
    for (const chunkSize of [[rows, cols], [1000, cols], [4096, 3]]) {
      const t = tt.array(m, { shape: [rows, cols], chunkSize });
      const [byColumn, std] = [(await run(t.var({ axis: 0 }))).data, (await run(t.std({ axis: 0, ddof: 1 }))).data];
      for (let c = 0; c < cols; c++) {
        const exact = exactVariance(column(c), 0);
        expect(Math.abs((byColumn[c] as number) - exact) / exact).toBeLessThan(1e-12);
        const exactStd = Math.sqrt(exactVariance(column(c), 1));
        expect(Math.abs((std[c] as number) - exactStd) / exactStd).toBeLessThan(1e-12);
      }
    }
  });
});
