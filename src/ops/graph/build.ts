/**
 * Building property graphs as nodes, GraphScope style: `emptyGraph`, then `addVertices` / `addEdges`
 * (each returns a new graph), or `ldbcGraph` for a Graphalytics folder. The schema — labels, the
 * vertex labels of every edge label, property types — is worked out here, with GraphScope's label
 * inference and error texts, so a wrong label, a missing column or a non-numeric weight fails at the
 * line that built it. `subgraphNode` is `g.project(...)`: a property graph restricted to some labels and
 * properties, which can be projected again.
 */
import { makeTileable } from '../../dag/nodes.js';
import { InvalidArgumentError } from '../../base/errors.js';
import type { AddEdgesParams, AddVerticesParams, ColumnsSource, DelimitedSource, EncodeIdsParams, GraphSource } from '../../kernels/graph/load.js';
import type { ParseRangeParams } from '../../kernels/graph/parseRange.js';
import { describeLdbc, type LdbcGraphSpec } from '../../kernels/graph/ldbcSpec.js';
import type { ColumnKind } from '../../kernels/graph/values.js';
import { chunkKey, registerOp, type TileContext } from '../op.js';
import { checkEndpoints } from './endpoints.js';
import { type GraphMeta, type GraphNode, type GraphSchema, type OidType, registerSingleChunkOp } from './meta.js';
import { columnLength, columnName, type DataSource, type FileOptions, fileRef, propertyKind, serverFiles, toSource } from './sources.js';

export function emptyGraphNode(options: { readonly directed?: boolean; readonly oidType?: OidType } = {}): GraphNode {
  const directed = options.directed ?? true;
  const oidType = options.oidType ?? 'int64';
  if (typeof directed !== 'boolean') throw new InvalidArgumentError(`directed must be true or false, got ${JSON.stringify(directed)}.`);
  if (oidType !== 'int64' && oidType !== 'string') {
    throw new InvalidArgumentError(`oidType can only be 'int64' or 'string', got ${JSON.stringify(oidType)}.`);
  }
  return makeTileable<GraphMeta>('graph.empty', { directed, oidType }, [], { type: 'graph', directed, oidType, schema: { vertices: {}, edges: {} }, inlineEdges: 0 });
}

function checkIds(source: GraphSource, column: string | undefined, oidType: OidType, what: string): void {
  if (source.kind !== 'columns' || column === undefined) return;
  const kind = source.columns[column]!.kind;
  // An empty JS array has no values to tell its type by: it fits any graph.
  const ok = columnLength(source.columns[column]!) === 0 || (oidType === 'string' ? kind === 'string' : kind === 'number' || kind === 'bigint');
  if (ok) return;
  const hint = kind === 'string' ? " For string ids pass oidType: 'string' (gs.loadFrom({ ..., oidType: 'string' }) or gs.g({ oidType: 'string' }))." : '';
  throw new InvalidArgumentError(`${what} must be ${oidType === 'string' ? 'strings' : 'integers'} for a graph with oidType '${oidType}'; column ${column} holds ${kind}s.${hint}`);
}

