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
import { show } from '../base/show.js';
import {
  fieldOf, type FrameNode, frameToRecordBatch, headNode, recordBatchToFrame, renameNode, selectNode,
} from '../ops/dataframe/index.js';
import type { SessionLike } from '../session/index.js';
import { Handle, type FetchOptions } from './handle.js';
import { Series } from './series.js';

export interface BatchOptions extends FetchOptions {
  /** Rows per batch; without it, one batch per chunk. */
  readonly batchSize?: number;
}

/** A session that can hand out a result's chunks unassembled (a local Session can; a remote one cannot). */
interface ChunkSource {
  fetchChunks(node: FrameNode): Promise<{ readonly chunks: readonly unknown[] }>;
}
const hasChunks = (s: SessionLike): s is SessionLike & ChunkSource => typeof (s as Partial<ChunkSource>).fetchChunks === 'function';

export class DataFrame extends Handle<FrameNode> {
  get columns(): string[] {
    return this.node.meta.fields.map((f) => f.name);
  }
  get dtypes(): Record<string, FrameDtype> {
    return Object.fromEntries(this.node.meta.fields.map((f) => [f.name, f.dtype]));
  }
  /** `[rows, columns]`; rows are `NaN` until known (after a run, for ops like filter). */
  get shape(): [number, number] {
    return [this.node.meta.rows, this.node.meta.fields.length];
  }

  /** The column `name` as a Series, for expressions (`d.col('a').mul(2).gt(d.col('b'))`). */
  col(name: string): Series {
    return Series.ofColumn(this, fieldOf(this.node.meta, name, 'col'));
  }
  select(names: string | readonly string[]): DataFrame {
    return new DataFrame(selectNode(this.node, typeof names === 'string' ? [names] : names));
  }
  rename(mapping: Readonly<Record<string, string>>): DataFrame {
    return new DataFrame(renameNode(this.node, mapping));
  }
  head(n = 5): DataFrame {
    return new DataFrame(headNode(this.node, n));
  }

  /** The whole result as one Arrow Table; with `batchSize`, an async iterator of record batches instead. */
  fetch(options?: FetchOptions): Promise<Table>;
  fetch(options: FetchOptions & { readonly batchSize: number }): AsyncIterableIterator<RecordBatch>;
  fetch(options?: BatchOptions): Promise<Table> | AsyncIterableIterator<RecordBatch> {
    const { batchSize, ...rest } = optionsObject(options, 'fetch', ['session', 'batchSize']);
    if (batchSize !== undefined) return this.iterBatches({ ...rest, batchSize });
    return this.fetchValue(rest) as Promise<Table>;
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
