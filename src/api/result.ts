/**
 * `Result`: the handle of a value that is neither a tensor nor a frame — a selected array, a graph
 * table, the report of a file written (`ctx.output`, `d.toParquet`). It runs like every handle and
 * fetches as its value.
 */
import { checkOptions } from '../base/args.js';
import type { TileableNode } from '../dag/nodes.js';
import { FETCH_OPTIONS } from './graphOptions.js';
import { Handle, type FetchOptions } from './handle.js';

export class Result<T> extends Handle<TileableNode> {
  async fetch(options: FetchOptions = {}): Promise<T> {
    return (await this.fetchValue(checkOptions(options, 'Result.fetch(options)', FETCH_OPTIONS))) as T;
  }
}
