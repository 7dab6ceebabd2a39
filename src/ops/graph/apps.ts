/**
 * The analytical apps as ops. An app on a property graph first projects it to a simple graph — one
 * vertex label, one edge label, at most one vertex and one edge property, with GraphScope's rules and
 * error texts — and that projection is a cached node with a deterministic key, so every app on the same
 * graph reuses one CSR (GraphScope re-projects on every call, issue #2895). The API checks the apps'
 * arguments (api/graphOptions.ts); results are contexts (`vertex_data`, or `vertex_property` for HITS's hub and auth).
 */
import { derivedNode, makeTileable, type TileableNode } from '../../dag/nodes.js';
import { InvalidArgumentError, registerErrorClass, TesseraError } from '../../base/errors.js';
import type { AppName, AppParams } from '../../kernels/graph/apps.js';

export type { AppName };
import type { ResultKind } from '../../kernels/graph/values.js';
import type { ProjectParams } from '../../kernels/graph/project.js';
import type { AddVerticesParams } from '../../kernels/graph/load.js';
import {
  type ContextMeta, type ContextNode, type GraphNode, type ProjectedMeta, type ProjectedNode, registerSingleChunkOp,
} from './meta.js';

export class NotSimpleGraphError extends TesseraError {
  constructor(message: string) {
    super('NotSimpleGraph', message);
  }
}
registerErrorClass(NotSimpleGraphError);

const NUMERIC = new Set(['float64', 'int64']);

export interface ProjectionOptions {
  /** The edge property used as the weight (default: the edge label's only numeric property, if it has one). */
  readonly weight?: string;
}

/**
 * How a projection holds its arcs: a sorted CSR (what every app reads), `grouped` rows unsorted with
 * parallel arcs kept (csr.ts `groupGraph`), or the `arcs` as a list with no CSR (graph/arcList.ts, WCC
 * only). Each is a node of its own.
 */
export type ProjectionLayout = 'sorted' | 'grouped' | 'arcs';

/**
 * `weighted`: false leaves the edge property out (a projection for an app that reads no weights: its
 * weights are not scattered into rows). The weight option is checked all the same.
 */
export function simpleProjection(g: GraphNode, options: ProjectionOptions = {}, layout: ProjectionLayout = 'sorted', weighted = true): ProjectedNode {
  const vlabels = Object.keys(g.meta.schema.vertices);
  const elabels = Object.keys(g.meta.schema.edges);
  if (vlabels.length === 0) throw new NotSimpleGraphError('Failed to project to simple graph as no vertex exists in this graph.');
  if (elabels.length === 0) throw new NotSimpleGraphError('Failed to project to simple graph as no edge exists in this graph.');
  if (vlabels.length > 1 || elabels.length > 1) {
    throw new NotSimpleGraphError(
      `Failed to project to simple graph: it has ${vlabels.length} vertex labels (${vlabels.join(', ')}) and ${elabels.length} edge labels ` +
        `(${elabels.join(', ')}); apps run on one of each. Project first, e.g. g.project({vertices: {${vlabels[0]}: []}, edges: {${elabels[0]}: []}}).`,
    );
  }
  const v = vlabels[0]!;
  const e = elabels[0]!;
  const edge = g.meta.schema.edges[e]!;
  if (edge.src !== v || edge.dst !== v) {
    throw new NotSimpleGraphError(`Cannot project to simple, Graph doesn't contain such relationship: ${v} -> ${e} <- ${v}.`);
  }
  let edgeProp: string | undefined;
  if (options.weight !== undefined) {
    const kind = edge.props[options.weight];
    if (kind === undefined) {
      throw new InvalidArgumentError(`weight: edge label '${e}' has no property '${options.weight}' (it has ${Object.keys(edge.props).join(', ') || 'none'}).`);
    }
    if (!NUMERIC.has(kind)) throw new InvalidArgumentError(`weight: '${options.weight}' holds ${kind}s; a weight must be a numerical property of the edge.`);
    edgeProp = options.weight;
  } else {
    const props = Object.entries(edge.props);
    if (props.length === 1 && NUMERIC.has(props[0]![1])) edgeProp = props[0]![0];
  }
  if (!weighted) edgeProp = undefined;
  const vprops = Object.entries(g.meta.schema.vertices[v]!);
  const vertexProp = vprops.length === 1 ? vprops[0]![0] : undefined;
  // The params follow from g's schema, the weight option, the layout and `weighted`: one node per g for each.
  return derivedNode(g, `graph.project ${layout} ${edgeProp ?? ''}`, () => {
    const params: ProjectParams = {
      vertexLabel: v,
      edgeLabel: e,
      ...(vertexProp ? { vertexProp } : {}),
      ...(edgeProp ? { edgeProp } : {}),
      ...(layout === 'grouped' ? { grouped: true } : layout === 'arcs' ? { arcs: true } : {}),
    };
    return makeTileable<ProjectedMeta>('graph.project', params as never, [g], {
      type: 'projected',
      directed: g.meta.directed,
      oidType: g.meta.oidType,
      vertexLabel: v,
      edgeLabel: e,
      ...(vertexProp ? { vertexData: { name: vertexProp, kind: vprops[0]![1] } } : {}),
      ...(edgeProp ? { edgeData: { name: edgeProp, kind: edge.props[edgeProp]! } } : {}),
    });
  });
}

