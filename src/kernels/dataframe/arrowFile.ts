/**
 * Arrow IPC files and streams as frame chunks, and frames written as an IPC file.
 *
 * Reading (file format): a chunk is a run of record batches. The worker reads every dictionary batch
 * and its own batches' blocks (offsets from the footer, decoded at build time), puts the schema message
 * (made at build time from the footer's schema) in front, and decodes that IPC stream — never the rest
 * of the file. A stream
 * (no footer, so no batch offsets without reading it all) is one chunk read by one worker.
 *
 * Writing: Arrow's file format forbids replacing a dictionary between batches, and our string columns
 * have a dictionary per chunk, so strings are written as plain Utf8 (each chunk one record batch, nulls
 * as validity bitmaps).
 */
import { closeSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import {
  Bool, Field, Float64, Int32, RecordBatch, RecordBatchFileWriter, Schema, Struct, Utf8, makeData, tableFromIPC, vectorFromArray,
  type Data, type DataType, type Table,
} from 'apache-arrow';
import { FileFormatError } from '../../base/errors.js';
import { makeFrame, valueAt, type FrameChunk, type FrameColumn, type FrameField } from '../../base/frame.js';
import { registerKernel } from '../registry.js';
import { openChecked, type CsvFileRef } from './csv.js';
import { columnFromValues } from './parquet.js';

export interface IpcBlock {
  readonly offset: number;
  readonly length: number;
}

export interface ArrowReadParams {
  readonly file: CsvFileRef;
  readonly fields: readonly FrameField[];
  /** 'file': schema + dictionaries + these batches; 'stream': the whole file. */
  readonly format: 'file' | 'stream';
  /** The schema message (base64; file format only). */
  readonly schemaIpc: string;
  readonly dictionaries: readonly IpcBlock[];
  readonly batches: readonly IpcBlock[];
}

const EOS = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/** An Arrow table's columns as a FrameChunk with the given fields (values converted per dtype). */
export function frameFromTable(table: Table, fields: readonly FrameField[]): FrameChunk {
  const rows = table.numRows;
  const columns = fields.map((f): FrameColumn => {
    const vector = table.getChild(f.name);
    if (!vector) throw new Error(`the Arrow table has no column '${f.name}'.`);
    const values: unknown[] = new Array(rows);
    for (let i = 0; i < rows; i++) values[i] = vector.get(i);
    return columnFromValues(f.dtype, values, rows);
  });
  return makeFrame(fields.map((f) => f.name), columns);
}

registerKernel('frame.read_arrow', (_inputs, p: ArrowReadParams): FrameChunk => {
  const fd = openChecked(p.file);
  try {
    let bytes: Uint8Array;
    if (p.format === 'stream') bytes = readFileSync(fd);
    else {
      const schema = Buffer.from(p.schemaIpc, 'base64');
      const blocks = [...p.dictionaries, ...p.batches];
      bytes = new Uint8Array(schema.length + blocks.reduce((n, b) => n + b.length, 0) + EOS.length);
      bytes.set(schema, 0);
      let at = schema.length;
      for (const b of blocks) {
        for (let done = 0; done < b.length; ) {
          const n = readSync(fd, bytes, at + done, b.length - done, b.offset + done);
          if (n === 0) throw new FileFormatError(p.file.path, 0, `the Arrow file ends inside a block at byte ${b.offset + done}.`);
          done += n;
        }
        at += b.length;
      }
      bytes.set(EOS, at);
    }
    let table: Table;
    try {
      table = tableFromIPC(bytes);
    } catch (e) {
      throw new FileFormatError(p.file.path, 0, `cannot decode Arrow IPC data: ${(e as Error).message}`);
    }
    return frameFromTable(table, p.fields);
  } finally {
    closeSync(fd);
  }
});

function arrowType(f: FrameField): DataType {
  switch (f.dtype) {
    case 'int32':
      return new Int32();
    case 'float64':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'string':
      return new Utf8();
  }
}

/** One column of a chunk as Arrow data (typed arrays as they are when there are no nulls). */
function columnData(c: FrameColumn, type: DataType, rows: number): Data {
  if ((c.dtype === 'int32' || c.dtype === 'float64') && c.valid === null) return makeData({ type: type as Int32, length: rows, data: c.values as Int32Array });
  return vectorFromArray(Array.from({ length: rows }, (_, i) => valueAt(c, i)), type).data[0]!;
}

registerKernel('frame.to_arrow_file', (inputs, p: { path: string; fields: readonly FrameField[] }) => {
  const chunks = inputs as readonly FrameChunk[];
  const schema = new Schema(p.fields.map((f) => new Field(f.name, arrowType(f), true)));
  const writer = new RecordBatchFileWriter();
  writer.reset(undefined, schema);
  let rows = 0;
  for (const chunk of chunks) {
    if (chunk.rows === 0) continue;
    const children = p.fields.map((f, j) => columnData(chunk.columns[j]!, schema.fields[j]!.type, chunk.rows));
    writer.write(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: chunk.rows, children })));
    rows += chunk.rows;
  }
  writer.finish();
  writeFileSync(p.path, writer.toUint8Array(true));
  return { path: p.path, rows, bytes: statSync(p.path).size };
});
