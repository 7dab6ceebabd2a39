/**
 * LDBC Graphalytics graphs: the `NAME.properties` description (keys prefixed `graph.NAME.`), the `.v`
 * vertex file (one id per line, extra columns ignored) and the `.e` edge file (`src dst` plus one
 * column per declared edge property, space separated). Pure functions over text and bytes: the caller
 * reads the files and passes their names for error messages. `loadLdbc` puts it together into an
 * IdMap and a CSR (undirected edge files list each edge once; the CSR stores both arcs).
 */
import { basename } from 'node:path';
import type { GraphCsr } from './csr.js';
import { buildGraph } from './csr.js';
import { excerpt, GraphFormatError, VertexNotFoundError } from './errors.js';
import { type IdColumn, type VertexId, asBigIntColumn } from './idColumns.js';
import { IdMap } from './idmap.js';
import { parseProperties, type PropertyEntry } from './properties.js';
import { fastLines } from './fastLines.js';
import { IntegerIdsBuilder, Scanner, countLines, lineOfRecord } from './scan.js';

export interface LdbcEdgeProperty {
  readonly name: string;
  readonly type: 'int' | 'real';
}

export interface LdbcGraphSpec {
  readonly name: string;
  readonly directed: boolean;
  readonly vertexFile: string;
  readonly edgeFile: string;
  readonly meta: { readonly vertices: number | undefined; readonly edges: number | undefined };
  readonly edgeProperties: readonly LdbcEdgeProperty[];
  readonly algorithms: readonly string[];
  readonly bfs: { readonly source: VertexId } | undefined;
  readonly cdlp: { readonly maxIterations: number } | undefined;
  /** `dampingFactor` is the float32 value the Java framework hands platforms (0.85 -> 0.8500000238418579). */
  readonly pr: { readonly dampingFactor: number; readonly iterations: number } | undefined;
  readonly sssp: { readonly source: VertexId; readonly weightProperty: string } | undefined;
}

