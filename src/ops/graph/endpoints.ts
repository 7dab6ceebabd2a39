/**
 * An edge whose endpoint is not a declared vertex of its label is an error (the README's rule), said as
 * early as it can be: when the graph is built, if the label's vertices and the edges are inline columns
 * and the check is cheap — a range test when the declared ids are one contiguous run of integers (the
 * usual dense ids, a few milliseconds for 16M arcs), a set lookup for small graphs — else when the graph
 * is loaded (`graph.add_edges` checks the labels it is told to with the id map), never only at the first
 * app. A label without declared vertices takes them from its edges: nothing to check.
 */
import { registerErrorClass, TesseraError } from '../../base/errors.js';
import type { ColumnsSource, GraphSource, InlineColumn } from '../../kernels/graph/load.js';
import type { GraphNode } from './meta.js';

/** An edge endpoint that is not among its label's declared vertices, found when the graph was built. */
export class UndeclaredVertexError extends TesseraError {
  readonly vertex: string;
  readonly label: string;
  readonly row: number;

  constructor(vertex: string, label: string, row: number, where: string) {
    super('VertexNotFound', `vertex ${vertex} is not in the graph (${where} of edge ${row} is not a declared vertex of '${label}'; add it with addVertices first).`);
    this.vertex = vertex;
    this.label = label;
    this.row = row;
  }
}
registerErrorClass(UndeclaredVertexError);

/** Edge columns up to this length are checked against a set of non-contiguous declared ids at build time. */
const SET_CHECK_EDGES = 1 << 16;

/** The sources of a label's declared vertices in the graph a node builds, or undefined when not known at build time. */
function declaredSources(g: GraphNode, label: string): { readonly source: GraphSource; readonly id: number | string }[] | undefined {
  const found: { source: GraphSource; id: number | string }[] = [];
  for (let node: GraphNode | undefined = g; node; node = node.inputs[0] as GraphNode | undefined) {
    if (node.op === 'graph.empty') return found;
    if (node.op === 'graph.add_vertices') {
      const p = node.params as { label: string; source: GraphSource; id: number | string };
      if (p.label === label) found.push({ source: p.source, id: p.id });
    } else if (node.op === 'graph.add_vertices_frame') {
      // A DataFrame's ids exist only once it has run.
      if ((node.params as { label: string }).label === label) return undefined;
    } else if (node.op !== 'graph.add_edges' && node.op !== 'graph.add_edges_frame') return undefined;
  }
  return undefined;
}

function inlineColumn(source: ColumnsSource, ref: number | string): InlineColumn {
  const name = typeof ref === 'number' ? Object.keys(source.columns)[ref]! : ref;
  return source.columns[name]!;
}

/** The declared ids as one contiguous range, a set (of their texts), or undefined when neither is cheap for `edges` arcs. */
type Membership = { readonly kind: 'range'; readonly min: number; readonly max: number } | { readonly kind: 'set'; readonly set: ReadonlySet<string> };

function membership(columns: readonly InlineColumn[], edges: number): Membership | undefined {
  if (columns.every((c) => c.kind === 'number')) {
    let min = Infinity;
    let max = -Infinity;
    let count = 0;
    for (const c of columns) {
      const values = c.values as Float64Array | Int32Array;
      count += values.length;
      for (let i = 0; i < values.length; i++) {
        const x = values[i]!;
        if (x < min) min = x;
        if (x > max) max = x;
      }
    }
    if (count > 0 && max - min + 1 === count && count < 2 ** 31) {
      const seen = new Uint8Array(count);
      let distinct = 0;
      for (const c of columns) {
        for (const x of c.values as Float64Array | Int32Array) {
          if (seen[x - min] === 0) distinct++;
          seen[x - min] = 1;
        }
      }
      if (distinct === count) return { kind: 'range', min, max };
    }
  }
  if (edges > SET_CHECK_EDGES) return undefined;
  const set = new Set<string>();
  for (const c of columns) for (const v of values(c)) set.add(String(v));
  return { kind: 'set', set };
}

