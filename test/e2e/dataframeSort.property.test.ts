/**
 * Issue 11 §3 through the public API, on both executors, eager and lazy: sortValues on one to three
 * keys with mixed directions (stable; nulls and NaN last either way), sortValues(...).head(n) (the top-n
 * tree), and describe — against a stable JavaScript sort with the reference order of the sort tests
 * (sortTileHarness.ts) and the describe reference (test/support/describeReference.ts). Frames as in
 * test/support/frameCases.ts, with NaN among the floats.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { FrameDtype, FrameField } from '../../src/base/frame.js';
import { cellOf } from '../unit/kernels/dataframe/frames.js';
import { referenceCompare } from '../unit/ops/dataframe/sortTileHarness.js';
import { describeReference } from '../support/describeReference.js';
import { type Cell, eachSession, frameCaseArb, frameOfCase, kept, type Row, rowsOfFrame } from '../support/frameCases.js';

const RUNS = 20;
const FIELDS: FrameField[] = [
  { name: 'i', dtype: 'int32' },
  { name: 'f', dtype: 'float64' },
  { name: 's', dtype: 'string' },
  { name: 'b', dtype: 'bool' },
];
const NAMES = FIELDS.map((f) => f.name);
const cells = (dtype: FrameDtype): fc.Arbitrary<Cell> =>
  dtype === 'float64' ? fc.oneof({ weight: 6, arbitrary: cellOf(dtype) }, { weight: 1, arbitrary: fc.constantFrom(Number.NaN, -0) }) : cellOf(dtype);
const sortCase = frameCaseArb(FIELDS, 30, cells);
const byArb = fc.shuffledSubarray(NAMES, { minLength: 1, maxLength: 3 }).chain((by) =>
  fc.tuple(fc.constant(by), fc.array(fc.boolean(), { minLength: by.length, maxLength: by.length })));

const asRecord = (r: Row): Record<string, Cell> => Object.fromEntries(NAMES.map((n, j) => [n, r[j]!]));
const sortedRef = (rows: Row[], by: string[], ascending: boolean[]): Row[] => {
  const cmp = referenceCompare(by, ascending);
  return rows.map((r) => [asRecord(r), r] as const).sort((a, b) => cmp(a[0], b[0])).map(([, r]) => r);
};

eachSession('sort DataFrame ops', (session) => {
  it('sortValues orders by every key in its direction, stably, nulls and NaN last', async () => {
    await fc.assert(
      fc.asyncProperty(sortCase, byArb, fc.boolean(), async (c, [by, ascending], oneFlag) => {
        const d = frameOfCase(FIELDS, c);
        const out = oneFlag ? d.sortValues(by, { ascending: ascending[0]! }) : d.sortValues(by, { ascending });
        const flags = oneFlag ? by.map(() => ascending[0]!) : ascending;
        expect(await rowsOfFrame(out, session())).toEqual(sortedRef(kept(c), by, flags));
      }),
      { numRuns: RUNS },
    );
  });

  it('sortValues(...).head(n) is the first n rows of the stable sort', async () => {
    await fc.assert(
      fc.asyncProperty(sortCase, byArb, fc.integer({ min: 0, max: 12 }), async (c, [by, ascending], n) => {
        const out = frameOfCase(FIELDS, c).sortValues(by, { ascending }).head(n);
        expect(await rowsOfFrame(out, session())).toEqual(sortedRef(kept(c), by, ascending).slice(0, n));
      }),
      { numRuns: RUNS },
    );
  });

  it('describe gives count, mean, std, min, quartiles and max of each numeric column', async () => {
    await fc.assert(
      fc.asyncProperty(sortCase, async (c) => {
        const out = frameOfCase(FIELDS, c).describe();
        expect(out.columns).toEqual(['stat', 'i', 'f']);
        const got = await rowsOfFrame(out, session());
        expect(got.map((r) => r[0])).toEqual(['count', 'mean', 'std', 'min', '25%', '50%', '75%', 'max']);
        const rows = kept(c);
        for (const [j, name] of [[0, 'i'], [1, 'f']] as const) {
          const want = describeReference(rows.map((r) => r[j] as number | null));
          const col = got.map((r) => r[out.columns.indexOf(name)] as number | null);
          const scale = Math.max(1, ...rows.map((r) => Math.abs(Number(r[j]))).filter(Number.isFinite));
          col.forEach((v, k) => {
            if (want[k] === null) expect([name, k, v]).toEqual([name, k, null]);
            else expect(Math.abs((v as number) - want[k]!)).toBeLessThanOrEqual(1e-9 * scale);
          });
        }
      }),
      { numRuns: RUNS },
    );
  });
});
