/**
 * Metas of the graph op family, all known at build time: a property graph's schema (labels and typed
 * properties), a projection's labels and data columns, a context's result columns. Every graph tileable
 * is one chunk (a graph is one object in the store); this module also registers that one-chunk tiling
 * and how graph results assemble into what `fetch` returns.
 */
import { tableFromArrays, type Table } from 'apache-arrow';
import { allocateForUser, type ArrayData, isArrayData, NdArray } from '../../base/ndarray.js';
import { userArrayBuffer } from '../../base/recycledBuffers.js';
import type { NodeMeta, TileableNode } from '../../dag/nodes.js';
import { type ColumnKind, type ContextValue, idColumnLength, type ProjectedArcsValue, type ProjectedGraphValue, spanTexts, type PropertyGraphValue, type ResultKind } from '../../kernels/graph/values.js';

export type { Column, ColumnKind, IdColumn, PropertyGraphValue } from '../../kernels/graph/values.js';
/** A property graph table's ids as JS values (for exports such as graphology). */
export { idValues } from '../../kernels/graph/values.js';
import type { Selected } from '../../kernels/graph/select.js';
import { registerAssembler } from '../assemble.js';
import { chunkKey, registerOp } from '../op.js';

export type OidType = 'int64' | 'string';

export interface GraphSchema {
  readonly vertices: Readonly<Record<string, Readonly<Record<string, ColumnKind>>>>;
  readonly edges: Readonly<Record<string, { readonly src: string; readonly dst: string; readonly props: Readonly<Record<string, ColumnKind>> }>>;
}

export interface GraphMeta extends NodeMeta {
  readonly type: 'graph';
  readonly directed: boolean;
  readonly oidType: OidType;
  readonly schema: GraphSchema;
  /**
   * The edges added as inline columns, when every edge of the graph was (a bound on any projection's
   * arcs, known at build time); absent when some come from files.
   */
  readonly inlineEdges?: number;
}

export interface ProjectedMeta extends NodeMeta {
  readonly type: 'projected';
  readonly directed: boolean;
  readonly oidType: OidType;
  readonly vertexLabel: string;
  readonly edgeLabel: string;
  readonly vertexData?: { readonly name: string; readonly kind: ColumnKind };
  readonly edgeData?: { readonly name: string; readonly kind: ColumnKind };
}

export interface ContextMeta extends NodeMeta {
  readonly type: 'context';
  readonly algo: string;
  readonly contextType: 'vertex_data' | 'vertex_property';
  readonly columns: Readonly<Record<string, ResultKind>>;
  readonly oidType: OidType;
  readonly hasVertexData: boolean;
}

export type GraphNode = TileableNode<GraphMeta>;
export type ProjectedNode = TileableNode<ProjectedMeta>;
export type ContextNode = TileableNode<ContextMeta>;

export interface SingleChunkOptions {
  readonly cache?: boolean;
  /**
   * Whether a chunk with these params is cheap enough to run on the session's own thread (a view of
   * results already in shared memory): a pool round trip, and a wait behind whatever the pool is
   * running, would cost more than the work. The threads executor reads it as the chunk meta's `inline`.
   */
  readonly inline?: (params: never) => boolean;
}

/** A graph-family op: one chunk, computed by the kernel of the same name from the inputs' chunks. */
export function registerSingleChunkOp(name: string, options: SingleChunkOptions = {}): void {
  registerOp({
    name,
    ...(options.cache ? { cache: true } : {}),
    tile(node, ctx) {
      const inputs = node.inputs.map((_, i) => ctx.input(i).chunks[0]!);
      const inline = options.inline?.(node.params as never) === true;
      const meta = { type: node.meta.type, ...(inline ? { inline } : {}) };
      const key = ctx.add({ key: chunkKey(node.key, []), kernel: name, params: node.params, inputs, meta });
      return { nsplits: [], chunks: [key] };
    },
  });
}

/**
 * A Float64Array copy of `values`. A converting `set` from shared memory takes V8's slow element-wise
 * path (Int32 to Float64, 65,536 values: 0.29 ms, against 0.04 ms from private memory; a plain loop
 * 0.10), so shared int32s are first copied as they are into private memory (a same-type `set`, a
 * memcpy) and converted from there. That private copy never leaves this function, so it is kept for
 * the next fetch (up to PRIVATE_KEPT elements): made fresh each time, it faulted in 64 pages a warm
 * WCC fetch on R-MAT s16 (~0.8 ms where a fault costs ~12 µs), 1,024 on R-MAT s20.
 */
function toFloat64(values: Int32Array | Float64Array): Float64Array {
  const out = userFloat64(values.length);
  const shared = typeof SharedArrayBuffer !== 'undefined' && values.buffer instanceof SharedArrayBuffer;
  if (shared && values instanceof Int32Array) {
    const private32 = privateInt32(values.length);
    private32.set(values);
    out.set(private32);
  } else {
    out.set(values);
  }
  return out;
}

/** The most int32s kept between fetches for toFloat64's private copy (4 MiB). */
const PRIVATE_KEPT = 1 << 20;
let keptPrivate: Int32Array | undefined;

function privateInt32(length: number): Int32Array {
  if (length > PRIVATE_KEPT) return new Int32Array(length);
  if (!keptPrivate || keptPrivate.length < length) keptPrivate = new Int32Array(length);
  return keptPrivate.subarray(0, length);
}

/** Added to a depth: 0 to a reached one, Infinity to an unreached one (indexed without a branch). */
const UNREACHED_OFFSET = new Float64Array([0, Infinity]);

