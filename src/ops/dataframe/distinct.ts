/**
 * `valueCounts(column)` and `dropDuplicates(columns?)` as nodes, and their tiling.
 *
 * Value counts is a group-by size on the column (the group-by stages of groupby.ts: tree or range
 * shuffle, chosen the same way), then one chunk that drops the null group (pandas' default
 * `dropna=True`) and sorts by count descending, ties by value ascending. Output: `<column>`, `count`
 * (int32), one chunk.
 *
 * Drop-duplicates keeps the first row of each distinct key (all columns by default) and the frame's row
 * order: per chunk, the first row of each key as (keys, chunk, row); those lists are merged by a tree or
 * a hash shuffle (chosen from measured sizes, as for group-by); then output chunk i is input chunk i
 * keeping the rows the merged lists name.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import { show } from '../../base/show.js';
import { makeTileable } from '../../dag/nodes.js';
import { chunkKey, registerOp, type TileContext, type Tiled } from '../op.js';
import { tileChunkwise } from './chunkwise.js';
import { tileGroupbyStages } from './groupby.js';
import {
  checkHashOptions, chooseMethod, DEFAULT_COMBINE_SIZE, type HashOptions, partitionsFor, shuffleMappers, treeCombine,
} from './hashTiling.js';
import { fieldOf, fieldsOfNames, frameMeta, type FrameNode } from './meta.js';
import type { TileableNode } from '../../dag/nodes.js';

export function valueCountsNode(frame: FrameNode, column: string, options?: HashOptions): FrameNode {
  const f = fieldOf(frame.meta, column, 'valueCounts');
  if (f.name === 'count') {
    throw new InvalidArgumentError(`valueCounts: the counts column is named 'count', so the column counted cannot be; rename ${show(column)} first.`);
  }
  const params = { column: f.name, options: checkHashOptions(options, 'valueCounts') };
  return makeTileable('frame.valueCounts', params, [frame], frameMeta([f, { name: 'count', dtype: 'int32' }]));
}

export function dropDuplicatesNode(frame: FrameNode, columns?: readonly string[], options?: HashOptions): FrameNode {
  const keys = columns === undefined ? frame.meta.fields.map((f) => f.name) : fieldsOfNames(frame.meta, columns, 'dropDuplicates').map((f) => f.name);
  if (keys.length === 0) throw new InvalidArgumentError('dropDuplicates of a frame with no columns: there is nothing to compare.');
  const params = { keys, options: checkHashOptions(options, 'dropDuplicates') };
  return makeTileable('frame.dropDuplicates', params, [frame], frameMeta(frame.meta.fields));
}

function* tileValueCounts(node: TileableNode, ctx: TileContext): Generator<readonly string[], Tiled, void> {
  const p = node.params as unknown as { column: string; options: HashOptions };
  const kp = { keys: [p.column], aggs: [{ column: p.column, fn: 'size' as const, name: 'count' }] };
  const counted = yield* tileGroupbyStages(node, ctx, kp, p.options, 'valueCounts');
  const out = ctx.add({ key: chunkKey(node.key, [0], 'sort'), kernel: 'frame.valueCounts.sort', params: { column: p.column }, inputs: counted.chunks, meta: { rows: Number.NaN } });
  return { nsplits: [[Number.NaN]], chunks: [out] };
}

function* tileDropDuplicates(node: TileableNode, ctx: TileContext): Generator<readonly string[], Tiled, void> {
  const p = node.params as unknown as { keys: readonly string[]; options: HashOptions };
  const input = ctx.input(0);
  const kp = { keys: p.keys };
  const pre = tileChunkwise(node, ctx, input, 'frame.distinct.partial', { params: kp, keepsRows: false, stage: 'pre', withIndex: true });
  const method = yield* chooseMethod(ctx, pre.chunks, p.options, 'dropDuplicates', { node, kernel: 'frame.distinct.combine', params: kp });
  let lists: string[];
  if (method === 'tree') {
    const last = treeCombine(node, ctx, pre.chunks, 'frame.distinct.combine', kp, p.options.combineSize ?? DEFAULT_COMBINE_SIZE);
    lists = last.length === 1 ? last : [ctx.add({ key: chunkKey(node.key, [0], 'firsts'), kernel: 'frame.distinct.combine', params: kp, inputs: last, meta: { rows: Number.NaN } })];
  } else {
    const parts = partitionsFor(p.options.partitions, pre.chunks.length);
    const mappers = shuffleMappers(node, ctx, pre.chunks, p.keys, parts, 'hash');
    lists = Array.from({ length: parts }, (_, r) =>
      ctx.add({ key: chunkKey(node.key, [r], 'firsts'), kernel: 'frame.distinct.combine', params: { ...kp, part: r }, inputs: mappers, meta: { rows: Number.NaN } }),
    );
  }
  const chunks = input.chunks.map((k, i) =>
    ctx.add({ key: chunkKey(node.key, [i]), kernel: 'frame.distinct.filter', params: { ...kp, chunk: i }, inputs: [k, ...lists], meta: { rows: Number.NaN } }),
  );
  return { nsplits: [chunks.map(() => Number.NaN)], chunks };
}

registerOp({ name: 'frame.valueCounts', tile: tileValueCounts });
registerOp({ name: 'frame.dropDuplicates', tile: tileDropDuplicates });
