/**
 * Vertices and edges from a DataFrame (`gs.loadFrom({ edges: d })`, issue 11 §1): the frame node is an
 * input of the graph node, so its chunks reach the kernel (kernels/graph/frameLoad.ts) once they have
 * run, and the graph's key is its frame's key and the column choice — the same frame gives the same
 * graph. Everything the schema tells is checked here, at the user's line, as the column path checks
 * typed arrays: the columns exist, ids are integers (int32 or float64) or strings matching the graph's
 * oidType, never bools; property kinds follow the dtypes. What needs the data — nulls, fractional
 * float64 ids, endpoints that are not declared vertices — is the kernel's, with the same typed errors.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import type { FrameDtype, FrameField } from '../../base/frame.js';
import { makeTileable } from '../../dag/nodes.js';
import type { FrameEdgesParams, FrameVerticesParams } from '../../kernels/graph/frameLoad.js';
import type { ColumnKind } from '../../kernels/graph/values.js';
import type { FrameNode } from '../dataframe/meta.js';
import { chunkKey, registerOp } from '../op.js';
import { type EdgeOptions, endpointLabels, type VertexOptions, withEdgeLabel, withVertexLabel } from './build.js';
import type { FileOptions } from './sources.js';
import { checkEndpoints } from './endpoints.js';
import type { GraphMeta, GraphNode, OidType } from './meta.js';

/** The field a column reference (a name, or a 0-based index) names, or an error listing the columns. */
function fieldAt(frame: FrameNode, ref: number | string, what: string): FrameField {
  const fields = frame.meta.fields;
  const f = typeof ref === 'number' ? fields[ref] : fields.find((x) => x.name === ref);
  if (!f) {
    const names = fields.map((x) => `'${x.name}'`).join(', ') || 'no columns';
    throw new InvalidArgumentError(`${what}: no column ${JSON.stringify(ref)}; the DataFrame has ${names}.`);
  }
  return f;
}

/**
 * The oidType a DataFrame's id column implies when none is given: strings for a string column, int64
 * otherwise (undefined when the column is not there: the builder then says so).
 */
export function frameOidType(frame: FrameNode, ref: number | string): OidType | undefined {
  const f = typeof ref === 'number' ? frame.meta.fields[ref] : frame.meta.fields.find((x) => x.name === ref);
  return f === undefined ? undefined : f.dtype === 'string' ? 'string' : 'int64';
}

function checkIds(field: FrameField, oidType: OidType, what: string): void {
  if (field.dtype === 'bool') {
    throw new InvalidArgumentError(`${what}: column '${field.name}' is bool; vertex ids are integers (an int32 or float64 column) or strings.`);
  }
  if ((field.dtype === 'string') === (oidType === 'string')) return;
  const hint = field.dtype === 'string' ? " For string ids pass oidType: 'string' (or leave oidType out: gs.loadFrom takes it from the column)." : '';
  throw new InvalidArgumentError(`${what} must be ${oidType === 'string' ? 'strings' : 'integers'} for a graph with oidType '${oidType}'; column '${field.name}' is ${field.dtype}.${hint}`);
}

/** What a property column of a dtype becomes (as the column path's propertyKind: numbers are float64). */
const kindOf = (dtype: FrameDtype): ColumnKind => (dtype === 'string' ? 'string' : dtype === 'bool' ? 'bool' : 'float64');

/** A vertex frame's options: the column path's, without the file ones (a frame has no file). */
export type FrameVertexOptions = Omit<VertexOptions, keyof FileOptions>;

