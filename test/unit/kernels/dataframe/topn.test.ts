/**
 * The top-n kernel on its own, where its bounded heap is used (n·8 < rows): the first n rows of a
 * stable sort, for keys with many ties, nulls and NaN, one or two key columns and either direction.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FrameField } from '../../../../src/base/frame.js';
import { selectTop, topN } from '../../../../src/kernels/dataframe/topn.js';
import { chunkOf, referenceCompare, rowsOf, type Row } from '../../ops/dataframe/sortTileHarness.js';

const FIELDS: FrameField[] = [
  { name: 'id', dtype: 'int32' },
  { name: 'f', dtype: 'float64' },
  { name: 's', dtype: 'string' },
];

describe('topN kernel', () => {
  it('equals the head of a stable sort (heap path)', () => {
    const arbRow = fc.record({
      f: fc.option(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(Number.NaN, -0, 0.5)), { freq: 6, nil: null }),
      s: fc.option(fc.constantFrom('x', 'y', 'é', '😀'), { freq: 6, nil: null }),
    });
    fc.assert(
      fc.property(fc.array(arbRow, { minLength: 50, maxLength: 400 }), fc.integer({ min: 0, max: 6 }), fc.subarray(['f', 's'], { minLength: 1 }), fc.boolean(), (raw, n, by, asc) => {
        const rows: Row[] = raw.map((r, id) => ({ id, ...r }));
        const ascending = by.map((_, j) => (j === 0 ? asc : !asc));
        const out = topN(chunkOf(FIELDS, rows), { by, ascending }, n);
        expect(rowsOf([out])).toEqual([...rows].sort(referenceCompare(by, ascending)).slice(0, n));
      }),
      { numRuns: 200 },
    );
  });

  it('selectTop keeps the earliest rows among ties', () => {
    const words = [Uint32Array.from([5, 1, 5, 1, 1, 0])];
    expect(Array.from(selectTop(words, 6, 3))).toEqual([1, 3, 5]);
    expect(Array.from(selectTop(words, 6, 0))).toEqual([]);
  });
});
