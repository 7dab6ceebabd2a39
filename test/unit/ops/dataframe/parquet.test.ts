/**
 * Parquet round trips: a multi-chunk frame (nulls in every dtype, unicode, per-chunk dictionaries)
 * written one row group per chunk and read back chunk per row group with the same fields and values;
 * the build-time footer read gives the schema and the rows; bad input fails at build time.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError, InvalidArgumentError } from '../../../../src/base/errors.js';
import { valueAt, type FrameChunk } from '../../../../src/base/frame.js';
import { readCsvNode } from '../../../../src/ops/dataframe/csv.js';
import { readParquetNode, toParquetNode } from '../../../../src/ops/dataframe/parquet.js';
import { assemble } from '../../../../src/ops/assemble.js';
import { runFrameAsync, runOnFrame } from './runFrame.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-parquet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const table = (f: FrameChunk): unknown[][] => Array.from({ length: f.rows }, (_, i) => f.columns.map((c) => valueAt(c, i)));

const row = fc.tuple(
  fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: null }),
  fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)), { nil: null }),
  fc.option(fc.boolean(), { nil: null }),
  fc.option(fc.constantFrom('a', 'b', 'é', '日本', 'x,y', '\u{1f600}'), { nil: null }),
);

describe('Parquet', () => {
  it('writes a frame one row group per chunk and reads it back as it was', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 60 }), fc.integer({ min: 8, max: 200 }), async (rows, chunkBytes) => {
        const q = (s: string): string => `"${s}"`;
        const csv = join(dir, `in${n}.csv`);
        writeFileSync(csv, ['i,f,b,s', ...rows.map(([i, f, b, s]) => [i ?? '', f ?? '', b ?? '', s === null ? '' : q(s)].join(','))].join('\n'));
        const source = readCsvNode(csv, { chunkBytes, dtypes: { i: 'int32', f: 'float64', b: 'bool', s: 'string' } });
        const out = join(dir, `out${n++}.parquet`);
        const sink = toParquetNode(source, out);
        expect(sink.meta).toMatchObject({ type: 'dataframe_sink', path: out });
        const [written] = await runOnFrame(sink, source);
        expect(assemble(sink, { nsplits: [[1]], chunks: ['k'] }, [written])).toEqual(written);
        expect(written).toMatchObject({ path: out, rows: rows.length });
        const back = readParquetNode(out);
        expect(back.meta.fields).toEqual(source.meta.fields);
        expect(back.meta.rows).toBe(rows.length);
        const { frame, chunks, tiled } = await runFrameAsync(back);
        expect(tiled.nsplits[0]).toEqual(chunks.map((c) => c.rows));
        expect(table(frame)).toEqual(rows);
        // Another reader agrees on the file.
        const objects = await parquetReadObjects({ file: new Uint8Array(readFileSync(out)).buffer });
        expect(objects.map((o) => [o['i'], o['f'], o['b'], o['s']])).toEqual(rows);
      }),
      { numRuns: 40 },
    );
  });

  it('reads chosen columns in order and fails at build time on a bad file or column', async () => {
    const csv = join(dir, 'c.csv');
    writeFileSync(csv, 'a,b\n1,x\n2,y\n');
    const out = join(dir, 'c.parquet');
    await runOnFrame(toParquetNode(readCsvNode(csv), out), readCsvNode(csv));
    const node = readParquetNode(out, { columns: ['b', 'a'] });
    expect(node.meta.fields).toEqual([{ name: 'b', dtype: 'string' }, { name: 'a', dtype: 'int32' }]);
    expect(table((await runFrameAsync(node)).frame)).toEqual([['x', 1], ['y', 2]]);
    expect(() => readParquetNode(out, { columns: ['zz'] })).toThrow(/"zz".*\["a","b"\]/);
    expect(() => readParquetNode(join(dir, 'missing.parquet'))).toThrow(InvalidArgumentError);
    expect(() => readParquetNode(csv)).toThrow(FileFormatError);
    expect(() => toParquetNode(readCsvNode(csv), join(dir, 'no', 'such', 'f.parquet'))).toThrow(/does not exist/);
  });
});

describe('Parquet int64', () => {
  it('reads int64 as float64 exactly to 2^53 and fails beyond, never rounding silently', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const ok = join(dir, 'i64.parquet');
    writeFileSync(ok, new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'x', data: [1n, -(2n ** 53n), 2n ** 53n], type: 'INT64' }] })));
    const node = readParquetNode(ok);
    expect(node.meta.fields).toEqual([{ name: 'x', dtype: 'float64' }]);
    expect(table((await runFrameAsync(node)).frame)).toEqual([[1], [-(2 ** 53)], [2 ** 53]]);
    const big = join(dir, 'i64big.parquet');
    writeFileSync(big, new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'x', data: [2n ** 53n + 1n], type: 'INT64' }] })));
    await expect(runFrameAsync(readParquetNode(big))).rejects.toThrow(/beyond 2\^53/);
  });
});