export function addFrameVerticesNode(g: GraphNode, frame: FrameNode, options: FrameVertexOptions = {}): GraphNode {
  const label = options.label ?? '_';
  const what = `addVertices('${label}')`;
  const id = fieldAt(frame, options.id ?? 0, what);
  checkIds(id, g.meta.oidType, `vertex ids of '${label}'`);
  const names = options.properties ?? frame.meta.fields.filter((f) => f.name !== id.name).map((f) => f.name);
  const properties: Record<string, string> = {};
  const kinds: Record<string, ColumnKind> = {};
  const dtypes: Record<string, FrameDtype> = { [id.name]: id.dtype };
  for (const n of names) {
    const f = fieldAt(frame, n, what);
    properties[n] = f.name;
    kinds[n] = kindOf(f.dtype);
    dtypes[f.name] = f.dtype;
  }
  const params: FrameVerticesParams = { label, id: id.name, properties, dtypes, oidType: g.meta.oidType };
  return makeTileable<GraphMeta>('graph.add_vertices_frame', params as never, [g, frame], { ...g.meta, schema: withVertexLabel(g, label, kinds, what) });
}

/** An edge frame's options: the column path's, without the file ones. */
export type FrameEdgeOptions = Omit<EdgeOptions, keyof FileOptions>;

export function addFrameEdgesNode(g: GraphNode, frame: FrameNode, options: FrameEdgeOptions = {}): GraphNode {
  const label = options.label ?? '_';
  const what = `addEdges('${label}')`;
  const [srcLabel, dstLabel] = endpointLabels(g, options);
  const src = fieldAt(frame, options.src ?? 0, what);
  const dst = fieldAt(frame, options.dst ?? 1, what);
  if (src.name === dst.name) throw new InvalidArgumentError('src and dst field cannot refer to the same field');
  checkIds(src, g.meta.oidType, `edge sources of '${label}'`);
  checkIds(dst, g.meta.oidType, `edge targets of '${label}'`);
  // As the column path: a list names each property as written (an index 2 is property '2'), a map renames.
  const wanted: Record<string, number | string> =
    options.properties === undefined
      ? Object.fromEntries(frame.meta.fields.filter((f) => f.name !== src.name && f.name !== dst.name).map((f) => [f.name, f.name]))
      : Array.isArray(options.properties)
        ? Object.fromEntries((options.properties as readonly (string | number)[]).map((n) => [String(n), n]))
        : { ...(options.properties as Readonly<Record<string, number | string>>) };
  const properties: Record<string, string> = {};
  const kinds: Record<string, ColumnKind> = {};
  const dtypes: Record<string, FrameDtype> = { [src.name]: src.dtype, [dst.name]: dst.dtype };
  for (const [name, ref] of Object.entries(wanted)) {
    const f = fieldAt(frame, ref, what);
    properties[name] = f.name;
    kinds[name] = kindOf(f.dtype);
    dtypes[f.name] = f.dtype;
  }
  const schema = withEdgeLabel(g, label, [srcLabel, dstLabel], kinds, what);
  const verify = checkEndpoints(g, undefined, [
    { end: 'src', column: undefined, label: srcLabel },
    { end: 'dst', column: undefined, label: dstLabel },
  ]);
  const params: FrameEdgesParams = { label, srcLabel, dstLabel, src: src.name, dst: dst.name, properties, dtypes, oidType: g.meta.oidType, ...(verify.length > 0 ? { verify } : {}) };
  // A bound on the arcs of any projection, when every edge's count is known now (small graphs project faster).
  const { inlineEdges, ...meta } = g.meta;
  const edges = inlineEdges !== undefined && Number.isFinite(frame.meta.rows) ? inlineEdges + frame.meta.rows : undefined;
  return makeTileable<GraphMeta>('graph.add_edges_frame', params as never, [g, frame], { ...meta, schema, ...(edges !== undefined ? { inlineEdges: edges } : {}) });
}

/** One chunk: the kernel of the same name over the graph's chunk and every chunk of the frame, in row order. */
for (const name of ['graph.add_vertices_frame', 'graph.add_edges_frame']) {
  registerOp({
    name,
    tile(node, ctx) {
      const inputs = [ctx.input(0).chunks[0]!, ...ctx.input(1).chunks];
      const key = ctx.add({ key: chunkKey(node.key, []), kernel: name, params: node.params, inputs, meta: { type: node.meta.type } });
      return { nsplits: [], chunks: [key] };
    },
  });
}
