/**
 * The building blocks of the hash ops, against plain references: factorize (each path — dictionary
 * codes, small-range slot table, open addressing — gives dense first-seen ids with nulls as a group),
 * row hashes that agree across chunks with different dictionaries and between int32 and float64,
 * code point string order, the radix row sort, the shuffle mappers' contracts, and the variance
 * combine's accuracy on values with a large common offset.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FrameDtype, type FrameField } from '../../../../src/base/frame.js';
import { combineMoments, groupMoments } from '../../../../src/kernels/dataframe/aggStates.js';
import { factorize } from '../../../../src/kernels/dataframe/factorize.js';
import { compareStrings, hashRows, sortedRows } from '../../../../src/kernels/dataframe/hashKeys.js';
import { hashPartition, pivotsOf, rangePartition, sampleKeys } from '../../../../src/kernels/dataframe/shuffle.js';
import { cellOf, column, compareRows, frameOf, keyOf, type Row, rowsOf } from './frames.js';

const dtypes: FrameDtype[] = ['string', 'int32', 'float64', 'bool'];
const keysArb = fc.array(fc.constantFrom(...dtypes), { minLength: 1, maxLength: 3 }).chain((ds) =>
  fc.record({
    ds: fc.constant(ds),
    rows: fc.array(fc.tuple(...ds.map((d) => cellOf(d, true, 3))), { maxLength: 60 }),
  }),
);
const fieldsFor = (ds: readonly FrameDtype[]): FrameField[] => ds.map((dtype, j) => ({ name: `c${j}`, dtype }));

/** Reference factorization: ids by first appearance of the key's JSON. */
function refIds(rows: readonly Row[]): number[] {
  const seen = new Map<string, number>();
  return rows.map((r) => {
    const k = keyOf(r.map((c) => (Object.is(c, -0) ? 0 : c)));
    if (!seen.has(k)) seen.set(k, seen.size);
    return seen.get(k)!;
  });
}

describe('factorize', () => {
  it('gives dense first-seen group ids, nulls grouped, on every path', () => {
    fc.assert(
      fc.property(keysArb, fc.boolean(), ({ ds, rows }, wide) => {
        // `wide` spreads int32 values so the slot table is refused and open addressing runs.
        const data = wide ? rows.map((r) => r.map((c, j) => (ds[j] === 'int32' && c !== null ? (c as number) * 1e8 : c))) : rows;
        const chunk = frameOf(fieldsFor(ds), data);
        const f = factorize(chunk.columns, chunk.rows);
        const ids = refIds(data);
        expect(Array.from(f.ids)).toEqual(ids);
        expect(f.count).toBe(new Set(ids).size);
        expect(Array.from(f.first)).toEqual(Array.from({ length: f.count }, (_, g) => ids.indexOf(g)));
      }),
      { numRuns: 400 },
    );
  });
});

describe('row hashes', () => {
  it('are equal for equal keys across chunks with different dictionaries, and int32 = float64', () => {
    fc.assert(
      fc.property(keysArb, ({ ds, rows }) => {
        const a = frameOf(fieldsFor(ds), rows);
        const b = frameOf(fieldsFor(ds), [...rows].reverse());
        const ha = hashRows(a.columns, a.rows);
        const hb = hashRows(b.columns, b.rows);
        rows.forEach((_, i) => expect(ha[i]).toBe(hb[rows.length - 1 - i]));
        const ints = ds.map((d) => (d === 'int32' ? 'float64' : d));
        const c = frameOf(fieldsFor(ints), rows);
        expect(Array.from(hashRows(c.columns, c.rows))).toEqual(Array.from(ha));
      }),
    );
  });
});

describe('string order and row sort', () => {
  const codePoints = (s: string): number[] => Array.from(s, (ch) => ch.codePointAt(0)!);
  it('compareStrings is code point order', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), (a, b) => {
        const x = codePoints(a);
        const y = codePoints(b);
        let ref = 0;
        for (let i = 0; i < Math.min(x.length, y.length) && ref === 0; i++) ref = Math.sign(x[i]! - y[i]!);
        if (ref === 0) ref = Math.sign(x.length - y.length);
        expect(Math.sign(compareStrings(a, b))).toBe(ref);
      }),
      { numRuns: 200 },
    );
  });

  it('sortedRows is a stable ascending sort with nulls last', () => {
    fc.assert(
      fc.property(keysArb, ({ ds, rows }) => {
        const chunk = frameOf(fieldsFor(ds), rows);
        const order = Array.from(sortedRows(chunk.columns, chunk.rows));
        const ref = rows.map((_, i) => i).sort((i, j) => compareRows(rows[i]!, rows[j]!) || i - j);
        expect(order.map((i) => rows[i])).toEqual(ref.map((i) => rows[i]));
        expect(order).toEqual(ref.map((i) => i)); // stability: equal keys keep row order
      }),
    );
  });
});

describe('shuffle mappers', () => {
  it('hash parts keep equal keys together across chunks; range parts are ordered key ranges', () => {
    fc.assert(
      fc.property(keysArb, fc.integer({ min: 1, max: 5 }), ({ ds, rows }, parts) => {
        const fields = fieldsFor(ds);
        const keys = fields.map((f) => f.name);
        const half = Math.floor(rows.length / 2);
        const chunks = [frameOf(fields, rows.slice(0, half)), frameOf(fields, rows.slice(half).reverse())];
        const partOf = new Map<string, number>();
        for (const c of chunks) {
          hashPartition(c, { keys, parts }).parts.forEach((p, r) => {
            for (const row of rowsOf(p)) {
              const k = keyOf(row.map((x) => (Object.is(x, -0) ? 0 : x)));
              expect(partOf.get(k) ?? r).toBe(r);
              partOf.set(k, r);
            }
          });
        }
        const pivots = pivotsOf(chunks.map((c) => sampleKeys(c, keys, 3)), { keys, parts });
        const byPart: Row[][] = Array.from({ length: parts }, () => []);
        for (const c of chunks) rangePartition(c, pivots, { keys, parts }).parts.forEach((p, r) => byPart[r]!.push(...rowsOf(p)));
        expect(byPart.flat()).toHaveLength(rows.length);
        for (let r = 0; r + 1 < parts; r++) {
          for (const a of byPart[r]!) for (const b of byPart[r + 1]!) expect(compareRows(a, b)).toBeLessThan(0);
        }
      }),
    );
  });
});

describe('variance partials', () => {
  it("Chan's combine keeps full precision on values with a large common offset", () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1e9 + (i % 7) * 0.1);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const exact = values.reduce((s, v) => s + (v - mean) ** 2, 0);
    const col = column('float64', values);
    const ids = new Int32Array(1000).map((_, i) => (i < 333 ? 0 : i < 800 ? 1 : 2));
    const parts = groupMoments(col, ids, 3);
    const m = combineMoments(
      { dtype: 'int32', values: parts.n, valid: null }, { dtype: 'float64', values: parts.mean, valid: null },
      { dtype: 'float64', values: parts.meanLo, valid: null }, { dtype: 'float64', values: parts.m2, valid: null }, new Int32Array(3), 1,
    );
    expect(m.n[0]).toBe(1000);
    expect(Math.abs(m.m2[0]! - exact) / exact).toBeLessThan(1e-6);
  });
});