export type SourceId = number | bigint | string;

export interface AppArgs {
  readonly source?: SourceId;
  readonly damping?: number;
  readonly iterations?: number;
  readonly k?: number;
  readonly centralityType?: 'in' | 'out' | 'both';
  readonly tolerance?: number;
  readonly normalized?: boolean;
}

/** Apps that read a directed graph's in-arcs (BFS's bottom-up steps, PageRank's pull on a small graph, the undirected views). */
const IN_ARC_APPS: ReadonlySet<AppName> = new Set(['bfs', 'pagerank', 'cdlp', 'lcc', 'k_core', 'triangles', 'hits']);

/**
 * Graphs known at build time to have fewer edges than this (every edge added as inline columns) are
 * small: what a first app waits for matters more there than what later apps save, so
 * - SSSP, WCC, and BFS and PageRank on a directed graph run on a grouped projection (rows unsorted,
 *   parallel arcs kept: one scatter instead of a sort; R-MAT s16, 955K arcs, one thread: 11-15 against
 *   30-33 ms), which Dijkstra, WCC and a one-range BFS read as they read a sorted one, and PageRank
 *   through the merged graph's in-CSR (other apps project again, sorted, when they first run); only
 *   SSSP's carries the weights, and a first WCC reads the arcs as a list (`groupedProjection`);
 * - a first BFS on a directed graph reads no in-arcs: bottom-up steps save less than the in-CSR costs
 *   (R-MAT s16, one thread: the transpose takes 12.6 ms, bottom-up steps cut a search from 5.5 to
 *   3.0 ms), so it runs top-down over the out-arcs alone; later ones read them, as on a big graph
 *   (below), with their bottom-up steps split across the workers (warm s16 BFS: 5 against 10 ms).
 * BFS on a directed graph takes the grouped projection at any size known at build time (`takesGrouped`).
 * A graph loaded from files, whose size is not known then, takes the sorted projection and the in-CSR.
 *
 * On any directed graph, BFS reads the in-arcs from its second run on a projection of a graph on (or
 * once another app has asked that graph for that projection's in-CSR): the transpose costs a first search more than the
 * bottom-up steps save it (R-MAT s20, 16M arcs: the in-CSR took 0.43 s, the search 0.1 s), and only
 * repeated searches earn it back (warm searches 30-40% faster with it). Likewise SSSP reads the graph
 * renumbered hubs first (graph/hubOrder.ts) from its second run on a big graph: building it costs
 * about what it saves a search. The answer is the same either way; only which layouts a run builds differs.
 */
const SMALL_GRAPH_EDGES = 1 << 21;

const isSmall = (g: GraphNode): boolean => g.meta.inlineEdges !== undefined && g.meta.inlineEdges < SMALL_GRAPH_EDGES;

