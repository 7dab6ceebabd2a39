/**
 * valueCounts and dropDuplicates end to end through their tilings, against plain references: value
 * counts drop nulls and sort by count descending then value ascending (one chunk); drop-duplicates keeps
 * each key's first row and the frame's order, output chunk i being input chunk i thinned — for the tree
 * and the shuffle alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../../src/base/errors.js';
import { fieldsOf, type FrameField } from '../../../../src/base/frame.js';
import { dropDuplicatesNode, valueCountsNode } from '../../../../src/ops/dataframe/distinct.js';
import type { HashOptions } from '../../../../src/ops/dataframe/hashTiling.js';
import { chunked, framesArb, rowsOf } from '../../kernels/dataframe/frames.js';
import { FakeSession, sourceNode } from './fakeSession.js';
import { refDropDuplicates, refValueCounts } from './reference.js';

const FIELDS: FrameField[] = [
  { name: 's', dtype: 'string' },
  { name: 'i', dtype: 'int32' },
  { name: 'f', dtype: 'float64' },
  { name: 'b', dtype: 'bool' },
];
const optionsArb: fc.Arbitrary<HashOptions> = fc.oneof(
  fc.record({ method: fc.constant('tree' as const), combineSize: fc.integer({ min: 2, max: 3 }) }),
  fc.record({ method: fc.constant('shuffle' as const), partitions: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ combineSize: fc.constant(2), treeMaxBytes: fc.constantFrom(0, 1e9) }),
);

describe('valueCountsNode', () => {
  it('matches the reference for every column dtype and strategy', () => {
    fc.assert(
      fc.property(framesArb(FIELDS, 50), fc.integer({ min: 0, max: 3 }), optionsArb, ({ rows, sizes }, col, options) => {
        const node = valueCountsNode(sourceNode(FIELDS, chunked(FIELDS, rows, sizes)), FIELDS[col]!.name, options);
        const chunks = new FakeSession().chunks(node);
        expect(chunks).toHaveLength(1);
        expect(fieldsOf(chunks[0]!)).toEqual([FIELDS[col], { name: 'count', dtype: 'int32' }]);
        expect(rowsOf(chunks[0]!)).toEqual(refValueCounts(rows, col));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a column named count', () => {
    expect(() => valueCountsNode(sourceNode([{ name: 'count', dtype: 'int32' }], []), 'count')).toThrow(InvalidArgumentError);
  });
});

describe('dropDuplicatesNode', () => {
  it('keeps first occurrences in frame order, chunk by chunk, for every subset and strategy', () => {
    fc.assert(
      fc.property(
        framesArb(FIELDS, 50), fc.option(fc.subarray([0, 1, 2, 3], { minLength: 1 }), { nil: undefined }), optionsArb,
        ({ rows, sizes }, cols, options) => {
          const inputs = chunked(FIELDS, rows, sizes);
          const node = dropDuplicatesNode(sourceNode(FIELDS, inputs), cols?.map((j) => FIELDS[j]!.name), options);
          const chunks = new FakeSession().chunks(node);
          expect(chunks).toHaveLength(inputs.length);
          const expected = refDropDuplicates(rows, cols ?? [0, 1, 2, 3]);
          expect(chunks.flatMap(rowsOf)).toEqual(expected);
          // Chunk i holds only rows of input chunk i.
          let at = 0;
          chunks.forEach((c, i) => {
            const mine = rowsOf(inputs[i]!).map((r) => JSON.stringify(r));
            for (const r of rowsOf(c)) expect(mine).toContain(JSON.stringify(r));
            at += c.rows;
          });
          expect(at).toBe(expected.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses unknown columns', () => {
    expect(() => dropDuplicatesNode(sourceNode(FIELDS, []), ['nope'])).toThrow(/no column named "nope"/);
  });
});
