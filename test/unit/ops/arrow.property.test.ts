/**
 * FrameChunk ↔ Arrow (ops/dataframe/arrow.ts), property-tested against plain JS rows: any columns of
 * the four dtypes with nulls (unicode strings included) survive chunk → batch → chunk; several chunks
 * (empty ones too) with their own dictionaries make one table whose rows are theirs in order, sharing the
 * chunks' buffers, which survives an IPC stream round trip, and — once unifyDictionaries gives it one
 * dictionary per column — an IPC file round trip; a table read back gives the same values.
 */
import fc from 'fast-check';
import { Dictionary, Int8, Int32, Int64, Table, Uint32, tableFromIPC, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { DTypeError } from '../../../src/base/errors.js';
import { describe, expect, it } from 'vitest';
import { type FrameChunk, type FrameDtype, type FrameField, valueAt } from '../../../src/base/frame.js';
import { framesToTable, frameToRecordBatch, recordBatchToFrame, tableToFrame } from '../../../src/ops/dataframe/arrow.js';
import { unifyDictionaries } from '../../../src/ops/dataframe/arrowUnify.js';
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

  it('chunks → one table of their batches (their own dictionaries, their buffers) → IPC stream gives the rows in order', () => {
    fc.assert(
      fc.property(frames, ([fields, parts]) => {
        const chunks = parts.map((rows) => chunkOf(fields, rows));
        const table = framesToTable(chunks, fields);
        const all = parts.flat();
        expect(table.numRows).toBe(all.length);
        expect(table.schema.fields.map((f) => String(f.type))).toEqual(fields.map((f) => ({ int32: 'Int32', float64: 'Float64', bool: 'Bool', string: 'Dictionary<Int32, Utf8>' })[f.dtype]));
        expect(rowsOf(tableToFrame(table))).toEqual(all);
        expect(rowsOf(tableToFrame(tableFromIPC(tableToIPC(table, 'stream'))))).toEqual(all);
        // No copies: each non-empty chunk is one batch whose codes and numbers are the chunk's arrays.
        const full = chunks.filter((c) => c.rows > 0);
        if (full.length > 0) expect(table.batches.length).toBe(full.length);
        full.forEach((c, b) => c.columns.forEach((col, j) => {
          const data = table.batches[b]!.data.children[j]!;
          if (col.dtype === 'string') expect(data.values.buffer).toBe(col.codes.buffer);
          else if (col.dtype !== 'bool') expect(data.values.buffer).toBe(col.values.buffer);
        }));
      }),
      { numRuns: 100 },
    );
  });

  it('unifyDictionaries: one dictionary per string column, each entry once, the same rows, and an IPC file round trip', () => {
    fc.assert(
      fc.property(frames, ([fields, parts]) => {
        const table = unifyDictionaries(framesToTable(parts.map((rows) => chunkOf(fields, rows)), fields));
        const all = parts.flat();
        expect(rowsOf(tableToFrame(table))).toEqual(all);
        fields.forEach((f, j) => {
          if (f.dtype !== 'string') return;
          const dicts = new Set(table.batches.map((b) => b.data.children[j]!.dictionary));
          expect(dicts.size).toBe(1);
          const entries = [...dicts][0]!.toArray() as string[];
          expect(new Set(entries).size).toBe(entries.length);
          expect(new Set(entries)).toEqual(new Set(all.map((r) => r[j]).filter((v) => v !== null)));
        });
        expect(rowsOf(tableToFrame(tableFromIPC(tableToIPC(table, 'file'))))).toEqual(all);
      }),
      { numRuns: 100 },
    );
  });

  it('unifyDictionaries re-encodes sliced batches, returns a table already unified as it is, and refuses other dictionary types', () => {
    const fields: FrameField[] = [{ name: 's', dtype: 'string' }];
    const rows = (xs: (string | null)[]): Value[][] => xs.map((x) => [x]);
    const table = framesToTable([chunkOf(fields, rows(['x', null, 'é', 'x', '🎉'])), chunkOf(fields, rows(['🎉', 'y', null]))], fields);
    expect(() => tableToIPC(table, 'file')).toThrow(/replacement dictionaries/);
    const sliced = table.slice(1, 7);
    const unified = unifyDictionaries(sliced);
    expect([...unified].map((r) => r.s)).toEqual([null, 'é', 'x', '🎉', '🎉', 'y']);
    expect([...tableFromIPC(tableToIPC(unified, 'file'))].map((r) => r.s)).toEqual([null, 'é', 'x', '🎉', '🎉', 'y']);
    expect(unifyDictionaries(unified)).toBe(unified);
    const int8Keys = tableFromIPC(tableToIPC(new Table({ k: vectorFromArray(['a', 'b'], new Dictionary(new Utf8(), new Int8())) })));
    expect(() => unifyDictionaries(int8Keys)).toThrow(DTypeError);
    expect(() => unifyDictionaries(int8Keys)).toThrow(/column "k" is Dictionary<Int8, Utf8>/);
  });

  it('a sliced table converts the rows of its slice (integers of every width, with nulls, and strings)', () => {
    const whole = new Table({
      i8: vectorFromArray([1, 2, null, 4, 5, 6], new Int8()),
      i32: vectorFromArray([10, null, 30, 40, 50, 60], new Int32()),
      i64: vectorFromArray([100n, 200n, 300n, null, 500n, 600n], new Int64()),
      u32: vectorFromArray([7, 8, 9, 10, 11, null], new Uint32()),
      s: vectorFromArray(['a', 'b', null, 'é', '🎉', 'z'], new Dictionary(new Utf8(), new Int32())),
    });
    const frame = tableToFrame(whole.slice(2, 5));
    expect(frame.columns.map((c) => c.dtype)).toEqual(['int32', 'int32', 'float64', 'float64', 'string']);
    expect(rowsOf(frame)).toEqual([
      [null, 30, 300, 9, null],
      [4, 40, null, 10, 'é'],
      [5, 50, 500, 11, '🎉'],
    ]);
  });

  it('no chunks give an empty table with the schema', () => {
    const fields: FrameField[] = [{ name: 'a', dtype: 'int32' }, { name: 's', dtype: 'string' }];
    const t = framesToTable([], fields);
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['a', 's']);
    expect(tableToFrame(t).columns.map((c) => c.dtype)).toEqual(['int32', 'string']);
  });
});
