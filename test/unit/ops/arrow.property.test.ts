/**
 * FrameChunk ↔ Arrow (ops/dataframe/arrow.ts), property-tested against plain JS rows: any columns of
 * the four dtypes with nulls (unicode strings included) survive chunk → batch → chunk, several chunks
 * with their own dictionaries make one table whose rows are theirs in order and which survives an IPC
 * file round trip, and a table read back gives the same values.
 */
import fc from 'fast-check';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { type FrameChunk, type FrameDtype, type FrameField, valueAt } from '../../../src/base/frame.js';
import { framesToTable, frameToRecordBatch, recordBatchToFrame, tableToFrame } from '../../../src/ops/dataframe/arrow.js';
import { utf8DictOf } from '../../../src/base/utf8Dict.js';

type Value = number | string | boolean | null;

const valueOf: Record<FrameDtype, fc.Arbitrary<Value>> = {
  int32: fc.option(fc.integer({ min: -2147483648, max: 2147483647 }), { freq: 4 }),
  float64: fc.option(fc.double({ noNaN: true }).filter((x) => !Object.is(x, -0)), { freq: 4 }),
  bool: fc.option(fc.boolean(), { freq: 4 }),
  string: fc.option(fc.oneof(fc.constantFrom('a', 'b', 'é', '李', '🎉', ''), fc.string({ unit: 'grapheme' })), { freq: 4 }),
};

/** A chunk built by hand from plain rows (the reference), with its own dictionary order. */
function chunkOf(fields: readonly FrameField[], rows: readonly Value[][]): FrameChunk {
  const n = rows.length;
  const columns = fields.map((f, j) => {
    const col = rows.map((r) => r[j]!);
    const valid = Uint8Array.from(col, (v) => (v === null ? 0 : 1));
    const nulls = col.some((v) => v === null);
    switch (f.dtype) {
      case 'string': {
        const dict = [...new Set(col.filter((v): v is string => v !== null))].reverse();
        return { dtype: 'string' as const, codes: Int32Array.from(col, (v) => (v === null ? -1 : dict.indexOf(v as string))), dict: utf8DictOf(dict) };
      }
      case 'bool':
        return { dtype: 'bool' as const, values: Uint8Array.from(col, (v) => (v === true ? 1 : 0)), valid: nulls ? valid : null };
      case 'int32':
        return { dtype: 'int32' as const, values: Int32Array.from(col, (v) => (v as number | null) ?? 0), valid: nulls ? valid : null };
      case 'float64':
        return { dtype: 'float64' as const, values: Float64Array.from(col, (v) => (v as number | null) ?? 0), valid: nulls ? valid : null };
    }
  });
  return { kind: 'frame', rows: n, names: fields.map((f) => f.name), columns };
}

const rowsOf = (c: FrameChunk): Value[][] => Array.from({ length: c.rows }, (_, i) => c.columns.map((col) => valueAt(col, i)));

const frames = fc
  .uniqueArray(fc.record({ name: fc.string({ minLength: 1, maxLength: 6 }), dtype: fc.constantFrom<FrameDtype>('int32', 'float64', 'bool', 'string') }), {
    minLength: 1,
    maxLength: 5,
    selector: (f) => f.name,
  })
  .chain((fields) =>
    fc.tuple(fc.constant(fields), fc.array(fc.array(fc.tuple(...fields.map((f) => valueOf[f.dtype])), { maxLength: 12 }), { minLength: 1, maxLength: 4 })),
  );

describe('Arrow conversion', () => {
  it('chunk → record batch → chunk keeps every value, null and dtype', () => {
    fc.assert(
      fc.property(frames, ([fields, parts]) => {
        for (const rows of parts) {
          const chunk = chunkOf(fields, rows);
          const batch = frameToRecordBatch(chunk, fields);
          expect(batch.numRows).toBe(rows.length);
          const back = recordBatchToFrame(batch);
          expect(back.names).toEqual(fields.map((f) => f.name));
          expect(back.columns.map((c) => c.dtype)).toEqual(fields.map((f) => f.dtype));
          expect(rowsOf(back)).toEqual(rows);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('chunks → one table (one dictionary per column) → IPC file → one chunk gives the rows in order', () => {
    fc.assert(
      fc.property(frames, ([fields, parts]) => {
        const table = framesToTable(parts.map((rows) => chunkOf(fields, rows)), fields);
        const all = parts.flat();
        expect(table.numRows).toBe(all.length);
        const read = tableFromIPC(tableToIPC(table, 'file'));
        expect(rowsOf(tableToFrame(read))).toEqual(all);
        expect(rowsOf(tableToFrame(table))).toEqual(all);
      }),
      { numRuns: 100 },
    );
  });

  it('no chunks give an empty table with the schema', () => {
    const fields: FrameField[] = [{ name: 'a', dtype: 'int32' }, { name: 's', dtype: 'string' }];
    const t = framesToTable([], fields);
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['a', 's']);
    expect(tableToFrame(t).columns.map((c) => c.dtype)).toEqual(['int32', 'string']);
  });
});
