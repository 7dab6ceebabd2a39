/**
 * Building property graphs: an empty graph, then vertex and edge tables added by label from delimited
 * files (read here, on whichever thread runs the task), LDBC `.v`/`.e` files, or columns captured at
 * build time (JS arrays, typed arrays, Arrow tables, graphology graphs — converted by the op builders).
 * Each step returns a new graph value; the input is never changed.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../../base/errors.js';
import { parseDelimitedEdges, parseDelimitedVertices, type ColumnRef } from '../../graph/delimited.js';
import { GraphFormatError, VertexNotFoundError } from '../../graph/errors.js';
import { asBigIntColumn, type IdColumn, idColumnLength, spanText, type StringSpans } from '../../graph/idColumns.js';
import { IdMap } from '../../graph/idmap.js';
import { unionPresentIds } from '../../graph/presentIds.js';
import { parseLdbcEdges, parseLdbcVertices } from '../../graph/ldbc.js';
import { type CodedStrings, codesIn, encodeStrings } from '../../graph/stringDict.js';
import { registerKernel } from '../registry.js';
import type { EdgePart } from './parseRange.js';
import type { Column, EdgeTable, PropertyGraphValue, VertexTable } from './values.js';

/** A file as the builder saw it; size and mtime are part of the op's key, so a changed file is re-read. */
export interface FileRef {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export type InlineColumn =
  | { readonly kind: 'number'; readonly values: Float64Array | Int32Array }
  | { readonly kind: 'bigint'; readonly values: BigInt64Array }
  | { readonly kind: 'string'; readonly values: StringSpans }
  | { readonly kind: 'bool'; readonly values: Uint8Array };

export type { StringSpans };

export interface DelimitedSource {
  readonly kind: 'file';
  readonly file: FileRef;
  readonly delimiter: string;
  readonly header: boolean;
  readonly comment?: string;
}

export interface ColumnsSource {
  readonly kind: 'columns';
  readonly columns: Readonly<Record<string, InlineColumn>>;
}

export type GraphSource = DelimitedSource | ColumnsSource;

export interface AddVerticesParams {
  readonly label: string;
  readonly source: GraphSource;
  readonly id: ColumnRef;
  /** Property name → source column (inline sources only). */
  readonly properties: Readonly<Record<string, string>>;
  readonly oidType: 'int64' | 'string';
}

export interface AddEdgesParams {
  readonly label: string;
  readonly srcLabel: string;
  readonly dstLabel: string;
  readonly source: GraphSource;
  readonly src: ColumnRef;
  readonly dst: ColumnRef;
  /** Property name → source column; a file source carries at most one (numeric) property. */
  readonly properties: Readonly<Record<string, ColumnRef>>;
  readonly oidType: 'int64' | 'string';
  /** Endpoints whose labels have declared vertices that the builder could not check against: the load checks them. */
  readonly verify?: readonly ('src' | 'dst')[];
}

function readBytes(file: FileRef): Uint8Array {
  try {
    return readFileSync(file.path);
  } catch (e) {
    throw new GraphFormatError({ file: file.path, line: 0 }, `cannot read the file: ${(e as Error).message}`);
  }
}

/**
 * An edge column's string ids dictionary-encoded by a task of their own (`graph.encode_ids`), for
 * `graph.add_edges`. With `declared`, the codes are positions in that label's declared vertices'
 * dictionary (-1: not a declared vertex), and `values.dict` is that dictionary.
 */
export interface EncodedIds {
  readonly kind: 'encoded-ids';
  readonly end: 'src' | 'dst';
  readonly values: CodedStrings;
  readonly declared?: string;
}

export interface EncodeIdsParams {
  readonly end: 'src' | 'dst';
  readonly column: StringSpans;
  /** The endpoints' vertex label, whose declared vertices the task's input graph holds (graph.add_edges checks them). */
  readonly declared?: string;
}

/** The dictionary of a label's declared vertices when they are one table of coded strings (inline columns). */
function declaredCoded(g: PropertyGraphValue, label: string): CodedStrings | undefined {
  const tables = g.vertices.filter((v) => v.label === label);
  return tables.length === 1 && tables[0]!.ids.kind === 'coded' ? tables[0]!.ids.values : undefined;
}

function declaredDict(g: PropertyGraphValue, label: string): StringSpans | undefined {
  return declaredCoded(g, label)?.dict;
}

registerKernel('graph.encode_ids', (inputs, p: EncodeIdsParams): EncodedIds => {
  // Against the declared vertices: a lookup per row in the table their encoding left (shared by the
  // tasks of both ends), and a column coded like its vertices (no dictionary of its own to sort, nor to
  // merge and map through when the graph is projected).
  const declared = p.declared === undefined ? undefined : declaredCoded(inputs[0] as PropertyGraphValue, p.declared);
  if (declared) return { kind: 'encoded-ids', end: p.end, values: { dict: declared.dict, codes: codesIn(declared.dict, p.column, declared.table) }, declared: p.declared! };
  return { kind: 'encoded-ids', end: p.end, values: encodeStrings(p.column) };
});

/**
 * A source column as ids. String ids are dictionary-encoded (stringDict.ts) — here, or by the
 * `graph.encode_ids` task that did it in parallel (`encoded`) — so loading and projecting them runs on
 * integer codes.
 */
function inlineIds(column: InlineColumn, what: string, oidType: 'int64' | 'string', encoded?: EncodedIds, lookup = false): IdColumn {
  if (column.kind === 'bool') throw new InvalidArgumentError(`${what} cannot be booleans.`);
  if (oidType === 'string') {
    if (column.kind !== 'string' && column.values.length === 0) return { kind: 'string', values: { bytes: new Uint8Array(0), starts: new Int32Array(0), ends: new Int32Array(0) } };
    if (column.kind !== 'string') throw new InvalidArgumentError(`${what} must be strings for a graph with oidType 'string'.`);
    return { kind: 'coded', values: encoded?.values ?? encodeStrings(column.values, lookup) };
  }
  if (column.kind === 'string') throw new InvalidArgumentError(`${what} must be integers for a graph with oidType 'int64', got strings.`);
  if (column.kind === 'bigint') return { kind: 'bigint', values: column.values };
  const values = column.values;
  if (values instanceof Float64Array) {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isSafeInteger(values[i])) throw new InvalidArgumentError(`${what} must be integers (int64 ids), got ${values[i]} at row ${i}.`);
    }
  }
  return { kind: 'number', values };
}

