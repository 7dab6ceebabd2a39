/**
 * `DataFrame`: the handle of a row-chunked, Arrow-backed table. Its schema (`columns`, `dtypes`) is
 * known when it is built, so a wrong column name fails at the user's line; its row count only once it
 * has run, unless its source knew it (`shape[0]` is `NaN` until then, as in Mars). Every method builds a
 * new node and returns a new handle. Results come out as Arrow: `fetch()` gives a `Table`,
 * `iterBatches()` streams `RecordBatch`es chunk by chunk, `toRecords()` plain objects.
 */
import type { RecordBatch, Table } from 'apache-arrow';
import { optionsObject } from '../base/args.js';
import { InvalidArgumentError } from '../base/errors.js';
import { type FrameChunk, type FrameDtype, sliceRows, valueAt } from '../base/frame.js';
import { type FrameExpr, type Literal, litExpr } from '../base/frameExpr.js';
import { show } from '../base/show.js';
import { withMeta } from '../dag/nodes.js';
import {
  assignNode, describeNode, dropDuplicatesNode, dropnaNode, fieldOf, fillnaNode, filterNode, type FrameNode, frameToRecordBatch,
  type HashOptions, headNode, mergeNode, type MergeOptions, recordBatchToFrame, renameNode, selectNode, type SinkResult,
  sortValuesNode, toArrowFileNode, topNNode, toParquetNode, valueCountsNode, frameMeta,
} from '../ops/dataframe/index.js';
import type { SessionLike } from '../session/index.js';
import { GroupBy } from './groupby.js';
import { Handle, type FetchOptions } from './handle.js';
import { Result } from './result.js';
import { Series, type SeriesLike } from './series.js';

export interface SortOptions {
  /** One flag for every `by` column, or one for all (default true). */
  readonly ascending?: boolean | readonly boolean[];
}

export interface MergeSpec extends Partial<Omit<MergeOptions, 'on'>> {
  /** The key column (or columns) both frames have. */
  readonly on: string | readonly string[];
}

const names = (x: string | readonly string[]): readonly string[] => (typeof x === 'string' ? [x] : x);

export interface BatchOptions extends FetchOptions {
  /** Rows per batch; without it, one batch per chunk. */
  readonly batchSize?: number;
}

/** A session that can hand out a result's chunks unassembled (a local Session can; a remote one cannot). */
interface ChunkSource {
  fetchChunks(node: FrameNode): Promise<{ readonly chunks: readonly unknown[] }>;
}
const hasChunks = (s: SessionLike): s is SessionLike & ChunkSource => typeof (s as Partial<ChunkSource>).fetchChunks === 'function';
/** A session that streams a result's record batches as they arrive (a remote one). */
interface BatchSource {
  fetchBatches(node: FrameNode, holder?: object): AsyncIterable<RecordBatch>;
}
const hasBatches = (s: SessionLike): s is SessionLike & BatchSource => typeof (s as Partial<BatchSource>).fetchBatches === 'function';

export class DataFrame extends Handle<FrameNode> {
  /** Rows a run measured, once known (facts do not change: the key fixes the computation). */
  #measuredRows: number | undefined;
  /** `node` with the measured rows in its meta, made once they are known. */
  #known: FrameNode | undefined;

  get columns(): string[] {
    return this.node.meta.fields.map((f) => f.name);
  }
  get dtypes(): Record<string, FrameDtype> {
    return Object.fromEntries(this.node.meta.fields.map((f) => [f.name, f.dtype]));
  }
  /**
   * `[rows, columns]`. Rows a source does not know (a filter's, a CSV file's) are `NaN` until this handle
   * has run — `execute`, `fetch`, a session's `run`, or an eager session — and then the measured count,
   * as in Mars; handles built from it afterwards (`select`, `assign`, `rename`, ...) know it too.
   */
  get shape(): [number, number] {
    return [this.#rows(), this.node.meta.fields.length];
  }

  #rows(): number {
    if (!Number.isNaN(this.node.meta.rows)) return this.node.meta.rows;
    if (this.#measuredRows === undefined) {
      const tiled = this.measuredTiling();
      if (tiled && tiled.nsplits.length === 1) this.#noteRows(tiled.nsplits[0]!.reduce((a, b) => a + b, 0));
    }
    return this.#measuredRows ?? Number.NaN;
  }

