/**
 * Graph values as chunks hold them: plain records of typed arrays (and, for string ids and string
 * properties, byte spans or string lists), so they cross threads and live in the object store like any
 * other chunk. A *property graph* keeps its vertex and edge tables by label with original ids; a
 * *projected graph* is the simple graph an app runs on — a CSR over dense internal ids plus the sorted
 * original ids (internal id i is the i-th smallest original id); a *context* holds an app's per-vertex
 * results in internal id order.
 */
import type { GraphCsr } from '../../graph/csr.js';
import { type IdColumn, spanText, type StringSpans } from '../../graph/idColumns.js';

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

export interface ProjectedGraphValue {
  readonly kind: 'projected-graph';
  readonly vertexLabel: string;
  readonly edgeLabel: string;
  readonly ids: OriginalIds;
  readonly graph: GraphCsr;
  /** The projected vertex property (`v.data`), by internal id. */
  readonly vertexData?: VertexDataColumn;
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

/** `less(i)`: whether internal id i's original id sorts before `bound` (undefined: wrong kind of id). */
function lessThan(ids: OriginalIds, bound: number | bigint | string): ((i: number) => boolean) | undefined {
  if (ids.kind === 'string') {
    if (typeof bound !== 'string') return undefined;
    const key = encoder.encode(bound);
    return (i) => compareSpan(ids.values, i, key) < 0;
  }
  if (typeof bound === 'string') return undefined;
  const values = ids.values;
  if (ids.kind === 'bigint') {
    const key = BigInt(bound);
    return (i) => (values[i] as bigint) < key;
  }
  if (typeof bound === 'bigint' && BigInt(Number(bound)) !== bound) return undefined;
  const key = Number(bound);
  return (i) => (values[i] as number) < key;
}

/** First internal id whose original id is >= `bound` (internal ids follow original id order). */
export function lowerBoundId(ids: OriginalIds, bound: number | bigint | string): number {
  const less = lessThan(ids, bound);
  if (!less) return 0;
  let lo = 0;
  let hi = idCount(ids);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (less(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The internal id of an original id, or -1 when the graph has no such vertex. */
export function internalIdOf(ids: OriginalIds, id: number | bigint | string): number {
  const less = lessThan(ids, id);
  if (!less) return -1;
  const at = lowerBoundId(ids, id);
  if (at >= idCount(ids)) return -1;
  if (ids.kind === 'string') return compareSpan(ids.values, at, encoder.encode(id as string)) === 0 ? at : -1;
  if (ids.kind === 'bigint') return ids.values[at] === BigInt(id) ? at : -1;
  return ids.values[at] === Number(id) ? at : -1;
}

/** A vertex's original id as text (for labels and output lines). */
export function originalText(ids: OriginalIds, v: number): string {
  if (ids.kind === 'string') return spanText(ids.values, v, decoder);
  return String(ids.values[v]);
}
