/**
 * `groupby(keys).agg(spec)` as a node, and its tiling.
 *
 * Meta at build time: the keys exist and are distinct; each spec entry names a column (not a key: the
 * output has one column per name) and a known function; sum/mean/std need a number or bool column.
 * Output: the keys, then one column per entry named as its input column — sum and mean and std float64,
 * count and nunique int32, min/max/first the input's dtype. Rows sorted by the keys, nulls last; null
 * keys form their own group (pandas `dropna=False`).
 *
 * Tiling (iterative): a pre-aggregation per chunk, then `chooseMethod` (hashTiling.ts) picks a tree
 * combine — one output chunk — or a range shuffle into P partitions, each finalized on its own; the
 * partitions are key ranges in order, so the output chunks in order are the globally sorted answer.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import type { FrameField } from '../../base/frame.js';
import { show } from '../../base/show.js';
import { makeTileable } from '../../dag/nodes.js';
import { AGG_FNS, type AggFn, type AggSpec, type GroupbyParams } from '../../kernels/dataframe/groupby.js';
import { chunkKey, registerOp, type TileContext, type Tiled } from '../op.js';
import { tileChunkwise } from './chunkwise.js';
import {
  checkHashOptions, chooseMethod, DEFAULT_COMBINE_SIZE, type HashOptions, partitionsFor, shuffleMappers, treeCombine,
} from './hashTiling.js';
import { fieldOf, fieldsOfNames, frameMeta, type FrameNode } from './meta.js';
import type { TileableNode } from '../../dag/nodes.js';

export type { AggFn } from '../../kernels/dataframe/groupby.js';
export type GroupbyOptions = HashOptions;

const NUMERIC_ONLY: readonly AggFn[] = ['sum', 'mean', 'std'];

function outputDtype(fn: AggFn, input: FrameField): FrameField['dtype'] {
  if (fn === 'count' || fn === 'nunique') return 'int32';
  if (NUMERIC_ONLY.includes(fn)) return 'float64';
  return input.dtype;
}

export function groupbyAggNode(
  frame: FrameNode,
  keys: readonly string[],
  spec: Record<string, AggFn>,
  options?: GroupbyOptions,
): FrameNode {
  const where = 'groupby';
  const keyFields = fieldsOfNames(frame.meta, keys, where);
  if (typeof spec !== 'object' || spec === null || Object.keys(spec).length === 0) {
    throw new InvalidArgumentError(`${where}.agg needs a spec {column: function} with at least one entry, got ${show(spec)}.`);
  }
  const aggs: AggSpec[] = [];
  const fields: FrameField[] = [...keyFields];
  for (const [column, fn] of Object.entries(spec)) {
    const input = fieldOf(frame.meta, column, `${where}.agg`);
    if (!AGG_FNS.includes(fn)) {
      throw new InvalidArgumentError(`${where}.agg: unknown function ${show(fn)} for column ${show(column)}; the functions are ${show(AGG_FNS)}.`);
    }
    if (keyFields.some((k) => k.name === column)) {
      throw new InvalidArgumentError(`${where}.agg: ${show(column)} is a group key, so it is already an output column; aggregate another column.`);
    }
    if (NUMERIC_ONLY.includes(fn) && input.dtype === 'string') {
      throw new InvalidArgumentError(`${where}.agg: ${fn} of ${show(column)} needs a number or bool column; it is a string column.`);
    }
    aggs.push({ column, fn, name: column });
    fields.push({ name: column, dtype: outputDtype(fn, input) });
  }
  const params = { keys: keyFields.map((f) => f.name), aggs, options: checkHashOptions(options, where) };
  return makeTileable('frame.groupbyAgg', params, [frame], frameMeta(fields));
}

/**
 * The group-by stages for `node` (shared with value counts): pre-aggregate, choose, then one finalized
 * chunk (tree) or P finalized key ranges (shuffle).
 */
export function* tileGroupbyStages(
  node: TileableNode,
  ctx: TileContext,
  kp: GroupbyParams,
  o: HashOptions,
  what: string,
): Generator<readonly string[], Tiled, void> {
  const pre = tileChunkwise(node, ctx, ctx.input(0), 'frame.groupby.partial', { params: kp, keepsRows: false, stage: 'pre' });
  const fanIn = o.combineSize ?? DEFAULT_COMBINE_SIZE;
  const method = yield* chooseMethod(ctx, pre.chunks, o, what, { node, kernel: 'frame.groupby.combine', params: kp });
  if (method === 'tree') {
    const last = treeCombine(node, ctx, pre.chunks, 'frame.groupby.combine', kp, fanIn);
    const out = ctx.add({ key: chunkKey(node.key, [0], 'agg'), kernel: 'frame.groupby.finalize', params: kp, inputs: last, meta: { rows: Number.NaN } });
    return { nsplits: [[Number.NaN]], chunks: [out] };
  }
  const parts = partitionsFor(o.partitions, pre.chunks.length);
  const mappers = shuffleMappers(node, ctx, pre.chunks, kp.keys, parts, 'range');
  const chunks = Array.from({ length: parts }, (_, r) =>
    ctx.add({ key: chunkKey(node.key, [r], 'agg'), kernel: 'frame.groupby.finalize', params: { ...kp, part: r }, inputs: mappers, meta: { rows: Number.NaN } }),
  );
  return { nsplits: [chunks.map(() => Number.NaN)], chunks };
}

interface GroupbyNodeParams {
  readonly keys: readonly string[];
  readonly aggs: readonly AggSpec[];
  readonly options: HashOptions;
}

registerOp({
  name: 'frame.groupbyAgg',
  tile(node, ctx) {
    const p = node.params as unknown as GroupbyNodeParams;
    return tileGroupbyStages(node, ctx, { keys: p.keys, aggs: p.aggs }, p.options, 'groupby');
  },
});
