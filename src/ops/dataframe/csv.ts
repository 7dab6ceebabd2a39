/**
 * `readCsv`: a CSV file as a dataframe of byte-range chunks parsed in the workers, so a file larger than
 * memory is never held whole. At build time (here, synchronously) the file is stat'ed and sampled
 * (csvSample.ts) for the header and the dtypes, so the schema is known at the user's line; the node's
 * params hold the file's path, size and mtime, so an edited file gets a new key and is read again.
 *
 * Tiling (kernels/dataframe/csv.ts explains why): per byte range, a quote-count chunk and a parse
 * chunk that takes the counts of every earlier range. Rows per chunk are unknown until run (NaN).
 * Ranges are at most `chunkBytes` and shrink toward the end of the file (`csvRangeBounds`: each a third
 * of what is left, within chunkBytes / 8 .. chunkBytes — guided self-scheduling): workers take ranges
 * in order, so the last ones decide how long the first worker to run dry waits for the others, and
 * small last ranges keep that wait short while the big early ones keep the count of ranges low (every
 * chunk has its own dictionary per string column, and a high-cardinality column — h2o's id3, 1e5
 * strings — fills most of it in every chunk, ~15 ms a chunk here). `chunkBytes` defaults to an eighth
 * of the data, between 16 and 64 MiB: the 509 MB h2o file is 13 ranges, 61 MiB down to 8 MiB. A worker
 * holds one range's columns at a time (its bytes only a 4 MiB block at a time).
 *
 * Dtype policy (exact, never a silently wrong column): the schema is fixed here from the samples, so a
 * chunk cannot change a column's dtype after the fact. int -> float is lossless, so a float64 column
 * reads integers as they are; the other direction — a 1.5, or text, in a column the sample found
 * int32 (or text in a float64 column) — fails in the worker with the file, line and column, and the
 * error names the `dtypes` option that reads the column as it really is.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, UnknownOptionError } from '../../base/errors.js';
import { show } from '../../base/show.js';
import { makeTileable } from '../../dag/nodes.js';
import type { CsvChunkParams, CsvFileRef, CsvQuotesParams } from '../../kernels/dataframe/csv.js';
import type { CsvLayout } from '../../kernels/dataframe/csvParse.js';
import { chunkKey, registerOp, type Tiled } from '../op.js';
import { checkDtype, frameMeta, type FrameDtype, type FrameField, type FrameNode } from './meta.js';
import { sampleCsv } from './csvSample.js';

export interface ReadCsvOptions {
  readonly delimiter?: string;
  readonly header?: boolean;
  /** Columns to read, in this order (default: all, in file order). */
  readonly columns?: readonly string[];
  /** Dtype per column name, overriding the inferred one. */
  readonly dtypes?: Readonly<Record<string, FrameDtype>>;
  readonly chunkBytes?: number;
  /** Field texts read as null, besides the empty field. */
  readonly nullValues?: readonly string[];
}

const KNOWN = ['delimiter', 'header', 'columns', 'dtypes', 'chunkBytes', 'nullValues'];
const MIN_DEFAULT_CHUNK_BYTES = 16 * 2 ** 20;
const MAX_DEFAULT_CHUNK_BYTES = 64 * 2 ** 20;

/** The default largest range for `dataBytes` of records: an eighth, in whole MiB, within 16..64 MiB. */
export function defaultCsvChunkBytes(dataBytes: number): number {
  const eighth = Math.ceil(dataBytes / 8 / 2 ** 20) * 2 ** 20;
  return Math.min(MAX_DEFAULT_CHUNK_BYTES, Math.max(MIN_DEFAULT_CHUNK_BYTES, eighth));
}

/**
 * The range boundaries of the records in [dataStart, size): each range a third of the bytes left,
 * within [chunkBytes / 8, chunkBytes]; a last piece shorter than half a range joins the one before
 * (which happens only at the floor, so the joined range is still under chunkBytes).
 */
export function csvRangeBounds(dataStart: number, size: number, chunkBytes: number): number[] {
  const bounds = [dataStart];
  const least = Math.max(1, Math.floor(chunkBytes / 8));
  for (let at = dataStart; at < size; ) {
    const left = size - at;
    let step = Math.min(chunkBytes, Math.max(least, Math.ceil(left / 3)));
    if (left - step < step / 2) step = left;
    at += step;
    bounds.push(at);
  }
  if (bounds.length === 1) bounds.push(size);
  return bounds;
}

export interface ReadCsvParams {
  readonly file: CsvFileRef;
  readonly layout: CsvLayout;
  readonly dataStart: number;
  readonly chunkBytes: number;
  readonly lineBytes: number;
}

/** A file's identity for node keys: its absolute path, size and modification time; a missing file fails here. */
export function statFile(path: unknown, where: string): CsvFileRef {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(`${where} needs a file path, got ${show(path)}.`);
  const full = resolve(path);
  let st;
  try {
    st = statSync(full);
  } catch (e) {
    throw new InvalidArgumentError(`${where}: cannot read ${full} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass an existing file.`);
  }
  if (!st.isFile()) throw new InvalidArgumentError(`${where}: ${full} is not a file.`);
  return { path: full, size: st.size, mtimeMs: st.mtimeMs };
}