function inlineProp(column: InlineColumn): Column {
  switch (column.kind) {
    case 'number':
      return { kind: 'float64', values: column.values instanceof Float64Array ? column.values : Float64Array.from(column.values) };
    case 'bool':
      return { kind: 'bool', values: column.values };
    case 'string': {
      const decoder = new TextDecoder();
      return { kind: 'string', values: Array.from(column.values.starts, (_, i) => spanText(column.values, i, decoder)) };
    }
    case 'bigint':
      return { kind: 'float64', values: Float64Array.from(column.values, Number) };
  }
}

function sourceColumn(source: ColumnsSource, ref: ColumnRef, what: string): InlineColumn {
  const names = Object.keys(source.columns);
  const name = typeof ref === 'number' ? names[ref] : ref;
  const column = name === undefined ? undefined : source.columns[name];
  if (!column) throw new InvalidArgumentError(`${what}: no column ${JSON.stringify(ref)} (columns: ${names.join(', ')}).`);
  return column;
}

function withVertices(g: PropertyGraphValue, table: VertexTable): PropertyGraphValue {
  return { ...g, vertices: [...g.vertices, table] };
}

/**
 * The vertices of `labels` that have no declared vertices: the sorted distinct endpoints of the edge
 * tables that touch them (what `sess.run(g)` counts, and the id map a projection of them starts from).
 */
