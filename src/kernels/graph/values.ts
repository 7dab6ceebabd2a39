/**
 * Graph values as chunks hold them: plain records of typed arrays (and, for string ids and string
 * properties, byte spans or string lists), so they cross threads and live in the object store like any
 * other chunk. A *property graph* keeps its vertex and edge tables by label with original ids; a
 * *projected graph* is the simple graph an app runs on — a CSR over dense internal ids plus the sorted
 * original ids (internal id i is the i-th smallest original id); a *context* holds an app's per-vertex
 * results in internal id order.
 */
import type { ArcList } from '../../graph/arcList.js';
import type { GraphCsr } from '../../graph/csr.js';
import { type IdColumn, spanText, type StringSpans } from '../../graph/idColumns.js';

export type { IdColumn };
export { idColumnLength, idValues, spanTexts } from '../../graph/idColumns.js';

/** A property column. `int64` values are exact integers held as doubles (|v| < 2^53). */
export type Column =
  | { readonly kind: 'float64'; readonly values: Float64Array }
  | { readonly kind: 'int64'; readonly values: Float64Array }
  | { readonly kind: 'bool'; readonly values: Uint8Array }
  | { readonly kind: 'string'; readonly values: readonly string[] };

export type ColumnKind = Column['kind'];

export interface VertexTable {
  readonly label: string;
  readonly ids: IdColumn;
  readonly props: Readonly<Record<string, Column>>;
}

export interface EdgeTable {
  readonly label: string;
  readonly srcLabel: string;
  readonly dstLabel: string;
  readonly src: IdColumn;
  readonly dst: IdColumn;
  readonly props: Readonly<Record<string, Column>>;
}

export interface PropertyGraphValue {
  readonly kind: 'property-graph';
  readonly directed: boolean;
  readonly oidType: 'int64' | 'string';
  readonly vertices: readonly VertexTable[];
  readonly edges: readonly EdgeTable[];
  /**
   * The sorted distinct ids of each label without declared vertices (its vertices are its edges'
   * endpoints): counted by `sess.run(g)`, and the projection's id map when it projects all of them.
   */
  readonly implicitVertices?: Readonly<Record<string, IdColumn>>;
}

/**
 * Original ids in internal id order, all in shared memory (string ids as UTF-8 spans), because every app
 * sends its projected graph to a worker: a JS string array would be cloned string by string.
 */
export type OriginalIds =
  | { readonly kind: 'number'; readonly values: Float64Array }
  | { readonly kind: 'bigint'; readonly values: BigInt64Array }
  | { readonly kind: 'string'; readonly values: StringSpans };

export function idCount(ids: OriginalIds): number {
  return ids.kind === 'string' ? ids.values.starts.length : ids.values.length;
}

/** A projected vertex property: like a Column, but strings as UTF-8 spans in shared memory (see OriginalIds). */
export type VertexDataColumn = Exclude<Column, { readonly kind: 'string' }> | { readonly kind: 'string'; readonly values: StringSpans };

/** What every projection holds of its vertices: what results are read through (ids, `v.data`). */
export interface ProjectedVertices {
  readonly vertexLabel: string;
  readonly edgeLabel: string;
  readonly ids: OriginalIds;
  /** The projected vertex property (`v.data`), by internal id. */
  readonly vertexData?: VertexDataColumn;
}

export interface ProjectedGraphValue extends ProjectedVertices {
  readonly kind: 'projected-graph';
  readonly graph: GraphCsr;
}

/** A projection's arcs as a list, no CSR (graph/arcList.ts): what a graph's first WCC reads. */
export interface ProjectedArcsValue extends ProjectedVertices {
  readonly kind: 'projected-arcs';
  readonly arcs: ArcList;
}

/** How a result column prints and converts: depths, labels (internal ids standing for a vertex), numbers. */
export type ResultKind = 'depth' | 'label' | 'integer' | 'float';

export interface ResultColumn {
  readonly kind: ResultKind;
  readonly values: Float64Array | Int32Array;
}

export interface ContextValue {
  readonly kind: 'context';
  readonly algo: string;
  /** `r` for vertex-data contexts; named columns (`hub`, `auth`) for vertex-property contexts. */
  readonly columns: Readonly<Record<string, ResultColumn>>;
}

/** The ids as an id column (the same arrays: both hold numbers, bigints or UTF-8 spans). */
export function idColumnOf(ids: OriginalIds): IdColumn {
  return ids;
}

/** Span i against `key` in byte order, which for UTF-8 is code point order (the id map's order). */
function compareSpan(spans: StringSpans, i: number, key: Uint8Array): number {
  const { bytes } = spans;
  const start = spans.starts[i]!;
  const length = spans.ends[i]! - start;
  const common = Math.min(length, key.length);
  for (let k = 0; k < common; k++) {
    const d = bytes[start + k]! - key[k]!;
    if (d !== 0) return d;
  }
  return length - key.length;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * `compare(i)`: the sign of internal id i's original id against `key` (the key is converted once);
 * undefined when `key` is the wrong kind of id for this graph.
 */
function comparator(ids: OriginalIds, key: number | bigint | string): ((i: number) => number) | undefined {
  if (ids.kind === 'string') {
    if (typeof key !== 'string') return undefined;
    const bytes = encoder.encode(key);
    return (i) => compareSpan(ids.values, i, bytes);
  }
  if (typeof key === 'string') return undefined;
  const values = ids.values;
  if (ids.kind === 'bigint') {
    const big = BigInt(key);
    return (i) => ((values[i] as bigint) < big ? -1 : (values[i] as bigint) > big ? 1 : 0);
  }
  if (typeof key === 'bigint' && BigInt(Number(key)) !== key) return undefined;
  const x = Number(key);
  // NaN compares neither below nor above anything; it is no vertex's id.
  if (Number.isNaN(x)) return undefined;
  return (i) => ((values[i] as number) < x ? -1 : (values[i] as number) > x ? 1 : 0);
}

/** First internal id whose original id is not below `compare`'s key (internal ids follow original id order). */
function lowerBoundBy(ids: OriginalIds, compare: (i: number) => number): number {
  let lo = 0;
  let hi = idCount(ids);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(mid) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First internal id whose original id is >= `bound` (0 when `bound` is the wrong kind of id). */
export function lowerBoundId(ids: OriginalIds, bound: number | bigint | string): number {
  const compare = comparator(ids, bound);
  return compare ? lowerBoundBy(ids, compare) : 0;
}

/** The internal id of an original id, or -1 when the graph has no such vertex. */
export function internalIdOf(ids: OriginalIds, id: number | bigint | string): number {
  const compare = comparator(ids, id);
  if (!compare) return -1;
  const at = lowerBoundBy(ids, compare);
  return at < idCount(ids) && compare(at) === 0 ? at : -1;
}

/** A vertex's original id as text (for labels and output lines). */
export function originalText(ids: OriginalIds, v: number): string {
  if (ids.kind === 'string') return spanText(ids.values, v, decoder);
  return String(ids.values[v]);
}
