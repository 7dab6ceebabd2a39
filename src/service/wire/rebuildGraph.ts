/**
 * Rebuilding graph nodes from their wire form through the graph builders (GraphScope's rules, schema
 * inference, endpoint checks), as tensor nodes are rebuilt in rebuildTensor.ts. Inline columns come
 * back as the data a user passes (typed arrays, strings, booleans), so the builder converts and keys
 * them exactly as it did on the client. A delimited file, an LDBC folder or an output path names a file
 * of the server: it is resolved inside the data directory and read there, so such a node's key (which
 * holds the file's size and modification time, or the absolute path) is the server's, not the client's.
 */
import { dirname } from 'node:path';
import { type TileableNode, makeTileable } from '../../dag/nodes.js';
import { APPS, type AppName } from '../../kernels/graph/apps.js';
import type { GraphSource, InlineColumn } from '../../kernels/graph/load.js';
import type { Selector, VertexRange } from '../../kernels/graph/select.js';
import type { FrameNode } from '../../ops/dataframe/index.js';
import {
  addColumnNode, addEdgesNode, addFrameEdgesNode, addFrameVerticesNode, addVerticesNode, type AppArgs, appNode, type ContextNode, type DataSource, emptyGraphNode, exportNode, type GraphNode,
  ldbcGraphNode, outputNode, type RangeSpec, selectNode, simpleProjection, subgraphNode, tableNode, vertexColumnNode, vertexTableNode,
} from '../../ops/graph/index.js';
import { malformed } from './errors.js';
import type { Params } from './params.js';
import type { RebuildInput, Rebuilder } from './rebuildTensor.js';