export function implicitIds(g: PropertyGraphValue, labels: Iterable<string>): Record<string, IdColumn> {
  const ids: Record<string, IdColumn> = {};
  for (const label of labels) {
    if (g.vertices.some((v) => v.label === label)) continue;
    const columns = g.edges.flatMap((t) => [...(t.srcLabel === label ? [t.src] : []), ...(t.dstLabel === label ? [t.dst] : [])]);
    ids[label] = IdMap.fromEdges(...columns).sortedIds();
  }
  return ids;
}

/** Throws VertexNotFoundError (id, label, row) for the first endpoint of `tables` that its label does not declare. */
function verifyEndpoints(g: PropertyGraphValue, tables: readonly EdgeTable[], ends: readonly ('src' | 'dst')[]): void {
  for (const end of ends) {
    const label = end === 'src' ? tables[0]!.srcLabel : tables[0]!.dstLabel;
    const declared = g.vertices.filter((v) => v.label === label).map((v) => v.ids);
    if (declared.length === 0) continue;
    const map = IdMap.fromEdges(...declared);
    let offset = 0;
    for (const t of tables) {
      const column = map.kind === 'bigint' ? asBigIntColumn(t[end]) : t[end];
      const at = offset;
      map.checkAll(column, (row, text) => new VertexNotFoundError(text, `${end === 'src' ? 'the source' : 'the target'} of edge ${row + at} of '${t.label}' is not a declared vertex of '${label}'`));
      offset += idColumnLength(t[end]);
    }
  }
}

/**
 * The implicit vertices of the one label a file's parts connect, from the ids each part marked as it was
 * parsed (presentIds.ts) — when the graph has no other edges or declared vertices of that label, so the
 * parts' endpoints are all of its vertices; else undefined, and `implicitIds` reads the columns.
 */
function knownImplicitIds(g: PropertyGraphValue, p: AddEdgesParams, parts: readonly EdgePart[]): Record<string, IdColumn> | undefined {
  const label = p.srcLabel;
  if (p.dstLabel !== label || g.vertices.some((v) => v.label === label) || g.edges.some((t) => t.srcLabel === label || t.dstLabel === label)) return undefined;
  const marked = parts.filter((part) => idColumnLength(part.src) > 0);
  if (!marked.every((part) => part.present !== undefined)) return undefined;
  const endpoints = marked.reduce((sum, part) => sum + 2 * idColumnLength(part.src), 0);
  const ids = unionPresentIds(marked.map((part) => part.present!), endpoints);
  return ids && { [label]: { kind: 'number', values: ids } };
}

function withEdges(g: PropertyGraphValue, tables: readonly EdgeTable[], verify: readonly ('src' | 'dst')[] = [], known?: Record<string, IdColumn>): PropertyGraphValue {
  if (tables.length > 0) verifyEndpoints(g, tables, verify);
  const out = { ...g, edges: [...g.edges, ...tables] };
  const labels = [...new Set(tables.flatMap((t) => [t.srcLabel, t.dstLabel]))].filter((l) => !known?.[l]);
  return { ...out, implicitVertices: { ...g.implicitVertices, ...implicitIds(out, labels), ...known } };
}

registerKernel('graph.empty', (_in, p: { readonly directed: boolean; readonly oidType: 'int64' | 'string' }): PropertyGraphValue => ({
  kind: 'property-graph',
  directed: p.directed,
  oidType: p.oidType,
  vertices: [],
  edges: [],
}));

registerKernel('graph.add_vertices', (inputs, p: AddVerticesParams): PropertyGraphValue => {
  const g = inputs[0] as PropertyGraphValue;
  if (p.source.kind === 'file') {
    const bytes = readBytes(p.source.file);
    const ids = parseDelimitedVertices(bytes, {
      file: p.source.file.path,
      delimiter: p.source.delimiter,
      header: p.source.header,
      idType: p.oidType === 'string' ? 'string' : 'int',
      id: p.id,
      ...(p.source.comment !== undefined ? { comment: p.source.comment } : {}),
    });
    return withVertices(g, { label: p.label, ids, props: {} });
  }
  return addInlineVertices(g, p, p.source);
});

