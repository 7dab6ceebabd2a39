/**
 * The `graph` namespace (`import { graph as gs } from 'tessera'`): creating and loading property graphs
 * (`gs.g`, `gs.loadFrom` from delimited files, Arrow tables, columns, DataFrames, LDBC folders; `gs.fromGraphology`),
 * the analytical apps, and `sess.g()` on sessions. Apps take a property graph with one vertex label and
 * one edge label (project first otherwise) and return a `Context`.
 */
import type { DirectedGraph, MultiDirectedGraph, MultiUndirectedGraph, UndirectedGraph } from 'graphology';
import { checkInstance, checkOptions, describeValue } from '../base/args.js';
import { InvalidArgumentError } from '../base/errors.js';
import {
  addEdgesNode, addFrameEdgesNode, addFrameVerticesNode, addVerticesNode, type AppArgs, type AppName, appNode, type ContextNode, type DataSource, emptyGraphNode, type FileOptions,
  frameOidType, type GraphNode, ldbcGraphNode, type OidType, type PropertyGraphValue, type SourceId,
} from '../ops/graph/index.js';
import { Session } from '../session/index.js';
import { registerSharedHandle } from '../session/sharing.js';
import type { FrameNode } from '../ops/dataframe/index.js';
import { DataFrame } from './dataframe.js';
import { Context, Graph } from './graph.js';
import type { FetchOptions } from './handle.js';
import { graphologyColumns, graphologyFromValue } from './graphology.js';
import { APP_OPTIONS, FETCH_OPTIONS, GRAPH_OPTIONS, LOAD_OPTIONS } from './graphOptions.js';

export { Context, Graph, Result, type GraphSummary, type SelectedArray } from './graph.js';

// `other.getNamed(name)` of a persisted graph or context gives a handle of `other` (session/sharing.ts).
registerSharedHandle('graph', (node) => new Graph(node as GraphNode));
registerSharedHandle('context', (node) => new Context(node as ContextNode));

export interface GraphOptions {
  readonly directed?: boolean;
  readonly oidType?: OidType;
}

/** An empty property graph; add vertices and edges to it. */
export function g(options: GraphOptions = {}): Graph {
  return new Graph(emptyGraphNode(checkOptions(options, 'gs.g(options)', GRAPH_OPTIONS)));
}

declare module '../session/session.js' {
  interface Session {
    /** An empty property graph evaluated in this session (GraphScope's `sess.g()`). */
    g(options?: GraphOptions): Graph;
  }
}
Session.prototype.g = function (this: Session, options: GraphOptions = {}): Graph {
  return this.scope(() => new Graph(emptyGraphNode(checkOptions(options, 'sess.g(options)', GRAPH_OPTIONS))));
};

export interface LoadOptions extends FileOptions, GraphOptions {
  /**
   * Edge data: a delimited file path, an Arrow table, an object of columns, or a DataFrame (read when
   * the graph is loaded; without `oidType`, its src column's dtype decides: strings or int64 ids).
   */
  readonly edges?: DataSource | DataFrame;
  readonly vertices?: DataSource | DataFrame;
  /**
   * A Graphalytics folder (or its `.properties` file): vertex label `v`, edge label `e`. The description
   * says everything else, so no other option goes with it; the files it names must be inside its folder.
   * In a remote session the folder is the server's (inside its data directory), described by the
   * server when the graph is built.
   */
  readonly ldbc?: string;
  readonly vertexLabel?: string;
  readonly edgeLabel?: string;
  /** Edge columns (name or index; defaults 0 and 1) and the vertex id column (default 0). */
  readonly src?: number | string;
  readonly dst?: number | string;
  readonly id?: number | string;
  /** Edge properties to load; a delimited file carries at most one (the weight). */
  /** Edge properties to load: column names, or 0-based indices (a file without a header; named '2', ...). */
  readonly edgeProperties?: readonly (string | number)[];
  readonly vertexProperties?: readonly string[];
}

const frameOf = (data: unknown): FrameNode | undefined => (data instanceof DataFrame ? data.node : undefined);

