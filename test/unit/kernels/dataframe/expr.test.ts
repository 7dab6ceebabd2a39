/**
 * The semantics the expression compiler decides (kernels/dataframe/exprCompile.ts), each pinned by an
 * example: NaN is a value and not a null, IEEE float division by zero, int32 mod/floordiv by zero and
 * the one overflowing quotient give null, float → int32 casts truncate and give null out of range,
 * Kleene and/or, string ops through dictionary tables (lower merges equal results), casts to string,
 * `isin` never null, fillna/dropna kernels — and one compiled loop shared by expressions that differ
 * only in their constants.
 */
import { describe, expect, it } from 'vitest';
import { type FrameChunk, type FrameColumn, makeFrame, valueAt } from '../../../../src/base/frame.js';
import {
  binaryExpr, castExpr, colExpr, type FrameExpr, isinExpr, litExpr, stringExpr, unaryExpr,
} from '../../../../src/base/frameExpr.js';
import { compiledLoopCount } from '../../../../src/kernels/dataframe/exprCompile.js';
import { evaluateExpr, filterRows, maskIndex } from '../../../../src/kernels/dataframe/expr.js';
import { takeRows } from '../../../../src/base/frame.js';
import { getKernel } from '../../../../src/kernels/index.js';
import { dictStrings, utf8DictOf } from '../../../../src/base/utf8Dict.js';

const values = (c: FrameColumn): unknown[] =>
  Array.from({ length: c.dtype === 'string' ? c.codes.length : c.values.length }, (_, i) => valueAt(c, i));

const chunk = makeFrame(['i', 'z', 'f', 'p', 'q', 's'], [
  { dtype: 'int32', values: new Int32Array([7, -7, -2147483648, 5]), valid: new Uint8Array([1, 1, 1, 0]) },
  { dtype: 'int32', values: new Int32Array([0, 2, -1, 3]), valid: null },
  { dtype: 'float64', values: new Float64Array([NaN, 0, -0, 2.5]), valid: new Uint8Array([1, 1, 1, 0]) },
  { dtype: 'bool', values: new Uint8Array([1, 0, 0, 1]), valid: new Uint8Array([1, 1, 0, 0]) },
  { dtype: 'bool', values: new Uint8Array([0, 1, 0, 1]), valid: new Uint8Array([1, 0, 1, 0]) },
  { dtype: 'string', codes: new Int32Array([0, 1, -1, 2]), dict: utf8DictOf(['Apple', 'APPLE', 'pear', 'unused']) },
]);
const col = (name: string): FrameExpr => colExpr({ name, dtype: chunk.columns[chunk.names.indexOf(name)]!.dtype });
const run = (e: FrameExpr): unknown[] => values(evaluateExpr(e, chunk));

describe('numbers', () => {
  it('NaN is a value: isNull reads validity only', () => {
    expect(run(unaryExpr('isNull', col('f')))).toEqual([false, false, false, true]);
    expect(run(binaryExpr('eq', col('f'), col('f')))).toEqual([false, true, true, null]);
  });

  it('float division by zero is IEEE; int32 mod and floordiv by zero are null, as is -2^31 floordiv -1', () => {
    expect(run(binaryExpr('div', col('i'), col('z')))).toEqual([Infinity, -3.5, 2147483648, null]);
    expect(run(binaryExpr('floordiv', col('i'), col('z')))).toEqual([null, -4, null, null]);
    expect(run(binaryExpr('mod', col('i'), col('z')))).toEqual([null, 1, 0, null]);
    expect(run(binaryExpr('div', litExpr(1), col('f')))).toEqual([NaN, Infinity, -Infinity, null]);
  });

  it('int32 arithmetic is float64, so nothing wraps', () => {
    const e = binaryExpr('sub', col('i'), litExpr(1));
    expect(e.dtype).toBe('float64');
    expect(run(e)[2]).toBe(-2147483649);
  });

  it('float64 → int32 truncates toward zero; NaN, infinities and out-of-range values are null', () => {
    const c = makeFrame(['x'], [{ dtype: 'float64', values: new Float64Array([2.9, -2.9, NaN, Infinity, 2147483647.5, 2147483648, -2147483648.9, -0]), valid: null }]);
    const out = evaluateExpr(castExpr(colExpr({ name: 'x', dtype: 'float64' }), 'int32'), c);
    expect(values(out)).toEqual([2, -2, null, null, 2147483647, null, -2147483648, 0]);
  });

  it('round is half to even', () => {
    const c = makeFrame(['x'], [{ dtype: 'float64', values: new Float64Array([0.5, 1.5, 2.5, -2.5, 2.6]), valid: null }]);
    expect(values(evaluateExpr(unaryExpr('round', colExpr({ name: 'x', dtype: 'float64' })), c))).toEqual([0, 2, 2, -2, 3]);
  });
});

