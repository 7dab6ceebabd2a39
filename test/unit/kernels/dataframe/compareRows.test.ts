/**
 * The row order's building blocks: code point string order (against comparing arrays of code points),
 * dictionary ranks, the radix argsort (against a stable comparator sort of the same words), key
 * encoding of every dtype (against the pandas order on values, including int32 extremes, ±0,
 * infinities, NaN and nulls), and a pivot value placed in a chunk's dictionary.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FrameColumn } from '../../../../src/base/frame.js';
import {
  compareCodePoints, compareToValue, compareWords, encodeColumn, encodeValue, rankDictionary, wordCount,
} from '../../../../src/kernels/dataframe/compareRows.js';
import { radixArgsort } from '../../../../src/kernels/dataframe/radix.js';
import { dictStrings, utf8DictOf } from '../../../../src/base/utf8Dict.js';

const sign = (x: number): number => (x < 0 ? -1 : x > 0 ? 1 : 0);

function codePoints(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

const arbText = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'b', '\uE000', '\uFFFD', '😀', '𝔸', 'é'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 5 });

describe('string order', () => {
  it('compares by code point, unlike UTF-16 for private-use vs astral characters', () => {
    expect(compareCodePoints('\uE000', '😀')).toBeLessThan(0);
    expect('\uE000' < '😀').toBe(false);
    fc.assert(fc.property(arbText, arbText, (a, b) => {
      expect(sign(compareCodePoints(a, b))).toBe(sign(codePoints(a, b)));
    }));
  });

  it('ranks a dictionary: equal strings share a rank, ranks follow code point order', () => {
    fc.assert(
      fc.property(fc.array(arbText, { maxLength: 20 }), (dict) => {
        const { sorted, rank } = rankDictionary(utf8DictOf(dict));
        for (let i = 0; i < dict.length; i++) {
          expect(dictStrings(sorted)[rank[i]!]).toBe(dict[i]);
          for (let j = 0; j < dict.length; j++) expect(sign(rank[i]! - rank[j]!)).toBe(sign(codePoints(dict[i]!, dict[j]!)));
        }
      }),
    );
  });
});

describe('radixArgsort', () => {
  it('is a stable sort by unsigned words, most significant first', () => {
    const arbWord = fc.oneof(fc.constantFrom(0, 1, 0x7ff, 0x800, 0x3fffff, 0x400000, 0xffffffff), fc.nat({ max: 0xffffffff }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(fc.array(arbWord, { minLength: 3, maxLength: 3 }), { maxLength: 200 }), (k, rows) => {
        const words = Array.from({ length: k }, (_, w) => Uint32Array.from(rows.map((r) => r[w]!)));
        const perm = Array.from(radixArgsort(words, rows.length));
        const expected = rows.map((_, i) => i).sort((a, b) => {
          for (let w = 0; w < k; w++) if (rows[a]![w] !== rows[b]![w]) return rows[a]![w]! - rows[b]![w]!;
          return 0;
        });
        expect(perm).toEqual(expected);
      }),
    );
  });

  it('treats a null word as all zeros', () => {
    expect(Array.from(radixArgsort([null, Uint32Array.from([3, 1, 2])], 3))).toEqual([1, 2, 0]);
  });
});

type Value = number | boolean | string | null;

function columnOf(dtype: FrameColumn['dtype'], values: Value[]): FrameColumn {
  const valid = Uint8Array.from(values.map((v) => (v === null ? 0 : 1)));
  switch (dtype) {
    case 'int32':
      return { dtype, values: Int32Array.from(values.map((v) => (v as number) ?? 0)), valid };
    case 'float64':
      return { dtype, values: Float64Array.from(values.map((v) => (v as number) ?? 0)), valid };
    case 'bool':
      return { dtype, values: Uint8Array.from(values.map((v) => (v ? 1 : 0))), valid };
    case 'string': {
      const dict = [...new Set(values.filter((v) => v !== null) as string[])].sort(codePoints);
      return { dtype, dict: utf8DictOf(dict), codes: Int32Array.from(values.map((v) => (v === null ? -1 : dict.indexOf(v as string)))) };
    }
  }
}

function pandasOrder(ascending: boolean) {
  return (a: Value, b: Value): number => {
    const ma = a === null || Number.isNaN(a);
    const mb = b === null || Number.isNaN(b);
    if (ma || mb) return ma && mb ? 0 : ma ? 1 : -1;
    const c = typeof a === 'string' ? codePoints(a, b as string) : sign(Number(a) - Number(b));
    return ascending ? c : -c;
  };
}

const arbColumn = fc.oneof(
  fc.record({ dtype: fc.constant('int32' as const), values: fc.array(fc.option(fc.oneof(fc.integer(), fc.constantFrom(-2147483648, 2147483647, 0, -1)), { nil: null }), { maxLength: 30 }) }),
  fc.record({ dtype: fc.constant('float64' as const), values: fc.array(fc.option(fc.oneof(fc.double(), fc.constantFrom(0, -0, Infinity, -Infinity, Number.NaN, Number.MIN_VALUE, -Number.MAX_VALUE)), { nil: null }), { maxLength: 30 }) }),
  fc.record({ dtype: fc.constant('bool' as const), values: fc.array(fc.option(fc.boolean(), { nil: null }), { maxLength: 30 }) }),
  fc.record({ dtype: fc.constant('string' as const), values: fc.array(fc.option(arbText, { nil: null }), { maxLength: 30 }) }),
);

describe('key encoding', () => {
  it('orders rows of every dtype as pandas does, and encodes a value as a row holding it', () => {
    fc.assert(
      fc.property(arbColumn, fc.boolean(), ({ dtype, values }, ascending) => {
        const col = columnOf(dtype, values as Value[]);
        const words = encodeColumn(col, ascending);
        const order = pandasOrder(ascending);
        for (let i = 0; i < values.length; i++) {
          const asValue = new Array<number>(wordCount(col));
          encodeValue(col, ascending, values[i] as Value, asValue, 0);
          expect(compareToValue(words, i, asValue)).toBe(0);
          for (let j = 0; j < values.length; j++) {
            expect(sign(compareWords(words, i, j))).toBe(sign(order(values[i] as Value, values[j] as Value)));
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('places a string absent from the dictionary between its neighbours, in both directions', () => {
    const col = columnOf('string', ['b', 'd', null]);
    for (const ascending of [true, false]) {
      const words = encodeColumn(col, ascending);
      const order = pandasOrder(ascending);
      for (const probe of ['a', 'c', 'e', 'b']) {
        const v = [0];
        encodeValue(col, ascending, probe, v, 0);
        ['b', 'd', null].forEach((x, i) => expect(sign(compareToValue(words, i, v))).toBe(sign(order(x, probe))));
      }
    }
  });
});