export function loadFrom(options: LoadOptions): Graph {
  const call = 'gs.loadFrom(options)';
  if (options === undefined) throw new InvalidArgumentError(`${call}: options are required, such as {edges: 'edges.csv', directed: true} or {ldbc: 'folder'}.`);
  checkOptions(options, call, LOAD_OPTIONS);
  if (options.ldbc !== undefined) {
    const others = Object.keys(options).filter((k) => k !== 'ldbc' && options[k as keyof LoadOptions] !== undefined);
    if (others.length > 0) {
      throw new InvalidArgumentError(`${call}: an ldbc folder describes its own graph (files, direction, properties); it takes no ${others.join(', ')}.`);
    }
    return new Graph(ldbcGraphNode(options.ldbc).node);
  }
  if (options.edges === undefined) throw new InvalidArgumentError(`${call}: edges are required (or an ldbc folder).`);
  // A DataFrame's ids say the graph's oidType when none is given (string columns: string ids).
  const frames = { edges: frameOf(options.edges), vertices: frameOf(options.vertices) };
  const implied = options.oidType ?? (frames.edges ? frameOidType(frames.edges, options.src ?? 0) : frames.vertices ? frameOidType(frames.vertices, options.id ?? 0) : undefined);
  const file = { ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}), ...(options.header !== undefined ? { header: options.header } : {}), ...(options.comment !== undefined ? { comment: options.comment } : {}) };
  let node = emptyGraphNode({ ...(options.directed !== undefined ? { directed: options.directed } : {}), ...(implied !== undefined ? { oidType: implied } : {}) });
  const vlabel = options.vertexLabel ?? '_';
  if (options.vertices !== undefined) {
    const vertexOptions = { label: vlabel, ...(options.id !== undefined ? { id: options.id } : {}), ...(options.vertexProperties ? { properties: options.vertexProperties } : {}) };
    node = frames.vertices ? addFrameVerticesNode(node, frames.vertices, vertexOptions) : addVerticesNode(node, options.vertices as DataSource, { ...file, ...vertexOptions });
  }
  const edgeOptions = {
    label: options.edgeLabel ?? '_',
    srcLabel: vlabel,
    dstLabel: vlabel,
    ...(options.src !== undefined ? { src: options.src } : {}),
    ...(options.dst !== undefined ? { dst: options.dst } : {}),
    ...(options.edgeProperties ? { properties: options.edgeProperties } : {}),
  };
  node = frames.edges ? addFrameEdgesNode(node, frames.edges, edgeOptions) : addEdgesNode(node, options.edges as DataSource, { ...file, ...edgeOptions });
  return new Graph(node);
}

/** The Graphalytics parameters of a graph loaded from an LDBC folder (sources, iterations, damping). */
export function ldbcSpec(dir: string): ReturnType<typeof ldbcGraphNode>['spec'] {
  if (typeof dir !== 'string') throw new InvalidArgumentError(`gs.ldbcSpec(dir): dir must be a folder path (a string); got ${describeValue(dir)}.`);
  return ldbcGraphNode(dir).spec;
}

/** A property graph from a graphology graph: node attributes become vertex properties, edge attributes edge properties. */
export function fromGraphology(graph: unknown, options: { readonly oidType?: OidType } = {}): Graph {
  const cols = graphologyColumns(graph, checkOptions(options, 'gs.fromGraphology(graph, options)', { oidType: GRAPH_OPTIONS.oidType }).oidType);
  let node = emptyGraphNode({ directed: cols.directed, oidType: cols.oidType });
  node = addVerticesNode(node, cols.vertices, { label: '_', id: 'id' });
  node = addEdgesNode(node, cols.edges, { label: '_', src: 'src', dst: 'dst' });
  return new Graph(node);
}

/** The graph as a graphology graph (node keys are the ids as text; properties become attributes). */
export async function toGraphology(graph: Graph, options: FetchOptions = {}): Promise<DirectedGraph | UndirectedGraph | MultiDirectedGraph | MultiUndirectedGraph> {
  const call = 'gs.toGraphology(graph, options)';
  graphArg(graph, call);
  checkOptions(options, call, FETCH_OPTIONS);
  const value = await graph.exportValue().execute(options);
  return graphologyFromValue((await value.fetch(options)) as PropertyGraphValue);
}

export interface SsspOptions {
  /** The edge property to use as weight (default: the only numeric edge property; unweighted arcs count 1). */
  readonly weight?: string;
}

const GRAPH_FROM = 'from gs.loadFrom, gs.g(), sess.g() or gs.fromGraphology';

