/**
 * readCsv's build-time checks (file, options, columns, dtypes, file identity in the key) and its typed
 * errors for malformed files: at build time when the sample shows the problem, else in the chunk that
 * meets it — always with the file, the 1-based line (header counted) and the column.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError, InvalidArgumentError, UnknownOptionError } from '../../../../src/base/errors.js';
import { valueAt } from '../../../../src/base/frame.js';
import { csvRangeBounds, defaultCsvChunkBytes, readCsvNode } from '../../../../src/ops/dataframe/csv.js';
import { runFrame, runNode } from './runFrame.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(body: string | Uint8Array): string {
  const path = join(dir, `f${n++}.csv`);
  writeFileSync(path, body);
  return path;
}
const rows = (path: string, options = {}): unknown[][] => {
  const f = runFrame(readCsvNode(path, options));
  return Array.from({ length: f.rows }, (_, i) => f.columns.map((c) => valueAt(c, i)));
};

/**
 * A ~400 KB file (columns id, v, s) whose samples (start, middle, end: 64 KiB each) are all clean
 * integers and names, with `bad` as the line at about a quarter of the file. Returns the path and
 * the bad line's 1-based number.
 */
function withLineBeyondSample(bad: string): { path: string; line: number } {
  const lines = ['id,v,s'];
  for (let i = 0, bytes = 0; bytes < 400_000; i++) {
    if (lines.length === 9000) lines.push(bad);
    lines.push(`${i},${i % 100},name${i % 7}`);
    bytes += lines.at(-1)!.length + 1;
  }
  return { path: file(`${lines.join('\n')}\n`), line: 9001 };
}

function failure(fn: () => unknown): FileFormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FileFormatError);
    return e as FileFormatError;
  }
  throw new Error('expected a FileFormatError');
}

