/**
 * Reading results out of contexts with GraphScope's selectors: `v.id` (original ids), `v.data` (the
 * projected vertex property) and `r` / `r.<column>` (the app's result), over all vertices or a half-open
 * range of original ids. Also: writing a result in the Graphalytics text format, adding result columns
 * back to the property graph, and reading a property graph's vertex columns (`v:label.prop`).
 *
 * Conversions: labels (WCC components, CDLP communities) become the original id of the labelling
 * vertex; BFS depths of unreached vertices become Infinity in arrays and 9223372036854775807 in text.
 */
import { closeSync, writeSync } from 'node:fs';
import { type ArrayData, allocate } from '../../base/ndarray.js';
import { BFS_UNREACHED, BFS_UNREACHED_TEXT } from '../../graph/bfs.js';
import { idValues, spanText, spanTexts, type StringSpans } from '../../graph/idColumns.js';
import { formatFloat, openOutputFile } from '../../graph/output.js';
import { registerKernel } from '../registry.js';
import {
  type Column, type ContextValue, idColumnOf, idCount, internalIdOf, lowerBoundId, originalText, type OriginalIds, type ProjectedVertices,
  type PropertyGraphValue, type ResultColumn, type VertexDataColumn,
} from './values.js';

export type Selector = { readonly kind: 'id' } | { readonly kind: 'data' } | { readonly kind: 'result'; readonly column: string };

/** A half-open range of original ids; bigint bounds travel as text. */
export interface VertexRange {
  readonly begin?: number | string;
  readonly end?: number | string;
  readonly bigint?: boolean;
}

/**
 * A selection as the kernel returns it. Numbers are views of the context's or graph's shared arrays
 * where they can be (`toArray` of a million results is then the assembler's one copy), and the two
 * conversions that need a pass anyway — BFS depths (unreached -> Infinity) and labels (internal ->
 * original ids) — are left to that same pass (`depths`, `labels`).
 */
export type Selected =
  | ArrayData
  | { readonly kind: 'depths'; readonly values: Int32Array | Float64Array; readonly unreached: number }
  | { readonly kind: 'labels'; readonly labels: Int32Array | Float64Array; readonly ids: Float64Array }
  | { readonly kind: 'bigints'; readonly values: BigInt64Array }
  | { readonly kind: 'strings'; readonly values: readonly string[] }
  /** String ids of vertices `picks[lo..hi)` (or lo..hi), decoded by the assembler: shared bytes cross threads without a clone. */
  | { readonly kind: 'string-ids'; readonly ids: StringSpans; readonly picks?: Int32Array | Float64Array; readonly lo: number; readonly hi: number };

function bound(ids: OriginalIds, b: number | string | undefined, big: boolean | undefined, fallback: number): number {
  if (b === undefined) return fallback;
  return lowerBoundId(ids, big ? BigInt(b) : b);
}

export function rangeOf(ids: OriginalIds, range: VertexRange | undefined): [number, number] {
  const n = idCount(ids);
  const lo = bound(ids, range?.begin, range?.bigint, 0);
  const hi = bound(ids, range?.end, range?.bigint, n);
  return [lo, Math.max(lo, hi)];
}

function numbers(dtype: 'float64' | 'int64' | 'bool', n: number, at: (i: number) => number): ArrayData {
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = at(i);
  return { dtype, shape: [n], data };
}

/** The original ids of vertices `picks[lo..hi)` (`lo..hi` without picks). */
function idsAt(ids: OriginalIds, picks: Int32Array | Float64Array | undefined, lo: number, hi: number): Selected {
  const n = hi - lo;
  if (ids.kind === 'string') return { kind: 'string-ids', ids: ids.values, ...(picks ? { picks } : {}), lo, hi };
  const pick = (k: number): number => (picks ? picks[k]! : k);
  if (ids.kind === 'bigint') return { kind: 'bigints', values: BigInt64Array.from({ length: n }, (_, i) => ids.values[pick(lo + i)]!) };
  return numbers('int64', n, (i) => ids.values[pick(lo + i)]!);
}