/**
 * The column path of `graph.add_vertices`: the vertex table of columns in memory. Frame sources
 * (frameLoad.ts) gather a DataFrame's chunks into such columns and call this too.
 */
export function addInlineVertices(g: PropertyGraphValue, p: Omit<AddVerticesParams, 'source'>, source: ColumnsSource): PropertyGraphValue {
  // String ids keep their dictionary's lookup table: edge columns are coded against it.
  const ids = inlineIds(sourceColumn(source, p.id, `vertices of '${p.label}'`), `vertex ids of '${p.label}'`, p.oidType, undefined, true);
  const props = Object.fromEntries(
    Object.entries(p.properties).map(([name, col]) => [name, inlineProp(sourceColumn(source, col, `property ${name} of '${p.label}'`))]),
  );
  return withVertices(g, { label: p.label, ids, props });
}

registerKernel('graph.add_edges', (inputs, p: AddEdgesParams): PropertyGraphValue => {
  const g = inputs[0] as PropertyGraphValue;
  const base = { label: p.label, srcLabel: p.srcLabel, dstLabel: p.dstLabel };
  if (p.source.kind === 'file' && inputs.length > 1) {
    const [weightName] = Object.keys(p.properties);
    const parts = inputs.slice(1) as EdgePart[];
    const tables = parts.map((part): EdgeTable => {
      const props: Record<string, Column> = weightName && part.weights ? { [weightName]: { kind: 'float64', values: part.weights } } : {};
      return { ...base, src: part.src, dst: part.dst, props };
    });
    return withEdges(g, tables, p.verify, knownImplicitIds(g, p, parts));
  }
  if (p.source.kind === 'file') {
    const [weightName, weightRef] = Object.entries(p.properties)[0] ?? [];
    const parsed = parseDelimitedEdges(readBytes(p.source.file), {
      file: p.source.file.path,
      delimiter: p.source.delimiter,
      header: p.source.header,
      idType: p.oidType === 'string' ? 'string' : 'int',
      src: p.src,
      dst: p.dst,
      ...(weightRef !== undefined ? { weight: weightRef } : {}),
      ...(p.source.comment !== undefined ? { comment: p.source.comment } : {}),
    });
    const props: Record<string, Column> = weightName && parsed.weights ? { [weightName]: { kind: 'float64', values: parsed.weights } } : {};
    return withEdges(g, [{ ...base, src: parsed.src, dst: parsed.dst, props }], p.verify);
  }
  return addInlineEdges(g, p, p.source, inputs.slice(1) as EncodedIds[]);
});

/**
 * The column path of `graph.add_edges`: the edge table of columns in memory (string ids encoded here or
 * by `graph.encode_ids` tasks), endpoints checked against declared vertices where `p.verify` says.
 * Frame sources (frameLoad.ts) gather a DataFrame's chunks into such columns and call this too.
 */
export function addInlineEdges(g: PropertyGraphValue, p: Omit<AddEdgesParams, 'source'>, source: ColumnsSource, encodedIds: readonly EncodedIds[] = []): PropertyGraphValue {
  const base = { label: p.label, srcLabel: p.srcLabel, dstLabel: p.dstLabel };
  const encoded = (end: 'src' | 'dst') => {
    const e = encodedIds.find((x) => x.end === end);
    // Coded against the declared vertices: the codes index this graph's own dictionary object, so the
    // projection sees one list where it would merge two.
    return e?.declared === undefined ? e : { ...e, values: { dict: declaredDict(g, e.declared) ?? e.values.dict, codes: e.values.codes } };
  };
  const src = inlineIds(sourceColumn(source, p.src, `edges of '${p.label}'`), `edge sources of '${p.label}'`, p.oidType, encoded('src'));
  const dst = inlineIds(sourceColumn(source, p.dst, `edges of '${p.label}'`), `edge targets of '${p.label}'`, p.oidType, encoded('dst'));
  const props = Object.fromEntries(
    Object.entries(p.properties).map(([name, col]) => [name, inlineProp(sourceColumn(source, col, `property ${name} of '${p.label}'`))]),
  );
  const table: EdgeTable = { ...base, src, dst, props };
  // Ends in the order verifyEndpoints takes them: one coded against its vertices has its misses as -1 codes.
  const coded = (end: 'src' | 'dst') => encodedIds.find((e) => e.end === end)?.declared;
  for (const end of ['src', 'dst'] as const) {
    const label = coded(end);
    if (label !== undefined) checkDeclaredCodes(table, end, label, sourceColumn(source, p[end], `edges of '${p.label}'`));
    else if (p.verify?.includes(end)) verifyEndpoints(g, [table], [end]);
  }
  return withEdges(g, [table]);
}