/** A column's values as JS values (string columns are UTF-8 spans). */
function values(c: InlineColumn): ArrayLike<unknown> & Iterable<unknown> {
  if (c.kind !== 'string') return c.values;
  const decoder = new TextDecoder();
  const { bytes, starts, ends } = c.values;
  return Array.from(starts, (s, i) => decoder.decode(bytes.subarray(s, ends[i]!)));
}

/** The first row of `values` that is not a declared id, or -1. */
function firstUndeclared(values: ArrayLike<unknown>, m: Membership): number {
  if (m.kind === 'set') {
    for (let row = 0; row < values.length; row++) if (!m.set.has(String(values[row]))) return row;
    return -1;
  }
  return values instanceof Int32Array ? firstOutOfRange(values, m.min, m.max) : firstNotInRange(values as ArrayLike<number>, m.min, m.max);
}

/**
 * An Int32Array's loop of its own (a monomorphic one); int32s need no integer test. Two compares and a
 * branch not taken until the end: on this project's Intel VM a column of R-MAT s16's endpoints (955K) in
 * 0.9 ms and of s20's (16M) in 23, where the earlier test of eight ids at a time (their unsigned
 * differences from min, doubles past 2^30, through Math.max) took 2.1 and 40 (`.tmp` probe, warm).
 */
function firstOutOfRange(values: Int32Array, min: number, max: number): number {
  const n = values.length;
  for (let row = 0; row < n; row++) {
    const x = values[row]!;
    if (x < min || x > max) return row;
  }
  return -1;
}

/** Doubles must also be integers: 2.5 lies between declared ids 2 and 3 but is neither. */
function firstNotInRange(values: ArrayLike<number>, min: number, max: number): number {
  for (let row = 0; row < values.length; row++) {
    const x = values[row]!;
    if (!(x >= min && x <= max) || Math.floor(x) !== x) return row;
  }
  return -1;
}

/**
 * Checks the endpoints of inline edge columns against their labels' declared vertices where that is
 * cheap (throwing UndeclaredVertexError); returns the ends ('src', 'dst') the load must check instead.
 * `edges` is undefined for a DataFrame's edges (not known until it runs): every end with declared
 * vertices is then the load's to check.
 */
export function checkEndpoints(
  g: GraphNode,
  edges: GraphSource | undefined,
  ends: readonly { readonly end: 'src' | 'dst'; readonly column: string | undefined; readonly label: string }[],
): ('src' | 'dst')[] {
  const later: ('src' | 'dst')[] = [];
  // Both ends usually name one label: its membership (a scan of every declared id) is made once.
  const memberships = new Map<string, Membership | undefined>();
  for (const { end, column, label } of ends) {
    const declared = declaredSources(g, label);
    if (declared?.length === 0) continue;
    const inline = declared?.every((d) => d.source.kind === 'columns');
    const edgeColumn = edges?.kind === 'columns' && column !== undefined ? edges.columns[column]! : undefined;
    const length = edgeColumn ? (edgeColumn.kind === 'string' ? edgeColumn.values.starts.length : edgeColumn.values.length) : 0;
    if (inline && edgeColumn && !memberships.has(label)) {
      memberships.set(label, membership(declared!.map((d) => inlineColumn(d.source as ColumnsSource, d.id)), length));
    }
    const m = inline && edgeColumn ? memberships.get(label) : undefined;
    if (!m || !edgeColumn) {
      later.push(end);
      continue;
    }
    const ids = m.kind === 'set' ? values(edgeColumn) : (edgeColumn.values as ArrayLike<number>);
    const row = firstUndeclared(ids, m);
    if (row >= 0) throw new UndeclaredVertexError(String(ids[row]), label, row, end === 'src' ? 'the source' : 'the target');
  }
  return later;
}
