/**
 * The CSV reader against a plain reference parser over random tables: nulls, unicode, quotes,
 * delimiters and newlines inside quoted strings, CRLF or LF, a BOM, a final line with or without its
 * newline, and chunk sizes from 1 byte up, so records straddle range boundaries and ranges own no
 * record at all. Every chunk has the node's fields; together they are the table, row for row.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fieldsOf, valueAt, type FrameChunk } from '../../../../src/base/frame.js';
import { readCsvNode } from '../../../../src/ops/dataframe/csv.js';
import { runNode } from '../../ops/dataframe/runFrame.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-csv-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** The reference: split the whole text (RFC 4180), skip empty lines, an empty field is null. */
function reference(text: string, delimiter: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let i = text.startsWith('\ufeff') ? 1 : 0;
  let row: (string | null)[] = [];
  while (i < text.length) {
    if (row.length === 0 && (text.startsWith('\n', i) || text.startsWith('\r\n', i))) {
      i += text[i] === '\r' ? 2 : 1;
      continue;
    }
    let value = '';
    if (text[i] === '"') {
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        value += text.slice(j, q);
        if (text[q + 1] === '"') {
          value += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      let j = i;
      while (j < text.length && text[j] !== delimiter && text[j] !== '\n') j++;
      value = text.slice(i, j);
      i = j;
      if (value.endsWith('\r')) value = value.slice(0, -1);
    }
    if (text[i] === '\r') i++;
    row.push(value === '' ? null : value);
    if (text[i] === delimiter) {
      i++;
      // A delimiter at the very end: the last field is empty.
      if (i === text.length) row.push(null);
      continue;
    }
    rows.push(row);
    row = [];
    i++;
  }
  if (row.length > 0) rows.push(row);
  return rows;
}

const text = fc.oneof(
  fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom('a', 'b', ' ', ',', ';', '"', '\n', '\r\n', 'é', '\u{1f600}', 'x\ty') }),
  fc.constantFrom('a', 'same', 'same', 'é', '"', '""', ',', '\n', 'true', '12', '-3.5'),
);
const cell = fc.option(text, { nil: null, freq: 4 });

interface Case {
  readonly header: (string | null)[];
  readonly rows: (string | null)[][];
  readonly delimiter: string;
  readonly crlf: boolean;
  readonly finalNewline: boolean;
  readonly bom: boolean;
  readonly quoteAll: boolean;
  readonly chunkBytes: number;
}

const cases = fc
  .integer({ min: 1, max: 4 })
  .chain((width) =>
    fc.record({
      header: fc.constant(Array.from({ length: width }, (_, j) => `c${j}`)),
      rows: fc.array(fc.array(cell, { minLength: width, maxLength: width }), { maxLength: 25 }),
      delimiter: fc.constantFrom(',', ';', '\t'),
      crlf: fc.boolean(),
      finalNewline: fc.boolean(),
      bom: fc.boolean(),
      quoteAll: fc.boolean(),
      chunkBytes: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constant(1 << 20)),
    }),
  );

function render(c: Case): string {
  const eol = c.crlf ? '\r\n' : '\n';
  const field = (v: string | null, width: number): string => {
    // A lone null field would be an empty line, which readers skip: write it as "".
    if (v === null) return width === 1 ? '""' : '';
    const needs = c.quoteAll || v.includes(c.delimiter) || v.includes('"') || v.includes('\n') || v.includes('\r');
    return needs ? `"${v.replaceAll('"', '""')}"` : v;
  };
  const lines = [c.header, ...c.rows].map((r) => r.map((v) => field(v, r.length)).join(c.delimiter));
  return (c.bom ? '\ufeff' : '') + lines.join(eol) + (c.finalNewline ? eol : '');
}

function rowsOf(chunks: readonly FrameChunk[]): unknown[][] {
  return chunks.flatMap((f) => Array.from({ length: f.rows }, (_, i) => f.columns.map((col) => valueAt(col, i))));
}

describe('readCsv against a reference parser', () => {
  it('reads every table back, whatever the quoting, line ends and chunk boundaries', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const path = join(dir, `t${files++}.csv`);
        const body = render(c);
        writeFileSync(path, body);
        const dtypes = Object.fromEntries(c.header.map((h) => [h!, 'string' as const]));
        const node = readCsvNode(path, { delimiter: c.delimiter, chunkBytes: c.chunkBytes, dtypes });
        const { chunks } = runNode(node);
        for (const ch of chunks) expect(fieldsOf(ch)).toEqual(node.meta.fields);
        const expected = reference(body, c.delimiter).slice(1);
        expect(rowsOf(chunks)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('reads null values that look like numbers as nulls in every column', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -3, max: 3 }), fc.constantFrom(-1, 0.5, 2.25), fc.constantFrom('-1', 'a')), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 50 }), (rows, chunkBytes) => {
        const path = join(dir, `v${files++}.csv`);
        writeFileSync(path, ['i,f,s', ...rows.map((r) => r.join(','))].join('\n'));
        const node = readCsvNode(path, { chunkBytes, nullValues: ['-1'], dtypes: { i: 'int32', f: 'float64', s: 'string' } });
        const got = rowsOf(runNode(node).chunks);
        expect(got).toEqual(rows.map((r) => r.map((v) => (String(v) === '-1' ? null : v))));
      }),
      { numRuns: 100 },
    );
  });

  it('reads numbers exactly and infers int32, float64 and bool from the sample', () => {
    const row = fc.tuple(
      fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: null }),
      fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)), { nil: null }),
      fc.option(fc.boolean(), { nil: null }),
      fc.option(fc.string({ maxLength: 4, unit: fc.constantFrom('q', 'é', ',', '"') }).map((s) => `s${s}`), { nil: null }),
    );
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), (rows, chunkBytes, crlf) => {
        // Every column needs a value for its dtype to be inferred (an all-null column is string).
        // Every column needs a value for its dtype to be inferred (an all-null column is string), and
        // the float column a non-integer (integers alone are int32).
        fc.pre([0, 1, 2, 3].every((j) => rows.some((r) => r[j] !== null)));
        fc.pre(rows.some((r) => r[1] !== null && !Number.isInteger(r[1])));
        const q = (s: string): string => `"${s.replaceAll('"', '""')}"`;
        const body = ['i,f,b,s', ...rows.map(([i, f, b, s]) => [i ?? '', f ?? '', b ?? '', s === null ? '' : q(s)].join(','))].join(crlf ? '\r\n' : '\n');
        const path = join(dir, `n${files++}.csv`);
        writeFileSync(path, body);
        const node = readCsvNode(path, { chunkBytes });
        expect(node.meta.fields.map((f) => f.dtype)).toEqual(['int32', 'float64', 'bool', 'string']);
        const got = rowsOf(runNode(node).chunks);
        expect(got).toEqual(rows.map(([i, f, b, s]) => [i, f, b, s]));
      }),
      { numRuns: 200 },
    );
  });
});
