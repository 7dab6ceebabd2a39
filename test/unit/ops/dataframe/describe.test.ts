/**
 * describe, tiled with a fake context and run through the real kernels, against a plain reference:
 * count of non-missing values (null and NaN are both missing, as in pandas), mean, sample std, min,
 * max, and the 25/50/75% quantiles by NumPy's linear interpolation on the sorted values — exact for
 * count, min, max and quantiles; mean and std to rounding (the tree combines partial moments).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../../src/base/errors.js';
import type { FrameField } from '../../../../src/base/frame.js';
import { describeNode } from '../../../../src/ops/dataframe/describe.js';
import { describeReference as reference } from '../../../support/describeReference.js';
import { chunkOf, rowsOf, runTile, sourceNode, split, type Row } from './sortTileHarness.js';

const FIELDS: FrameField[] = [
  { name: 'i', dtype: 'int32' },
  { name: 's', dtype: 'string' },
  { name: 'f', dtype: 'float64' },
  { name: 'b', dtype: 'bool' },
];

function close(actual: number | null, expected: number | null, scale: number): void {
  if (expected === null) expect(actual).toBeNull();
  else expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, scale));
}

const arbCase = fc.record({
  rows: fc.array(
    fc.record({
      i: fc.option(fc.integer({ min: -1000, max: 1000 }), { freq: 4, nil: null }),
      f: fc.option(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(Number.NaN, -0, 0, 5)), { freq: 4, nil: null }),
      s: fc.constantFrom('a', 'b', null),
      b: fc.option(fc.boolean(), { nil: null }),
    }),
    { maxLength: 80 },
  ),
  sizes: fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 9 }),
});

describe('describe', () => {
  it('matches count, mean, std, min, quartiles and max of the numeric columns, exactly where exact', () => {
    fc.assert(
      fc.property(arbCase, ({ rows, sizes }) => {
        const chunks = split(rows as Row[], sizes).map((part, c) => chunkOf(FIELDS, part, c));
        const node = describeNode(sourceNode(FIELDS, chunks));
        expect(node.meta.fields).toEqual([
          { name: 'stat', dtype: 'string' },
          { name: 'i', dtype: 'float64' },
          { name: 'f', dtype: 'float64' },
        ]);
        const run = runTile(node, chunks);
        const out = rowsOf(run.outputs);
        expect(out.map((r) => r.stat)).toEqual(['count', 'mean', 'std', 'min', '25%', '50%', '75%', 'max']);
        for (const name of ['i', 'f']) {
          const want = reference(rows.map((r) => r[name as 'i' | 'f']));
          const got = out.map((r) => r[name] as number | null);
          const scale = Math.max(...want.map((v) => Math.abs(v ?? 0)));
          // The sign of a zero result is not specified (pandas' min of 0 and -0 is either).
          const exact = (xs: (number | null)[]) => [0, 3, 4, 5, 6, 7].map((k) => (xs[k] === 0 ? 0 : xs[k]));
          expect(exact(got)).toEqual(exact(want));
          close(got[1]!, want[1]!, scale);
          close(got[2]!, want[2]!, scale);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('plans a combine tree and exact selection; 6 chunks give 6 moments, 6 sorts, 2+1 combines, 1 final', () => {
    const rows: Row[] = Array.from({ length: 60 }, (_, k) => ({ i: k, f: k / 2, s: 'a', b: true }));
    const chunks = split(rows, Array.from({ length: 6 }, () => 10)).map((p, c) => chunkOf(FIELDS, p, c));
    const run = runTile(describeNode(sourceNode(FIELDS, chunks)), chunks);
    expect(run.specs.size).toBe(6 + 6 + 3 + 1);
    expect(run.plans).toEqual(['describe: moments of 6 chunks by a tree combine (fan-in 4, 2 levels); exact quantiles by k-way selection over 6 sorted chunks']);
    const med = rowsOf(run.outputs).find((r) => r.stat === '50%')!;
    expect(med).toEqual({ stat: '50%', i: 29.5, f: 14.75 });
  });

  it('refuses a frame without int32 or float64 columns, and a numeric column named stat', () => {
    const strings = sourceNode([{ name: 's', dtype: 'string' }, { name: 'b', dtype: 'bool' }], []);
    expect(() => describeNode(strings)).toThrow(InvalidArgumentError);
    expect(() => describeNode(strings)).toThrow(/has none/);
    expect(() => describeNode(sourceNode([{ name: 'stat', dtype: 'float64' }], []))).toThrow(/rename it/);
  });
});
