/**
 * Projection: from a property graph to the simple graph apps run on — one vertex label, one edge label,
 * at most one vertex property (`v.data`) and one edge property (the weight). Original ids map to dense
 * internal ids in id order; the out-CSR is built here once, and the result is cached by the session, so
 * every app on the same projection reuses it. A directed graph's in-CSR is a node of its own
 * (`graph.in_csr`, cached the same way), built only for the apps that read in-arcs: SSSP and WCC, the
 * first app of many sessions, never wait for it.
 *
 * An edge whose endpoint is not among the label's declared vertices is an error naming the id (the
 * documented choice); a label with no declared vertices takes its vertices from its edges.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import { arcListDriver } from '../../graph/arcList.js';
import { type Csr, type GraphCsr, mergedTranspose } from '../../graph/csr.js';
import type { Driver } from '../../graph/parallel.js';
import { buildGraphDriver, transposeDriver } from '../../graph/parallelCsr.js';
import { groupGraphDriver } from '../../graph/parallelGroup.js';
import type { WeightParts } from '../../graph/arcSort.js';
import { VertexNotFoundError } from '../../graph/errors.js';
import { asBigIntColumn, type IdColumn, sharedStringSpans, type StringSpans } from '../../graph/idColumns.js';
import { IdMap } from '../../graph/idmap.js';
import { outSlots } from '../../graph/outSlots.js';
import { endpointIds, endpointIdsDriver } from '../../graph/parallelIds.js';
import { type PullLayout, pullLayout } from '../../graph/pullLayout.js';
import { pullLayoutFromOutDriver } from '../../graph/pullLayoutFromOut.js';
import { ORDERED_PULL_FROM_VERTICES, type OrderedPullLayout, orderedPullLayoutDriver } from '../../graph/pullOrder.js';
import { outputFloat64 } from '../../graph/shared.js';
import { codedSpans, concatCoded } from '../../graph/stringDict.js';
import { registerDriver, registerKernel } from '../registry.js';
import { type Column, type OriginalIds, type ProjectedArcsValue, type ProjectedGraphValue, type ProjectedVertices, type PropertyGraphValue, type VertexDataColumn } from './values.js';

export interface ProjectParams {
  readonly vertexLabel: string;
  readonly edgeLabel: string;
  readonly vertexProp?: string;
  readonly edgeProp?: string;
  /** A grouped graph (csr.ts `groupGraph`: rows unsorted, parallel arcs kept), for the apps that can take one. */
  readonly grouped?: true;
  /** No CSR: the arcs as a list (graph/arcList.ts), for a graph's first WCC. */
  readonly arcs?: true;
}

function concatIds(columns: readonly IdColumn[]): IdColumn {
  if (columns.length === 1) return columns[0]!;
  if (columns.every((c) => c.kind === 'coded')) return { kind: 'coded', values: concatCoded(columns.map((c) => c.values)) };
  if (columns.some((c) => c.kind === 'string' || c.kind === 'coded')) {
    const spans = columns.map((c) => (c.kind === 'coded' ? codedSpans(c.values) : (c.values as StringSpans)));
    const bytes = new Uint8Array(spans.reduce((n, s) => n + s.bytes.length, 0));
    const count = spans.reduce((n, s) => n + s.starts.length, 0);
    const starts = new Int32Array(count);
    const ends = new Int32Array(count);
    let at = 0;
    let k = 0;
    for (const s of spans) {
      bytes.set(s.bytes, at);
      for (let i = 0; i < s.starts.length; i++, k++) {
        starts[k] = s.starts[i]! + at;
        ends[k] = s.ends[i]! + at;
      }
      at += s.bytes.length;
    }
    return { kind: 'string', values: { bytes, starts, ends } };
  }
  if (columns.some((c) => c.kind === 'bigint')) {
    const parts = columns.map((c) => asBigIntColumn(c).values as BigInt64Array);
    const out = new BigInt64Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return { kind: 'bigint', values: out };
  }
  const parts = columns.map((c) => c.values as Float64Array);
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { kind: 'number', values: out };
}

function concatNumbers(columns: readonly Column[]): Float64Array {
  // One shared column is read as it is (the CSR build only reads it): no 128 MB copy on R-MAT s20.
  const only = columns.length === 1 ? columns[0]!.values : undefined;
  if (only instanceof Float64Array && only.buffer instanceof SharedArrayBuffer) return only;
  const out = new Float64Array(new SharedArrayBuffer(8 * columns.reduce((n, c) => n + c.values.length, 0)));
  let at = 0;
  for (const c of columns) {
    out.set(c.values as ArrayLike<number>, at);
    at += c.values.length;
  }
  return out;
}