function columnSlice(c: VertexDataColumn, lo: number, hi: number): Selected {
  if (c.kind === 'string') {
    const decoder = new TextDecoder();
    return { kind: 'strings', values: Array.from({ length: hi - lo }, (_, i) => spanText(c.values, lo + i, decoder)) };
  }
  const dtype = c.kind === 'bool' ? 'bool' : c.kind;
  return { dtype, shape: [hi - lo], data: c.values.subarray(lo, hi) };
}

function resultSlice(pg: ProjectedVertices, r: ResultColumn, lo: number, hi: number): Selected {
  switch (r.kind) {
    case 'label':
      return pg.ids.kind === 'number' ? { kind: 'labels', labels: r.values.subarray(lo, hi), ids: pg.ids.values } : idsAt(pg.ids, r.values, lo, hi);
    case 'depth':
      return { kind: 'depths', values: r.values.subarray(lo, hi), unreached: BFS_UNREACHED };
    case 'integer':
      return numbers('int64', hi - lo, (i) => r.values[lo + i]!);
    case 'float':
      return r.values instanceof Float64Array ? { dtype: 'float64', shape: [hi - lo], data: r.values.subarray(lo, hi) } : numbers('float64', hi - lo, (i) => r.values[lo + i]!);
  }
}

/** A selection with its conversions done (what add_column stores in the property graph). */
function materialized(s: Selected): Exclude<Selected, { readonly kind: 'depths' | 'labels' | 'string-ids' }> {
  if ('dtype' in s) return s;
  if (s.kind === 'string-ids') return { kind: 'strings', values: spanTexts(s.ids, s.picks, s.lo, s.hi) };
  if (s.kind === 'depths') return numbers('float64', s.values.length, (i) => (s.values[i] === s.unreached ? Infinity : s.values[i]!));
  if (s.kind === 'labels') return numbers('int64', s.labels.length, (i) => s.ids[s.labels[i]!]!);
  return s;
}

export function select(ctx: ContextValue, pg: ProjectedVertices, s: Selector, range: VertexRange | undefined): Selected {
  const [lo, hi] = rangeOf(pg.ids, range);
  switch (s.kind) {
    case 'id':
      if (pg.ids.kind === 'number') return { dtype: 'int64', shape: [hi - lo], data: pg.ids.values.subarray(lo, hi) };
      return idsAt(pg.ids, undefined, lo, hi);
    case 'data':
      return columnSlice(pg.vertexData!, lo, hi);
    case 'result':
      return resultSlice(pg, ctx.columns[s.column]!, lo, hi);
  }
}

registerKernel('graph.select', (inputs, p: { readonly selector: Selector; readonly range?: VertexRange }) =>
  select(inputs[0] as ContextValue, inputs[1] as ProjectedVertices, p.selector, p.range),
);

registerKernel('graph.table', (inputs, p: { readonly columns: Readonly<Record<string, Selector>>; readonly range?: VertexRange }) =>
  Object.fromEntries(Object.entries(p.columns).map(([name, s]) => [name, select(inputs[0] as ContextValue, inputs[1] as ProjectedVertices, s, p.range)])),
);

function text(pg: ProjectedVertices, r: ResultColumn, v: number): string {
  const x = r.values[v]!;
  switch (r.kind) {
    case 'depth':
      return x === BFS_UNREACHED ? BFS_UNREACHED_TEXT : String(x);
    case 'label':
      return originalText(pg.ids, x);
    case 'integer':
      return String(x);
    case 'float':
      return formatFloat(x);
  }
}

/** Writes `<original id> <value>` per vertex (Graphalytics); returns the path and the number of lines. */
registerKernel('graph.output', (inputs, p: { readonly path: string; readonly column: string; readonly shown?: string; readonly noFollow?: boolean }) => {
  const ctx = inputs[0] as ContextValue;
  const pg = inputs[1] as ProjectedVertices;
  const r = ctx.columns[p.column]!;
  const n = idCount(pg.ids);
  const fd = openOutputFile(p.path, { noFollow: p.noFollow === true });
  try {
    for (let start = 0; start < n; start += 65536) {
      const lines: string[] = [];
      for (let v = start; v < Math.min(n, start + 65536); v++) lines.push(`${originalText(pg.ids, v)} ${text(pg, r, v)}\n`);
      writeSync(fd, lines.join(''));
    }
  } finally {
    closeSync(fd);
  }
  return { path: p.shown ?? p.path, lines: n };
});