function checkOptions(options: ReadCsvOptions): void {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(`readCsv options must be an object, got ${show(options)}.`);
  const unknown = Object.keys(options).filter((k) => !KNOWN.includes(k));
  if (unknown.length > 0) throw new UnknownOptionError(unknown, 'readCsv options', KNOWN);
  const d = options.delimiter ?? ',';
  if (typeof d !== 'string' || d.length !== 1 || d.charCodeAt(0) > 127 || d === '"' || d === '\n' || d === '\r') {
    throw new InvalidArgumentError(`readCsv: delimiter must be one ASCII character other than a quote or a newline, got ${show(d)}.`);
  }
  if (options.header !== undefined && typeof options.header !== 'boolean') throw new InvalidArgumentError(`readCsv: header must be true or false, got ${show(options.header)}.`);
  const cb = options.chunkBytes;
  if (cb !== undefined && (typeof cb !== 'number' || !Number.isSafeInteger(cb) || cb <= 0)) {
    throw new InvalidArgumentError(`readCsv: chunkBytes must be a positive integer (bytes per chunk), got ${show(cb)}.`);
  }
  const nv = options.nullValues;
  if (nv !== undefined && (!Array.isArray(nv) || nv.some((v) => typeof v !== 'string'))) {
    throw new InvalidArgumentError(`readCsv: nullValues must be an array of strings, got ${show(nv)}.`);
  }
}

/** Header names made unique the way pandas does ('a', 'a.1', ...); an empty name becomes `column<i>`. */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((n, i) => {
    let name = n === '' ? `column${i}` : n;
    for (let k = 1; seen.has(name); k++) name = `${n}.${k}`;
    seen.add(name);
    return name;
  });
}

export function readCsvNode(path: string, options: ReadCsvOptions = {}): FrameNode {
  checkOptions(options);
  const file = statFile(path, 'readCsv');
  const delimiter = options.delimiter ?? ',';
  const nullValues = [...new Set(['', ...(options.nullValues ?? [])])];
  const sample = sampleCsv(file.path, file.size, delimiter, options.header ?? true, nullValues);
  const names = uniqueNames(sample.names);
  let indices = names.map((_, i) => i);
  if (options.columns !== undefined) {
    const cols = options.columns;
    if (!Array.isArray(cols) || cols.length === 0) throw new InvalidArgumentError(`readCsv: columns must be a non-empty array of column names, got ${show(cols)}.`);
    const seen = new Set<string>();
    indices = cols.map((c) => {
      const at = typeof c === 'string' ? names.indexOf(c) : -1;
      if (at < 0) throw new InvalidArgumentError(`readCsv: no column named ${show(c)} in ${file.path}; the header has ${show(names)}.`);
      if (seen.has(c)) throw new InvalidArgumentError(`readCsv: column ${show(c)} is named twice in columns.`);
      seen.add(c);
      return at;
    });
  }
  const dtypes = options.dtypes ?? {};
  if (typeof dtypes !== 'object' || dtypes === null) throw new InvalidArgumentError(`readCsv: dtypes must be an object of column name to dtype, got ${show(dtypes)}.`);
  for (const [name, dtype] of Object.entries(dtypes)) {
    if (!names.includes(name)) throw new InvalidArgumentError(`readCsv: dtypes names ${show(name)}, which is not a column of ${file.path}; the header has ${show(names)}.`);
    checkDtype(dtype, `readCsv dtypes[${show(name)}]`);
  }
  const columns = indices.map((i) => ({ index: i, name: names[i]!, dtype: dtypes[names[i]!] ?? sample.dtypes[i]! }));
  const layout: CsvLayout = { file: file.path, delimiter, width: names.length, columns, nullValues };
  const params: ReadCsvParams = {
    file,
    layout,
    dataStart: sample.dataStart,
    chunkBytes: options.chunkBytes ?? defaultCsvChunkBytes(file.size - sample.dataStart),
    lineBytes: Math.max(1, Math.round(sample.lineBytes)),
  };
  const fields: FrameField[] = columns.map((c) => ({ name: c.name, dtype: c.dtype }));
  return makeTileable('frame.read_csv', params as unknown as Record<string, unknown>, [], frameMeta(fields)) as FrameNode;
}

registerOp({
  name: 'frame.read_csv',
  tile(node, ctx): Tiled {
    const p = node.params as unknown as ReadCsvParams;
    const bounds = csvRangeBounds(p.dataStart, p.file.size, p.chunkBytes);
    const n = bounds.length - 1;
    const bound = (i: number): number => bounds[i]!;
    const quotes: string[] = [];
    for (let k = 0; k < n - 1; k++) {
      const qp: CsvQuotesParams = { file: p.file, lo: k === 0 ? p.dataStart : bound(k) - 1, hi: bound(k + 1) - 1 };
      quotes.push(ctx.add({ key: chunkKey(node.key, [k], 'quotes'), kernel: 'frame.csv_quotes', params: qp, inputs: [], meta: { readBytes: qp.hi - qp.lo } }));
    }
    const chunks = Array.from({ length: n }, (_, i) => {
      const cp: CsvChunkParams = { file: p.file, layout: p.layout, dataStart: p.dataStart, begin: bound(i), end: bound(i + 1), lineBytes: p.lineBytes };
      return ctx.add({ key: chunkKey(node.key, [i]), kernel: 'frame.read_csv', params: cp, inputs: quotes.slice(0, i), meta: { rows: Number.NaN } });
    });
    ctx.plan(`read_csv: ${n} byte range${n === 1 ? '' : 's'} of ${n === 1 ? bounds[1]! - bounds[0]! : `${bounds[n]! - bounds[n - 1]!} to ${Math.max(...bounds.slice(1).map((b, i) => b - bounds[i]!))}`} bytes`);
    return { nsplits: [chunks.map(() => Number.NaN)], chunks };
  },
});
