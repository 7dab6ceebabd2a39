/**
 * The generated CSV parser (csvCodegen.ts) against the general loop of csvParse.ts, on random layouts
 * (every dtype, skipped columns, three delimiters) and random records mixing plain fields with every
 * case the generated code must hand back: nulls, null values, '+' signs, 10-digit and out-of-range
 * integers, exponents, long mantissas, nan/inf, quotes (closed, doubled, stray), CR inside fields,
 * CRLF and bare LF, empty lines, a last line without its newline, ragged records, 12- and 13-byte
 * strings, NUL bytes and invalid UTF-8. Both must give the same chunk — values, validity, dictionaries
 * in the same order, across the columns growing and across batches of deferred string lookups (1 to 3
 * rows here, so batches fill and flush mid-chunk) — or throw the same error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FrameDtype } from '../../../../src/base/frame.js';
import { CsvParser, type CsvLayout } from '../../../../src/kernels/dataframe/csvParse.js';

const FIELDS: Record<FrameDtype, readonly string[]> = {
  int32: ['0', '7', '-12', '123456789', '-999999999', '1234567890', '2147483647', '-2147483648', '2147483648', '+5', '-', '3.0', '1e3', 'NA', 'abc', '', '"42"', '12a'],
  float64: ['0', '-0', '1.5', '-0.0', '28.283859', '123456789012345', '1234567890123456', '0.1000000000000000055', '9007199254740993.5', '1.2345678901234567', '0.12345678901234567', '5.', '.5', '1e5', '-2.5E-3', 'nan', '-inf', 'NA', '', '"1.25"', '1.2.3'],
  bool: ['true', 'false', 'TRUE', 'False', 'yes', 'NA', '', '"true"'],
  string: ['id016', 'id0000053785', 'id00000537851', 'a', 'é', '\u{1f600}', '', 'NA', '"q""x"', '"a,b"', '"l1\nl2"', 'a\rb', 'x"y', '\u0000a', 'a\u0000', '\u0001', '"open'],
};
const PLAIN: Record<FrameDtype, readonly string[]> = {
  int32: ['0', '7', '-12', '123456789', '31'],
  float64: ['0', '1.5', '-0.0', '28.283859', '4'],
  bool: ['true', 'false'],
  string: ['id016', 'id0000053785', 'a', 'é', 'some longer text'],
};

const lineAt = (bytes: Uint8Array) => (pos: number): number => {
  let n = 1;
  for (let i = 0; i < pos; i++) if (bytes[i] === 10) n++;
  return n;
};

/** The chunk as plain data, or the error's message. */
function outcome(parser: CsvParser, bytes: Uint8Array): unknown {
  try {
    // A hint of 0 rows: the columns start at 16 rows and grow while parsing.
    const f = parser.parse(bytes, 0, bytes.length, 0, lineAt(bytes));
    return f.columns.map((c) => (c.dtype === 'string' ? { codes: [...c.codes], dict: c.dict } : { values: [...c.values], valid: c.valid && [...c.valid] }));
  } catch (e) {
    return (e as Error).message;
  }
}

const dtype = fc.constantFrom<FrameDtype>('int32', 'float64', 'bool', 'string');
const cases = fc.integer({ min: 1, max: 5 }).chain((width) =>
  fc.record({
    dtypes: fc.array(dtype, { minLength: width, maxLength: width }),
    read: fc.array(fc.boolean(), { minLength: width, maxLength: width }),
    delimiter: fc.constantFrom(',', ';', '\t'),
    nullValues: fc.constantFrom([''], ['', 'NA']),
    // One field in `oddEvery` is drawn from the odd ones (0: none), so that some cases have long runs
    // of plain records (and the columns grow under the generated loop).
    oddEvery: fc.constantFrom(0, 2, 5, 30),
    lookupBatch: fc.constantFrom(1, 2, 3, 512),
    finalNewline: fc.boolean(),
    lines: fc.array(
      fc.record({
        odd: fc.array(fc.nat(), { minLength: width, maxLength: width }),
        picks: fc.array(fc.nat(), { minLength: width, maxLength: width }),
        eol: fc.constantFrom('\n', '\n', '\r\n', '\n\n'),
        ragged: fc.integer({ min: -1, max: 40 }).map((x) => (x > 1 ? 0 : x)),
      }),
      { maxLength: 40, size: 'max' },
    ),
  }),
);

describe('the generated CSV parser', () => {
  it('parses every record as the general loop does, or fails the same way', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const width = c.dtypes.length;
        const columns = c.dtypes.map((d, index) => ({ index, name: `c${index}`, dtype: d })).filter((_, i) => c.read[i] || i === 0);
        const layout: CsvLayout = { file: 'f.csv', delimiter: c.delimiter, width, columns, nullValues: c.nullValues };
        const text = c.lines
          .map((l) => {
            let fields = c.dtypes.map((d, i) => {
              const pool = c.oddEvery > 0 && l.odd[i]! % c.oddEvery === 0 ? FIELDS[d] : PLAIN[d];
              return pool[l.picks[i]! % pool.length]!;
            });
            if (l.ragged > 0) fields.push('x');
            if (l.ragged < 0) fields = fields.slice(0, -1);
            return fields.join(c.delimiter) + l.eol;
          })
          .join('')
          .replace(/\r?\n$/, c.finalNewline ? '$&' : '');
        // \u0001 stands for a byte that is not UTF-8.
        const bytes = new TextEncoder().encode(text).map((b) => (b === 1 ? 0xff : b));
        expect(outcome(new CsvParser(layout, true, c.lookupBatch), bytes)).toEqual(outcome(new CsvParser(layout, false), bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('names the first bad string of a lookup batch, even when a later row of an earlier column is bad too', () => {
    const layout: CsvLayout = {
      file: 'f.csv', delimiter: ',', width: 2, nullValues: [''],
      columns: [{ index: 0, name: 'a', dtype: 'string' }, { index: 1, name: 'b', dtype: 'string' }],
    };
    // Row 2 has a non-UTF-8 byte in column b, row 3 in column a; the batch holds both rows.
    const bytes = new TextEncoder().encode('x,y\nx,\u0001\n\u0001,y\n').map((b) => (b === 1 ? 0xff : b));
    const expected = outcome(new CsvParser(layout, false), bytes);
    expect(expected).toMatch(/^f\.csv:2: column 'b'/);
    expect(outcome(new CsvParser(layout, true, 512), bytes)).toEqual(expected);
  });
});
