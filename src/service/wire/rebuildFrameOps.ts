/**
 * Rebuilding the dataframe ops beyond the sources and select/rename/head (rebuildFrame.ts): Series
 * expression ops, sorts, describe, the hash ops, and the tensor interop (a column as a tensor, tensors
 * as columns). Each rebuilder reads its node's params back into the arguments a user's call passes —
 * an expression through checkFrameExpr (rebuildFrameExpr.ts), a group-by's aggregations as its spec, a
 * merge's join as its `on`/`how` — and calls the op builder, which checks columns, dtypes and options as
 * it does for the user and makes the params, meta and key itself. A node whose params are not what its
 * builder makes (a hand-edited key, a spec that disagrees with its output names) gets a different key
 * and is refused as a KeyMismatch; params the builder derives (a merge's output names, describe's
 * columns) are never read from the wire at all.
 */
import type { Literal } from '../../base/frameExpr.js';
import {
  type AggFn, assignNode, describeNode, dropDuplicatesNode, dropnaNode, fillnaNode, filterNode, type FrameNode, frameToTensorNode, fromTensorsNode,
  groupbyAggNode, type HashOptions, type JoinHow, mergeNode, type MergeOptions, seriesNode, sortValuesNode, topNNode, valueCountsNode,
} from '../../ops/dataframe/index.js';
import type { TensorNode } from '../../ops/tensor/index.js';
import { malformed } from './errors.js';
import { checkFrameExpr } from './rebuildFrameExpr.js';
import type { RebuildInput, Rebuilder } from './rebuildTensor.js';

/** Input `i` of the node, which must be a dataframe; `arity` is how many inputs the op takes. */
export function frameInput(r: RebuildInput, i: number, arity = 1): FrameNode {
  if (r.inputs.length !== arity) throw malformed(`${r.where}: this op takes ${arity} input${arity === 1 ? '' : 's'}, not ${r.inputs.length}.`);
  const x = r.inputs[i];
  if (x?.meta.type !== 'dataframe') throw malformed(`${r.where}: input ${i} must be a dataframe node.`);
  return x as FrameNode;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

function booleans(r: RebuildInput, name: string): boolean[] {
  const v = r.params.raw(name);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'boolean')) throw malformed(`${r.where}: params.${name} must be a list of true or false.`);
  return v as boolean[];
}

/** A hash op's strategy options: a plain object, whose fields the builder checks (checkHashOptions). */
function hashOptions(r: RebuildInput): HashOptions {
  return r.params.has('options') ? (r.params.object('options') as HashOptions) : {};
}

/** `{name: value}` from parallel lists, checking they are parallel. */
function zip<T>(r: RebuildInput, names: readonly string[], values: readonly T[], what: string): Record<string, T> {
  if (names.length !== values.length) throw malformed(`${r.where}: params.names and params.${what} must have one entry each.`);
  if (new Set(names).size !== names.length) throw malformed(`${r.where}: params.names names a column twice.`);
  return Object.fromEntries(names.map((n, j) => [n, values[j]!]));
}

function aggSpec(r: RebuildInput): Record<string, AggFn> {
  const aggs = r.params.raw('aggs');
  if (!Array.isArray(aggs)) throw malformed(`${r.where}: params.aggs must be a list of {column, fn, name}.`);
  const columns = aggs.map((a: unknown, j) => {
    if (!isObject(a) || typeof a['column'] !== 'string' || typeof a['fn'] !== 'string' || a['name'] !== a['column']) {
      throw malformed(`${r.where}: params.aggs[${j}] must be {column, fn, name} with name equal to column.`);
    }
    return a['column'];
  });
  return zip(r, columns, aggs.map((a) => (a as { fn: AggFn }).fn), 'aggs');
}