/** An edge weight column for the CSR build: the tables' Float64 columns as they are (parts, read in order), else one joined column. */
function weightParts(columns: readonly Column[]): Float64Array | WeightParts {
  if (columns.length > 1 && columns.every((c) => c.values instanceof Float64Array)) return columns.map((c) => c.values as Float64Array);
  return concatNumbers(columns);
}

function originals(map: IdMap): OriginalIds {
  const n = map.size;
  if (map.kind === 'string') return { kind: 'string', values: map.stringSpans() };
  // Shared memory: every app sends the projected graph to a worker, and these arrays must not be copied.
  if (map.kind === 'bigint') {
    const values = new BigInt64Array(new SharedArrayBuffer(8 * n));
    for (let v = 0; v < n; v++) values[v] = BigInt(map.originalId(v));
    return { kind: 'bigint', values };
  }
  const values = outputFloat64(n, true);
  for (let v = 0; v < n; v++) values[v] = map.originalId(v) as number;
  return { kind: 'number', values };
}

/** The vertex property column in internal id order (rows of the vertex tables scattered by id). */
function vertexData(map: IdMap, ids: IdColumn, columns: readonly Column[]): VertexDataColumn {
  const internal = map.toInternal(ids, (_, text) => new VertexNotFoundError(text));
  const kind = columns[0]!.kind;
  if (kind === 'string') {
    const src = columns.flatMap((c) => [...(c.values as readonly string[])]);
    const out = new Array<string>(map.size).fill('');
    internal.forEach((v, row) => (out[v] = src[row]!));
    return { kind, values: sharedStringSpans(out) };
  }
  const src = concatNumbers(columns);
  const out = kind === 'bool' ? new Uint8Array(new SharedArrayBuffer(map.size)) : new Float64Array(new SharedArrayBuffer(8 * map.size));
  internal.forEach((v, row) => (out[v] = src[row]!));
  return { kind, values: out } as VertexDataColumn;
}

/** The projection's tables, its id map and its edges' endpoint columns (original ids, one per edge table). */
function projectionIds(g: PropertyGraphValue, p: ProjectParams) {
  const vertexTables = g.vertices.filter((t) => t.label === p.vertexLabel);
  const edgeTables = g.edges.filter((t) => t.label === p.edgeLabel);
  const src = edgeTables.map((t) => t.src);
  const dst = edgeTables.map((t) => t.dst);
  const declared = vertexTables.length > 0 ? concatIds(vertexTables.map((t) => t.ids)) : undefined;
  // The load found a label's implicit vertices; they are this projection's when its edge label is the only one touching it.
  const implicit = g.implicitVertices?.[p.vertexLabel];
  const onlyThese = g.edges.every((t) => (t.srcLabel !== p.vertexLabel && t.dstLabel !== p.vertexLabel) || t.label === p.edgeLabel);
  const map = declared
    ? IdMap.fromIds(declared, (i, text) => new VertexNotFoundError(text, `vertex id ${text} of '${p.vertexLabel}' is declared twice (again at row ${i})`))
    : implicit && onlyThese
      ? IdMap.fromIds(implicit)
      : IdMap.fromEdges(...src, ...dst);
  return { vertexTables, edgeTables, declared, map, src, dst };
}

/** The projection's vertices as every projection holds them: original ids and `v.data`. */
function projectedVertices(p: ProjectParams, projection: ReturnType<typeof projectionIds>): ProjectedVertices {
  const { vertexTables, declared, map } = projection;
  const data = p.vertexProp === undefined || !declared ? undefined : vertexData(map, declared, vertexTables.map((t) => t.props[p.vertexProp!]!));
  return { vertexLabel: p.vertexLabel, edgeLabel: p.edgeLabel, ids: originals(map), ...(data ? { vertexData: data } : {}) };
}

/** The projection's graph over internal ids, from its endpoints mapped (on the gang for a big edge list), grouped or sorted on the gang. */
function* projectedGraph(g: PropertyGraphValue, p: ProjectParams, projection: ReturnType<typeof projectionIds>, parts: number): Driver<GraphCsr> {
  const { edgeTables, map } = projection;
  const weights = p.edgeProp === undefined ? undefined : weightParts(edgeTables.map((t) => t.props[p.edgeProp!]!));
  const { src, dst } = yield* endpointIdsDriver(map, projection.src, projection.dst, p, { parts });
  const edges = { n: map.size, src, dst, weights };
  return p.grouped ? yield* groupGraphDriver(edges, { directed: g.directed }, { parts }) : yield* buildGraphDriver(edges, { directed: g.directed }, { parts });
}