describe('readCsv at build time', () => {
  it('names a missing file and rejects bad options', () => {
    expect(() => readCsvNode(join(dir, 'nope.csv'))).toThrow(/nope\.csv.*ENOENT/);
    const p = file('a,b\n1,2\n');
    expect(() => readCsvNode(p, { chunkBytes: 0 })).toThrow(InvalidArgumentError);
    expect(() => readCsvNode(p, { chunkBytes: 1.5 })).toThrow(/positive integer/);
    expect(() => readCsvNode(p, { delimiter: '"' })).toThrow(/delimiter/);
    expect(() => readCsvNode(p, { sep: ';' } as never)).toThrow(UnknownOptionError);
    expect(() => readCsvNode(p, { columns: ['a', 'zz'] })).toThrow(/"zz".*the header has \["a","b"\]/);
    expect(() => readCsvNode(p, { dtypes: { a: 'int64' as never } })).toThrow(/unknown dtype/);
    expect(() => readCsvNode(p, { dtypes: { q: 'string' } })).toThrow(/"q"/);
  });

  it('infers dtypes, selects and reorders columns, and takes dtype overrides', () => {
    const p = file('i,f,b,s,e\n1,2.5,true,x,\n-2,3,FALSE,"y, z",\n');
    const node = readCsvNode(p);
    expect(node.meta.fields).toEqual([
      { name: 'i', dtype: 'int32' }, { name: 'f', dtype: 'float64' }, { name: 'b', dtype: 'bool' },
      { name: 's', dtype: 'string' }, { name: 'e', dtype: 'string' },
    ]);
    expect(Number.isNaN(node.meta.rows)).toBe(true);
    expect(rows(p, { columns: ['s', 'i'] })).toEqual([['x', 1], ['y, z', -2]]);
    expect(rows(p, { columns: ['i'], dtypes: { i: 'float64' } })).toEqual([[1], [-2]]);
    expect(rows(p, { columns: ['i', 'f'], dtypes: { i: 'string' } })).toEqual([['1', 2.5], ['-2', 3]]);
    // Integers beyond int32 are float64 (exact to 2^53).
    expect(readCsvNode(file('x\n3000000000\n')).meta.fields[0]!.dtype).toBe('float64');
  });

  it('cuts the file into ranges of at most an eighth of it (16 to 64 MiB) by default, or of chunkBytes', () => {
    const MiB = 2 ** 20;
    expect(defaultCsvChunkBytes(50e6)).toBe(16 * MiB);
    expect(defaultCsvChunkBytes(509e6)).toBe(61 * MiB);
    expect(csvRangeBounds(57, 509e6, defaultCsvChunkBytes(509e6)).length - 1).toBe(13);
    expect(defaultCsvChunkBytes(3 * 2 ** 30)).toBe(64 * MiB);
    const p = file('a,b\n1,2\n');
    expect((readCsvNode(p).params as { chunkBytes: number }).chunkBytes).toBe(16 * MiB);
    expect((readCsvNode(p, { chunkBytes: 1000 }).params as { chunkBytes: number }).chunkBytes).toBe(1000);
  });

  it('cuts ranges of at most chunkBytes that cover the records once and shrink toward the end', () => {
    for (const [start, size, chunkBytes] of [[0, 0, 10], [3, 3, 10], [5, 6, 10], [0, 1000, 1], [7, 1000, 10], [0, 1000, 1000], [57, 509e6, 61 * 2 ** 20], [4, 12345, 100]] as const) {
      const b = csvRangeBounds(start, size, chunkBytes);
      expect(b[0]).toBe(start);
      expect(b.at(-1)).toBe(size);
      const lengths = b.slice(1).map((x, i) => x - b[i]!);
      expect(lengths.length).toBeGreaterThan(0);
      if (size > start) expect(Math.min(...lengths)).toBeGreaterThan(0);
      expect(lengths.every((l) => l <= chunkBytes)).toBe(true);
      // Shrinking, but for the last, which may hold a piece too small to stand alone.
      for (let i = 1; i < lengths.length - 1; i++) expect(lengths[i]!).toBeLessThanOrEqual(lengths[i - 1]!);
    }
    const h2o = csvRangeBounds(57, 509e6, 61 * 2 ** 20);
    expect(h2o[1]! - h2o[0]!).toBe(61 * 2 ** 20);
    expect(h2o.at(-1)! - h2o.at(-2)!).toBeLessThan(9 * 2 ** 20);
  });

  it('reads quoted fields holding newlines and record-like text the same across every range cut', () => {
    // Quoted fields with newlines, delimiters, doubled quotes and text that looks like records: with
    // chunkBytes from 1 byte up, a cut (so a range start) falls inside each of them somewhere.
    const body = ['k,s,v', '1,"a\n2,""b"",3\n",4', '5,"x,y",6', '7,"\n\n8,9\n",10', '11,plain,12', '13,"""",14', '15,"end\n",', ''].join('\n');
    const p = file(body);
    const dtypes = { k: 'int32', s: 'string', v: 'int32' } as const;
    const whole = rows(p, { chunkBytes: 1 << 20, dtypes });
    expect(whole).toEqual([[1, 'a\n2,"b",3\n', 4], [5, 'x,y', 6], [7, '\n\n8,9\n', 10], [11, 'plain', 12], [13, '"', 14], [15, 'end\n', null]]);
    for (let chunkBytes = 1; chunkBytes <= body.length; chunkBytes++) expect(rows(p, { chunkBytes, dtypes })).toEqual(whole);
  });

  it('keys the node by the file identity, so an edited file is read again', () => {
    const p = file('a\n1\n');
    const k1 = readCsvNode(p).key;
    expect(readCsvNode(p).key).toBe(k1);
    writeFileSync(p, 'a\n12\n');
    utimesSync(p, new Date(), new Date(Date.now() + 5000));
    expect(readCsvNode(p).key).not.toBe(k1);
  });

  it('handles an empty file, a header alone, a BOM, CRLF, no final newline, nullValues and duplicate names', () => {
    expect(readCsvNode(file('')).meta.fields).toEqual([]);
    expect(rows(file(''))).toEqual([]);
    const h = readCsvNode(file('a,b\n'));
    expect(h.meta.fields).toEqual([{ name: 'a', dtype: 'string' }, { name: 'b', dtype: 'string' }]);
    expect(runFrame(h).rows).toBe(0);
    expect(rows(file('\ufeffa,b\r\n1,x\r\n2,y'))).toEqual([[1, 'x'], [2, 'y']]);
    expect(readCsvNode(file('\ufeffa,b\n1,x\n')).meta.fields[0]!.name).toBe('a');
    expect(rows(file('a,b\n1,NA\nNA,x\n'), { nullValues: ['NA'] })).toEqual([[1, null], [null, 'x']]);
    expect(readCsvNode(file('a,a,\n1,2,3\n')).meta.fields.map((f) => f.name)).toEqual(['a', 'a.1', 'column2']);
    expect(rows(file('1;x\n2;y\n'), { header: false, delimiter: ';' })).toEqual([[1, 'x'], [2, 'y']]);
    expect(readCsvNode(file('1;x\n'), { header: false, delimiter: ';' }).meta.fields.map((f) => f.name)).toEqual(['column0', 'column1']);
  });
});

