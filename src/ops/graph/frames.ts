/**
 * Graph selections as DataFrames: `ctx.toDataFrame({...})` and `g.toDataFrame({...})` wrap the table
 * node of `toArrow` in a one-chunk dataframe whose schema is decided here, from the selectors, so the
 * DataFrame's columns and dtypes are known when it is built: original ids are strings or float64 (int64
 * ids, exact to 2^53), results float64 (BFS depths with unreached as Infinity, as `toArrow` gives them)
 * or ids for labels, property columns bool, string or float64.
 */
import { InvalidArgumentError } from '../../base/errors.js';
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

/** The DataFrame of a table node (`graph.table` of a context, or `graph.vertex_table` of a graph), its schema derived from it. */
export function frameOfTableNode(table: TileableNode): FrameNode {
  if (table.op === 'graph.table') {
    const ctx = table.inputs[0] as ContextNode;
    const projected = ctx.inputs[0]!.meta as ProjectedMeta;
    const columns = table.params.columns as Readonly<Record<string, Selector>>;
    return frameOfTable(table, Object.entries(columns).map(([name, s]): FrameField => {
      if (s.kind === 'id') return { name, dtype: oidDtype(ctx.meta.oidType) };
      if (s.kind === 'data') return { name, dtype: kindDtype(projected.vertexData?.kind) };
      const d = RESULT_DTYPE[ctx.meta.columns[s.column]!];
      return { name, dtype: d === 'oid' ? oidDtype(ctx.meta.oidType) : d };
    }));
  }
  if (table.op === 'graph.vertex_table') {
    const g = table.inputs[0] as GraphNode;
    const columns = table.params.columns as Readonly<Record<string, VertexColumnSelector>>;
    return frameOfTable(table, Object.entries(columns).map(([name, s]): FrameField => ({
      name,
      dtype: s.prop === 'id' ? oidDtype(g.meta.oidType) : kindDtype(g.meta.schema.vertices[s.label]![s.prop] as ColumnKind),
    })));
  }
  throw new InvalidArgumentError(`a DataFrame of a graph selection needs a graph.table or graph.vertex_table node, got ${table.op}.`);
}

/** `ctx.toDataFrame({id: 'v.id', d: 'r'})`, over all vertices or a half-open id range. */
export function contextFrameNode(ctx: ContextNode, selectors: unknown, range?: RangeSpec): FrameNode {
  return frameOfTableNode(tableNode(ctx, selectors, range));
}

/** `g.toDataFrame({id: 'v:person.id', age: 'v:person.age'})`: vertex columns of a property graph. */
export function graphFrameNode(g: GraphNode, selectors: unknown): FrameNode {
  return frameOfTableNode(vertexTableNode(g, selectors));
}
