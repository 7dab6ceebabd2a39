/**
 * The `dataframe` namespace (`import { dataframe as df } from 'tessera'`): DataFrames from data in
 * memory — columns, records, Arrow tables. Input is checked here, at the caller's line.
 */
import type { Table } from 'apache-arrow';
import { optionsObject } from '../base/args.js';
import { type ColumnData, type ColumnsOptions, fromArrowNode, fromColumnsNode, fromRecordsNode, type SourceOptions } from '../ops/dataframe/index.js';
import { DataFrame } from './dataframe.js';

export { DataFrame, type BatchOptions } from './dataframe.js';
export { Series, type SeriesLike, type StringMethods } from './series.js';
export type { ColumnData, ColumnsOptions, SourceOptions };
export type { FrameDtype } from '../ops/dataframe/index.js';

/** A DataFrame from columns of equal length: typed arrays, or arrays of numbers, strings or booleans with nulls. */
export function fromColumns(columns: Readonly<Record<string, ColumnData>>, options?: ColumnsOptions): DataFrame {
  return new DataFrame(fromColumnsNode(columns, optionsObject(options, 'dataframe.fromColumns', ['chunkRows', 'dtypes'])));
}

/** A DataFrame from plain objects: the union of their keys, a missing key being null. */
export function fromRecords(records: readonly Readonly<Record<string, unknown>>[], options?: ColumnsOptions): DataFrame {
  return new DataFrame(fromRecordsNode(records, optionsObject(options, 'dataframe.fromRecords', ['chunkRows', 'dtypes'])));
}

/** A DataFrame from an Arrow table (ints, floats, bools and strings; other types are refused by name). */
export function fromArrow(table: Table, options?: SourceOptions): DataFrame {
  return new DataFrame(fromArrowNode(table, optionsObject(options, 'dataframe.fromArrow', ['chunkRows'])));
}