export function sameProps(a: Readonly<Record<string, ColumnKind>>, b: Readonly<Record<string, ColumnKind>>): boolean {
  const ka = Object.keys(a).sort();
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export interface VertexOptions extends FileOptions {
  readonly label?: string;
  /** The id column: a name or 0-based index (default 0). */
  readonly id?: number | string;
  /** Property columns to load (inline data only); all other columns when omitted. */
  readonly properties?: readonly string[];
}

export function addVerticesNode(g: GraphNode, data: DataSource, options: VertexOptions = {}): GraphNode {
  const label = options.label ?? '_';
  const what = `addVertices('${label}')`;
  const idRef = options.id ?? 0;
  const source = toSource(data, options, what, g.meta.oidType === 'int64' ? [idRef] : []);
  let properties: Record<string, string> = {};
  const kinds: Record<string, ColumnKind> = {};
  if (source.kind === 'columns') {
    const idName = columnName(source, idRef, what);
    checkIds(source, idName, g.meta.oidType, `vertex ids of '${label}'`);
    const names = options.properties ?? Object.keys(source.columns).filter((n) => n !== idName);
    properties = Object.fromEntries(names.map((n) => [n, columnName(source, n, what)]));
    for (const n of names) kinds[n] = propertyKind(source.columns[n]!);
  } else if (options.properties && options.properties.length > 0) {
    throw new InvalidArgumentError(`${what}: vertex properties load from an Arrow table or columns; a delimited vertex file gives ids only.`);
  }
  const params: AddVerticesParams = { label, source, id: idRef, properties, oidType: g.meta.oidType };
  const schema = withVertexLabel(g, label, kinds, what);
  return makeTileable<GraphMeta>('graph.add_vertices', params as never, [g], { ...g.meta, schema });
}

/** The graph's schema with vertices of `label` having properties `kinds` (a label's vertices all have the same). */
export function withVertexLabel(g: GraphNode, label: string, kinds: Readonly<Record<string, ColumnKind>>, what: string): GraphSchema {
  const existing = g.meta.schema.vertices[label];
  if (existing && Object.keys(existing).length > 0 && !sameProps(existing, kinds)) {
    throw new InvalidArgumentError(`${what}: label '${label}' already has properties ${JSON.stringify(existing)}; more vertices of it need the same properties.`);
  }
  return { ...g.meta.schema, vertices: { ...g.meta.schema.vertices, [label]: { ...existing, ...kinds } } };
}

export interface EdgeOptions extends FileOptions {
  readonly label?: string;
  readonly src?: number | string;
  readonly dst?: number | string;
  readonly srcLabel?: string;
  readonly dstLabel?: string;
  /**
   * Property columns (inline data: columns of that name; a file: at most one numeric column, by header
   * name or 0-based index, named as given), or name → column.
   */
  readonly properties?: readonly (string | number)[] | Readonly<Record<string, number | string>>;
}

export function endpointLabels(g: GraphNode, options: EdgeOptions): [string, string] {
  const { srcLabel, dstLabel } = options;
  if ((srcLabel === undefined) !== (dstLabel === undefined)) {
    throw new InvalidArgumentError('src and dst label must be both specified or either unspecified.');
  }
  if (srcLabel !== undefined) return [srcLabel, dstLabel!];
  const labels = Object.keys(g.meta.schema.vertices);
  if (labels.length > 1) throw new InvalidArgumentError('Ambiguous vertex label, please specify the src_label and dst_label.');
  const only = labels[0] ?? '_';
  return [only, only];
}

/** The graph's schema with edges of `label` from `srcLabel` to `dstLabel` having properties `kinds` (as GraphScope checks them). */
export function withEdgeLabel(g: GraphNode, label: string, [srcLabel, dstLabel]: readonly [string, string], kinds: Readonly<Record<string, ColumnKind>>, what: string): GraphSchema {
  const existing = g.meta.schema.edges[label];
  if (existing && (existing.src !== srcLabel || existing.dst !== dstLabel)) {
    throw new InvalidArgumentError(`${what}: label '${label}' already connects '${existing.src}' -> '${existing.dst}'; use another edge label for '${srcLabel}' -> '${dstLabel}'.`);
  }
  if (existing && !sameProps(existing.props, kinds)) {
    throw new InvalidArgumentError(`${what}: label '${label}' already has properties ${JSON.stringify(existing.props)}; more edges of it need the same properties.`);
  }
  const vertices = { ...g.meta.schema.vertices };
  for (const l of [srcLabel, dstLabel]) vertices[l] ??= {};
  return { vertices, edges: { ...g.meta.schema.edges, [label]: { src: srcLabel, dst: dstLabel, props: kinds } } };
}

export function addEdgesNode(g: GraphNode, data: DataSource, options: EdgeOptions = {}): GraphNode {
  const label = options.label ?? '_';
  const what = `addEdges('${label}')`;
  const [srcLabel, dstLabel] = endpointLabels(g, options);
  const src = options.src ?? 0;
  const dst = options.dst ?? 1;
  if (src === dst) throw new InvalidArgumentError('src and dst field cannot refer to the same field');
  const source = toSource(data, options, what, g.meta.oidType === 'int64' ? [src, dst] : []);
  const wanted: Record<string, number | string> = Array.isArray(options.properties)
    ? Object.fromEntries((options.properties as readonly (string | number)[]).map((n) => [String(n), n]))
    : { ...((options.properties as Record<string, number | string> | undefined) ?? {}) };
  const kinds: Record<string, ColumnKind> = {};
  if (source.kind === 'columns') {
    const s = columnName(source, src, what);
    const d = columnName(source, dst, what);
    checkIds(source, s, g.meta.oidType, `edge sources of '${label}'`);
    checkIds(source, d, g.meta.oidType, `edge targets of '${label}'`);
    const names = options.properties === undefined ? Object.keys(source.columns).filter((n) => n !== s && n !== d) : Object.keys(wanted);
    for (const n of names) {
      wanted[n] = columnName(source, wanted[n] ?? n, what);
      kinds[n] = propertyKind((source as ColumnsSource).columns[wanted[n] as string]!);
    }
  } else {
    if (Object.keys(wanted).length > 1) {
      throw new InvalidArgumentError(`${what}: a delimited edge file carries at most one property (a numeric weight); load more from an Arrow table or columns.`);
    }
    for (const n of Object.keys(wanted)) kinds[n] = 'float64';
  }
  const schema = withEdgeLabel(g, label, [srcLabel, dstLabel], kinds, what);
  const names = source.kind === 'columns' ? [columnName(source, src, what), columnName(source, dst, what)] : [];
  const verify = checkEndpoints(g, source, [
    { end: 'src', column: names[0], label: srcLabel },
    { end: 'dst', column: names[1], label: dstLabel },
  ]);
  const params: AddEdgesParams = { label, srcLabel, dstLabel, source, src, dst, properties: wanted, oidType: g.meta.oidType, ...(verify.length > 0 ? { verify } : {}) };
  const { inlineEdges, ...meta } = g.meta;
  const edges = source.kind === 'columns' && inlineEdges !== undefined ? inlineEdges + columnLength(Object.values(source.columns)[0]!) : undefined;
  return makeTileable<GraphMeta>('graph.add_edges', params as never, [g], { ...meta, schema, ...(edges !== undefined ? { inlineEdges: edges } : {}) });
}

/** A Graphalytics graph folder (`.properties`, `.v`, `.e`): vertex label `v`, edge label `e`. */
export function ldbcGraphNode(dir: string, guard?: (path: string) => string): { readonly node: GraphNode; readonly spec: LdbcGraphSpec } {
  // In a remote session the server describes the folder (its files are the server's); `guard` is the
  // server's own data-directory check when it rebuilds such a node.
  const d = serverFiles()?.describeLdbc(dir) ?? describeLdbc(dir, guard);
  const weight = d.spec.sssp?.weightProperty ?? d.spec.edgeProperties[0]?.name;
  const params = {
    vertices: fileRef(d.vertexPath, 'ldbc vertices'),
    edges: fileRef(d.edgePath, 'ldbc edges'),
    ...(d.named !== undefined ? { ldbc: d.named } : {}),
    directed: d.spec.directed,
    edgeProperties: d.spec.edgeProperties.map((p) => p.name),
    ...(weight !== undefined ? { weight } : {}),
  };
  const props: Record<string, ColumnKind> = weight !== undefined ? { [weight]: 'float64' } : {};
  const node = makeTileable<GraphMeta>('graph.load_ldbc', params, [], {
    type: 'graph',
    directed: d.spec.directed,
    oidType: 'int64',
    schema: { vertices: { v: {} }, edges: { e: { src: 'v', dst: 'v', props } } },
  });
  return { node, spec: d.spec };
}

export interface ProjectSpec {
  /** Vertex label → the properties to keep (`[]` none, `null` all). */
  readonly vertices: Readonly<Record<string, readonly string[] | null>>;
  readonly edges: Readonly<Record<string, readonly string[] | null>>;
}

export function subgraphNode(g: GraphNode, spec: ProjectSpec): GraphNode {
  if (typeof spec !== 'object' || spec === null || typeof spec.vertices !== 'object' || typeof spec.edges !== 'object' || Array.isArray(spec.vertices) || Array.isArray(spec.edges)) {
    throw new InvalidArgumentError('project takes {vertices: {label: [properties]}, edges: {label: [properties]}} (objects, not arrays or sets).');
  }
  const pick = (kind: 'vertex' | 'edge', label: string, have: Readonly<Record<string, ColumnKind>> | undefined, names: readonly string[] | null): Record<string, ColumnKind> => {
    if (!have) {
      const known = Object.keys(kind === 'vertex' ? g.meta.schema.vertices : g.meta.schema.edges);
      throw new InvalidArgumentError(`project: the graph has no ${kind} label '${label}' (it has ${known.map((k) => `'${k}'`).join(', ') || 'none'}).`);
    }
    if (names === null || names === undefined) return { ...have };
    const out: Record<string, ColumnKind> = {};
    for (const n of names) {
      if (!(n in have)) throw new InvalidArgumentError(`project: ${kind} label '${label}' has no property '${n}' (it has ${Object.keys(have).map((k) => `'${k}'`).join(', ') || 'none'}).`);
      out[n] = have[n]!;
    }
    return out;
  };
  const vertices = Object.fromEntries(Object.entries(spec.vertices).map(([l, names]) => [l, pick('vertex', l, g.meta.schema.vertices[l], names)]));
  const edges: Record<string, GraphSchema['edges'][string]> = {};
  for (const [l, names] of Object.entries(spec.edges)) {
    const e = g.meta.schema.edges[l];
    const props = pick('edge', l, e?.props, names);
    if (!(e!.src in vertices) || !(e!.dst in vertices)) throw new InvalidArgumentError('Cannot find a valid relation in given vertices and edges');
    edges[l] = { src: e!.src, dst: e!.dst, props };
  }
  const params = {
    vertices: Object.fromEntries(Object.entries(vertices).map(([l, p]) => [l, Object.keys(p)])),
    edges: Object.fromEntries(Object.entries(edges).map(([l, e]) => [l, Object.keys(e.props)])),
  };
  return makeTileable<GraphMeta>('graph.subgraph', params, [g], { ...g.meta, schema: { vertices, edges } });
}

registerSingleChunkOp('graph.empty');
registerSingleChunkOp('graph.add_vertices');
/** Bytes per parse range: a smaller file is one range (a task costs more than parsing that much). */
const RANGE_BYTES = 32 * 2 ** 20;
const rangeCount = (size: number): number => Math.max(1, Math.min(256, Math.ceil(size / RANGE_BYTES)));

registerOp({
  name: 'graph.add_edges',
  // A delimited file is parsed by byte ranges on the pool (kernels/graph/parseRange.ts); the ranges'
  // columns become the label's edge tables in the graph.add_edges chunk.
  tile(node, ctx) {
    const p = node.params as unknown as AddEdgesParams;
    const graph = ctx.input(0).chunks[0]!;
    const parts = p.source.kind === 'file' ? rangeCount(p.source.file.size) : 0;
    const weight = Object.values(p.properties)[0];
    const ranges = Array.from({ length: parts }, (_, part) => {
      const params: ParseRangeParams = { source: p.source as DelimitedSource, src: p.src, dst: p.dst, ...(weight !== undefined ? { weight } : {}), idType: p.oidType === 'string' ? 'string' : 'int', part, parts };
      // The meta's shape gives the range's size: the executor batches tasks it thinks are light onto one
      // worker, and these must spread over the pool.
      const meta = { type: 'edge-part', shape: [Math.ceil(p.source.kind === 'file' ? p.source.file.size / parts / 8 : 0)] };
      return ctx.add({ key: chunkKey(node.key, [part], 'parse'), kernel: 'graph.parse_edges', params, inputs: [], meta });
    });
    const key = ctx.add({ key: chunkKey(node.key, []), kernel: 'graph.add_edges', params: node.params, inputs: [graph, ...ranges, ...encodeTasks(node.key, p, graph, ctx)], meta: { type: node.meta.type } });
    return { nsplits: [], chunks: [key] };
  },
});
/** String id columns of at least this many rows are dictionary-encoded by tasks of their own, in parallel. */
const ENCODE_TASK_ROWS = 1 << 16;

/**
 * The `graph.encode_ids` tasks of an inline edge source's string id columns (smaller ones are encoded by
 * graph.add_edges). An end whose label has declared vertices that the build could not check against is
 * coded against them: its task reads the graph so far (`graph`), and graph.add_edges checks its misses.
 */
function encodeTasks(key: string, p: AddEdgesParams, graph: string, ctx: TileContext): string[] {
  if (p.source.kind !== 'columns' || p.oidType !== 'string') return [];
  const columns = p.source.columns;
  const names = Object.keys(columns);
  const tasks: string[] = [];
  for (const end of ['src', 'dst'] as const) {
    const ref = p[end];
    const column = columns[typeof ref === 'number' ? names[ref]! : ref];
    if (column?.kind !== 'string' || column.values.starts.length < ENCODE_TASK_ROWS) continue;
    const declared = p.verify?.includes(end) ? (end === 'src' ? p.srcLabel : p.dstLabel) : undefined;
    const params: EncodeIdsParams = { end, column: column.values, ...(declared !== undefined ? { declared } : {}) };
    // The meta's shape gives the task's size, so the executor sends it to a worker of its own.
    const meta = { type: 'id-codes', shape: [column.values.starts.length] };
    const inputs = declared !== undefined ? [graph] : [];
    tasks.push(ctx.add({ key: chunkKey(key, [end === 'src' ? 0 : 1], 'encode'), kernel: 'graph.encode_ids', params, inputs, meta }));
  }
  return tasks;
}
registerSingleChunkOp('graph.load_ldbc');
registerSingleChunkOp('graph.subgraph');
registerSingleChunkOp('graph.export');