function inputOf<T extends TileableNode>(r: RebuildInput, i: number, type: string): T {
  const x = r.inputs[i];
  if (x?.meta.type !== type) throw malformed(`${r.where}: input ${i} must be a ${type} node.`);
  return x as T;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

function stringColumn(values: unknown, where: string): string[] {
  const v = values as { bytes?: unknown; starts?: unknown; ends?: unknown };
  if (!isObject(v) || !(v.bytes instanceof Uint8Array) || !(v.starts instanceof Int32Array) || !(v.ends instanceof Int32Array) || v.starts.length !== v.ends.length) {
    throw malformed(`${where}: a string column must be UTF-8 bytes with Int32Array starts and ends.`);
  }
  const { bytes, starts, ends } = v as { bytes: Uint8Array; starts: Int32Array; ends: Int32Array };
  const decoder = new TextDecoder();
  return Array.from(starts, (s, i) => {
    const e = ends[i]!;
    if (s < 0 || e < s || e > bytes.length) throw malformed(`${where}: string ${i} of a column lies outside its bytes.`);
    return decoder.decode(bytes.subarray(s, e));
  });
}

/** A column as the data a user passes: what `toSource` turns into exactly this column again. */
function columnData(c: unknown, where: string): readonly unknown[] | ArrayBufferView {
  if (!isObject(c)) throw malformed(`${where}: a column must be an object.`);
  const { kind, values } = c as InlineColumn;
  switch (kind) {
    case 'number':
      if (values instanceof Float64Array || values instanceof Int32Array) return values;
      break;
    case 'bigint':
      if (values instanceof BigInt64Array) return values;
      break;
    case 'bool':
      if (values instanceof Uint8Array) return Array.from(values, (b) => b !== 0);
      break;
    case 'string':
      return stringColumn(values, where);
  }
  throw malformed(`${where}: a column of kind ${JSON.stringify(kind)} cannot hold what was sent.`);
}

interface SourceData {
  readonly data: DataSource;
  readonly file: { delimiter?: string; header?: boolean; comment?: string };
}

function sourceData(r: RebuildInput): SourceData {
  const source = r.params.object('source') as unknown as GraphSource;
  if (source.kind === 'file') {
    const file = (source as { file?: { path?: unknown } }).file;
    if (!isObject(file) || typeof file.path !== 'string') throw malformed(`${r.where}: a file source needs file.path.`);
    const opts = { delimiter: source.delimiter, header: source.header, ...(source.comment !== undefined ? { comment: source.comment } : {}) };
    return { data: r.resolvePath(file.path), file: opts };
  }
  if (source.kind !== 'columns' || !isObject(source.columns)) throw malformed(`${r.where}: params.source must be a file or columns.`);
  const data = Object.fromEntries(Object.entries(source.columns).map(([name, c]) => [name, columnData(c, `${r.where}, column ${name}`)]));
  return { data: data as DataSource, file: {} };
}

function columnRef(p: Params, name: string): number | string {
  const v = p.raw(name);
  if (typeof v === 'string' || Number.isSafeInteger(v)) return v as number | string;
  throw malformed(`params.${name} must be a column name or index.`);
}

function selectorText(s: unknown, ctx: ContextNode, where: string): string {
  const sel = s as Selector;
  if (!isObject(sel)) throw malformed(`${where}: a selector must be an object.`);
  if (sel.kind === 'id') return 'v.id';
  if (sel.kind === 'data') return 'v.data';
  if (sel.kind === 'result' && typeof sel.column === 'string') return ctx.meta.contextType === 'vertex_data' ? 'r' : `r.${sel.column}`;
  throw malformed(`${where}: ${JSON.stringify(s)} is not a selector.`);
}

function selectorMap(v: unknown, ctx: ContextNode, where: string): Record<string, string> {
  if (!isObject(v)) throw malformed(`${where}: params.columns must be an object of selectors.`);
  return Object.fromEntries(Object.entries(v).map(([name, s]) => [name, selectorText(s, ctx, where)]));
}

/** The range argument `parseRange` turns back into `range` (int64 bounds beyond 2^53 travel as text). */
function rangeSpec(p: Params, oidType: string): RangeSpec | undefined {
  if (!p.has('range')) return undefined;
  const range = p.object('range') as VertexRange;
  const bound = (v: unknown): number | bigint | string | undefined =>
    v === undefined ? undefined : oidType === 'int64' && typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : (v as number | string);
  const begin = bound(range.begin);
  const end = bound(range.end);
  return { ...(begin !== undefined ? { begin } : {}), ...(end !== undefined ? { end } : {}) };
}

function appArgs(p: Params, algo: AppName, oidType: string, where: string): AppArgs {
  const args: Record<string, unknown> = {};
  if (algo === 'sssp' || algo === 'bfs') {
    const source = p.raw('source');
    const big = p.raw('sourceIsBigInt') === true;
    if (oidType === 'string' ? typeof source !== 'string' : big ? typeof source !== 'string' || !/^-?\d+$/.test(source) : !Number.isSafeInteger(source)) {
      throw malformed(`${where}: params.source must be a vertex id of the graph's id type (${oidType}).`);
    }
    args['source'] = big ? BigInt(source as string) : source;
  }
  const check = (key: string, ok: (v: unknown) => boolean, what: string): void => {
    const v = p.raw(key);
    if (v === undefined) return;
    if (!ok(v)) throw malformed(`${where}: params.${key} must be ${what}.`);
    args[key] = v;
  };
  const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  check('damping', (v) => typeof v === 'number' && v >= 0 && v <= 1, 'a number from 0 to 1');
  check('iterations', count, 'a non-negative integer');
  check('k', count, 'a non-negative integer');
  check('centralityType', (v) => v === 'in' || v === 'out' || v === 'both', "'in', 'out' or 'both'");
  check('tolerance', (v) => typeof v === 'number' && v > 0, 'a positive number');
  check('normalized', (v) => typeof v === 'boolean', 'true or false');
  return args as AppArgs;
}

const layout = (op: string, arity: readonly number[]): Rebuilder => (r) => {
  if (!arity.includes(r.inputs.length)) throw malformed(`${r.where}: ${op} takes ${arity.join(' or ')} inputs.`);
  const pg = inputOf(r, 0, 'projected');
  const rest = r.inputs.slice(1).map((_, i) => inputOf(r, i + 1, 'layout'));
  if (rest.some((x) => x.op !== 'graph.in_csr')) throw malformed(`${r.where}: ${op} builds on an in-CSR only.`);
  return makeTileable(op, {}, [pg, ...rest], { type: 'layout' });
};

export const GRAPH_REBUILDERS: Readonly<Record<string, Rebuilder>> = {
  'graph.empty': (r) => emptyGraphNode({ directed: r.params.boolean('directed'), oidType: r.params.string('oidType') as never }),
  'graph.add_vertices': (r) => {
    const { data, file } = sourceData(r);
    const properties = r.params.object('properties');
    const columns = typeof data === 'object' ? { properties: Object.keys(properties) } : {};
    return addVerticesNode(inputOf<GraphNode>(r, 0, 'graph'), data, { ...file, label: r.params.string('label'), id: columnRef(r.params, 'id'), ...columns });
  },
  'graph.add_edges': (r) => {
    const { data, file } = sourceData(r);
    const properties = r.params.object('properties') as Record<string, number | string>;
    return addEdgesNode(inputOf<GraphNode>(r, 0, 'graph'), data, {
      ...file,
      label: r.params.string('label'),
      srcLabel: r.params.string('srcLabel'),
      dstLabel: r.params.string('dstLabel'),
      src: columnRef(r.params, 'src'),
      dst: columnRef(r.params, 'dst'),
      properties,
    });
  },
  // A DataFrame source: the frame is the node's second input; columns travel resolved to their names.
  'graph.add_vertices_frame': (r) => {
    const properties = r.params.object('properties') as Record<string, unknown>;
    if (!Object.values(properties).every((c) => typeof c === 'string')) throw malformed(`${r.where}: params.properties must map property names to column names.`);
    return addFrameVerticesNode(inputOf<GraphNode>(r, 0, 'graph'), inputOf<FrameNode>(r, 1, 'dataframe'), {
      label: r.params.string('label'),
      id: r.params.string('id'),
      properties: Object.keys(properties),
    });
  },
  'graph.add_edges_frame': (r) => {
    const properties = r.params.object('properties') as Record<string, unknown>;
    if (!Object.values(properties).every((c) => typeof c === 'string')) throw malformed(`${r.where}: params.properties must map property names to column names.`);
    return addFrameEdgesNode(inputOf<GraphNode>(r, 0, 'graph'), inputOf<FrameNode>(r, 1, 'dataframe'), {
      label: r.params.string('label'),
      srcLabel: r.params.string('srcLabel'),
      dstLabel: r.params.string('dstLabel'),
      src: r.params.string('src'),
      dst: r.params.string('dst'),
      properties: properties as Record<string, string>,
    });
  },
  'graph.load_ldbc': (r) => {
    // The folder or description the client named (older clients: the vertex file's folder), described
    // here with every file it reads or names checked against the data directory.
    const named = r.params.raw('ldbc');
    if (named !== undefined && typeof named !== 'string') throw malformed(`${r.where}: params.ldbc must be a path.`);
    const vertices = r.params.object('vertices');
    if (named === undefined && typeof vertices['path'] !== 'string') throw malformed(`${r.where}: params.vertices.path must be a path.`);
    return ldbcGraphNode(r.resolvePath(named ?? dirname(vertices['path'] as string)), (p) => r.resolvePath(p)).node;
  },
  'graph.subgraph': (r) => subgraphNode(inputOf<GraphNode>(r, 0, 'graph'), { vertices: r.params.object('vertices') as never, edges: r.params.object('edges') as never }),
  'graph.project': (r) => {
    const edgeProp = r.params.optionalString('edgeProp');
    // A grouped projection (rows unsorted, for the first app on a small graph) and an arc list (a big
    // graph's first WCC) are nodes of their own.
    const grouped = r.params.has('grouped') && r.params.boolean('grouped');
    const arcs = r.params.has('arcs') && r.params.boolean('arcs');
    // No edgeProp: a projection without weights (for an app that reads none), or of a graph without one.
    return simpleProjection(inputOf<GraphNode>(r, 0, 'graph'), edgeProp !== undefined ? { weight: edgeProp } : {}, grouped ? 'grouped' : arcs ? 'arcs' : 'sorted', edgeProp !== undefined);
  },
  'graph.in_csr': layout('graph.in_csr', [1]),
  'graph.out_slots': layout('graph.out_slots', [1]),
  'graph.pull_layout': layout('graph.pull_layout', [1, 2]),
  'graph.sssp_layout': layout('graph.sssp_layout', [1]),
  'graph.hub_order': layout('graph.hub_order', [1]),
  'graph.in_hubs': layout('graph.in_hubs', [1, 2]),
  'graph.app': (r) => {
    const algo = r.params.string('algo') as AppName;
    if (!(APPS as readonly string[]).includes(algo)) throw malformed(`${r.where}: params.algo ${JSON.stringify(algo)} is not an app.`);
    const pg = inputOf(r, 0, 'projected');
    const g = inputOf<GraphNode>({ ...r, inputs: pg.inputs }, 0, 'graph');
    const edgeProp = (pg.params as { edgeProp?: string }).edgeProp;
    return appNode(algo, g, appArgs(r.params, algo, g.meta.oidType, r.where), edgeProp !== undefined ? { weight: edgeProp } : {});
  },
  'graph.select': (r) => {
    const ctx = inputOf<ContextNode>(r, 0, 'context');
    return selectNode(ctx, selectorText(r.params.raw('selector'), ctx, r.where), rangeSpec(r.params, ctx.meta.oidType));
  },
  'graph.table': (r) => {
    const ctx = inputOf<ContextNode>(r, 0, 'context');
    return tableNode(ctx, selectorMap(r.params.raw('columns'), ctx, r.where), rangeSpec(r.params, ctx.meta.oidType));
  },
  'graph.output': (r) => {
    const ctx = inputOf<ContextNode>(r, 0, 'context');
    const column = r.params.string('column');
    const named = r.params.string('path');
    return outputNode(ctx, r.resolvePath(named), selectorText({ kind: 'result', column }, ctx, r.where), named);
  },
  'graph.add_column': (r) => {
    const ctx = inputOf<ContextNode>(r, 1, 'context');
    return addColumnNode(inputOf<GraphNode>(r, 0, 'graph'), ctx, selectorMap(r.params.raw('columns'), ctx, r.where));
  },
  'graph.vertex_column': (r) => vertexColumnNode(inputOf<GraphNode>(r, 0, 'graph'), `v:${r.params.string('label')}.${r.params.string('prop')}`),
  'graph.vertex_table': (r) => {
    const columns = r.params.object('columns');
    const selectors = Object.fromEntries(
      Object.entries(columns).map(([name, c]) => {
        if (!isObject(c) || typeof c['label'] !== 'string' || typeof c['prop'] !== 'string') throw malformed(`${r.where}: column ${name} must be {label, prop}.`);
        return [name, `v:${c['label']}.${c['prop']}`];
      }),
    );
    return vertexTableNode(inputOf<GraphNode>(r, 0, 'graph'), selectors);
  },
  'graph.export': (r) => exportNode(inputOf<GraphNode>(r, 0, 'graph')),
};

/** Ops whose nodes name a file of the server: their keys are the server's (see above). */
export const FILE_OPS: ReadonlySet<string> = new Set(['graph.load_ldbc', 'graph.output']);

/** Whether a node reads a file named by the client (a delimited source). */
export function namesFile(op: string, params: unknown): boolean {
  if (FILE_OPS.has(op)) return true;
  return (op === 'graph.add_vertices' || op === 'graph.add_edges') && isObject(params) && isObject(params['source']) && params['source']['kind'] === 'file';
}
