/**
 * Arrow IPC: frames written as an IPC file read back by apache-arrow itself (plain Utf8 strings, so
 * per-chunk dictionaries never clash), and IPC files and streams read as frames — files chunked by
 * groups of record batches (dictionary batches shared), streams as one chunk.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table, tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '../../../../src/base/errors.js';
import { valueAt, type FrameChunk } from '../../../../src/base/frame.js';
import { readArrowNode, toArrowFileNode } from '../../../../src/ops/dataframe/arrowFile.js';
import { readCsvNode } from '../../../../src/ops/dataframe/csv.js';
import { runFrameAsync, runOnFrame } from './runFrame.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-arrow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const table = (f: FrameChunk): unknown[][] => Array.from({ length: f.rows }, (_, i) => f.columns.map((c) => valueAt(c, i)));

const row = fc.tuple(
  fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: null }),
  fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)), { nil: null }),
  fc.option(fc.boolean(), { nil: null }),
  fc.option(fc.constantFrom('a', 'b', 'é', '日本', '\u{1f600}'), { nil: null }),
);

describe('Arrow IPC', () => {
  it('writes a multi-chunk frame that apache-arrow reads back, and reads the file back in batch groups', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 50 }), fc.integer({ min: 8, max: 120 }), fc.integer({ min: 1, max: 600 }), async (rows, chunkBytes, readBytes) => {
        const csv = join(dir, `in${n}.csv`);
        writeFileSync(csv, ['i,f,b,s', ...rows.map(([i, f, b, s]) => [i ?? '', f ?? '', b ?? '', s ?? ''].join(','))].join('\n'));
        const source = readCsvNode(csv, { chunkBytes, dtypes: { i: 'int32', f: 'float64', b: 'bool', s: 'string' } });
        const out = join(dir, `out${n++}.arrow`);
        const [written] = await runOnFrame(toArrowFileNode(source, out), source);
        expect(written).toMatchObject({ path: out, rows: rows.length });
        const t = tableFromIPC(readFileSync(out));
        expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['i:Int32', 'f:Float64', 'b:Bool', 's:Utf8']);
        expect(t.toArray().map((r) => [r.i, r.f, r.b, r.s])).toEqual(rows);
        const back = readArrowNode(out, { chunkBytes: readBytes });
        expect(back.meta.fields).toEqual(source.meta.fields);
        expect(table((await runFrameAsync(back)).frame)).toEqual(rows);
      }),
      { numRuns: 40 },
    );
  });

  it('reads dictionary-encoded strings across batch groups, and a stream as one chunk', async () => {
    // One dictionary shared by three batches (slices of one).
    const one = tableFromArrays({ id: Int32Array.from({ length: 15 }, (_, i) => i), s: ['x', 'y', 'x', 'z', 'y', 'é', 'x', 'y', 'x', 'z', 'y', 'é', 'q', 'q', 'x'] });
    const batch = one.batches[0]!;
    const whole = new Table([batch.slice(0, 5), batch.slice(5, 10), batch.slice(10, 15)]);
    expect(String(whole.schema.fields[1]!.type)).toMatch(/^Dictionary/);
    const file = join(dir, 'dict.arrow');
    writeFileSync(file, tableToIPC(whole, 'file'));
    const node = readArrowNode(file, { chunkBytes: 1 });
    expect(node.meta.fields).toEqual([{ name: 'id', dtype: 'int32' }, { name: 's', dtype: 'string' }]);
    const { frame, chunks } = await runFrameAsync(node);
    expect(chunks.length).toBe(3);
    expect(table(frame)).toEqual(whole.toArray().map((r) => [r.id, r.s]));
    const stream = join(dir, 'dict.arrows');
    writeFileSync(stream, tableToIPC(whole, 'stream'));
    const s = readArrowNode(stream, { columns: ['s'] });
    const ran = await runFrameAsync(s);
    expect(ran.chunks.length).toBe(1);
    expect(table(ran.frame)).toEqual(whole.toArray().map((r) => [r.s]));
  });

  it('fails at build time on a file that is not Arrow, or an unknown column', () => {
    const bad = join(dir, 'bad.arrow');
    writeFileSync(bad, 'a,b\n1,2\n');
    expect(() => readArrowNode(bad)).toThrow(FileFormatError);
    const file = join(dir, 'ok.arrow');
    writeFileSync(file, tableToIPC(tableFromArrays({ a: new Int32Array([1]) }), 'file'));
    expect(() => readArrowNode(file, { columns: ['b'] })).toThrow(/"b".*\["a"\]/);
  });
});