  #noteRows(rows: number): void {
    if (Number.isInteger(rows) && rows >= 0) this.#measuredRows = rows;
  }

  /**
   * The node new handles are built from: `node` itself, or — once a run measured its rows — a twin of it
   * (same key) whose meta carries them, so a `select` or a `toTensor` of this frame knows its rows.
   * @internal
   */
  planNode(): FrameNode {
    if (this.#known) return this.#known;
    const rows = this.#rows();
    if (Number.isNaN(rows) || !Number.isNaN(this.node.meta.rows)) return this.node;
    this.#known = withMeta(this.node, frameMeta(this.node.meta.fields, rows));
    return this.#known;
  }

  /** The column `name` as a Series, for expressions (`d.col('a').mul(2).gt(d.col('b'))`). */
  col(name: string): Series {
    return Series.ofColumn(this, fieldOf(this.node.meta, name, 'col'));
  }
  select(names: string | readonly string[]): DataFrame {
    return new DataFrame(selectNode(this.planNode(), typeof names === 'string' ? [names] : names));
  }
  rename(mapping: Readonly<Record<string, string>>): DataFrame {
    return new DataFrame(renameNode(this.planNode(), mapping));
  }
  /**
   * The first `n` rows. After `sortValues`, the top `n` by the sort keys — computed as a tree of
   * per-chunk top-n instead of sorting the whole frame.
   */
  head(n = 5): DataFrame {
    const node = this.planNode();
    if (node.op === 'frame.sortValues') {
      const p = node.params as { readonly by: readonly string[]; readonly ascending: readonly boolean[] };
      return new DataFrame(topNNode(node.inputs[0] as FrameNode, p.by, p.ascending, n));
    }
    return new DataFrame(headNode(node, n));
  }

  /** A Series of this frame as an expression; a literal as a constant of the expression's dtype. */
  #expr(x: SeriesLike, where: string): FrameExpr {
    if (x instanceof Series) {
      if (x.frame.key !== this.key) {
        throw new InvalidArgumentError(`${where}: Series ${show(x.name)} belongs to another DataFrame; use columns of this one (d.col(...)), or merge the frames first.`);
      }
      return x.expr;
    }
    return litExpr(x as Literal);
  }

  /** The rows where `mask` (a bool Series of this frame) is true; null counts as false. */
  filter(mask: Series): DataFrame {
    return new DataFrame(filterNode(this.planNode(), this.#expr(mask, 'filter')));
  }
  /** Adds or replaces columns; every expression reads this frame as it is, not the columns assigned beside it. */
  assign(columns: Readonly<Record<string, SeriesLike>>): DataFrame {
    if (typeof columns !== 'object' || columns === null) throw new InvalidArgumentError(`assign takes {name: Series or value}, got ${show(columns)}.`);
    return new DataFrame(assignNode(this.planNode(), Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, this.#expr(v, `assign(${k})`)]))));
  }
  /** Nulls replaced: one value for every column it fits, or a value per column. */
  fillna(value: Literal | Readonly<Record<string, Literal>>): DataFrame {
    return new DataFrame(fillnaNode(this.planNode(), value as Literal | Record<string, Literal>));
  }
  /** The rows with no null (in `subset`'s columns, when given). */
  dropna(options?: { readonly subset?: string | readonly string[] }): DataFrame {
    const { subset } = optionsObject(options, 'dropna', ['subset']);
    return new DataFrame(dropnaNode(this.planNode(), subset === undefined ? undefined : names(subset)));
  }
  groupby(keys: string | readonly string[]): GroupBy {
    return new GroupBy(this.planNode(), names(keys), (node) => new DataFrame(node));
  }
  /** The rows ordered by `by` (stable; nulls and NaN last either way), as a sampling sort (PSRS). */
  sortValues(by: string | readonly string[], options?: SortOptions): DataFrame {
    const { ascending = true } = optionsObject(options, 'sortValues', ['ascending']);
    const cols = names(by);
    const flags = typeof ascending === 'boolean' ? cols.map(() => ascending) : ascending;
    return new DataFrame(sortValuesNode(this.planNode(), cols, flags));
  }
  /** A database-style join on key columns: keys, then this frame's other columns, then `right`'s ('_x'/'_y' on a clash). */
  merge(right: DataFrame, spec: MergeSpec): DataFrame {
    if (!(right instanceof DataFrame)) throw new InvalidArgumentError(`merge needs a DataFrame to join with, got ${show(right)}.`);
    const { on, how = 'inner', ...rest } = optionsObject(spec, 'merge', ['on', 'how', 'method', 'broadcastMaxBytes', 'partitions']);
    return new DataFrame(mergeNode(this.planNode(), right.planNode(), { ...rest, on: names(on), how }));
  }
  /** pandas' describe of the numeric columns: count, mean, std, min, quartiles and max (exact). */
  describe(): DataFrame {
    return new DataFrame(describeNode(this.planNode()));
  }
  /** The distinct values of a column with their counts, most frequent first (nulls left out). */
  valueCounts(column: string, options?: HashOptions): DataFrame {
    return new DataFrame(valueCountsNode(this.planNode(), column, options));
  }
  /** The first row of every distinct key (of `columns`, or of whole rows), in frame order. */
  dropDuplicates(columns?: string | readonly string[], options?: HashOptions): DataFrame {
    return new DataFrame(dropDuplicatesNode(this.planNode(), columns === undefined ? undefined : names(columns), options));
  }
  /** Writes a Parquet file (one row group per chunk); the result reports `{path, rows, bytes}`. */
  toParquet(path: string): Result<SinkResult> {
    return new Result<SinkResult>(toParquetNode(this.node, path));
  }
  /** Writes an Arrow IPC file; the result reports `{path, rows, bytes}`. */
  toArrowFile(path: string): Result<SinkResult> {
    return new Result<SinkResult>(toArrowFileNode(this.node, path));
  }

  /**
   * The whole result as one Arrow Table (one batch per chunk, sharing the chunks' memory; a string
   * column's batches keep their chunks' own dictionaries, which Arrow streams carry — for an IPC file,
   * `dataframe.unifyDictionaries(table)` first, or `toArrowFile`); with `batchSize`, an async iterator
   * of record batches instead.
   */
  fetch(options?: FetchOptions): Promise<Table>;
  fetch(options: FetchOptions & { readonly batchSize: number }): AsyncIterableIterator<RecordBatch>;
  fetch(options?: BatchOptions): Promise<Table> | AsyncIterableIterator<RecordBatch> {
    const { batchSize, ...rest } = optionsObject(options, 'fetch', ['session', 'batchSize']);
    if (batchSize !== undefined) return this.iterBatches({ ...rest, batchSize });
    return (this.fetchValue(rest) as Promise<Table>).then((table) => {
      // The fetched table measures the rows too (a remote session has no tiling to ask).
      this.#noteRows(table.numRows);
      return table;
    });
  }

  /**
   * Streams the result as record batches, chunk by chunk (never the whole table at once): one batch per
   * chunk, or batches of at most `batchSize` rows cut from each chunk. Empty chunks give no batch.
   */
  iterBatches(options?: BatchOptions): AsyncIterableIterator<RecordBatch> {
    const { batchSize, ...rest } = optionsObject(options, 'iterBatches', ['session', 'batchSize']);
    if (batchSize !== undefined && (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize <= 0)) {
      throw new InvalidArgumentError(`batchSize must be a positive integer, got ${show(batchSize)}.`);
    }
    return this.#batches(batchSize, rest);
  }

  async *#batches(batchSize: number | undefined, options: FetchOptions): AsyncIterableIterator<RecordBatch> {
    const session = this.sessionFor(options.session);
    if (session && !hasChunks(session) && hasBatches(session)) {
      // A remote session: batches as the server streams them, one per chunk, cut to batchSize here.
      for await (const batch of session.fetchBatches(this.node, this)) {
        const step = batchSize ?? Math.max(1, batch.numRows);
        for (let lo = 0; lo < batch.numRows; lo += step) yield batch.slice(lo, Math.min(batch.numRows, lo + step));
      }
      return;
    }
    const fields = this.node.meta.fields;
    for (const chunk of await this.#chunks(options)) {
      const step = batchSize ?? Math.max(1, chunk.rows);
      for (let lo = 0; lo < chunk.rows; lo += step) yield frameToRecordBatch(sliceRows(chunk, lo, lo + step), fields);
    }
  }

  /** The rows as plain objects (`{column: value}`, nulls as `null`). */
  async toRecords(options?: FetchOptions): Promise<Record<string, number | string | boolean | null>[]> {
    const out: Record<string, number | string | boolean | null>[] = [];
    for (const chunk of await this.#chunks(optionsObject(options, 'toRecords', ['session']))) {
      for (let i = 0; i < chunk.rows; i++) {
        const row: Record<string, number | string | boolean | null> = {};
        chunk.names.forEach((name, j) => {
          row[name] = valueAt(chunk.columns[j]!, i);
        });
        out.push(row);
      }
    }
    return out;
  }

  /** The result's chunks: straight from a local session's store, or from the fetched table remotely. */
  async #chunks(options: FetchOptions): Promise<readonly FrameChunk[]> {
    const session = this.sessionFor(options.session);
    if (session && hasChunks(session)) {
      session.track(this, this.node);
      return (await session.fetchChunks(this.node)).chunks as FrameChunk[];
    }
    const table = (await this.fetchValue(options)) as Table;
    return table.batches.map(recordBatchToFrame);
  }
}
