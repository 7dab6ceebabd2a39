/**
 * `readArrow` and `toArrowFile` (Arrow IPC). At build time only the schema is read — for the file
 * format the footer (its length from the last 10 bytes), which also gives every record batch's block,
 * so chunks are runs of consecutive batches of about `chunkBytes` of body; for the stream format the
 * first message, and the stream is one chunk. Rows are known after running (NaN until then). Arrow
 * types map to frame dtypes: Int8/16/32, Uint8/16 -> int32; Int64, Uint32/64, Float* -> float64; Bool
 * -> bool; Utf8, LargeUtf8 and dictionaries of them -> string; other types fail at build time.
 */
import { closeSync, openSync } from 'node:fs';
import { RecordBatchReader, Table, tableToIPC, type DataType, type Schema } from 'apache-arrow';
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { FileFormatError, InvalidArgumentError, UnknownOptionError } from '../../base/errors.js';
import { show } from '../../base/show.js';
import { makeTileable, type TileableNode } from '../../dag/nodes.js';
import type { ArrowReadParams, IpcBlock } from '../../kernels/dataframe/arrowFile.js';
import type { CsvFileRef } from '../../kernels/dataframe/csv.js';
import { chunkKey, registerOp, type Tiled } from '../op.js';
import { statFile } from './csv.js';
import { frameMeta, type FrameDtype, type FrameField, type FrameNode } from './meta.js';
import { registerSinkOp, sinkNode, sinkPath, type SinkMeta } from './sinks.js';
import { readAt } from '../../base/fileRange.js';

export interface ReadArrowOptions {
  readonly columns?: readonly string[];
  /** Record-batch bytes per chunk (default 32 MiB; at least one batch a chunk). */
  readonly chunkBytes?: number;
}

interface ReadArrowNodeParams extends Omit<ArrowReadParams, 'batches'> {
  readonly groups: readonly (readonly IpcBlock[])[];
}

const MAGIC = 'ARROW1';
const DEFAULT_CHUNK_BYTES = 32 * 2 ** 20;

/** The encapsulated message at `offset`: its block (continuation, length, metadata; no body for a schema). */
function messageBlock(fd: number, offset: number, path: string): IpcBlock {
  const head = readAt(fd, offset, 8);
  if (head.length < 4) throw new FileFormatError(path, 0, 'not an Arrow IPC file or stream (too short).');
  const continued = head.readUInt32LE(0) === 0xffffffff;
  const length = continued ? head.readInt32LE(4) : head.readInt32LE(0);
  if (length <= 0) throw new FileFormatError(path, 0, 'not an Arrow IPC file or stream (no schema message).');
  return { offset, length: (continued ? 8 : 4) + length };
}

function dtypeOf(type: DataType, name: string, path: string): FrameDtype {
  const t = String(type);
  if (/^(Int8|Int16|Int32|Uint8|Uint16)$/.test(t)) return 'int32';
  if (/^(Int64|Uint32|Uint64|Float16|Float32|Float64)$/.test(t)) return 'float64';
  if (t === 'Bool') return 'bool';
  if (/^(Utf8|LargeUtf8|Dictionary<\w+, (Utf8|LargeUtf8)>)$/.test(t)) return 'string';
  throw new FileFormatError(path, 0, `column '${name}' has Arrow type ${t}, which dataframes do not read; pass columns to leave it out.`);
}

function schemaOf(fd: number, file: CsvFileRef): { format: 'file' | 'stream'; schema: Schema; footer?: Footer } {
  const start = readAt(fd, 0, 8);
  if (start.toString('latin1', 0, 6) === MAGIC) {
    const tail = readAt(fd, file.size - 10, 10);
    if (tail.toString('latin1', 4) !== MAGIC) throw new FileFormatError(file.path, 0, 'an Arrow file without its footer (truncated?).');
    const length = tail.readInt32LE(0);
    if (length <= 0 || length + 18 > file.size) throw new FileFormatError(file.path, 0, 'an Arrow file with a bad footer length.');
    const footer = Footer.decode(readAt(fd, file.size - 10 - length, length));
    return { format: 'file', schema: footer.schema, footer };
  }
  const schemaBlock = messageBlock(fd, 0, file.path);
  const bytes = Buffer.concat([readAt(fd, 0, schemaBlock.length), Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])]);
  try {
    const reader = RecordBatchReader.from(bytes);
    reader.open();
    return { format: 'stream', schema: reader.schema };
  } catch (e) {
    throw new FileFormatError(file.path, 0, `not an Arrow IPC file or stream (${(e as Error).message}).`);
  }
}

