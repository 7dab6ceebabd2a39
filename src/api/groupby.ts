/**
 * `d.groupby(keys)`: a pending group-by, made a DataFrame by `agg` (or a shortcut such as `sum`). The
 * result has the keys, then one column per aggregated column, named as that column, sorted by the keys
 * with null keys last (pandas' `sort=True, dropna=False`). How it runs — a tree of combines for few
 * groups, a key-range shuffle for many — is chosen from the first chunks' measured sizes and shown in
 * `sess.info.plans`; `options.method` forces one.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { show } from '../base/show.js';
import { type AggFn, type FrameNode, groupbyAggNode, type GroupbyOptions } from '../ops/dataframe/index.js';
import type { DataFrame } from './dataframe.js';

export class GroupBy {
  readonly #frame: FrameNode;
  readonly #keys: readonly string[];
  readonly #wrap: (node: FrameNode) => DataFrame;

  constructor(frame: FrameNode, keys: readonly string[], wrap: (node: FrameNode) => DataFrame) {
    this.#frame = frame;
    this.#keys = keys;
    this.#wrap = wrap;
  }

  /** `{column: 'sum' | 'mean' | 'min' | 'max' | 'count' | 'std' | 'first' | 'nunique'}`. */
  agg(spec: Readonly<Record<string, AggFn>>, options?: GroupbyOptions): DataFrame {
    return this.#wrap(groupbyAggNode(this.#frame, this.#keys, { ...spec }, options));
  }

  #all(fn: AggFn, columns: string | readonly string[] | undefined): DataFrame {
    const cols = columns === undefined
      ? this.#frame.meta.fields.filter((f) => !this.#keys.includes(f.name) && (f.dtype !== 'string' || fn === 'count' || fn === 'nunique' || fn === 'first' || fn === 'min' || fn === 'max')).map((f) => f.name)
      : typeof columns === 'string' ? [columns] : columns;
    if (!Array.isArray(cols) || cols.length === 0) throw new InvalidArgumentError(`groupby.${fn}: no column to aggregate, got ${show(columns)}.`);
    return this.agg(Object.fromEntries(cols.map((c) => [c, fn])));
  }

  sum(columns?: string | readonly string[]): DataFrame { return this.#all('sum', columns); }
  mean(columns?: string | readonly string[]): DataFrame { return this.#all('mean', columns); }
  min(columns?: string | readonly string[]): DataFrame { return this.#all('min', columns); }
  max(columns?: string | readonly string[]): DataFrame { return this.#all('max', columns); }
  count(columns?: string | readonly string[]): DataFrame { return this.#all('count', columns); }
  std(columns?: string | readonly string[]): DataFrame { return this.#all('std', columns); }
}