/**
 * BFS depths as doubles, unreached ones Infinity, in one pass that reads each depth once and takes no
 * branch per depth: `unreached - d - 1` is -1 (sign bit set) only for d = unreached, the largest depth
 * there is. On R-MAT, where reached and unreached vertices interleave, the test `d === unreached ?` was
 * mispredicted often: 0.48–0.51 ms against 0.15–0.28 for 65,536 depths, 40% unreached at random (a
 * `.tmp` node probe, medians of 400; the warm s16 BFS's fetch took 0.57 ms a run in this function).
 */
function depthsAsFloat64(values: Int32Array | Float64Array, unreached: number): Float64Array {
  const out = userFloat64(values.length);
  const offset = UNREACHED_OFFSET;
  for (let i = 0; i < values.length; i++) {
    const d = values[i]!;
    out[i] = d + offset[(unreached - d - 1) >>> 31]!;
  }
  return out;
}

/** A fresh Float64Array for the user, its pages faulted in ahead when a warm loop fetches this size again. */
const userFloat64 = (length: number): Float64Array => allocateForUser('float64', length) as Float64Array;

/**
 * What a user gets for a selected column: an NdArray of numbers, or the ids as strings / bigints. The
 * kernel's numbers are views of cached results, so this is the one copy (with BFS's unreached depths
 * and labels converted in the same pass): the user's array is theirs to change.
 */
export function selectedValue(s: Selected): NdArray | string[] | BigInt64Array {
  if (isArrayData(s)) {
    const a = s as ArrayData;
    const Ctor = a.data.constructor as new (buffer: ArrayBuffer) => typeof a.data;
    const copy = new Ctor(userArrayBuffer(a.data.byteLength));
    copy.set(a.data);
    return new NdArray(a.dtype, a.shape, copy);
  }
  const o = s as Exclude<Selected, ArrayData>;
  switch (o.kind) {
    case 'depths':
      return new NdArray('float64', [o.values.length], depthsAsFloat64(o.values, o.unreached));
    case 'labels': {
      const { ids, labels } = o;
      // Sorted distinct integer ids from 0 to n-1 are 0..n-1: a label is its own original id.
      if (ids.length > 0 && ids[0] === 0 && ids[ids.length - 1] === ids.length - 1) return new NdArray('int64', [labels.length], toFloat64(labels));
      const out = userFloat64(labels.length);
      for (let i = 0; i < out.length; i++) out[i] = ids[labels[i]!]!;
      return new NdArray('int64', [out.length], out);
    }
    case 'strings':
      return [...o.values];
    case 'string-ids':
      return spanTexts(o.ids, o.picks, o.lo, o.hi);
    case 'bigints':
      return BigInt64Array.from(o.values);
  }
}

function arrowColumn(selected: Selected): unknown {
  const v = selectedValue(selected);
  if (!(v instanceof NdArray)) return v;
  if (v.dtype === 'int64') return BigInt64Array.from(v.data as Float64Array, (x) => BigInt(x));
  if (v.dtype === 'bool') return Array.from(v.data, (x) => x !== 0);
  return v.data;
}

export function selectedTable(columns: Readonly<Record<string, Selected>>): Table {
  const arrays = Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, arrowColumn(v)]));
  return tableFromArrays(arrays as Record<string, Float64Array>) as unknown as Table;
}

/** Selections are copied for the user (selectedValue); graphs, projections and contexts are summaries of numbers. */
const COPIES = { copies: true } as const;
registerAssembler('array', (_node, _tiled, chunks) => selectedValue(chunks[0] as Selected), COPIES);
registerAssembler('table', (_node, _tiled, chunks) => selectedTable(chunks[0] as Record<string, Selected>), COPIES);
registerAssembler('value', (_node, _tiled, chunks) => chunks[0]);
registerAssembler('graph', (node, _tiled, chunks) => {
  const g = chunks[0] as PropertyGraphValue;
  const count = (n: number | undefined) => n ?? 0;
  const vertices: Record<string, number> = {};
  for (const t of g.vertices) vertices[t.label] = count(vertices[t.label]) + idColumnLength(t.ids);
  // Labels without declared vertices have their edges' endpoints as vertices, counted when loaded.
  for (const [label, ids] of Object.entries(g.implicitVertices ?? {})) vertices[label] ??= idColumnLength(ids);
  const edges: Record<string, number> = {};
  for (const t of g.edges) edges[t.label] = count(edges[t.label]) + idColumnLength(t.src);
  const meta = node.meta as GraphMeta;
  return { directed: g.directed, oidType: g.oidType, schema: meta.schema, vertices, edges };
}, COPIES);
registerAssembler('projected', (node, _tiled, chunks) => {
  const p = chunks[0] as ProjectedGraphValue | ProjectedArcsValue;
  const meta = node.meta as ProjectedMeta;
  // An arc list counts its arcs as listed (parallel arcs not merged).
  const [vertices, arcs] = p.kind === 'projected-arcs' ? [p.arcs.n, p.arcs.src.reduce((m, part) => m + part.length, 0)] : [p.graph.n, p.graph.out.m];
  return { vertexLabel: p.vertexLabel, edgeLabel: p.edgeLabel, directed: meta.directed, vertices, arcs };
}, COPIES);
registerAssembler('context', (_node, _tiled, chunks) => {
  const c = chunks[0] as ContextValue;
  return { algo: c.algo, columns: Object.keys(c.columns), vertices: Object.values(c.columns)[0]?.values.length ?? 0 };
}, COPIES);