function toColumn(selected: Selected): Column {
  const s = materialized(selected);
  if ('dtype' in s) return s.dtype === 'bool' ? { kind: 'bool', values: s.data as Uint8Array } : { kind: s.dtype === 'int64' ? 'int64' : 'float64', values: s.data as Float64Array };
  if (s.kind === 'strings') return { kind: 'string', values: s.values };
  return { kind: 'string', values: Array.from(s.values, String) };
}

/** The property graph with result columns added to the projected vertex label's tables. */
registerKernel('graph.add_column', (inputs, p: { readonly label: string; readonly columns: Readonly<Record<string, Selector>> }) => {
  const g = inputs[0] as PropertyGraphValue;
  const ctx = inputs[1] as ContextValue;
  const pg = inputs[2] as ProjectedVertices;
  const full = Object.fromEntries(Object.entries(p.columns).map(([name, s]) => [name, toColumn(select(ctx, pg, s, undefined))]));
  const tables = g.vertices.filter((t) => t.label === p.label);
  if (tables.length === 0) {
    // The label's vertices came from its edges: they get a table of their own, in internal id order.
    return { ...g, vertices: [...g.vertices, { label: p.label, ids: idColumnOf(pg.ids), props: full }] };
  }
  const vertices = g.vertices.map((t) => {
    if (t.label !== p.label) return t;
    const internal = Int32Array.from(idValues(t.ids), (id) => internalIdOf(pg.ids, id));
    const props: Record<string, Column> = { ...t.props };
    for (const [name, c] of Object.entries(full)) {
      props[name] =
        c.kind === 'string'
          ? { kind: 'string', values: Array.from(internal, (v) => c.values[v]!) }
          : c.kind === 'bool'
            ? { kind: 'bool', values: Uint8Array.from(internal, (v) => c.values[v]!) }
            : { kind: c.kind, values: Float64Array.from(internal, (v) => c.values[v]!) };
    }
    return { ...t, props };
  });
  return { ...g, vertices };
});

/** A property graph's column for one vertex label: `prop` is `'id'` or a property name. */
export interface VertexColumnSelector {
  readonly label: string;
  readonly prop: string;
}

/** A property graph's vertex column (`id` or a property) for a label, in table row order. */
function vertexColumn(g: PropertyGraphValue, p: VertexColumnSelector): Selected {
  const tables = g.vertices.filter((t) => t.label === p.label);
  if (p.prop === 'id') {
    const all = tables.flatMap((t) => idValues(t.ids));
    if (g.oidType === 'string') return { kind: 'strings', values: all as string[] };
    if (all.some((v) => typeof v === 'bigint')) return { kind: 'bigints', values: BigInt64Array.from(all, (v) => BigInt(v)) };
    return numbers('int64', all.length, (i) => all[i] as number);
  }
  const cols = tables.map((t) => t.props[p.prop]!);
  if (cols[0]?.kind === 'string') return { kind: 'strings', values: cols.flatMap((c) => [...(c.values as readonly string[])]) };
  const values = cols.flatMap((c) => Array.from(c.values as ArrayLike<number>));
  const kind = cols[0]?.kind ?? 'float64';
  return numbers(kind === 'bool' ? 'bool' : kind === 'int64' ? 'int64' : 'float64', values.length, (i) => values[i]!);
}

registerKernel('graph.vertex_column', (inputs, p: VertexColumnSelector) => vertexColumn(inputs[0] as PropertyGraphValue, p));
registerKernel('graph.vertex_table', (inputs, p: { readonly columns: Readonly<Record<string, VertexColumnSelector>> }) =>
  Object.fromEntries(Object.entries(p.columns).map(([name, s]) => [name, vertexColumn(inputs[0] as PropertyGraphValue, s)])),
);
