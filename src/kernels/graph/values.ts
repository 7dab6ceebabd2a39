/**
 * Graph values as chunks hold them: plain records of typed arrays (and, for string ids and string
 * properties, byte spans or string lists), so they cross threads and live in the object store like any
 * other chunk. A *property graph* keeps its vertex and edge tables by label with original ids; a
 * *projected graph* is the simple graph an app runs on — a CSR over dense internal ids plus the sorted
 * original ids (internal id i is the i-th smallest original id); a *context* holds an app's per-vertex
 * results in internal id order.
 */
import type { GraphCsr } from '../../graph/csr.js';
import { type IdColumn, idColumn } from '../../graph/idColumns.js';

export type { IdColumn };

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
}

/** Original ids in internal id order, in the form a user gets them back. */
export type OriginalIds =
  | { readonly kind: 'number'; readonly values: Float64Array }
  | { readonly kind: 'bigint'; readonly values: BigInt64Array }
  | { readonly kind: 'string'; readonly values: readonly string[] };

export interface ProjectedGraphValue {
  readonly kind: 'projected-graph';
  readonly vertexLabel: string;
  readonly edgeLabel: string;
  readonly ids: OriginalIds;
  readonly graph: GraphCsr;
  /** The projected vertex property (`v.data`), by internal id. */
  readonly vertexData?: Column;
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

export function idColumnOf(ids: OriginalIds): IdColumn {
  if (ids.kind === 'string') return idColumn(ids.values);
  return ids.kind === 'number' ? { kind: 'number', values: ids.values } : { kind: 'bigint', values: ids.values };
}

/** Code point order (what the id map sorts strings by), not UTF-16 unit order. */
function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

function keyFor(ids: OriginalIds, id: number | bigint | string): number | bigint | string | undefined {
  if (ids.kind === 'string') return typeof id === 'string' ? id : undefined;
  if (typeof id === 'string') return undefined;
  if (ids.kind === 'bigint') return BigInt(id);
  return typeof id === 'bigint' ? (BigInt(Number(id)) === id ? Number(id) : undefined) : id;
}

/** First internal id whose original id is >= `bound` (internal ids follow original id order). */
export function lowerBoundId(ids: OriginalIds, bound: number | bigint | string): number {
  const values = ids.values as ArrayLike<number | bigint | string>;
  const key = keyFor(ids, bound);
  if (key === undefined) return 0;
  const less = ids.kind === 'string' ? (v: unknown) => compareStrings(v as string, key as string) < 0 : (v: unknown) => (v as number) < (key as number);
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (less(values[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The internal id of an original id, or -1 when the graph has no such vertex. */
export function internalIdOf(ids: OriginalIds, id: number | bigint | string): number {
  const key = keyFor(ids, id);
  if (key === undefined) return -1;
  const at = lowerBoundId(ids, id);
  return at < ids.values.length && ids.values[at] === key ? at : -1;
}

/** A vertex's original id as text (for labels and output lines). */
export function originalText(ids: OriginalIds, v: number): string {
  return String(ids.values[v]);
}