describe('readCsv enforcing the inferred dtypes', () => {
  it('promotes integers in a float64 column (lossless) in a later chunk', () => {
    // The float column's non-integers are all in the first sample; later chunks hold integers only.
    const lines = ['k,x', ...Array.from({ length: 50 }, (_, i) => `${i},${i}.5`)];
    for (let i = 0, bytes = 0; bytes < 300_000; i++) {
      lines.push(`${i},${i}`);
      bytes += lines.at(-1)!.length + 1;
    }
    const p = file(`${lines.join('\n')}\n`);
    const node = readCsvNode(p, { chunkBytes: 64 * 1024 });
    expect(node.meta.fields[1]).toEqual({ name: 'x', dtype: 'float64' });
    const { chunks } = runNode(node);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.at(-1)!.columns[1]!.dtype).toBe('float64');
    const f = runFrame(node);
    expect(valueAt(f.columns[1]!, 0)).toBe(0.5);
    expect(valueAt(f.columns[1]!, f.rows - 1)).toBe(lines.length - 52);
  });

  it('fails with file, line, column and the dtype to pass when a later chunk has 1.5 in an int32 column', () => {
    const { path, line } = withLineBeyondSample('7,1.5,x');
    const node = readCsvNode(path, { chunkBytes: 128 * 1024 });
    expect(node.meta.fields[1]).toEqual({ name: 'v', dtype: 'int32' });
    const e = failure(() => runFrame(node));
    expect(e.file).toBe(path);
    expect(e.line).toBe(line);
    expect(e.column).toBe('v');
    expect(e.message).toContain(`${path}:${line}: column 'v': "1.5" is not an integer`);
    expect(e.message).toContain(`dtypes: { "v": 'float64' }`);
    // Following the advice reads it.
    expect(runFrame(readCsvNode(path, { chunkBytes: 128 * 1024, dtypes: { v: 'float64' } })).rows).toBeGreaterThan(9000);
  });

  it('fails with file, line and column on text in a number column and on an int32 overflow', () => {
    const text = withLineBeyondSample('7,abc,x');
    const e = failure(() => runFrame(readCsvNode(text.path, { chunkBytes: 100_000 })));
    expect([e.line, e.column]).toEqual([text.line, 'v']);
    expect(e.message).toMatch(/"abc" is not a number, but the column is int32.*'string'/);
    const big = withLineBeyondSample('7,3000000000,x');
    expect(failure(() => runFrame(readCsvNode(big.path))).message).toMatch(/outside the int32 range/);
  });
});

