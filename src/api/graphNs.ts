/**
 * The `graph` namespace (`import { graph as gs } from 'tessera'`): creating and loading property graphs
 * (`gs.g`, `gs.loadFrom` from delimited files, Arrow tables, columns, LDBC folders; `gs.fromGraphology`),
 * the analytical apps, and `sess.g()` on sessions. Apps take a property graph with one vertex label and
 * one edge label (project first otherwise) and return a `Context`.
 */
import type { DirectedGraph, MultiDirectedGraph, MultiUndirectedGraph, UndirectedGraph } from 'graphology';
import { InvalidArgumentError } from '../base/errors.js';
import {
  addEdgesNode, addVerticesNode, type AppArgs, type AppName, appNode, type PropertyGraphValue, type DataSource, emptyGraphNode, type FileOptions, ldbcGraphNode, type OidType,
  type SourceId,
} from '../ops/graph/index.js';
import { Session } from '../session/index.js';
import { Context, Graph } from './graph.js';
import type { FetchOptions } from './handle.js';
import { graphologyColumns, graphologyFromValue } from './graphology.js';

export { Context, Graph, Result, type GraphSummary, type SelectedArray } from './graph.js';

export interface GraphOptions {
  readonly directed?: boolean;
  readonly oidType?: OidType;
}

/** An empty property graph; add vertices and edges to it. */
export function g(options: GraphOptions = {}): Graph {
  return new Graph(emptyGraphNode(options));
}

declare module '../session/session.js' {
  interface Session {
    /** An empty property graph evaluated in this session (GraphScope's `sess.g()`). */
    g(options?: GraphOptions): Graph;
  }
}
Session.prototype.g = function (this: Session, options: GraphOptions = {}): Graph {
  return this.scope(() => g(options));
};

export interface LoadOptions extends FileOptions, GraphOptions {
  /** Edge data: a delimited file path, an Arrow table or an object of columns. */
  readonly edges?: DataSource;
  readonly vertices?: DataSource;
  /** A Graphalytics folder (or its `.properties` file): vertex label `v`, edge label `e`. */
  readonly ldbc?: string;
  readonly vertexLabel?: string;
  readonly edgeLabel?: string;
  /** Edge columns (name or index; defaults 0 and 1) and the vertex id column (default 0). */
  readonly src?: number | string;
  readonly dst?: number | string;
  readonly id?: number | string;
  /** Edge properties to load; a delimited file carries at most one (the weight). */
  readonly edgeProperties?: readonly string[];
  readonly vertexProperties?: readonly string[];
}

export function loadFrom(options: LoadOptions): Graph {
  if (options.ldbc !== undefined) return new Graph(ldbcGraphNode(options.ldbc).node);
  if (options.edges === undefined) throw new InvalidArgumentError('loadFrom needs edges (or an ldbc folder).');
  const file = { ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}), ...(options.header !== undefined ? { header: options.header } : {}), ...(options.comment !== undefined ? { comment: options.comment } : {}) };
  let node = emptyGraphNode(options);
  const vlabel = options.vertexLabel ?? '_';
  if (options.vertices !== undefined) {
    node = addVerticesNode(node, options.vertices, { ...file, label: vlabel, ...(options.id !== undefined ? { id: options.id } : {}), ...(options.vertexProperties ? { properties: options.vertexProperties } : {}) });
  }
  node = addEdgesNode(node, options.edges, {
    ...file,
    label: options.edgeLabel ?? '_',
    srcLabel: vlabel,
    dstLabel: vlabel,
    ...(options.src !== undefined ? { src: options.src } : {}),
    ...(options.dst !== undefined ? { dst: options.dst } : {}),
    ...(options.edgeProperties ? { properties: options.edgeProperties } : {}),
  });
  return new Graph(node);
}

/** The Graphalytics parameters of a graph loaded from an LDBC folder (sources, iterations, damping). */
export function ldbcSpec(dir: string): ReturnType<typeof ldbcGraphNode>['spec'] {
  return ldbcGraphNode(dir).spec;
}

/** A property graph from a graphology graph: node attributes become vertex properties, edge attributes edge properties. */
export function fromGraphology(graph: unknown, options: { readonly oidType?: OidType } = {}): Graph {
  const cols = graphologyColumns(graph, options.oidType);
  let node = emptyGraphNode({ directed: cols.directed, oidType: cols.oidType });
  node = addVerticesNode(node, cols.vertices, { label: '_', id: 'id' });
  node = addEdgesNode(node, cols.edges, { label: '_', src: 'src', dst: 'dst' });
  return new Graph(node);
}

/** The graph as a graphology graph (node keys are the ids as text; properties become attributes). */
export async function toGraphology(graph: Graph, options: FetchOptions = {}): Promise<DirectedGraph | UndirectedGraph | MultiDirectedGraph | MultiUndirectedGraph> {
  const value = await graph.exportValue().execute(options);
  return graphologyFromValue((await value.fetch(options)) as PropertyGraphValue);
}

export interface SsspOptions {
  /** The edge property to use as weight (default: the only numeric edge property; unweighted arcs count 1). */
  readonly weight?: string;
}

const app = (algo: AppName, graph: Graph, args: AppArgs = {}, weight?: string): Context =>
  new Context(appNode(algo, graph.node, args, weight !== undefined ? { weight } : {}));

export function sssp(graph: Graph, source: SourceId, options: SsspOptions = {}): Context {
  return app('sssp', graph, { source }, options.weight);
}
export function bfs(graph: Graph, source: SourceId): Context {
  return app('bfs', graph, { source });
}
/** Graphalytics PageRank: fixed rounds, dangling mass spread over every vertex (GraphScope's defaults: 0.85, 10). */
export function pagerank(graph: Graph, options: { readonly delta?: number; readonly maxRound?: number } = {}): Context {
  return app('pagerank', graph, { damping: options.delta ?? 0.85, iterations: options.maxRound ?? 10 });
}
/** Weakly connected components (also on directed graphs); labels are the smallest vertex id of each component. */
export function wcc(graph: Graph): Context {
  return app('wcc', graph);
}
export function cdlp(graph: Graph, options: { readonly maxRound?: number } = {}): Context {
  return app('cdlp', graph, { iterations: options.maxRound ?? 10 });
}
export function lcc(graph: Graph): Context {
  return app('lcc', graph);
}
/** 1 for vertices in the k-core, 0 otherwise. */
export function kCore(graph: Graph, options: { readonly k: number }): Context {
  return app('k_core', graph, { k: options?.k });
}
export function triangles(graph: Graph): Context {
  return app('triangles', graph);
}
export function degreeCentrality(graph: Graph, options: { readonly centralityType?: 'in' | 'out' | 'both' } = {}): Context {
  return app('degree_centrality', graph, options.centralityType ? { centralityType: options.centralityType } : {});
}
/** Hubs and authorities (`r.hub`, `r.auth`). */
export function hits(graph: Graph, options: { readonly tolerance?: number; readonly maxRound?: number; readonly normalized?: boolean } = {}): Context {
  return app('hits', graph, {
    ...(options.tolerance !== undefined ? { tolerance: options.tolerance } : {}),
    ...(options.maxRound !== undefined ? { iterations: options.maxRound } : {}),
    ...(options.normalized !== undefined ? { normalized: options.normalized } : {}),
  });
}