export function readArrowNode(path: string, options: ReadArrowOptions = {}): FrameNode {
  const unknown = Object.keys(options ?? {}).filter((k) => k !== 'columns' && k !== 'chunkBytes');
  if (unknown.length > 0) throw new UnknownOptionError(unknown, 'readArrow options', ['columns', 'chunkBytes']);
  const cb = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isSafeInteger(cb) || cb <= 0) throw new InvalidArgumentError(`readArrow: chunkBytes must be a positive integer, got ${show(cb)}.`);
  const file = statFile(path, 'readArrow');
  const fd = openSync(file.path, 'r');
  let info: ReturnType<typeof schemaOf>;
  try {
    info = schemaOf(fd, file);
  } finally {
    closeSync(fd);
  }
  const all = info.schema.fields.map((f) => f.name);
  let chosen = info.schema.fields;
  if (options.columns !== undefined) {
    if (!Array.isArray(options.columns) || options.columns.length === 0) throw new InvalidArgumentError(`readArrow: columns must be a non-empty array of names, got ${show(options.columns)}.`);
    chosen = options.columns.map((c) => {
      const at = all.indexOf(c);
      if (at < 0) throw new InvalidArgumentError(`readArrow: no column named ${show(c)} in ${file.path}; the columns are ${show(all)}.`);
      return info.schema.fields[at]!;
    });
  }
  const fields: FrameField[] = chosen.map((f) => ({ name: f.name, dtype: dtypeOf(f.type, f.name, file.path) }));
  const groups: IpcBlock[][] = [];
  const dictionaries: IpcBlock[] = [];
  if (info.footer) {
    const footer = info.footer;
    const block = (offset: number, length: number): IpcBlock => ({ offset, length });
    for (let i = 0; i < footer.numDictionaries; i++) {
      const b = footer.getDictionaryBatch(i)!;
      dictionaries.push(block(Number(b.offset), b.metaDataLength + Number(b.bodyLength)));
    }
    let bytes = Infinity;
    for (let i = 0; i < footer.numRecordBatches; i++) {
      const b = footer.getRecordBatch(i)!;
      const batch = block(Number(b.offset), b.metaDataLength + Number(b.bodyLength));
      if (bytes + batch.length > cb) {
        groups.push([]);
        bytes = 0;
      }
      groups.at(-1)!.push(batch);
      bytes += batch.length;
    }
  }
  if (groups.length === 0) groups.push([]);
  // The schema message the worker puts before the batches: written here from the footer's schema (a
  // file need not repeat it as a message — apache-arrow's JS writer does not), without the end marker.
  const schemaIpc = info.footer ? Buffer.from(tableToIPC(new Table(info.schema), 'stream')).subarray(0, -8).toString('base64') : '';
  const params: ReadArrowNodeParams = { file, fields, format: info.format, schemaIpc, dictionaries, groups };
  return makeTileable('frame.read_arrow', params as unknown as Record<string, unknown>, [], frameMeta(fields)) as FrameNode;
}

registerOp({
  name: 'frame.read_arrow',
  tile(node, ctx): Tiled {
    const { groups, ...rest } = node.params as unknown as ReadArrowNodeParams;
    const chunks = groups.map((batches, i) => {
      const kp: ArrowReadParams = { ...rest, batches };
      return ctx.add({ key: chunkKey(node.key, [i]), kernel: 'frame.read_arrow', params: kp, inputs: [], meta: { rows: Number.NaN } });
    });
    ctx.plan(rest.format === 'stream' ? 'read_arrow: one stream, one chunk' : `read_arrow: ${chunks.length} group${chunks.length === 1 ? '' : 's'} of record batches`);
    return { nsplits: [chunks.map(() => Number.NaN)], chunks };
  },
});

/** Writes the frame as an Arrow IPC file, one record batch per chunk; fetch gives `{ path, rows, bytes }`. */
export function toArrowFileNode(frame: FrameNode, path: string): TileableNode<SinkMeta> {
  return sinkNode('frame.to_arrow_file', 'arrow', frame, sinkPath(path, 'toArrowFile'));
}

registerSinkOp('frame.to_arrow_file', 'frame.to_arrow_file');
