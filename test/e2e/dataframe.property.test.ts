/**
 * Issue 11 §3 through the public API, on both executors, eager and lazy: the row-wise ops — filter by
 * random Series expressions (arithmetic, comparisons, and/or/not, isNull, isin, str.*), assign,
 * fillna, dropna, select + rename + head — and reading results back (toRecords, fetch, iterBatches;
 * the fetched table through an IPC stream, and unified through an IPC file),
 * against plain references: the expression interpreter of the kernel tests, and obvious row loops.
 * Frames come from test/support/frameCases.ts: nulls, NaN, ±0, ±Infinity, int32 extremes, astral
 * strings, one-row chunks and the empty chunks a filter leaves.
 */
import fc from 'fast-check';
import { type Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { expect, it } from 'vitest';
import type { FrameDtype, FrameField } from '../../src/base/frame.js';
import { dataframe as df } from '../../src/index.js';
import type { Literal } from '../../src/base/frameExpr.js';
import { frameOf } from '../unit/kernels/dataframe/frames.js';
import { interpret, SCHEMA, TEXTS } from '../unit/kernels/dataframe/exprReference.js';
import { type Cell, eachSession, frameCaseArb, frameOfCase, kept, type Row, rowsOfFrame } from '../support/frameCases.js';
import { boolRecipe, numRecipe, strRecipe } from '../support/seriesRecipes.js';

const FIELDS: FrameField[] = SCHEMA.map((f) => ({ ...f }));
const RUNS = 20;

/** Cells with the values expressions trip on. */
const awkward = (dtype: FrameDtype): fc.Arbitrary<Cell> => {
  const base: fc.Arbitrary<Cell> =
    dtype === 'string' ? fc.constantFrom(...TEXTS)
      : dtype === 'bool' ? fc.boolean()
      : dtype === 'int32' ? fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constantFrom(2147483647, -2147483648))
      : fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constantFrom(0.5, -2.5, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300));
  return fc.option(base, { freq: 5, nil: null });
};
const exprCase = frameCaseArb(FIELDS, 25, awkward);

/** A fill value of each kind, or one per column (possibly only some columns). */
const fillArb: fc.Arbitrary<Literal | Record<string, Literal>> = fc.oneof(
  fc.constantFrom<Literal>(0, 7, 2.5, 'é😀', true),
  fc.record({ i: fc.constantFrom(1, -3.5), f: fc.constantFrom(0, 9.25), b: fc.boolean(), s: fc.constantFrom('x', '😀') }, { requiredKeys: [] })
    .filter((r) => Object.keys(r).length > 0),
);

const fits = (v: Literal, dtype: FrameDtype): boolean =>
  typeof v === 'number' ? dtype === 'int32' || dtype === 'float64' : typeof v === 'string' ? dtype === 'string' : dtype === 'bool';