/**
 * Per graph (the node a handle holds), the layouts of its projections that apps have asked for
 * ("<projection key> in-csr", "<projection key> hub-order"). Kept with the node, not the process: a
 * graph built again (another session, another load) starts afresh, as its session's cache does.
 */
const layoutsAsked = new WeakMap<GraphNode, Set<string>>();

/** Whether `layout` of `pg` was asked for before; it is from now on. */
function askedBefore(g: GraphNode, pg: ProjectedNode, layout: string): boolean {
  let asked = layoutsAsked.get(g);
  if (!asked) layoutsAsked.set(g, (asked = new Set()));
  const key = `${pg.key} ${layout}`;
  const before = asked.has(key);
  asked.add(key);
  return before;
}

/** Whether `layout` of `pg` was asked for before (asking nothing). */
const wasAsked = (g: GraphNode, pg: ProjectedNode, layout: string): boolean => layoutsAsked.get(g)?.has(`${pg.key} ${layout}`) ?? false;

function readsInArcs(algo: AppName, g: GraphNode, pg: ProjectedNode): boolean {
  if (!g.meta.directed || !IN_ARC_APPS.has(algo)) return false;
  // PageRank reads the in-arcs through its pull layout, built from the out-arcs (graph/pullOrder.ts,
  // graph/pullLayoutFromOut.ts: on R-MAT s16 its step took 16-20 ms on two workers, where the grouped
  // projection's merged in-CSR took 22-25 and the layout over it 10-12 more, bench/graph/timeline.ts);
  // over the in-CSR only when an app of the graph has asked for it before, which then serves both.
  if (algo === 'pagerank') return takesGrouped(algo, g) && wasAsked(g, pg, 'in-csr');
  const before = askedBefore(g, pg, 'in-csr');
  return algo !== 'bfs' || before;
}

/**
 * BFS's bottom-up steps look at each vertex's in-hub before its row (graph/inHubs.ts): on a directed
 * graph whenever the search reads the in-CSR (the hubs are made from it), on an undirected one (whose
 * rows are its in-arcs) from its second run on the projection, as the in-CSR is asked for.
 */
function readsInHubs(algo: AppName, g: GraphNode, pg: ProjectedNode, inCsr: boolean): boolean {
  if (algo !== 'bfs') return false;
  return g.meta.directed ? inCsr : askedBefore(g, pg, 'in-hubs');
}

/** SSSP reads the hub order from its second run on a big graph's projection (see above). */
const readsHubOrder = (algo: AppName, g: GraphNode, pg: ProjectedNode): boolean => algo === 'sssp' && !isSmall(g) && askedBefore(g, pg, 'hub-order');

/**
 * Whether the app runs on a grouped projection: on small graphs, the apps that read rows as bags of
 * arcs, and PageRank on a directed one, which reads only the in-arcs, merged (kernels/graph/project.ts
 * `graph.in_csr`); and BFS on a directed graph of any size known at build time. A first BFS on a big
 * one runs on one range (it reads no in-arcs yet), which needs no sorted rows, and later ones split
 * their bottom-up steps over the in-CSR as on a small graph: on R-MAT s20 (16M arcs, int32 ids,
 * `bench/graph/ready.ts`, alternated) load + first BFS took 0.86-0.88 s on the sorted projection and
 * 0.57-0.65 on the grouped one (no row sort, no weight column), and warm BFS 35-42 against 29-31 ms.
 * PageRank stays sorted there (its first run took 1.65 s sorted, 1.95 grouped), and so does SSSP
 * (delta-stepping reads sorted rows).
 */
function takesGrouped(algo: AppName, g: GraphNode): boolean {
  if (algo === 'bfs' && g.meta.directed && g.meta.inlineEdges !== undefined) return true;
  return isSmall(g) && (algo === 'sssp' || algo === 'wcc' || (g.meta.directed && algo === 'pagerank'));
}

/** The one app that reads edge weights (Dijkstra, and its layouts). */
const readsWeights = (algo: AppName): boolean => algo === 'sssp';