// A driver: a big graph's endpoints are mapped, and a big directed graph's sorted CSR is built, by the
// whole gang (graph/parallelIds.ts, graph/parallelCsr.ts).
registerDriver('graph.project', function* (inputs, p: ProjectParams, ctx): Driver<ProjectedGraphValue | ProjectedArcsValue> {
  const g = inputs[0] as PropertyGraphValue;
  const projection = projectionIds(g, p);
  const { declared, map, src, dst } = projection;
  if (p.arcs) {
    // Vertices that are their edges' endpoints are all in the map: nothing to check.
    const arcs = yield* arcListDriver(map, src, dst, p, { directed: g.directed, complete: !declared, parts: ctx.parallelism });
    return { kind: 'projected-arcs', ...projectedVertices(p, projection), arcs };
  }
  let graph: GraphCsr;
  try {
    graph = yield* projectedGraph(g, p, projection, ctx.parallelism);
  } catch (e) {
    // A dense id column with an id out of range: map it the checking way, which names the vertex.
    if (e instanceof InvalidArgumentError) {
      endpointIds(map, src, p, 'the source', false);
      endpointIds(map, dst, p, 'the target', false);
    }
    throw e;
  }
  return { kind: 'projected-graph', ...projectedVertices(p, projection), graph };
});

/** A directed projection's in-CSR, tagged so an app finds it among its inputs. */
export interface InCsrValue {
  readonly kind: 'in-csr';
  readonly csr: Csr;
  /** A grouped projection's out-degrees, parallel arcs merged, when they differ from its rows' lengths (PageRank divides by them). */
  readonly outDegrees?: Int32Array;
}

/**
 * The transpose of the projection's out-CSR, without weights (no app reads the weights of in-arcs).
 * Building it instead from the property graph beside the projection (the out-CSR of the reversed arcs,
 * the same rows) took the transpose off the first BFS's and PageRank's path, but every PageRank on that
 * in-CSR ran twice as slow (R-MAT s20 warm PageRank 1.70-2.06 s against 0.73-1.03 s), so it is not done.
 * A grouped projection (PageRank's on a small graph) gets the merged graph's in-CSR (csr.ts `mergedTranspose`).
 * A big one is transposed by the whole gang (graph/parallelCsr.ts `transposeDriver`).
 */
registerDriver('graph.in_csr', function* (inputs, _p: object, ctx): Driver<InCsrValue> {
  const { graph } = inputs[0] as ProjectedGraphValue;
  if (!graph.grouped) return { kind: 'in-csr', csr: yield* transposeDriver({ ...graph.out, weights: undefined }, { parts: ctx.parallelism }) };
  const merged = mergedTranspose(graph.out);
  return { kind: 'in-csr', csr: merged.in, ...(merged.outDegrees ? { outDegrees: merged.outDegrees } : {}) };
});

function inputInCsr(inputs: readonly unknown[]): InCsrValue | undefined {
  return inputs.find((v): v is InCsrValue => (v as Partial<InCsrValue> | undefined)?.kind === 'in-csr');
}

/** The projected graph with the in-CSR among `inputs` attached (unchanged when there is none). */
export function withInputInCsr(pg: ProjectedGraphValue, inputs: readonly unknown[]): ProjectedGraphValue {
  const found = inputInCsr(inputs);
  return found && !pg.graph.in ? { ...pg, graph: { ...pg.graph, in: found.csr } } : pg;
}

/**
 * PageRank's pull layout of a projected graph, cached with it. A small one's is the slot layout: over
 * the in-CSR when the app was given one (an input then, cached for BFS and WCC too), else straight from
 * the out-arcs by the gang (graph/pullLayoutFromOut.ts; a grouped projection's parallel arcs merged, as
 * PageRank reads them). A sorted one's from ORDERED_PULL_FROM_VERTICES vertices is the ordered layout,
 * built from the out-CSR by the gang (graph/pullOrder.ts).
 */
registerDriver('graph.pull_layout', function* (inputs, _p: object, ctx): Driver<PullLayout | OrderedPullLayout> {
  const pg = inputs[0] as ProjectedGraphValue;
  const inCsr = inputInCsr(inputs);
  if (inCsr) return pullLayout(withInputInCsr(pg, inputs).graph, inCsr.outDegrees);
  const g = pg.graph;
  if (!g.grouped && g.n >= ORDERED_PULL_FROM_VERTICES) return yield* orderedPullLayoutDriver(g, { parts: ctx.parallelism });
  return g.in ? pullLayout(g) : yield* pullLayoutFromOutDriver(g, ctx.parallelism);
});

/** BFS's and SSSP's out-slot layout (with SSSP's weight check) of a projected graph, cached the same way. */
registerKernel('graph.out_slots', (inputs) => outSlots((inputs[0] as ProjectedGraphValue).graph));
