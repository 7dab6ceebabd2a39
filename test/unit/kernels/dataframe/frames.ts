/**
 * Test helpers for the hash ops: frame chunks from plain rows (each chunk with its own dictionary, in
 * its own first-seen order), rows back from chunks, fast-check generators of small frames full of the
 * awkward cases (nulls, empty and one-row chunks, all-equal keys, unicode strings), and the plain
 * reference implementations the kernels are checked against.
 */
import fc from 'fast-check';
import {
  type FrameChunk, type FrameColumn, type FrameDtype, type FrameField, makeFrame, valueAt,
} from '../../../../src/base/frame.js';
import { compareStrings } from '../../../../src/kernels/dataframe/hashKeys.js';
import { utf8DictOf } from '../../../../src/base/utf8Dict.js';

export type Cell = number | boolean | string | null;
export type Row = Cell[];

export function column(dtype: FrameDtype, cells: readonly Cell[]): FrameColumn {
  const n = cells.length;
  const valid = new Uint8Array(n);
  cells.forEach((c, i) => (valid[i] = c === null ? 0 : 1));
  const mask = valid.every((b) => b === 1) ? null : valid;
  switch (dtype) {
    case 'string': {
      const dict: string[] = [];
      const at = new Map<string, number>();
      const codes = Int32Array.from(cells, (c) => {
        if (c === null) return -1;
        let k = at.get(c as string);
        if (k === undefined) (k = dict.length), dict.push(c as string), at.set(c as string, k);
        return k;
      });
      return { dtype, codes, dict: utf8DictOf(dict) };
    }
    case 'bool':
      return { dtype, values: Uint8Array.from(cells, (c) => (c === true ? 1 : 0)), valid: mask };
    case 'int32':
      return { dtype, values: Int32Array.from(cells, (c) => (c === null ? 0 : (c as number))), valid: mask };
    case 'float64':
      return { dtype, values: Float64Array.from(cells, (c) => (c === null ? 0 : (c as number))), valid: mask };
  }
}

export function frameOf(fields: readonly FrameField[], rows: readonly Row[]): FrameChunk {
  return makeFrame(fields.map((f) => f.name), fields.map((f, j) => column(f.dtype, rows.map((r) => r[j]!))));
}

export function rowsOf(chunk: FrameChunk): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < chunk.rows; i++) out.push(chunk.columns.map((c) => valueAt(c, i)));
  return out;
}

/** Splits rows into chunks at the given cut points (some chunks may be empty). */
export function chunked(fields: readonly FrameField[], rows: readonly Row[], sizes: readonly number[]): FrameChunk[] {
  const out: FrameChunk[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(frameOf(fields, rows.slice(at, at + s)));
    at += s;
  }
  out.push(frameOf(fields, rows.slice(at)));
  return out;
}

const keyStrings = fc.constantFrom('a', 'b', 'é', '\u{1f600}', '\uffff', '', 'id001', 'Z');
export const cellOf = (dtype: FrameDtype, nulls = true, spread = 4): fc.Arbitrary<Cell> => {
  const base: fc.Arbitrary<Cell> =
    dtype === 'string' ? keyStrings
      : dtype === 'bool' ? fc.boolean()
      : dtype === 'int32' ? fc.integer({ min: -spread, max: spread })
      : fc.oneof(fc.integer({ min: -spread, max: spread }), fc.double({ min: -1e3, max: 1e3, noNaN: true }));
  return nulls ? fc.option(base, { freq: 5, nil: null }) : base;
};

/** Rows of the given fields and chunk sizes that cover them (with empty and one-row chunks). */
export function framesArb(fields: readonly FrameField[], maxRows = 40): fc.Arbitrary<{ rows: Row[]; sizes: number[] }> {
  return fc.record({
    rows: fc.array(fc.tuple(...fields.map((f) => cellOf(f.dtype))), { maxLength: maxRows }),
    sizes: fc.array(fc.constantFrom(0, 1, 2, 5, 9), { maxLength: 6 }),
  }) as fc.Arbitrary<{ rows: Row[]; sizes: number[] }>;
}

/** Order of cells: ascending, nulls last, strings by code point. */
export function compareCells(a: Cell, b: Cell): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  if (typeof a === 'string') return compareStrings(a, b as string);
  return Number(a) - Number(b);
}

export function compareRows(a: readonly Cell[], b: readonly Cell[]): number {
  for (let i = 0; i < a.length; i++) {
    const r = compareCells(a[i]!, b[i]!);
    if (r !== 0) return r;
  }
  return 0;
}

export const keyOf = (cells: readonly Cell[]): string => JSON.stringify(cells);