describe('booleans', () => {
  it('and/or are Kleene', () => {
    // p = [T, F, null, null], q = [F, null, F, null]
    expect(run(binaryExpr('and', col('p'), col('q')))).toEqual([false, false, false, null]);
    expect(run(binaryExpr('or', col('p'), col('q')))).toEqual([true, null, null, null]);
    expect(run(binaryExpr('or', col('p'), litExpr(true)))).toEqual([true, true, true, true]);
  });

  it('isin never gives null: a null row is in the list when the list holds null', () => {
    expect(run(isinExpr(col('i'), [7, 5]))).toEqual([true, false, false, false]);
    expect(run(isinExpr(col('i'), [7, null]))).toEqual([true, false, false, true]);
    expect(run(isinExpr(col('f'), [NaN, 0]))).toEqual([true, true, true, false]);
    expect(run(isinExpr(col('s'), ['pear', null]))).toEqual([false, false, true, true]);
  });
});

describe('strings', () => {
  it('compare with a literal in code-point order; either side may be the literal', () => {
    expect(run(binaryExpr('lt', col('s'), litExpr('Apple')))).toEqual([false, true, null, false]);
    expect(run(binaryExpr('gt', litExpr('Apple'), col('s')))).toEqual([false, true, null, false]);
    const u = makeFrame(['a', 'b'], [
      { dtype: 'string', codes: new Int32Array([0]), dict: utf8DictOf(['😀']) },
      { dtype: 'string', codes: new Int32Array([0]), dict: utf8DictOf(['\uffff']) },
    ]);
    // U+1F600 is above U+FFFF though its first UTF-16 unit (0xD83D) is below 0xFFFF.
    const a = colExpr({ name: 'a', dtype: 'string' });
    const b = colExpr({ name: 'b', dtype: 'string' });
    expect(values(evaluateExpr(binaryExpr('gt', a, b), u))).toEqual([true]);
    expect(values(evaluateExpr(binaryExpr('gt', a, litExpr('\uffff')), u))).toEqual([true]);
  });

  it('lower/upper remap codes into a new dictionary, merging equal results; len counts code points', () => {
    const low = evaluateExpr(stringExpr('lower', col('s')), chunk);
    expect(values(low)).toEqual(['apple', 'apple', null, 'pear']);
    expect(low.dtype === 'string' && dictStrings(low.dict)).toEqual(['apple', 'pear', 'unused']);
    expect(run(stringExpr('len', stringExpr('upper', col('s'))))).toEqual([5, 5, null, 4]);
    const e = makeFrame(['x'], [{ dtype: 'string', codes: new Int32Array([0]), dict: utf8DictOf(['😀é']) }]);
    expect(values(evaluateExpr(stringExpr('len', colExpr({ name: 'x', dtype: 'string' })), e))).toEqual([2]);
    expect(run(stringExpr('startsWith', col('s'), 'App'))).toEqual([true, false, null, false]);
  });

  it('casts to string: numbers as JavaScript prints them, booleans as true/false', () => {
    expect(run(castExpr(col('f'), 'string'))).toEqual(['NaN', '0', '0', null]);
    expect(run(castExpr(col('p'), 'string'))).toEqual(['true', 'false', null, null]);
    expect(run(castExpr(binaryExpr('div', col('i'), litExpr(2)), 'string'))).toEqual(['3.5', '-3.5', '-1073741824', null]);
  });
});

