/**
 * The Series expression compiler against a plain row-by-row interpreter (exprReference.ts): random
 * well-typed expression trees of every result dtype over random chunks (nulls, NaN, ±0, ±Infinity,
 * int32 extremes, unicode strings, empty and one-row chunks) must give the same value on every row,
 * as a column of the expression's dtype (validity `null` exactly when nothing is null, string
 * dictionaries without repeats); a bool expression used as a filter keeps exactly the rows where the
 * interpreter says true. The kernels are called as a worker would, through the registry.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FrameChunk, type FrameColumn, valueAt } from '../../../../src/base/frame.js';
import { describeExpr, type FrameExpr } from '../../../../src/base/frameExpr.js';
import { evaluateExpr, maskIndex } from '../../../../src/kernels/dataframe/expr.js';
import { getKernel } from '../../../../src/kernels/index.js';
import { chunkArb, exprArb, interpret, sameValue, type Value } from './exprReference.js';
import { dictStrings } from '../../../../src/base/utf8Dict.js';

const RUNS = 300;

function expected(e: FrameExpr, chunk: FrameChunk, i: number): Value {
  const v = interpret(e, chunk, i);
  // An int32 column cannot hold -0: storing one gives 0.
  return e.dtype === 'int32' && typeof v === 'number' ? v + 0 : v;
}

const text = (v: Value): string => (Object.is(v, -0) ? '-0' : typeof v === 'string' ? JSON.stringify(v) : String(v));

function checkColumn(e: FrameExpr, chunk: FrameChunk, col: FrameColumn): void {
  expect(col.dtype).toBe(e.dtype);
  const rows = col.dtype === 'string' ? col.codes.length : col.values.length;
  expect(rows).toBe(chunk.rows);
  for (let i = 0; i < rows; i++) {
    const want = expected(e, chunk, i);
    const got = valueAt(col, i);
    if (!sameValue(got, want)) throw new Error(`row ${i} of ${describeExpr(e)}: got ${text(got)}, expected ${text(want)}`);
  }
  if (col.dtype === 'string') {
    const dict = dictStrings(col.dict);
    expect(new Set(dict).size).toBe(dict.length);
    for (const c of col.codes) expect(c >= -1 && c < dict.length).toBe(true);
  } else if (col.valid !== null && e.t !== 'col') {
    // A computed column has validity only when something is null (a bare column is passed through as it is).
    expect(col.valid.includes(0)).toBe(true);
  }
}

describe('compiled expressions match the interpreter', () => {
  for (const kind of ['num', 'bool', 'string'] as const) {
    it(`${kind} expressions, every row`, () => {
      fc.assert(fc.property(chunkArb, exprArb(kind), (chunk, e) => checkColumn(e, chunk, evaluateExpr(e, chunk))), { numRuns: RUNS });
    });
  }

  it('a mask keeps exactly the rows where it is true (null and false drop)', () => {
    fc.assert(
      fc.property(chunkArb, exprArb('bool'), (chunk, e) => {
        const want: number[] = [];
        for (let i = 0; i < chunk.rows; i++) if (interpret(e, chunk, i) === true) want.push(i);
        expect(Array.from(maskIndex(e, chunk))).toEqual(want);
      }),
      { numRuns: RUNS },
    );
  });

  it('frame.filter gathers every column at the kept rows; frame.series and frame.assign name their columns', () => {
    fc.assert(
      fc.property(chunkArb, exprArb('bool', 2), exprArb('num', 2), (chunk, mask, num) => {
        const kept: number[] = [];
        for (let i = 0; i < chunk.rows; i++) if (interpret(mask, chunk, i) === true) kept.push(i);
        const out = getKernel('frame.filter')([chunk], { mask } as never) as FrameChunk;
        expect(out.names).toEqual(chunk.names);
        expect(out.rows).toBe(kept.length);
        out.columns.forEach((c, j) => {
          expect(c.dtype).toBe(chunk.columns[j]!.dtype);
          kept.forEach((r, k) => expect(sameValue(valueAt(c, k), valueAt(chunk.columns[j]!, r))).toBe(true));
        });
        const series = getKernel('frame.series')([chunk], { expr: num, name: 'x' } as never) as FrameChunk;
        expect(series.names).toEqual(['x']);
        checkColumn(num, chunk, series.columns[0]!);
        const assigned = getKernel('frame.assign')([chunk], { names: ['f', 'new'], exprs: [num, mask] } as never) as FrameChunk;
        expect(assigned.names).toEqual([...chunk.names, 'new']);
        checkColumn(num, chunk, assigned.columns[chunk.names.indexOf('f')]!);
        checkColumn(mask, chunk, assigned.columns[chunk.names.length]!);
        expect(assigned.columns[0]).toBe(chunk.columns[0]);
      }),
      { numRuns: 150 },
    );
  });
});
