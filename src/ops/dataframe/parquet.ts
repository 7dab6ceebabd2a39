/**
 * `readParquet` and `toParquet`. At build time only the footer is read (its length from the last 8
 * bytes, then the Thrift metadata: a few KB, whatever the file's size), which gives the schema and the
 * rows of every row group — so the frame's row count and each chunk's rows are known before running.
 * Chunks are row groups (kernels/dataframe/parquet.ts reads one group's column chunks by byte range).
 * Parquet types map to frame dtypes: INT32 (and narrower ints) -> int32; INT64, FLOAT, DOUBLE ->
 * float64 (INT64 exact to 2^53; a chunk holding a larger one fails rather than round it); BOOLEAN -> bool; UTF8 strings -> string. Other types fail at build
 * time, naming the column.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parquetMetadata, type FileMetaData, type SchemaElement } from 'hyparquet';
import { FileFormatError, InvalidArgumentError, UnknownOptionError } from '../../base/errors.js';
import { show } from '../../base/show.js';
import { makeTileable, type TileableNode } from '../../dag/nodes.js';
import type { CsvFileRef } from '../../kernels/dataframe/csv.js';
import type { ParquetReadParams } from '../../kernels/dataframe/parquet.js';
import { chunkKey, registerOp, type Tiled } from '../op.js';
import { statFile } from './csv.js';
import { frameMeta, type FrameDtype, type FrameField, type FrameNode } from './meta.js';
import { registerSinkOp, sinkNode, sinkPath, type SinkMeta } from './sinks.js';

export interface ReadParquetOptions {
  /** Columns to read, in this order (default: all). */
  readonly columns?: readonly string[];
}

interface ReadParquetParams {
  readonly file: CsvFileRef;
  readonly fields: readonly FrameField[];
  /** Rows of each row group. */
  readonly groups: readonly number[];
}

function readFooter(file: CsvFileRef): FileMetaData {
  const fd = openSync(file.path, 'r');
  try {
    const bad = (why: string): FileFormatError => new FileFormatError(file.path, 0, `not a Parquet file (${why}).`);
    if (file.size < 12) throw bad('too short');
    const tail = Buffer.alloc(8);
    readSync(fd, tail, 0, 8, file.size - 8);
    if (tail.toString('latin1', 4) !== 'PAR1') throw bad('no PAR1 at the end');
    const length = tail.readUInt32LE(0);
    if (length + 12 > file.size) throw bad('the footer length is larger than the file');
    const footer = Buffer.alloc(length + 8);
    readSync(fd, footer, 0, length + 8, file.size - 8 - length);
    try {
      return parquetMetadata(footer);
    } catch (e) {
      throw bad((e as Error).message);
    }
  } finally {
    closeSync(fd);
  }
}

function dtypeOf(el: SchemaElement, path: string): FrameDtype {
  const logical = el.logical_type?.type;
  switch (el.type) {
    case 'INT32':
      return 'int32';
    case 'INT64':
    case 'FLOAT':
    case 'DOUBLE':
      return 'float64';
    case 'BOOLEAN':
      return 'bool';
    case 'BYTE_ARRAY':
      if (el.converted_type === 'UTF8' || logical === 'STRING' || logical === 'ENUM' || logical === 'JSON') return 'string';
  }
  throw new FileFormatError(path, 0, `column '${el.name}' has Parquet type ${el.type}${logical ? ` (${logical})` : ''}, which dataframes do not read; pass columns to leave it out.`);
}

export function readParquetNode(path: string, options: ReadParquetOptions = {}): FrameNode {
  const unknown = Object.keys(options ?? {}).filter((k) => k !== 'columns');
  if (unknown.length > 0) throw new UnknownOptionError(unknown, 'readParquet options', ['columns']);
  const file = statFile(path, 'readParquet');
  const md = readFooter(file);
  const [root, ...leaves] = md.schema;
  if (leaves.some((el) => el.num_children !== undefined && el.num_children > 0) || (root?.num_children ?? 0) !== leaves.length) {
    throw new FileFormatError(file.path, 0, 'nested Parquet columns (structs, lists, maps) are not read as dataframe columns.');
  }
  const names = leaves.map((el) => el.name);
  let chosen = leaves;
  if (options.columns !== undefined) {
    if (!Array.isArray(options.columns) || options.columns.length === 0) throw new InvalidArgumentError(`readParquet: columns must be a non-empty array of names, got ${show(options.columns)}.`);
    chosen = options.columns.map((c) => {
      const at = names.indexOf(c);
      if (at < 0) throw new InvalidArgumentError(`readParquet: no column named ${show(c)} in ${file.path}; the columns are ${show(names)}.`);
      return leaves[at]!;
    });
  }
  const fields = chosen.map((el) => ({ name: el.name, dtype: dtypeOf(el, file.path) }));
  const groups = md.row_groups.map((g) => Number(g.num_rows));
  const params: ReadParquetParams = { file, fields, groups };
  return makeTileable('frame.read_parquet', params as unknown as Record<string, unknown>, [], frameMeta(fields, Number(md.num_rows))) as FrameNode;
}

registerOp({
  name: 'frame.read_parquet',
  tile(node, ctx): Tiled {
    const p = node.params as unknown as ReadParquetParams;
    // A file with no row groups is one empty chunk, so every frame has at least one chunk.
    const groups = p.groups.length === 0 ? [0] : p.groups;
    let start = 0;
    const chunks = groups.map((rows, i) => {
      const kp: ParquetReadParams = { file: p.file, rowStart: start, rowEnd: start + rows, fields: p.fields };
      start += rows;
      return ctx.add({ key: chunkKey(node.key, [i]), kernel: 'frame.read_parquet', params: kp, inputs: [], meta: { rows } });
    });
    ctx.plan(`read_parquet: ${chunks.length} row group${chunks.length === 1 ? '' : 's'}`);
    return { nsplits: [[...groups]], chunks };
  },
});

/** Writes the frame to a Parquet file, one row group per chunk; fetch gives `{ path, rows, bytes }`. */
export function toParquetNode(frame: FrameNode, path: string): TileableNode<SinkMeta> {
  return sinkNode('frame.to_parquet', 'parquet', frame, sinkPath(path, 'toParquet'));
}

registerSinkOp('frame.to_parquet', 'frame.to_parquet');
