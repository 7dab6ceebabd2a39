/**
 * Graph selections as DataFrames: `ctx.toDataFrame({...})` and `g.toDataFrame({...})` wrap the table
 * node of `toArrow` in a one-chunk dataframe whose schema is decided here, from the selectors, so the
 * DataFrame's columns and dtypes are known when it is built: original ids are strings or float64 (int64
 * ids, exact to 2^53), results float64 (BFS depths with unreached as Infinity, as `toArrow` gives them)
 * or ids for labels, property columns bool, string or float64.
 */
import type { FrameDtype, FrameField } from '../../base/frame.js';
import { makeTileable, type TileableNode } from '../../dag/nodes.js';
import type { Selector, VertexColumnSelector } from '../../kernels/graph/select.js';
import type { ColumnKind, ResultKind } from '../../kernels/graph/values.js';
import { frameMeta, type FrameNode } from '../dataframe/meta.js';
import { chunkKey, registerOp } from '../op.js';
import { tableNode, vertexTableNode } from './context.js';
import type { ContextNode, GraphNode, OidType, ProjectedMeta } from './meta.js';
import type { RangeSpec } from './context.js';

const oidDtype = (oid: OidType): FrameDtype => (oid === 'string' ? 'string' : 'float64');
const kindDtype = (kind: ColumnKind | undefined): FrameDtype => (kind === 'bool' ? 'bool' : kind === 'string' ? 'string' : 'float64');
const RESULT_DTYPE: Record<ResultKind, FrameDtype | 'oid'> = { float: 'float64', integer: 'float64', depth: 'float64', label: 'oid' };

function frameOfTable(table: TileableNode, fields: readonly FrameField[]): FrameNode {
  const params = { names: fields.map((f) => f.name), dtypes: fields.map((f) => f.dtype) };
  return makeTileable('frame.from_selected', params, [table], frameMeta(fields));
}

registerOp({
  name: 'frame.from_selected',
  tile(node, ctx) {
    const input = ctx.input(0).chunks[0]!;
    const key = ctx.add({ key: chunkKey(node.key, [0]), kernel: 'frame.from_selected', params: node.params, inputs: [input], meta: { rows: Number.NaN } });
    return { nsplits: [[Number.NaN]], chunks: [key] };
  },
});

/** `ctx.toDataFrame({id: 'v.id', d: 'r'})`, over all vertices or a half-open id range. */
export function contextFrameNode(ctx: ContextNode, selectors: unknown, range?: RangeSpec): FrameNode {
  const table = tableNode(ctx, selectors, range);
  const projected = ctx.inputs[0]!.meta as ProjectedMeta;
  const columns = table.params.columns as Readonly<Record<string, Selector>>;
  const fields = Object.entries(columns).map(([name, s]): FrameField => {
    if (s.kind === 'id') return { name, dtype: oidDtype(ctx.meta.oidType) };
    if (s.kind === 'data') return { name, dtype: kindDtype(projected.vertexData?.kind) };
    const d = RESULT_DTYPE[ctx.meta.columns[s.column]!];
    return { name, dtype: d === 'oid' ? oidDtype(ctx.meta.oidType) : d };
  });
  return frameOfTable(table, fields);
}

/** `g.toDataFrame({id: 'v:person.id', age: 'v:person.age'})`: vertex columns of a property graph. */
export function graphFrameNode(g: GraphNode, selectors: unknown): FrameNode {
  const table = vertexTableNode(g, selectors);
  const columns = table.params.columns as Readonly<Record<string, VertexColumnSelector>>;
  const fields = Object.entries(columns).map(([name, s]): FrameField => ({
    name,
    dtype: s.prop === 'id' ? oidDtype(g.meta.oidType) : kindDtype(g.meta.schema.vertices[s.label]![s.prop] as ColumnKind),
  }));
  return frameOfTable(table, fields);
}