/** Throws VertexNotFoundError (as verifyEndpoints words it) for the first row coded -1: not a declared vertex of `label`. */
function checkDeclaredCodes(table: EdgeTable, end: 'src' | 'dst', label: string, column: InlineColumn): void {
  const ids = table[end];
  const row = ids.kind === 'coded' ? ids.values.codes.indexOf(-1) : -1;
  if (row < 0) return;
  const text = column.kind === 'string' ? spanText(column.values, row) : '';
  throw new VertexNotFoundError(text, `${end === 'src' ? 'the source' : 'the target'} of edge ${row} of '${table.label}' is not a declared vertex of '${label}'`);
}

export interface LdbcParams {
  readonly vertices: FileRef;
  readonly edges: FileRef;
  readonly directed: boolean;
  /** Declared edge properties, in file column order; `weight` is the one kept. */
  readonly edgeProperties: readonly string[];
  readonly weight?: string;
}

/** A Graphalytics graph as a property graph with vertex label `v` and edge label `e`. */
registerKernel('graph.load_ldbc', (_in, p: LdbcParams): PropertyGraphValue => {
  const ids = parseLdbcVertices(readBytes(p.vertices), p.vertices.path);
  const parsed = parseLdbcEdges(readBytes(p.edges), p.edges.path, p.edgeProperties, p.weight);
  const props: Record<string, Column> = p.weight && parsed.weights ? { [p.weight]: { kind: 'float64', values: parsed.weights } } : {};
  return {
    kind: 'property-graph',
    directed: p.directed,
    oidType: 'int64',
    vertices: [{ label: 'v', ids, props: {} }],
    edges: [{ label: 'e', srcLabel: 'v', dstLabel: 'v', src: parsed.src, dst: parsed.dst, props }],
  };
});

/** `g.project(...)`: the graph restricted to some labels and, per label, some properties. */
registerKernel('graph.subgraph', (inputs, p: { readonly vertices: Readonly<Record<string, readonly string[]>>; readonly edges: Readonly<Record<string, readonly string[]>> }): PropertyGraphValue => {
  const g = inputs[0] as PropertyGraphValue;
  const keep = (props: Readonly<Record<string, Column>>, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, props[n]!]));
  const out: PropertyGraphValue = {
    ...g,
    vertices: g.vertices.filter((t) => t.label in p.vertices).map((t) => ({ ...t, props: keep(t.props, p.vertices[t.label]!) })),
    edges: g.edges.filter((t) => t.label in p.edges).map((t) => ({ ...t, props: keep(t.props, p.edges[t.label]!) })),
  };
  // A label keeps its count when every edge table that touches it is kept; else it is counted again.
  const implicit = Object.keys(g.implicitVertices ?? {}).filter((l) => l in p.vertices);
  const touches = (l: string) => (t: EdgeTable) => t.srcLabel === l || t.dstLabel === l;
  const recount = implicit.filter((l) => g.edges.filter(touches(l)).length !== out.edges.filter(touches(l)).length);
  const kept = Object.fromEntries(implicit.filter((l) => !recount.includes(l)).map((l) => [l, g.implicitVertices![l]!]));
  return { ...out, implicitVertices: { ...kept, ...implicitIds(out, recount) } };
});

/** The property graph value itself, for exports (graphology) that run on the caller's thread. */
registerKernel('graph.export', (inputs) => inputs[0]);