/**
 * The projection of an app that takes a grouped one (`takesGrouped`). Only SSSP reads weights: the others
 * take a grouped projection without them (no weight column scattered into rows: R-MAT s16, 955K arcs,
 * one thread: 15 against 23 ms), and a first WCC the arcs as a list (no CSR at all: dense ids are read
 * where they are; later ones the grouped rows, which union-find reads faster: warm s16 WCC 10-11
 * against 12-15 ms) — unless an app of the graph has asked for a grouped projection before, which they
 * then share (the weighted one first), so a session running several apps projects at most twice.
 */
function groupedProjection(algo: AppName, g: GraphNode, options: ProjectionOptions): ProjectedNode {
  const weighted = simpleProjection(g, options, 'grouped');
  if (readsWeights(algo) || wasAsked(g, weighted, 'grouped')) {
    askedBefore(g, weighted, 'grouped');
    return weighted;
  }
  const bare = simpleProjection(g, options, 'grouped', false);
  if (algo === 'wcc' && !wasAsked(g, bare, 'grouped') && !askedBefore(g, bare, 'arcs')) return simpleProjection(g, options, 'arcs', false);
  askedBefore(g, bare, 'grouped');
  return bare;
}

/**
 * The projection an app runs on. WCC on a graph that is not small reads the arcs as a list (no CSR:
 * graph/arcList.ts, graph/wccArcs.ts) until some app of the graph has asked for its sorted projection,
 * which it then reads too: on R-MAT s20 the sorted CSR is about ten times the WCC that reads it
 * (bench/graph/timeline.ts), and union-find needs each arc once, in any order. The labels are the same.
 */
function projectionFor(algo: AppName, g: GraphNode, options: ProjectionOptions): ProjectedNode {
  if (takesGrouped(algo, g)) return groupedProjection(algo, g, options);
  const sorted = simpleProjection(g, options, 'sorted');
  if (algo === 'wcc' && !isSmall(g) && !wasAsked(g, sorted, 'sorted')) return simpleProjection(g, options, 'arcs');
  askedBefore(g, sorted, 'sorted');
  return sorted;
}

/** graph/outSlots.ts's widest row and the share of the arcs its rows must hold (a unit test keeps them equal). */
export const WIDEST_SLOT_ROW = 8;
export const SLOT_ARC_SHARE = 0.9;

/** The vertices declared as inline columns, when every vertex of the graph was (undefined when not known at build time). */
function declaredVertices(g: GraphNode): number | undefined {
  let count = 0;
  for (let node: GraphNode | undefined = g; node; node = node.inputs[0] as GraphNode | undefined) {
    if (node.op === 'graph.empty') return count > 0 ? count : undefined;
    if (node.op === 'graph.add_vertices') {
      const { source, id } = node.params as unknown as AddVerticesParams;
      if (source.kind !== 'columns') return undefined;
      const column = source.columns[typeof id === 'number' ? Object.keys(source.columns)[id]! : id]!;
      count += column.kind === 'string' ? column.values.starts.length : column.values.length;
    } else if (node.op !== 'graph.add_edges' && node.op !== 'graph.add_edges_frame') return undefined;
  }
  return undefined;
}

/**
 * Whether an out-slot layout of the graph's grouped projection is sure to be the "not applicable" one
 * (width 0, graph/outSlots.ts): rows of up to the widest width hold at most that many arcs a vertex,
 * short of the share of the arcs the layout needs. Known at build time on a graph whose edges and
 * vertices were all given as columns: its grouped projection keeps every edge as an arc (both ways when undirected).
 * R-MAT (16 arcs a vertex) is such a graph: its BFS then skips a chunk that would only find that out.
 */
function slotsSurelyUnused(g: GraphNode): boolean {
  const n = declaredVertices(g);
  return g.meta.inlineEdges !== undefined && n !== undefined && WIDEST_SLOT_ROW * n < SLOT_ARC_SHARE * g.meta.inlineEdges;
}

/**
 * The per-graph layout an app reads besides its projection, if any. SSSP's carries the weight check
 * with its slots: on a graph whose slots are unused it pays only from the second search (the first
 * checks the weights itself, as it would with the layout, and does not wait for a chunk of its own).
 */
