/**
 * Graph-family handles: `Graph` (a property graph, immutable — every builder returns a new one),
 * `Context` (an app's result, read with GraphScope's selectors) and `Result` (a selected array, a table
 * or an output report). Like every handle they build nodes synchronously and run when the session runs
 * them: at once in an eager session, when asked in a lazy one.
 */
import type { Table } from 'apache-arrow';
import { checkInstance, checkOptions, is } from '../base/args.js';
import type { NdArray } from '../base/ndarray.js';
import {
  addColumnNode, addEdgesNode, contextFrameNode, graphFrameNode, addVerticesNode, type ContextNode, type DataSource, type EdgeOptions, exportNode, type GraphMeta,
  type GraphNode, type GraphSchema, outputNode, type ProjectSpec, type RangeSpec, selectNode, subgraphNode, tableNode, type VertexOptions,
  vertexColumnNode, vertexTableNode,
} from '../ops/graph/index.js';
import { EDGE_OPTIONS, FETCH_OPTIONS, OUTPUT_OPTIONS, PROJECT_SPEC, RANGE_OPTIONS, VERTEX_OPTIONS } from './graphOptions.js';
import { DataFrame } from './dataframe.js';
import { Handle, type FetchOptions } from './handle.js';
import { Result } from './result.js';

/** A selected column: numbers as an NdArray; string ids as strings; int64 ids beyond 2^53 as a BigInt64Array. */
export type SelectedArray = NdArray | string[] | BigInt64Array;

export { Result };

export interface GraphSummary {
  readonly directed: boolean;
  readonly oidType: 'int64' | 'string';
  readonly schema: GraphSchema;
  readonly vertices: Readonly<Record<string, number>>;
  readonly edges: Readonly<Record<string, number>>;
}

export class Graph extends Handle<GraphNode> {
  get directed(): boolean {
    return this.node.meta.directed;
  }
  get oidType(): 'int64' | 'string' {
    return this.node.meta.oidType;
  }
  get schema(): GraphSchema {
    return this.node.meta.schema;
  }

  /** Vertex counts per label, edge counts per label, and the schema. */
  async fetch(options: FetchOptions = {}): Promise<GraphSummary> {
    return (await this.fetchValue(checkOptions(options, 'Graph.fetch(options)', FETCH_OPTIONS))) as GraphSummary;
  }

  addVertices(data: DataSource, options: VertexOptions = {}): Graph {
    return new Graph(addVerticesNode(this.node, data, checkOptions(options, 'Graph.addVertices(data, options)', VERTEX_OPTIONS)));
  }
  addEdges(data: DataSource, options: EdgeOptions = {}): Graph {
    return new Graph(addEdgesNode(this.node, data, checkOptions(options, 'Graph.addEdges(data, options)', EDGE_OPTIONS)));
  }
  /** A graph of some labels and properties (`[]` none, `null` all), e.g. `{vertices: {v: []}, edges: {e: ['dist']}}`. */
  project(spec: ProjectSpec): Graph {
    return new Graph(subgraphNode(this.node, checkOptions(spec, 'Graph.project(spec)', PROJECT_SPEC, 'spec')));
  }
  /** This graph with result columns of `ctx` added to the vertex label it was computed on: `{name: 'r'}`. */
  addColumn(ctx: Context, selectors: Readonly<Record<string, string>>): Graph {
    const c = checkInstance(ctx, Context, 'Graph.addColumn(ctx, selectors)', 'ctx', 'the result of an app, such as gs.wcc(g)');
    return new Graph(addColumnNode(this.node, c.node, selectors));
  }
  /** A vertex column of the property graph: `'v:<label>.<property>'` or `'v:<label>.id'`, in row order. */
  toArray(selector: string): Result<SelectedArray> {
    return new Result(vertexColumnNode(this.node, selector));
  }
  /** Several vertex columns as an Arrow table: `{id: 'v:host.id', r: 'v:host.result'}` (same column types as a context's). */
  toArrow(selectors: Readonly<Record<string, string>>): Result<Table> {
    return new Result(vertexTableNode(this.node, selectors, 'toArrow'));
  }
  /**
   * The same columns as `toArrow`, as a DataFrame (GraphScope's name): its `fetch()` gives an Arrow
   * table; int64 ids and properties are float64 columns there (exact to 2^53), strings dictionaries.
   */
  toDataFrame(selectors: Readonly<Record<string, string>>): DataFrame {
    return new DataFrame(graphFrameNode(this.node, selectors));
  }
  /** The raw property graph value (labels, id columns, property columns), e.g. for `toGraphology`. */
  exportValue(): Result<unknown> {
    return new Result(exportNode(this.node));
  }
}

export interface RangeOptions {
  /** A half-open range of original ids, `{begin, end}` (either may be left out). */
  readonly vertexRange?: RangeSpec;
}

function rangeOf(options: RangeOptions, call: string): RangeSpec | undefined {
  const range = checkOptions(options, call, RANGE_OPTIONS).vertexRange;
  return range === undefined ? undefined : checkOptions(range, call, { begin: is.anything, end: is.anything }, 'vertexRange');
}

export class Context extends Handle<ContextNode> {
  get algo(): string {
    return this.node.meta.algo;
  }
  get contextType(): 'vertex_data' | 'vertex_property' {
    return this.node.meta.contextType;
  }
  /** One column: `'v.id'`, `'v.data'`, `'r'` (or `'r.hub'`, ...), over all vertices or a half-open id range. */
  toArray(selector: string, options: RangeOptions = {}): Result<SelectedArray> {
    return new Result(selectNode(this.node, selector, rangeOf(options, 'Context.toArray(selector, options)')));
  }
  /** Columns by selector as an Arrow table, `{id: 'v.id', dist: 'r'}`, over all vertices or a half-open id range. */
  toArrow(selectors: Readonly<Record<string, string>>, options: RangeOptions = {}): Result<Table> {
    return new Result(tableNode(this.node, selectors, rangeOf(options, 'Context.toArrow(selectors, options)'), 'toArrow'));
  }
  /**
   * The columns of `toArrow` as a DataFrame (GraphScope's `to_dataframe`), over all vertices or a
   * half-open id range: its `fetch()` gives an Arrow table, with int64 ids and integer results as
   * float64 columns (exact to 2^53), strings as dictionaries and unreached BFS depths as Infinity.
   */
  toDataFrame(selectors: Readonly<Record<string, string>>, options: RangeOptions = {}): DataFrame {
    return new DataFrame(contextFrameNode(this.node, selectors, rangeOf(options, 'Context.toDataFrame(selectors, options)')));
  }
  /**
   * Writes `<original id> <value>` per vertex (the LDBC Graphalytics format) to the file `path`, created
   * or overwritten; resolves to its absolute path and line count. The directory must exist and be
   * writable — checked when the op is built, because output writes one file and creates no directories
   * (a mistyped path should fail, not leave a tree behind). In a remote session the path is the
   * server's, inside its data directory: the server checks it when the op reaches it, writes the file,
   * and reports the path as written here.
   */
  output(path: string, options: { readonly selector?: string } = {}): Result<{ path: string; lines: number }> {
    const o = checkOptions(options, 'Context.output(path, options)', OUTPUT_OPTIONS);
    return new Result(outputNode(this.node, path, o.selector));
  }
}

export type { GraphMeta };
