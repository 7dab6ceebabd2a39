/**
 * describe's exact pieces on their own: the rank selection across sorted arrays (against sorting
 * their concatenation), NumPy's linear interpolation at its ends, and moment partials that combine
 * (in any grouping, with empty partials) to the moments of all values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeFrame } from '../../../../src/base/frame.js';
import { chunkMoments, combineMoments, lerp, selectRank } from '../../../../src/kernels/dataframe/describe.js';

describe('selectRank', () => {
  it('finds every rank across sorted arrays with duplicates and empty windows', () => {
    const arbArrays = fc.array(fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: 12 }), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(arbArrays, (lists) => {
        const arrays = lists.map((l) => Float64Array.from(l).sort());
        const all = lists.flat().sort((a, b) => a - b);
        for (let k = 0; k < all.length; k++) expect(selectRank(arrays, arrays.map((a) => a.length), k)).toBe(all[k]);
        expect(() => selectRank(arrays, arrays.map((a) => a.length), all.length)).toThrow(/past the values/);
      }),
    );
  });
});

describe('lerp', () => {
  it('is exact at both ends and for equal neighbours', () => {
    expect(lerp(1, 3, 0)).toBe(1);
    expect(lerp(1, 3, 1)).toBe(3);
    expect(lerp(0.1, 0.1, 0.3)).toBe(0.1);
    expect(lerp(1, 3, 0.25)).toBe(1.5);
    expect(lerp(1, 3, 0.75)).toBe(2.5);
  });
});

describe('moments', () => {
  it('partials of any split combine to the moments of all values', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { maxLength: 10 }), { maxLength: 6 }), (parts) => {
        const partials = parts.map((p) =>
          chunkMoments(makeFrame(['x'], [{ dtype: 'float64', values: Float64Array.from(p), valid: null }]), ['x']),
        );
        const all = parts.flat();
        const [count, mean, meanLo, m2, min, max] = combineMoments(partials, 1).columns.map((c) => (c as { values: Float64Array }).values[0]!);
        expect(count).toBe(all.length);
        if (all.length === 0) return;
        const mu = all.reduce((s, x) => s + x, 0) / all.length;
        expect(Math.abs(mean! + meanLo! - mu)).toBeLessThan(1e-9);
        expect(Math.abs(m2! - all.reduce((s, x) => s + (x - mu) ** 2, 0))).toBeLessThan(1e-6);
        expect(min).toBe(Math.min(...all));
        expect(max).toBe(Math.max(...all));
      }),
    );
  });
});
