/**
 * Issue 11 §1 and §3 for files, through the public API on both executors, eager and lazy: readCsv of
 * a many-chunk CRLF file (small chunkBytes) with quoted delimiters, quotes and newlines in fields,
 * nulls (empty fields and nullValues) and unicode, read back exactly and grouped as the reference
 * group-by says; malformed files — a ragged row, a bad quote, invalid UTF-8, text in a number column,
 * each far beyond the build-time sample — fail with a FileFormatError naming the file and line, and
 * the session goes on (results it holds stay, new runs work); Parquet and Arrow IPC round trips.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { FrameField } from '../../src/base/frame.js';
import { dataframe as df, FileFormatError } from '../../src/index.js';
import { expectRowsClose, refGroupby } from '../unit/ops/dataframe/reference.js';
import { type Cell, eachSession, type Row, rowsOfFrame } from '../support/frameCases.js';
import { rejection } from '../support/rejection.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = (content: string | Buffer): string => {
  const p = join(dir, `f${files++}.csv`);
  writeFileSync(p, content);
  return p;
};

const FIELDS: FrameField[] = [
  { name: 'id', dtype: 'int32' },
  { name: 'name', dtype: 'string' },
  { name: 'score', dtype: 'float64' },
  { name: 'flag', dtype: 'bool' },
];
const NAMES = ['plain', 'with,comma', 'say "hi"', 'two\nlines', 'Zoë', '😀 astral', '李雷', null, 'NA'];
const csvField = (c: Cell): string => {
  if (c === null) return '';
  const s = String(c);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** ~3000 rows in CRLF lines; 'NA' is a null (nullValues) in every column. */
function goodCsv(): { path: string; rows: Row[] } {
  const rows: Row[] = [];
  const lines = ['id,name,score,flag'];
  for (let i = 0; i < 3000; i++) {
    const name = NAMES[(i * 7) % NAMES.length]!;
    const score = i % 11 === 0 ? null : ((i * 37) % 101) / 4 - 10;
    const flag = i % 5 === 0 ? null : i % 3 === 0;
    rows.push([i, name === 'NA' ? null : name, score, flag]);
    const scoreText = score === null ? (i % 2 === 0 ? 'NA' : '') : String(score);
    lines.push([csvField(i), csvField(name), scoreText, csvField(flag)].join(','));
  }
  return { path: file(`${lines.join('\r\n')}\r\n`), rows };
}
const good = goodCsv();
const readGood = () => df.readCsv(good.path, { chunkBytes: 4096, nullValues: ['NA'] });

/** A file of simple rows with `bad` (bytes) as line 9001, far beyond the build-time sample (64 KiB). */
function withBadLine(bad: Buffer | string): { path: string; line: number } {
  const lines: string[] = ['id,v,s'];
  for (let i = 0; i < 9999; i++) lines.push(`${i},${i % 100},name${i % 7}`);
  const head = Buffer.from(`${lines.slice(0, 9000).join('\n')}\n`);
  const tail = Buffer.from(`\n${lines.slice(9000).join('\n')}\n`);
  return { path: file(Buffer.concat([head, Buffer.from(bad), tail])), line: 9001 };
}
const MALFORMED: [string, Buffer | string, RegExp][] = [
  ['a ragged row', '1,2,x,extra', /fields where the header has 3/],
  ['a bad quote', '1,2,"x"y', /text after a closing quote/],
  ['invalid UTF-8', Buffer.from([0x33, 0x2c, 0x34, 0x2c, 0xc3, 0x28]), /not valid UTF-8/],
  ['text in a number column', '7,abc,x', /"abc" is not a number/],
];

eachSession('CSV, Parquet and Arrow files', (session) => {
  it('readCsv reads a many-chunk CRLF file with quotes, newlines, nulls and unicode exactly, and groups it like the reference', async () => {
    const d = readGood();
    expect(d.dtypes).toEqual({ id: 'int32', name: 'string', score: 'float64', flag: 'bool' });
    expect(await rowsOfFrame(d, session())).toEqual(good.rows);
    const chunks: number[] = [];
    for await (const b of d.iterBatches({ session: session() })) chunks.push(b.numRows);
    expect(chunks.length).toBeGreaterThan(10);
    // The fetched table is the parsed chunks' buffers (views of the parser's columns), a batch per chunk.
    const table = await d.fetch({ session: session() });
    expect(table.batches.map((b) => b.numRows)).toEqual(chunks);
    expect(table.toArray().map((r) => { const o = (r as { toJSON(): Record<string, Cell> }).toJSON(); return FIELDS.map((f) => o[f.name]!); })).toEqual(good.rows);
    const spec = { score: 'sum', id: 'count', flag: 'nunique' } as const;
    const g = d.groupby('name').agg(spec);
    expectRowsClose(await rowsOfFrame(g, session()), refGroupby(FIELDS, good.rows, ['name'], spec));
    const byTwo = d.groupby(['flag', 'name']).agg({ score: 'mean', id: 'max' });
    expectRowsClose(await rowsOfFrame(byTwo, session()), refGroupby(FIELDS, good.rows, ['flag', 'name'], { score: 'mean', id: 'max' }));
  });

  for (const [what, bad, message] of MALFORMED) {
    it(`${what} beyond the sample fails with FileFormatError naming file and line; the session goes on`, async () => {
      const kept = df.fromColumns({ x: [1, 2, 3] }, { chunkRows: 2 });
      await kept.execute({ session: session() });
      const { path, line } = withBadLine(bad);
      const d = df.readCsv(path, { chunkBytes: 50_000 });
      const e = await rejection(d.groupby('s').agg({ v: 'sum' }).execute({ session: session() }));
      expect(e).toBeInstanceOf(FileFormatError);
      expect([(e as FileFormatError).file, (e as FileFormatError).line]).toEqual([path, line]);
      expect(e.message).toContain(`${path}:${line}`);
      expect(e.message).toMatch(message);
      expect(await kept.toRecords({ session: session() })).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
      const again = readGood();
      expect(await rowsOfFrame(again.filter(again.col('id').lt(3)).select(['id']), session())).toEqual([[0], [1], [2]]);
    });
  }

  it('toParquet / readParquet and toArrowFile / readArrow round-trip the frame', async () => {
    const d = readGood();
    const parquet = join(dir, `rt-${files++}.parquet`);
    const arrow = join(dir, `rt-${files++}.arrow`);
    const p = d.toParquet(parquet);
    await p.execute({ session: session() });
    expect(await p.fetch({ session: session() })).toMatchObject({ path: parquet, rows: good.rows.length });
    const fromParquet = df.readParquet(parquet);
    expect(fromParquet.dtypes).toEqual(d.dtypes);
    expect(await rowsOfFrame(fromParquet, session())).toEqual(good.rows);
    const a = fromParquet.toArrowFile(arrow);
    await a.execute({ session: session() });
    expect(await a.fetch({ session: session() })).toMatchObject({ path: arrow, rows: good.rows.length });
    const fromArrow = df.readArrow(arrow);
    expect(fromArrow.dtypes).toEqual(d.dtypes);
    expect(await rowsOfFrame(fromArrow, session())).toEqual(good.rows);
  });
});
