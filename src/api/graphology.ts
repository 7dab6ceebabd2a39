/**
 * graphology interop, for the way in and the way out (never the hot path). In: node keys become vertex
 * ids (int64 when every key is an integer, else strings), attributes become typed property columns. Out:
 * ids become node keys as text, properties become attributes, labels an attribute `label` when there
 * are several; a multigraph class is used only when the data has parallel edges.
 */
import { DirectedGraph, MultiDirectedGraph, MultiUndirectedGraph, UndirectedGraph } from 'graphology';
import { describeValue } from '../base/args.js';
import { InvalidArgumentError } from '../base/errors.js';
import { type Column, type IdColumn, idValues, type OidType, type PropertyGraphValue } from '../ops/graph/index.js';

interface GraphologyLike {
  readonly type: string;
  forEachNode(cb: (key: string, attrs: Record<string, unknown>) => void): void;
  forEachEdge(cb: (key: string, attrs: Record<string, unknown>, source: string, target: string) => void): void;
}

function isGraphology(g: unknown): g is GraphologyLike {
  return typeof g === 'object' && g !== null && typeof (g as GraphologyLike).forEachNode === 'function' && typeof (g as GraphologyLike).forEachEdge === 'function';
}

/** Attribute values gathered into one column per attribute; every value of an attribute must share a type. */
function columnsOf(rows: readonly Record<string, unknown>[], what: string): Record<string, unknown[]> {
  const types = new Map<string, string>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      const t = typeof v;
      if (t !== 'number' && t !== 'string' && t !== 'boolean') {
        throw new InvalidArgumentError(`${what} attribute '${k}' holds a ${t}; only numbers, strings and booleans become properties.`);
      }
      if (types.has(k) && types.get(k) !== t) throw new InvalidArgumentError(`${what} attribute '${k}' mixes ${types.get(k)}s and ${t}s.`);
      types.set(k, t);
    }
  }
  const fill: Record<string, unknown> = { number: NaN, string: '', boolean: false };
  return Object.fromEntries([...types].map(([k, t]) => [k, rows.map((r) => (k in r ? r[k] : fill[t]))]));
}

export function graphologyColumns(graph: unknown, oidType?: OidType) {
  if (!isGraphology(graph)) {
    throw new InvalidArgumentError(`gs.fromGraphology(graph, options): graph must be a graphology graph (a DirectedGraph, UndirectedGraph, ...); got ${describeValue(graph)}.`);
  }
  if (graph.type === 'mixed') throw new InvalidArgumentError('fromGraphology: mixed graphs are not supported; use a directed or an undirected graph.');
  const keys: string[] = [];
  const nodeAttrs: Record<string, unknown>[] = [];
  graph.forEachNode((k, a) => {
    keys.push(k);
    nodeAttrs.push(a);
  });
  const src: string[] = [];
  const dst: string[] = [];
  const edgeAttrs: Record<string, unknown>[] = [];
  graph.forEachEdge((_k, a, s, t) => {
    src.push(s);
    dst.push(t);
    edgeAttrs.push(a);
  });
  const numeric = keys.every((k) => /^-?\d+$/.test(k));
  const oid: OidType = oidType ?? (numeric ? 'int64' : 'string');
  if (oid === 'int64' && !numeric) throw new InvalidArgumentError("fromGraphology: oidType 'int64' needs integer node keys.");
  const ids = (list: readonly string[]): unknown[] =>
    oid === 'string' ? [...list] : list.map((k) => (Number.isSafeInteger(Number(k)) ? Number(k) : BigInt(k)));
  for (const reserved of ['id', 'src', 'dst']) {
    if (nodeAttrs.some((a) => reserved in a) || edgeAttrs.some((a) => reserved in a)) {
      throw new InvalidArgumentError(`fromGraphology: attribute name '${reserved}' is reserved for ids; rename it.`);
    }
  }
  return {
    directed: graph.type === 'directed',
    oidType: oid,
    vertices: { id: ids(keys), ...columnsOf(nodeAttrs, 'node') },
    edges: { src: ids(src), dst: ids(dst), ...columnsOf(edgeAttrs, 'edge') },
  };
}

function idTexts(column: IdColumn): string[] {
  return idValues(column).map(String);
}

function attrsAt(props: Readonly<Record<string, Column>>, row: number): Record<string, unknown> {
  return Object.fromEntries(Object.entries(props).map(([k, c]) => [k, c.kind === 'bool' ? c.values[row] !== 0 : c.values[row]]));
}

export function graphologyFromValue(value: PropertyGraphValue): DirectedGraph | UndirectedGraph | MultiDirectedGraph | MultiUndirectedGraph {
  const labels = new Set([...value.vertices.map((t) => t.label), ...value.edges.map((t) => t.label)]);
  const tag = labels.size > 1;
  const seen = new Set<string>();
  let multi = false;
  for (const t of value.edges) {
    const s = idTexts(t.src);
    const d = idTexts(t.dst);
    for (let i = 0; i < s.length && !multi; i++) {
      const key = value.directed || s[i]! <= d[i]! ? `${s[i]}\u0000${d[i]}` : `${d[i]}\u0000${s[i]}`;
      if (seen.has(key)) multi = true;
      seen.add(key);
    }
  }
  const out = value.directed
    ? multi ? new MultiDirectedGraph() : new DirectedGraph()
    : multi ? new MultiUndirectedGraph() : new UndirectedGraph();
  for (const t of value.vertices) {
    idTexts(t.ids).forEach((k, row) => out.mergeNode(k, { ...attrsAt(t.props, row), ...(tag ? { label: t.label } : {}) }));
  }
  for (const t of value.edges) {
    const s = idTexts(t.src);
    const d = idTexts(t.dst);
    s.forEach((k, row) => {
      const attrs = { ...attrsAt(t.props, row), ...(tag ? { label: t.label } : {}) };
      if (multi) out.addEdge(k, d[row]!, attrs);
      else out.mergeEdge(k, d[row]!, attrs);
    });
  }
  return out;
}
