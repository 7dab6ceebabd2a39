/**
 * Parquet chunks with hyparquet (pure JS; chosen over parquet-wasm, which is about twice as fast on
 * whole files but reads only a whole file held in memory — or ranges through an async Blob API — and
 * has no synchronous footer reader for the build-time schema). A read chunk is one row group: the
 * worker opens the file, which hyparquet reads by byte ranges (the footer and that group's column
 * chunks, never the whole file), and decodes the group's columns into FrameChunk columns. The sink
 * writes each frame chunk as one row group with hyparquet-writer's streaming ParquetWriter.
 */
import { closeSync, statSync } from 'node:fs';
import { asyncBufferFromFile, parquetRead, type ColumnData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ParquetWriter, fileWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import { DTypeError, FileFormatError } from '../../base/errors.js';
import {
  allocBytes, allocFloat64, allocInt32, makeFrame, valueAt, type FrameChunk, type FrameColumn, type FrameDtype, type FrameField,
} from '../../base/frame.js';
import { utf8DictOf } from '../../base/utf8Dict.js';
import { registerKernel } from '../registry.js';
import { openChecked, type CsvFileRef } from './csv.js';

const MAX_EXACT = 2n ** 53n;

export interface ParquetReadParams {
  readonly file: CsvFileRef;
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly fields: readonly FrameField[];
}

export interface ParquetWriteParams {
  readonly path: string;
  readonly fields: readonly FrameField[];
}

/** A decoded column of `rows` values (numbers, bigints, booleans, strings, null) as a FrameColumn. */
export function columnFromValues(dtype: FrameDtype, values: ArrayLike<unknown>, rows: number): FrameColumn {
  if (dtype === 'string') {
    const codes = allocInt32(rows);
    const dict: string[] = [];
    const codeOf = new Map<string, number>();
    for (let i = 0; i < rows; i++) {
      const v = values[i];
      if (v === null || v === undefined) {
        codes[i] = -1;
        continue;
      }
      const s = String(v);
      let c = codeOf.get(s);
      if (c === undefined) {
        c = dict.length;
        dict.push(s);
        codeOf.set(s, c);
      }
      codes[i] = c;
    }
    return { dtype, codes, dict: utf8DictOf(dict) };
  }
  const out = dtype === 'int32' ? allocInt32(rows) : dtype === 'float64' ? allocFloat64(rows) : allocBytes(rows);
  let valid: Uint8Array | null = null;
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      if (!valid) valid = allocBytes(rows).fill(1);
      valid[i] = 0;
    } else if (typeof v === 'bigint') {
      // int64 becomes float64, exact to 2^53; a larger value would be silently rounded, so it fails.
      if (v > MAX_EXACT || v < -MAX_EXACT) throw new DTypeError(`the int64 value ${v} is beyond 2^53, which float64 cannot hold exactly.`);
      out[i] = Number(v);
    } else out[i] = typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
  }
  return { dtype, values: out, valid } as FrameColumn;
}

registerKernel('frame.read_parquet', async (_inputs, p: ParquetReadParams): Promise<FrameChunk> => {
  // The file must still be the one the node was built from (same size and mtime).
  closeSync(openChecked(p.file));
  const rows = p.rowEnd - p.rowStart;
  const pieces = new Map<string, ColumnData[]>();
  try {
    const file = await asyncBufferFromFile(p.file.path);
    await parquetRead({
      file,
      columns: p.fields.map((f) => f.name),
      rowStart: p.rowStart,
      rowEnd: p.rowEnd,
      compressors,
      onChunk: (c) => {
        const list = pieces.get(c.columnName) ?? [];
        list.push(c);
        pieces.set(c.columnName, list);
      },
    });
  } catch (e) {
    throw new FileFormatError(p.file.path, 0, `cannot read rows ${p.rowStart}..${p.rowEnd} of the Parquet file: ${(e as Error).message}`);
  }
  const columns = p.fields.map((f) => {
    // Pieces may cover more rows than asked for: place each at its row, clipped to the range.
    const values: unknown[] = new Array(rows).fill(null);
    for (const piece of pieces.get(f.name) ?? []) {
      const data = piece.columnData;
      for (let r = Math.max(piece.rowStart, p.rowStart); r < Math.min(piece.rowEnd, p.rowEnd); r++) values[r - p.rowStart] = data[r - piece.rowStart];
    }
    return columnFromValues(f.dtype, values, rows);
  });
  return makeFrame(p.fields.map((f) => f.name), columns);
});

const PARQUET_TYPE: Record<FrameDtype, ColumnSource['type']> = { int32: 'INT32', float64: 'DOUBLE', bool: 'BOOLEAN', string: 'STRING' };

/** A chunk's column as the plain values hyparquet-writer takes (null for a null). */
function plainValues(c: FrameColumn, rows: number): unknown[] | Int32Array | Float64Array {
  if ((c.dtype === 'int32' || c.dtype === 'float64') && c.valid === null) return c.values;
  return Array.from({ length: rows }, (_, i) => valueAt(c, i));
}

registerKernel('frame.to_parquet', (inputs, p: ParquetWriteParams) => {
  const chunks = inputs as readonly FrameChunk[];
  const columnsOf = (chunk: FrameChunk): ColumnSource[] =>
    p.fields.map((f, j) => ({ name: f.name, data: plainValues(chunk.columns[j]!, chunk.rows) as never, type: PARQUET_TYPE[f.dtype], nullable: true }));
  const empty = p.fields.map((f) => ({ name: f.name, data: [] as never, type: PARQUET_TYPE[f.dtype], nullable: true }));
  const writer = new ParquetWriter({ writer: fileWriter(p.path), schema: schemaFromColumnData({ columnData: empty }) });
  let rows = 0;
  for (const chunk of chunks) {
    if (chunk.rows === 0) continue;
    writer.write({ columnData: columnsOf(chunk), rowGroupSize: chunk.rows });
    rows += chunk.rows;
  }
  writer.finish();
  return { path: p.path, rows, bytes: statSync(p.path).size };
});