describe('readCsv on malformed files', () => {
  const cases: [string, string, RegExp][] = [
    ['too many fields', '1,2,x,extra', /at least 4 fields where the header has 3/],
    ['too few fields', '1,2', /2 fields where the header has 3/],
    ['text after a closing quote', '1,2,"x"y', /text after a closing quote/],
    ['a quote inside a field', '1,2,x"y', /a quote inside an unquoted field/],
  ];
  for (const [what, bad, message] of cases) {
    it(`${what}: in the sample at build time, beyond it when the chunk runs`, () => {
      const small = file(`id,v,s\n1,2,x\n${bad}\n3,4,z\n`);
      const e1 = failure(() => readCsvNode(small));
      expect([e1.file, e1.line]).toEqual([small, 3]);
      const big = withLineBeyondSample(bad);
      const e2 = failure(() => runFrame(readCsvNode(big.path, { chunkBytes: 50_000 })));
      expect([e2.file, e2.line]).toEqual([big.path, big.line]);
      expect(e2.message).toMatch(message);
    });
  }

  it('an unterminated quote names the line where the field opens', () => {
    const small = file('id,v,s\n1,2,x\n3,4,"open\n5,6,z\n');
    expect(failure(() => readCsvNode(small)).line).toBe(3);
    // Beyond the sample: the open quote swallows the rest of the file.
    const lines = ['id,v,s'];
    for (let i = 0; i < 30000; i++) lines.push(`${i},${i % 100},name${i % 7}`);
    lines.push('1,2,"never closed');
    const p = file(lines.join('\n'));
    const e = failure(() => runFrame(readCsvNode(p, { chunkBytes: 100_000 })));
    expect([e.line, e.column]).toEqual([30002, 's']);
    expect(e.message).toMatch(/not closed/);
  });

  it('reads a range bigger than its read block exactly: quoted newlines across block ends, and lines of errors there', () => {
    // ~9 MB in one 16 MiB range: the worker reads it in 4 MiB blocks, each cut at a record end, so
    // quoted fields with newlines (every 997th record) and long records land on block boundaries.
    const lines = ['id,v,s'];
    const expected: unknown[][] = [];
    for (let i = 0, bytes = 0; bytes < 9_000_000; i++) {
      const s = i % 997 === 0 ? `multi\nline, "${i}"\n${'x'.repeat(i % 5000)}` : `name${i % 7}`;
      lines.push(`${i},${i % 100},${i % 997 === 0 ? `"${s.replaceAll('"', '""')}"` : s}`);
      expected.push([i, i % 100, s]);
      bytes += lines.at(-1)!.length + 1;
    }
    const p = file(`${lines.join('\n')}\n`);
    const got = rows(p, { dtypes: { s: 'string' } });
    expect(got.length).toBe(expected.length);
    // Compared as one text each: toEqual over 600k rows takes seconds.
    const text = (rs: unknown[][]): string => rs.map((r) => JSON.stringify(r)).join('\n');
    expect(text(got) === text(expected)).toBe(true);
    // An error in the second block (and outside the build-time samples) names its physical line,
    // quoted newlines counted.
    const at = Math.floor(lines.length * 0.7);
    const bad = [...lines.slice(0, at), '1,oops,x', ...lines.slice(at)];
    const physical = bad.slice(0, at + 1).join('\n').split('\n').length;
    const e = failure(() => runFrame(readCsvNode(file(`${bad.join('\n')}\n`))));
    expect([e.line, e.column]).toEqual([physical, 'v']);
  });

  it('invalid UTF-8 in a string field fails with its line', () => {
    const head = Buffer.from('id,v,s\n1,2,ok\n');
    const body = Buffer.concat([head, Buffer.from([0x33, 0x2c, 0x34, 0x2c, 0xc3, 0x28, 0x0a])]);
    const e = failure(() => runFrame(readCsvNode(file(body))));
    expect([e.line, e.column]).toEqual([3, 's']);
    expect(e.message).toMatch(/not valid UTF-8/);
  });

  it('a file changed after the node was built fails instead of reading other bytes', () => {
    const p = file('a\n1\n');
    const node = readCsvNode(p);
    writeFileSync(p, 'a\n1\n2\n');
    expect(failure(() => runFrame(node)).message).toMatch(/changed after the dataframe was built/);
  });
});