/** Reads a graph description; `name` is needed only when the file describes several graphs. */
export function readLdbcSpec(text: string, file: string, name?: string): LdbcGraphSpec {
  const entries = parseProperties(text);
  const graph = name ?? graphName(entries, file);
  const prefix = `graph.${graph}.`;
  const get = (key: string): PropertyEntry | undefined => entries.get(prefix + key);
  const required = (key: string): PropertyEntry => {
    const e = get(key);
    if (!e) throw new GraphFormatError({ file, line: 0 }, `missing property ${prefix}${key}`);
    return e;
  };
  const at = (e: PropertyEntry): { file: string; line: number } => ({ file, line: e.line });
  const integer = (key: string): number | undefined => {
    const e = get(key);
    if (!e) return undefined;
    if (!/^[+-]?\d+$/.test(e.value)) {
      throw new GraphFormatError(at(e), `${prefix}${key} '${excerpt(e.value)}' is not an integer`);
    }
    return Number(e.value);
  };
  const vertexId = (key: string): VertexId => {
    const e = required(key);
    if (!/^[+-]?\d+$/.test(e.value)) {
      throw new GraphFormatError(at(e), `${prefix}${key} '${excerpt(e.value)}' is not a vertex id`);
    }
    const big = BigInt(e.value);
    return big >= -BigInt(Number.MAX_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  };
  const list = (key: string): string[] =>
    (get(key)?.value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const directed = required('directed');
  if (!/^(true|false)$/i.test(directed.value)) {
    throw new GraphFormatError(at(directed), `${prefix}directed '${excerpt(directed.value)}' is not true or false`);
  }
  const names = list('edge-properties.names');
  const types = list('edge-properties.types');
  if (names.length !== types.length) {
    throw new GraphFormatError(at(get('edge-properties.names')!), 'edge-properties.names and .types differ in length');
  }
  const edgeProperties = names.map((n, i): LdbcEdgeProperty => {
    const t = types[i]!.toLowerCase();
    if (t !== 'int' && t !== 'integer' && t !== 'real') {
      const problem = `edge property type '${excerpt(types[i]!)}' is not int or real`;
      throw new GraphFormatError(at(get('edge-properties.types')!), problem);
    }
    return { name: n, type: t === 'real' ? 'real' : 'int' };
  });
  const damping = get('pr.damping-factor');
  if (damping && !Number.isFinite(Number(damping.value))) {
    throw new GraphFormatError(at(damping), `${prefix}pr.damping-factor '${excerpt(damping.value)}' is not a number`);
  }
  return {
    name: graph,
    directed: directed.value.toLowerCase() === 'true',
    vertexFile: required('vertex-file').value,
    edgeFile: required('edge-file').value,
    meta: { vertices: integer('meta.vertices'), edges: integer('meta.edges') },
    edgeProperties,
    algorithms: list('algorithms').map((a) => a.toLowerCase()),
    bfs: get('bfs.source-vertex') ? { source: vertexId('bfs.source-vertex') } : undefined,
    cdlp: get('cdlp.max-iterations') ? { maxIterations: integer('cdlp.max-iterations')! } : undefined,
    pr: damping
      ? { dampingFactor: Math.fround(Number(damping.value)), iterations: integer('pr.num-iterations') ?? 20 }
      : undefined,
    sssp: get('sssp.source-vertex')
      ? {
          source: vertexId('sssp.source-vertex'),
          weightProperty: get('sssp.weight-property')?.value ?? names[0] ?? 'weight',
        }
      : undefined,
  };
}

function graphName(entries: ReadonlyMap<string, PropertyEntry>, file: string): string {
  const names = new Set<string>();
  for (const key of entries.keys()) {
    const m = /^graph\.(.+)\.(vertex-file|edge-file|directed)$/.exec(key);
    if (m) names.add(m[1]!);
  }
  if (names.size === 1) return [...names][0]!;
  throw new GraphFormatError(
    { file, line: 0 },
    names.size === 0
      ? 'no graph.NAME.vertex-file, edge-file or directed key: this is not a Graphalytics graph description'
      : `it describes several graphs (${[...names].map(excerpt).join(', ')}); say which one`,
  );
}

/** The ids of a `.v` file, in file order. */
export function parseLdbcVertices(bytes: Uint8Array, file: string): IdColumn {
  const lines = countLines(bytes);
  const fast = fastLines(bytes, lines, 1, 0, -1, true);
  if (fast) return { kind: 'number', values: fast.first };
  const scanner = new Scanner(bytes, file);
  const ids = new IntegerIdsBuilder(lines);
  for (scanner.skipBlankLines(); !scanner.atEnd(); scanner.skipBlankLines()) {
    scanner.integerId(ids, 'vertex id');
    const newline = bytes.indexOf(10, scanner.pos);
    scanner.pos = newline === -1 ? bytes.length : newline + 1;
    scanner.line++;
  }
  return ids.finish();
}

export interface ParsedEdges {
  readonly src: IdColumn;
  readonly dst: IdColumn;
  readonly weights: Float64Array | undefined;
}

/**
 * The edges of a `.e` file: `src dst` and one column per property; keeps the `weight` column. Runs the
 * fast path (fastLines.ts) and falls back to the careful Scanner for big ids and for error reports.
 */
export function parseLdbcEdges(
  bytes: Uint8Array,
  file: string,
  properties: readonly string[] = [],
  weight?: string,
): ParsedEdges {
  const scanner = new Scanner(bytes, file);
  const lines = countLines(bytes);
  const src = new IntegerIdsBuilder(lines);
  const dst = new IntegerIdsBuilder(lines);
  const kept = weight === undefined ? -1 : properties.indexOf(weight);
  if (weight !== undefined && kept < 0) {
    const declared = properties.map((p) => `'${excerpt(p)}'`).join(', ') || 'none';
    throw new GraphFormatError({ file, line: 0 }, `no edge property named '${excerpt(weight)}' (declared: ${declared})`);
  }
  const fast = fastLines(bytes, lines, 2, properties.length, kept, false);
  if (fast) {
    return { src: { kind: 'number', values: fast.first }, dst: { kind: 'number', values: fast.second! }, weights: fast.kept };
  }
  let weights = kept >= 0 ? new Float64Array(Math.max(16, lines)) : undefined;
  let count = 0;
  for (scanner.skipBlankLines(); !scanner.atEnd(); scanner.skipBlankLines()) {
    scanner.integerId(src, 'source vertex');
    scanner.integerId(dst, 'target vertex');
    for (let p = 0; p < properties.length; p++) {
      const value = scanner.decimal(properties[p]!);
      if (p === kept) weights![count] = value;
    }
    scanner.endLine(properties.length > 0 ? `${properties[properties.length - 1]} column` : 'target vertex');
    count++;
  }
  if (weights) weights = weights.slice(0, count);
  return { src: src.finish(), dst: dst.finish(), weights };
}

export interface LdbcFile<T> {
  readonly file: string;
  readonly content: T;
}

export interface LdbcGraph {
  readonly spec: LdbcGraphSpec;
  readonly ids: IdMap;
  readonly graph: GraphCsr;
}

/** A whole Graphalytics graph: description, vertex and edge files to ids and CSR (with in-CSR). */
export function loadLdbc(
  properties: LdbcFile<string>,
  vertices: LdbcFile<Uint8Array>,
  edges: LdbcFile<Uint8Array>,
  name?: string,
): LdbcGraph {
  const spec = readLdbcSpec(properties.content, properties.file, name);
  const vertexIds = parseLdbcVertices(vertices.content, vertices.file);
  const ids = IdMap.fromIds(vertexIds, (i, text) => {
    const at = { file: vertices.file, line: lineOfRecord(vertices.content, i) };
    return new GraphFormatError(at, `vertex id '${excerpt(text)}' appears twice`);
  });
  const weight = spec.sssp?.weightProperty ?? spec.edgeProperties[0]?.name;
  const parsed = parseLdbcEdges(edges.content, edges.file, spec.edgeProperties.map((p) => p.name), weight);
  const missing = (what: string) => (i: number, text: string) => {
    const at = { file: edges.file, line: lineOfRecord(edges.content, i) };
    return new VertexNotFoundError(text, `${what}; it is not in ${basename(vertices.file)}`, at);
  };
  const column = (c: IdColumn): IdColumn => (ids.kind === 'bigint' ? asBigIntColumn(c) : c);
  const src = ids.toInternal(column(parsed.src), missing('edge source'));
  const dst = ids.toInternal(column(parsed.dst), missing('edge target'));
  const edgeList = { n: ids.size, src, dst, weights: parsed.weights };
  const graph = buildGraph(edgeList, { directed: spec.directed, inCsr: true });
  return { spec, ids, graph };
}