function graphArg(value: unknown, call: string): Graph {
  return checkInstance(value, Graph, call, 'graph', GRAPH_FROM);
}

/** A source vertex of the graph's id type: a string, or an integer in the int64 range (a bigint beyond 2^53). */
function sourceArg(graph: Graph, source: unknown, call: string): SourceId {
  if (graph.oidType === 'string') {
    if (typeof source === 'string') return source;
    throw new InvalidArgumentError(`${call}: the graph's ids are strings, so source must be a string; got ${describeValue(source)}.`);
  }
  if (Number.isSafeInteger(source) || (typeof source === 'bigint' && BigInt.asIntN(64, source) === source)) return source as number | bigint;
  throw new InvalidArgumentError(
    `${call}: the graph's ids are int64, so source must be an integer (a number up to 2^53, a bigint up to 2^63 - 1); got ${describeValue(source)}.`,
  );
}

const app = (algo: AppName, graph: Graph, args: AppArgs = {}, weight?: string): Context =>
  new Context(appNode(algo, graph.node, args, weight !== undefined ? { weight } : {}));

export function sssp(graph: Graph, source: SourceId, options: SsspOptions = {}): Context {
  const call = 'gs.sssp(graph, source, options)';
  const g = graphArg(graph, call);
  const o = checkOptions(options, call, APP_OPTIONS.sssp);
  return app('sssp', g, { source: sourceArg(g, source, call) }, o.weight);
}
export function bfs(graph: Graph, source: SourceId): Context {
  const g = graphArg(graph, 'gs.bfs(graph, source)');
  return app('bfs', g, { source: sourceArg(g, source, 'gs.bfs(graph, source)') });
}
/** Graphalytics PageRank: fixed rounds, dangling mass spread over every vertex (GraphScope's defaults: 0.85, 10). */
export function pagerank(graph: Graph, options: { readonly delta?: number; readonly maxRound?: number } = {}): Context {
  const call = 'gs.pagerank(graph, options)';
  const g = graphArg(graph, call);
  const o = checkOptions(options, call, APP_OPTIONS.pagerank);
  return app('pagerank', g, { damping: o.delta ?? 0.85, iterations: o.maxRound ?? 10 });
}
/** Weakly connected components (also on directed graphs); labels are the smallest vertex id of each component. */
export function wcc(graph: Graph): Context {
  return app('wcc', graphArg(graph, 'gs.wcc(graph)'));
}
export function cdlp(graph: Graph, options: { readonly maxRound?: number } = {}): Context {
  const call = 'gs.cdlp(graph, options)';
  const g = graphArg(graph, call);
  return app('cdlp', g, { iterations: checkOptions(options, call, APP_OPTIONS.cdlp).maxRound ?? 10 });
}
export function lcc(graph: Graph): Context {
  return app('lcc', graphArg(graph, 'gs.lcc(graph)'));
}
/** 1 for vertices in the k-core, 0 otherwise. */
export function kCore(graph: Graph, options: { readonly k: number }): Context {
  const call = 'gs.kCore(graph, options)';
  const g = graphArg(graph, call);
  return app('k_core', g, { k: checkOptions(options, call, APP_OPTIONS.kCore).k });
}
export function triangles(graph: Graph): Context {
  return app('triangles', graphArg(graph, 'gs.triangles(graph)'));
}
export function degreeCentrality(graph: Graph, options: { readonly centralityType?: 'in' | 'out' | 'both' } = {}): Context {
  const call = 'gs.degreeCentrality(graph, options)';
  const g = graphArg(graph, call);
  const o = checkOptions(options, call, APP_OPTIONS.degreeCentrality);
  return app('degree_centrality', g, o.centralityType ? { centralityType: o.centralityType } : {});
}
/** Hubs and authorities (`r.hub`, `r.auth`). */
export function hits(graph: Graph, options: { readonly tolerance?: number; readonly maxRound?: number; readonly normalized?: boolean } = {}): Context {
  const call = 'gs.hits(graph, options)';
  const g = graphArg(graph, call);
  const o = checkOptions(options, call, APP_OPTIONS.hits);
  return app('hits', g, {
    ...(o.tolerance !== undefined ? { tolerance: o.tolerance } : {}),
    ...(o.maxRound !== undefined ? { iterations: o.maxRound } : {}),
    ...(o.normalized !== undefined ? { normalized: o.normalized } : {}),
  });
}