eachSession('row-wise DataFrame ops', (session) => {
  it('filter keeps the rows where a random Series expression is true (null counts as false)', async () => {
    await fc.assert(
      fc.asyncProperty(exprCase, boolRecipe(), async (c, pred) => {
        const d = frameOfCase(FIELDS, c);
        const mask = pred(d);
        const rows = kept(c);
        const chunk = frameOf(FIELDS, rows);
        const want = rows.filter((_, i) => interpret(mask.expr, chunk, i) === true);
        expect(await rowsOfFrame(d.filter(mask), session())).toEqual(want);
      }),
      { numRuns: RUNS },
    );
  });

  it('assign adds and replaces columns, each computed from the frame as it was', async () => {
    await fc.assert(
      fc.asyncProperty(exprCase, numRecipe(), strRecipe(), boolRecipe(2), async (c, num, str, bool) => {
        const d = frameOfCase(FIELDS, c);
        const e = num(d);
        const s = str(d);
        const m = bool(d);
        const out = d.assign({ e, s, m, k: 5 });
        expect(out.columns).toEqual([...FIELDS.map((f) => f.name), 'e', 'm', 'k']);
        const rows = kept(c);
        const chunk = frameOf(FIELDS, rows);
        const sAt = FIELDS.findIndex((f) => f.name === 's');
        const want = rows.map((r, i) => {
          const row = [...r, interpret(e.expr, chunk, i), interpret(m.expr, chunk, i), 5];
          row[sAt] = interpret(s.expr, chunk, i);
          return row;
        });
        expect(await rowsOfFrame(out, session())).toEqual(want);
      }),
      { numRuns: RUNS },
    );
  });

  it('fillna replaces nulls where the value fits (NaN is a value), dropna drops rows with a null in the subset', async () => {
    await fc.assert(
      fc.asyncProperty(exprCase, fillArb, fc.option(fc.subarray(FIELDS.map((f) => f.name), { minLength: 1 }), { nil: undefined }), async (c, value, subset) => {
        const d = frameOfCase(FIELDS, c);
        const rows = kept(c);
        const fillOf = (name: string, dtype: FrameDtype): Literal | undefined => {
          const v = typeof value === 'object' && value !== null ? value[name] : value;
          return v !== undefined && fits(v, dtype) ? v : undefined;
        };
        const filled = rows.map((r) => r.map((x, j) => (x === null ? fillOf(FIELDS[j]!.name, FIELDS[j]!.dtype) ?? null : x)));
        expect(await rowsOfFrame(d.fillna(value), session())).toEqual(filled);
        const cols = (subset ?? FIELDS.map((f) => f.name)).map((n) => FIELDS.findIndex((f) => f.name === n));
        const dropped = rows.filter((r) => cols.every((j) => r[j] !== null));
        expect(await rowsOfFrame(d.dropna(subset === undefined ? undefined : { subset }), session())).toEqual(dropped);
      }),
      { numRuns: RUNS },
    );
  });

  it('select, rename and head give those columns, under the new names, of the first n rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        exprCase, fc.shuffledSubarray(FIELDS.map((_, j) => j), { minLength: 1 }), fc.integer({ min: 0, max: 30 }),
        async (c, cols, n) => {
          const names = cols.map((j) => FIELDS[j]!.name);
          const out = frameOfCase(FIELDS, c).select(names).rename(Object.fromEntries(names.map((x) => [x, `${x}→😀`]))).head(n);
          expect(out.columns).toEqual(names.map((x) => `${x}→😀`));
          const want = kept(c).slice(0, n).map((r) => cols.map((j) => r[j]!));
          expect(await rowsOfFrame(out, session())).toEqual(want);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('toRecords, fetch and iterBatches (whole chunks or batchSize) give the same rows', async () => {
    await fc.assert(
      fc.asyncProperty(exprCase, fc.integer({ min: 1, max: 5 }), async (c, batchSize) => {
        const d = await frameOfCase(FIELDS, c).execute({ session: session() });
        const want = kept(c);
        const names = FIELDS.map((f) => f.name);
        const ofRecord = (r: Record<string, unknown>): Row => names.map((n) => r[n] as Cell);
        expect((await d.toRecords({ session: session() })).map(ofRecord)).toEqual(want);
        const table = await d.fetch({ session: session() });
        expect(table.numRows).toBe(want.length);
        const rowsOf = (t: Table): Row[] => t.toArray().map((r) => ofRecord((r as { toJSON(): Record<string, unknown> }).toJSON()));
        expect(rowsOf(table)).toEqual(want);
        // Its batches keep their chunks' dictionaries: a stream carries them; a file takes them unified.
        expect(rowsOf(tableFromIPC(tableToIPC(table, 'stream')))).toEqual(want);
        const unified = df.unifyDictionaries(table);
        expect(new Set(unified.batches.map((b) => b.getChild('s')!.data[0]!.dictionary)).size).toBeLessThanOrEqual(1);
        expect(rowsOf(tableFromIPC(tableToIPC(unified, 'file')))).toEqual(want);
        for (const size of [undefined, batchSize]) {
          const got: Row[] = [];
          for await (const b of d.iterBatches({ session: session(), ...(size === undefined ? {} : { batchSize: size }) })) {
            expect(b.numRows).toBeGreaterThan(0);
            if (size !== undefined) expect(b.numRows).toBeLessThanOrEqual(size);
            got.push(...b.toArray().map((r) => ofRecord((r as { toJSON(): Record<string, unknown> }).toJSON())));
          }
          expect(got).toEqual(want);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
