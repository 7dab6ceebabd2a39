/**
 * The `dataframe` namespace (`import { dataframe as df } from 'tessera'`): DataFrames from data in
 * memory — columns, records, Arrow tables. Input is checked here, at the caller's line.
 */
import { Table } from 'apache-arrow';
import { optionsObject } from '../base/args.js';
import { InvalidArgumentError } from '../base/errors.js';
import { show } from '../base/show.js';
import {
  type ColumnData, type ColumnsOptions, fromArrowNode, fromColumnsNode, fromRecordsNode, fromTensorsNode, readArrowNode, type ReadArrowOptions,
  readCsvNode, type ReadCsvOptions, readParquetNode, type ReadParquetOptions, type SourceOptions, unifyDictionaries as unifyTableDictionaries,
} from '../ops/dataframe/index.js';
import { serverFileNode } from '../ops/dataframe/serverFile.js';
import { serverFiles } from '../ops/graph/sources.js';
import type { FrameNode } from '../ops/dataframe/index.js';
import { DataFrame } from './dataframe.js';
import { Tensor } from './tensor.js';

/**
 * A file source built by `local` from this machine's file, or — while a remote session is the default —
 * by its server from the server's file (ops/dataframe/serverFile.ts), whose answer is the schema.
 */
function fileSource(op: string, path: string, options: unknown, local: () => FrameNode): DataFrame {
  const remote = serverFiles();
  if (!remote?.describeFrameFile) return new DataFrame(local());
  return new DataFrame(serverFileNode(op, remote.describeFrameFile(op, path, options ?? {})));
}

export { DataFrame, type BatchOptions } from './dataframe.js';
export { Series, type SeriesLike, type StringMethods } from './series.js';
export type { ColumnData, ColumnsOptions, ReadArrowOptions, ReadCsvOptions, ReadParquetOptions, SourceOptions };
export { GroupBy } from './groupby.js';
export type { MergeSpec, SortOptions } from './dataframe.js';
export type { FrameDtype } from '../ops/dataframe/index.js';

/**
 * A DataFrame from columns of equal length: typed arrays, or arrays of numbers, strings or booleans with
 * nulls — or 1-D Tensors (all of them; the frame is chunked as the first tensor).
 */
export function fromColumns(columns: Readonly<Record<string, ColumnData | Tensor>>, options?: ColumnsOptions): DataFrame {
  const values = typeof columns === 'object' && columns !== null ? Object.values(columns) : [];
  const tensors = values.filter((v) => v instanceof Tensor).length;
  if (tensors > 0) {
    if (tensors !== values.length) throw new InvalidArgumentError('fromColumns takes either Tensors or data for all columns, not both; make the data a tensor with tensor.array(...).');
    optionsObject(options, 'dataframe.fromColumns (of tensors)', []);
    return new DataFrame(fromTensorsNode(Object.fromEntries(Object.entries(columns).map(([k, t]) => [k, (t as Tensor).planNode()]))));
  }
  return new DataFrame(fromColumnsNode(columns as Readonly<Record<string, ColumnData>>, optionsObject(options, 'dataframe.fromColumns', ['chunkRows', 'dtypes'])));
}

/**
 * A CSV file, cut into byte ranges of at most `chunkBytes` (smaller toward the end, so workers finish
 * together) parsed in the workers (never read whole). The header
 * and the dtypes are read from samples now; a later value that breaks its column's dtype fails with the
 * file, line and column (`FileFormatError`), as do ragged rows, bad quotes and invalid UTF-8.
 */
export function readCsv(path: string, options?: ReadCsvOptions): DataFrame {
  return fileSource('frame.read_csv', path, options, () => readCsvNode(path, options));
}

/** A Parquet file, one chunk per row group (schema and row counts read from its footer now). */
export function readParquet(path: string, options?: ReadParquetOptions): DataFrame {
  return fileSource('frame.read_parquet', path, options, () => readParquetNode(path, options));
}

/** An Arrow IPC file (or stream), in chunks of record batches. */
export function readArrow(path: string, options?: ReadArrowOptions): DataFrame {
  return fileSource('frame.read_arrow', path, options, () => readArrowNode(path, options));
}

/** A DataFrame from plain objects: the union of their keys, a missing key being null. */
export function fromRecords(records: readonly Readonly<Record<string, unknown>>[], options?: ColumnsOptions): DataFrame {
  return new DataFrame(fromRecordsNode(records, optionsObject(options, 'dataframe.fromRecords', ['chunkRows', 'dtypes'])));
}

/** A DataFrame from an Arrow table (ints, floats, bools and strings; other types are refused by name). */
export function fromArrow(table: Table, options?: SourceOptions): DataFrame {
  return new DataFrame(fromArrowNode(table, optionsObject(options, 'dataframe.fromArrow', ['chunkRows'])));
}

/**
 * The table with one dictionary per string column across its batches (codes re-encoded). A fetched
 * table's batches keep their chunks' own dictionaries, which Arrow streams allow and Arrow's IPC *file*
 * format does not: `tableToIPC(df.unifyDictionaries(await d.fetch()), 'file')` writes one, as does
 * `d.toArrowFile(path)` without fetching.
 */
export function unifyDictionaries(table: Table): Table {
  if (!(table instanceof Table)) throw new InvalidArgumentError(`dataframe.unifyDictionaries takes an Arrow Table, got ${show(table)}.`);
  return unifyTableDictionaries(table);
}
