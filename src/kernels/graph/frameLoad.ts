/**
 * Vertices and edges from a DataFrame (`gs.loadFrom({ edges: d })`): a frame's data exists only once it
 * has run, so these kernels take the frame's chunks as inputs, gather the columns they use into the
 * inline columns the column path reads (load.ts), and hand them to that path — the same vertex and edge
 * tables, id encoding and endpoint checks as a graph built from typed arrays. What only the data can
 * tell is checked here, with the frame's column and row: a null id or property (a graph has no nulls),
 * a float64 id that is not an integer.
 */
import { dictSize, EMPTY_DICT } from '../../base/utf8Dict.js';
import { InvalidArgumentError } from '../../base/errors.js';
import type { FrameChunk, FrameColumn, FrameDtype } from '../../base/frame.js';
import { registerKernel } from '../registry.js';
import { addInlineEdges, addInlineVertices, type ColumnsSource, type InlineColumn } from './load.js';
import type { PropertyGraphValue } from './values.js';

export interface FrameVerticesParams {
  readonly label: string;
  /** The id column's name. */
  readonly id: string;
  /** Property name → column name. */
  readonly properties: Readonly<Record<string, string>>;
  /** The dtype of every column used (known when the node was built; a frame may have no chunks). */
  readonly dtypes: Readonly<Record<string, FrameDtype>>;
  readonly oidType: 'int64' | 'string';
}

export interface FrameEdgesParams {
  readonly label: string;
  readonly srcLabel: string;
  readonly dstLabel: string;
  readonly src: string;
  readonly dst: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly dtypes: Readonly<Record<string, FrameDtype>>;
  readonly oidType: 'int64' | 'string';
  /** Endpoints whose labels have declared vertices: checked by the column path when the graph loads. */
  readonly verify?: readonly ('src' | 'dst')[];
}

function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * n));
}

/** Column `name` of every chunk, in row order. */
function chunkColumns(chunks: readonly FrameChunk[], name: string): FrameColumn[] {
  return chunks.map((c) => {
    const j = c.names.indexOf(name);
    if (j < 0) throw new Error(`a frame chunk has no column '${name}' (it has ${c.names.join(', ')}).`);
    return c.columns[j]!;
  });
}

function nullAt(what: string, name: string, row: number): InvalidArgumentError {
  return new InvalidArgumentError(`${what}: column '${name}' of the DataFrame is null at row ${row}; a graph has no null ids or properties, so drop those rows (dropna) or fill them (fillna) first.`);
}

/** Throws for the first null of number or bool columns (`valid` bytes), rows counted across chunks. */
function refuseNulls(columns: readonly FrameColumn[], what: string, name: string): void {
  let offset = 0;
  for (const c of columns) {
    if (c.dtype === 'string') {
      const at = c.codes.indexOf(-1);
      if (at >= 0) throw nullAt(what, name, offset + at);
      offset += c.codes.length;
    } else {
      const at = c.valid === null ? -1 : c.valid.indexOf(0);
      if (at >= 0) throw nullAt(what, name, offset + at);
      offset += c.values.length;
    }
  }
}

/**
 * Float64 ids must be integers (int64 ids, exact to 2^53); when every one fits int32 they become an
 * Int32Array, as the column path narrows doubles (half the bytes, and dense ids take the fast path).
 */
function floatIds(values: Float64Array, what: string, name: string): Float64Array | Int32Array {
  let narrow = true;
  for (let row = 0; row < values.length; row++) {
    const x = values[row]!;
    if (!Number.isSafeInteger(x)) {
      throw new InvalidArgumentError(`${what}: column '${name}' holds ${x} at row ${row}, which is not an id: int64 ids must be integers (up to 2^53 in a float64 column).`);
    }
    if ((x | 0) !== x) narrow = false;
  }
  if (!narrow) return values;
  const out = sharedInt32(values.length);
  out.set(values);
  return out;
}

/** Strings as UTF-8 spans: each chunk's dictionary bytes are copied once, and a row's span is its entry's. */
function stringSpans(columns: readonly FrameColumn[], rows: number): InlineColumn {
  const dicts = columns.map((c) => (c.dtype === 'string' ? c.dict : EMPTY_DICT));
  const bytes = new Uint8Array(new SharedArrayBuffer(dicts.reduce((n, d) => n + d.offsets[dictSize(d)]!, 0)));
  const starts = sharedInt32(rows);
  const ends = sharedInt32(rows);
  let at = 0;
  let row = 0;
  columns.forEach((c, k) => {
    const dict = dicts[k]!;
    const used = dict.offsets[dictSize(dict)]!;
    bytes.set(dict.bytes.subarray(0, used), at);
    const offsets = dict.offsets;
    const codes = (c as Extract<FrameColumn, { dtype: 'string' }>).codes;
    for (let i = 0; i < codes.length; i++, row++) {
      starts[row] = at + offsets[codes[i]!]!;
      ends[row] = at + offsets[codes[i]! + 1]!;
    }
    at += used;
  });
  return { kind: 'string', values: { bytes, starts, ends } };
}

/** Column `name` of the chunks as one inline column (ids: float64 checked integral, and maybe narrowed). */
function inlineOf(chunks: readonly FrameChunk[], name: string, dtype: FrameDtype, id: boolean, what: string): InlineColumn {
  const columns = chunkColumns(chunks, name);
  refuseNulls(columns, what, name);
  const rows = columns.reduce((n, c) => n + (c.dtype === 'string' ? c.codes.length : c.values.length), 0);
  if (dtype === 'string') return stringSpans(columns, rows);
  const values = dtype === 'int32' ? sharedInt32(rows) : dtype === 'bool' ? new Uint8Array(new SharedArrayBuffer(rows)) : new Float64Array(new SharedArrayBuffer(8 * rows));
  let at = 0;
  for (const c of columns) {
    const v = (c as Exclude<FrameColumn, { dtype: 'string' }>).values;
    values.set(v, at);
    at += v.length;
  }
  if (values instanceof Uint8Array) return { kind: 'bool', values };
  return { kind: 'number', values: id && values instanceof Float64Array ? floatIds(values, what, name) : values };
}

/** The columns the kernel uses (ids first), gathered from the frame's chunks. */
function frameSource(chunks: readonly FrameChunk[], ids: readonly string[], others: readonly string[], dtypes: Readonly<Record<string, FrameDtype>>, what: string): ColumnsSource {
  const columns: Record<string, InlineColumn> = {};
  for (const name of ids) columns[name] ??= inlineOf(chunks, name, dtypes[name]!, true, what);
  for (const name of others) columns[name] ??= inlineOf(chunks, name, dtypes[name]!, false, what);
  return { kind: 'columns', columns };
}

registerKernel('graph.add_vertices_frame', (inputs, p: FrameVerticesParams): PropertyGraphValue => {
  const what = `addVertices('${p.label}')`;
  const source = frameSource(inputs.slice(1) as FrameChunk[], [p.id], Object.values(p.properties), p.dtypes, what);
  return addInlineVertices(inputs[0] as PropertyGraphValue, { label: p.label, id: p.id, properties: p.properties, oidType: p.oidType }, source);
});

registerKernel('graph.add_edges_frame', (inputs, p: FrameEdgesParams): PropertyGraphValue => {
  const what = `addEdges('${p.label}')`;
  const source = frameSource(inputs.slice(1) as FrameChunk[], [p.src, p.dst], Object.values(p.properties), p.dtypes, what);
  const { dtypes: _dtypes, ...params } = p;
  return addInlineEdges(inputs[0] as PropertyGraphValue, params, source);
});