describe('compiled loops', () => {
  it('expressions that differ only in constants share one compiled loop', () => {
    run(binaryExpr('gt', binaryExpr('mul', col('z'), litExpr(3)), litExpr(1.5)));
    const before = compiledLoopCount();
    run(binaryExpr('gt', binaryExpr('mul', col('z'), litExpr(11)), litExpr(-4.25)));
    expect(compiledLoopCount()).toBe(before);
  });

  it('a chunk missing a column the expression reads is refused with the column named', () => {
    expect(() => evaluateExpr(colExpr({ name: 'nope', dtype: 'int32' }), chunk)).toThrow(/"nope"/);
  });
});

describe('fillna and dropna kernels', () => {
  it('fillna replaces nulls only (NaN stays) and may widen int32 to float64; a string fill extends the dictionary', () => {
    const out = getKernel('frame.fillna')([chunk], { names: ['f', 'i', 's'], values: [9, 0.5, 'kiwi'] } as never) as FrameChunk;
    expect(out.names).toEqual(chunk.names);
    expect(values(out.columns[2]!)).toEqual([NaN, 0, -0, 9]);
    expect(out.columns[0]!.dtype).toBe('float64');
    expect(values(out.columns[0]!)).toEqual([7, -7, -2147483648, 0.5]);
    expect(values(out.columns[5]!)).toEqual(['Apple', 'APPLE', 'kiwi', 'pear']);
    expect(out.columns[2]!.dtype !== 'string' && out.columns[2]!.valid).toBe(null);
    // A column without nulls whose dtype stays is passed through.
    const z = getKernel('frame.fillna')([chunk], { names: ['z'], values: [1] } as never) as FrameChunk;
    expect(z.columns[1]).toBe(chunk.columns[1]);
  });

  it('dropna drops rows with a null in the subset (every column when empty), keeping NaN', () => {
    const sub = getKernel('frame.dropna')([chunk], { subset: ['f'] } as never) as FrameChunk;
    expect(values(sub.columns[2]!)).toEqual([NaN, 0, -0]);
    const all = getKernel('frame.dropna')([chunk], { subset: [] } as never) as FrameChunk;
    expect(all.rows).toBe(1);
    expect(values(all.columns[0]!)).toEqual([7]);
    const none = getKernel('frame.dropna')([chunk], { subset: ['z'] } as never) as FrameChunk;
    expect(none).toBe(chunk);
  });
});

describe('filter over many blocks', () => {
  // 20 011 rows: several of the filter's 4096-row blocks and a partial last one; nulls in every column.
  const n = 20011;
  let seed = 7;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const big = makeFrame(['k', 'x', 'b', 's'], [
    { dtype: 'int32', values: Int32Array.from({ length: n }, () => Math.floor(rnd() * 1000)), valid: Uint8Array.from({ length: n }, () => (rnd() < 0.05 ? 0 : 1)) },
    { dtype: 'float64', values: Float64Array.from({ length: n }, () => rnd()), valid: null },
    { dtype: 'bool', values: Uint8Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 0)), valid: Uint8Array.from({ length: n }, () => (rnd() < 0.1 ? 0 : 1)) },
    { dtype: 'string', codes: Int32Array.from({ length: n }, () => Math.floor(rnd() * 4) - 1), dict: utf8DictOf(['p', 'q', 'r']) },
  ]);
  const k = colExpr({ name: 'k', dtype: 'int32' });

  for (const [what, mask] of [
    ['none', binaryExpr('lt', k, litExpr(0))],
    ['about 1%', binaryExpr('and', binaryExpr('lt', k, litExpr(10)), unaryExpr('notNull', colExpr({ name: 'b', dtype: 'bool' })))],
    ['about half', binaryExpr('eq', colExpr({ name: 'b', dtype: 'bool' }), litExpr(true))],
    ['all but nulls', unaryExpr('notNull', k)],
    ['all', binaryExpr('ge', colExpr({ name: 'x', dtype: 'float64' }), litExpr(0))],
  ] as const) {
    it(`keeps ${what} of the rows, as a gather of the mask's rows would`, () => {
      const want = takeRows(big, maskIndex(mask, big));
      const got = filterRows(mask, big);
      expect(got.rows).toBe(want.rows);
      got.columns.forEach((c, j) => {
        expect(values(c)).toEqual(values(want.columns[j]!));
        if (c.dtype !== 'string') expect(c.valid === null).toBe((want.columns[j] as { valid: unknown }).valid === null);
      });
      if (what === 'all') expect(got).toBe(big);
    });
  }
});