function mergeOptions(r: RebuildInput): MergeOptions {
  const join = r.params.object('join');
  const on = join['on'];
  const how = join['how'];
  if (!Array.isArray(on) || !on.every((k) => typeof k === 'string')) throw malformed(`${r.where}: params.join.on must be a list of column names.`);
  if (typeof how !== 'string') throw malformed(`${r.where}: params.join.how must be a string.`);
  const method = r.params.string('method');
  const partitions = r.params.raw('partitions');
  if (partitions !== null && !Number.isSafeInteger(partitions)) throw malformed(`${r.where}: params.partitions must be an integer or null.`);
  return {
    on: on as string[],
    how: how as JoinHow,
    method: method as MergeOptions['method'] & string,
    broadcastMaxBytes: r.params.number('broadcastMaxBytes'),
    ...(partitions !== null ? { partitions: partitions as number } : {}),
  };
}

function fillValues(r: RebuildInput): Literal[] {
  const v = r.params.raw('values');
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean')) {
    throw malformed(`${r.where}: params.values must be a list of numbers, strings or booleans.`);
  }
  return v as Literal[];
}

export const FRAME_OP_REBUILDERS: Readonly<Record<string, Rebuilder>> = {
  'frame.series': (r) => seriesNode(frameInput(r, 0), checkFrameExpr(r.params.raw('expr'), r.where, 'expr'), r.params.string('name')),
  'frame.assign': (r) => {
    const frame = frameInput(r, 0);
    const exprs = r.params.raw('exprs');
    if (!Array.isArray(exprs)) throw malformed(`${r.where}: params.exprs must be a list of expressions.`);
    const names = r.params.strings('names');
    return assignNode(frame, zip(r, names, exprs.map((e, j) => checkFrameExpr(e, r.where, `exprs[${j}]`)), 'exprs'));
  },
  'frame.filter': (r) => filterNode(frameInput(r, 0), checkFrameExpr(r.params.raw('mask'), r.where, 'mask')),
  // Made as fillna({column: value}) whatever the user passed: a single value's node lists the columns
  // it fits, with the same params (and key) as the object naming them.
  'frame.fillna': (r) => fillnaNode(frameInput(r, 0), zip(r, r.params.strings('names'), fillValues(r), 'values')),
  'frame.dropna': (r) => {
    const subset = r.params.strings('subset');
    return dropnaNode(frameInput(r, 0), subset.length > 0 ? subset : undefined);
  },
  'frame.sortValues': (r) => sortValuesNode(frameInput(r, 0), r.params.strings('by'), booleans(r, 'ascending')),
  'frame.topN': (r) => topNNode(frameInput(r, 0), r.params.strings('by'), booleans(r, 'ascending'), r.params.int('n')),
  'frame.describe': (r) => describeNode(frameInput(r, 0)),
  'frame.groupbyAgg': (r) => groupbyAggNode(frameInput(r, 0), r.params.strings('keys'), aggSpec(r), hashOptions(r)),
  'frame.merge': (r) => mergeNode(frameInput(r, 0, 2), frameInput(r, 1, 2), mergeOptions(r)),
  'frame.valueCounts': (r) => valueCountsNode(frameInput(r, 0), r.params.string('column'), hashOptions(r)),
  'frame.dropDuplicates': (r) => dropDuplicatesNode(frameInput(r, 0), r.params.strings('keys'), hashOptions(r)),
  'frame.to_tensor': (r) => frameToTensorNode(frameInput(r, 0)),
  // The inputs are the columns already rechunked to the first's chunks, which rechunks them no further.
  'frame.from_tensors': (r) => {
    const names = r.params.strings('names');
    if (names.length !== r.inputs.length) throw malformed(`${r.where}: params.names must name each input once.`);
    const columns = r.inputs.map((x, j) => {
      if (x.meta.type !== 'tensor') throw malformed(`${r.where}: input ${j} must be a tensor.`);
      return x as TensorNode;
    });
    return fromTensorsNode(zip(r, names, columns, 'inputs'));
  },
};