function layoutOf(algo: AppName, g: GraphNode, pg: ProjectedNode): string | undefined {
  if ((algo === 'bfs' || algo === 'sssp') && takesGrouped(algo, g) && slotsSurelyUnused(g)) {
    return algo === 'sssp' && askedBefore(g, pg, 'sssp-layout') ? LAYOUT_OF[algo] : undefined;
  }
  return LAYOUT_OF[algo];
}

const RESULT: Record<AppName, ResultKind> = {
  sssp: 'float', bfs: 'depth', pagerank: 'float', wcc: 'label', cdlp: 'label', lcc: 'float', k_core: 'integer',
  triangles: 'integer', degree_centrality: 'float', hits: 'float',
};

const LAYOUT_OF: Partial<Record<AppName, string>> = { pagerank: 'graph.pull_layout', bfs: 'graph.out_slots', sssp: 'graph.sssp_layout' };

/** The source as the kernel takes it (the API has checked it against the graph's id type): bigints travel as text. */
function sourceParams(source: SourceId | undefined, algo: string): Pick<AppParams, 'source' | 'sourceIsBigInt'> {
  if (source === undefined) throw new InvalidArgumentError(`${algo} needs a source vertex.`);
  return typeof source === 'bigint' ? { source: source.toString(), sourceIsBigInt: true } : { source };
}

/** An app's node; its arguments were checked by the API (types and ranges, api/graphOptions.ts). */
export function appNode(algo: AppName, g: GraphNode, args: AppArgs = {}, projection: ProjectionOptions = {}): ContextNode {
  const pg = projectionFor(algo, g, projection);
  let params: AppParams = { algo };
  if (algo === 'sssp' || algo === 'bfs') params = { ...params, ...sourceParams(args.source, algo) };
  for (const key of ['damping', 'iterations', 'k', 'centralityType', 'tolerance', 'normalized'] as const) {
    if (args[key] !== undefined) params = { ...params, [key]: args[key] };
  }
  // Per-graph layouts, cached like the projection: a directed graph's in-CSR (for the apps that read
  // in-arcs), PageRank's pull layout, BFS's out-slots and in-hubs, SSSP's layout and hub order.
  // A layout's inputs are pg and, for some, pg's in-CSR (itself one node per pg): its slot names which.
  const layoutNode = (op: string, inputs: readonly TileableNode[]) => derivedNode(pg, `${op} ${inputs.length}`, () => makeTileable(op, {}, inputs, { type: 'layout' }));
  const inCsr = readsInArcs(algo, g, pg) ? [layoutNode('graph.in_csr', [pg])] : [];
  const hubOrder = readsHubOrder(algo, g, pg) ? [layoutNode('graph.hub_order', [pg])] : [];
  const layout = layoutOf(algo, g, pg);
  const layoutInputs = layout === 'graph.pull_layout' ? [pg, ...inCsr] : [pg];
  const inHubs = readsInHubs(algo, g, pg, inCsr.length > 0) ? [layoutNode('graph.in_hubs', [pg, ...inCsr])] : [];
  const inputs = [pg, ...(layout ? [layoutNode(layout, layoutInputs)] : []), ...inCsr, ...hubOrder, ...inHubs];
  const columns: Record<string, ResultKind> = algo === 'hits' ? { hub: 'float', auth: 'float' } : { r: RESULT[algo] };
  return makeTileable<ContextMeta>('graph.app', params as never, inputs, {
    type: 'context',
    algo,
    contextType: algo === 'hits' ? 'vertex_property' : 'vertex_data',
    columns,
    oidType: g.meta.oidType,
    hasVertexData: pg.meta.vertexData !== undefined,
  });
}

registerSingleChunkOp('graph.project', { cache: true });
registerSingleChunkOp('graph.in_csr', { cache: true });
registerSingleChunkOp('graph.pull_layout', { cache: true });
registerSingleChunkOp('graph.out_slots', { cache: true });
registerSingleChunkOp('graph.sssp_layout', { cache: true });
registerSingleChunkOp('graph.hub_order', { cache: true });
registerSingleChunkOp('graph.in_hubs', { cache: true });
registerSingleChunkOp('graph.app');
