/**
 * Turning what users pass as vertex or edge data into plain, hashable sources at build time: a path
 * (a delimited file: checked to exist now, and keyed by its size and modification time so an edited file
 * is read again), an Arrow table, or an object of columns (JS arrays or typed arrays). Column types are
 * known here, so a non-numeric weight or a missing column fails at the user's line.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Table } from 'apache-arrow';
import { InvalidArgumentError } from '../../base/errors.js';
import type { ColumnsSource, DelimitedSource, FileRef, GraphSource, InlineColumn, StringSpans } from '../../kernels/graph/load.js';
import type { ColumnKind } from '../../kernels/graph/values.js';

export interface FileOptions {
  readonly delimiter?: string;
  /** Whether the first line names the columns (default true, as GraphScope's loaders). */
  readonly header?: boolean;
  readonly comment?: string;
}

export type ColumnData = readonly unknown[] | ArrayBufferView;
export type DataSource = string | Table | Readonly<Record<string, ColumnData>>;

export function fileRef(path: string, what: string): FileRef {
  const full = resolve(path);
  let st;
  try {
    st = statSync(full);
  } catch (e) {
    throw new InvalidArgumentError(`${what}: cannot read ${full} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass an existing file.`);
  }
  if (!st.isFile()) throw new InvalidArgumentError(`${what}: ${full} is not a file.`);
  return { path: full, size: st.size, mtimeMs: st.mtimeMs };
}

/** Columns live in shared memory from the start: they reach the workers that load the graph without a copy. */
function sharedFloat64(data: ArrayLike<number>): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(8 * data.length));
  out.set(data);
  return out;
}

/** An Int32Array stays one (ids 0..2^31 need no widening to doubles: half the bytes to copy and read). */
function sharedInt32(data: Int32Array): Int32Array {
  const out = new Int32Array(new SharedArrayBuffer(4 * data.length));
  out.set(data);
  return out;
}

/**
 * Strings as UTF-8 spans in shared memory, made once on this thread: a worker then gets them without a
 * clone (a JS string array is cloned string by string), the key hashes three typed arrays (not a sha1
 * update per string), and the id map reads bytes. ASCII, the common case, is copied by a plain loop;
 * other strings go through TextEncoder. A repeated string (an edge column names each vertex many times)
 * gets the span of its first occurrence: its bytes are written once, and the id map, seeing the same
 * span again, looks it up once (IdMap.toInternal). Repeats are looked for while they are common.
 */
function utf8Spans(values: readonly string[]): StringSpans {
  const n = values.length;
  const starts = new Int32Array(new SharedArrayBuffer(4 * n));
  const ends = new Int32Array(new SharedArrayBuffer(4 * n));
  const firsts = new Int32Array(n);
  let unique = 0;
  let seen: Map<string, number> | undefined = new Map();
  let total = 0;
  for (let i = 0; i < n; i++) {
    const s = values[i]!;
    const first = seen?.get(s);
    if (first !== undefined) {
      starts[i] = starts[first]!;
      ends[i] = ends[first]!;
      continue;
    }
    if (seen) {
      seen.set(s, i);
      if (seen.size > 1 << 16 && seen.size > i / 2) seen = undefined;
    }
    firsts[unique++] = i;
    let bytes = s.length;
    for (let k = 0; k < s.length; k++) {
      if (s.charCodeAt(k) > 127) {
        bytes = Buffer.byteLength(s, 'utf8');
        break;
      }
    }
    starts[i] = total;
    total += bytes;
    ends[i] = total;
  }
  const bytes = new Uint8Array(new SharedArrayBuffer(total));
  const encoder = new TextEncoder();
  for (let u = 0; u < unique; u++) {
    const i = firsts[u]!;
    const s = values[i]!;
    const at = starts[i]!;
    if (ends[i]! - at === s.length) for (let k = 0; k < s.length; k++) bytes[at + k] = s.charCodeAt(k);
    else encoder.encodeInto(s, bytes.subarray(at, ends[i]!));
  }
  return { bytes, starts, ends };
}

/** The number of values of a column. */
export function columnLength(column: InlineColumn): number {
  return column.kind === 'string' ? column.values.starts.length : column.values.length;
}

function inlineColumn(name: string, data: ColumnData, what: string): InlineColumn {
  if (ArrayBuffer.isView(data)) {
    if (data instanceof BigInt64Array) {
      const out = new BigInt64Array(new SharedArrayBuffer(8 * data.length));
      out.set(data);
      return { kind: 'bigint', values: out };
    }
    if (data instanceof BigUint64Array || data instanceof DataView) {
      throw new InvalidArgumentError(`${what}: column ${name} is a ${data.constructor.name}; use numbers, BigInt64Array or strings.`);
    }
    if (data instanceof Int32Array) return { kind: 'number', values: sharedInt32(data) };
    return { kind: 'number', values: sharedFloat64(data as unknown as ArrayLike<number>) };
  }
  if (!Array.isArray(data)) throw new InvalidArgumentError(`${what}: column ${name} must be an array or a typed array.`);
  const first = data.find((v) => v !== null && v !== undefined);
  if (typeof first === 'string') {
    if (data.some((v) => typeof v !== 'string')) throw new InvalidArgumentError(`${what}: column ${name} mixes strings with other values.`);
    return { kind: 'string', values: utf8Spans(data as readonly string[]) };
  }
  if (typeof first === 'boolean') return { kind: 'bool', values: Uint8Array.from(data, (v) => (v ? 1 : 0)) };
  if (typeof first === 'bigint' || data.some((v) => typeof v === 'bigint')) {
    return { kind: 'bigint', values: BigInt64Array.from(data as (number | bigint)[], (v) => BigInt(v)) };
  }
  const values = new Float64Array(new SharedArrayBuffer(8 * data.length));
  data.forEach((v, i) => {
    if (typeof v !== 'number') throw new InvalidArgumentError(`${what}: column ${name} has a non-numeric value ${JSON.stringify(v)} at row ${i}.`);
    values[i] = v;
  });
  return { kind: 'number', values };
}

function arrowColumns(table: Table, what: string): Record<string, InlineColumn> {
  const out: Record<string, InlineColumn> = {};
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name)!;
    out[field.name] = inlineColumn(field.name, vector.toArray() as ColumnData, what);
  }
  return out;
}

export function toSource(data: DataSource, file: FileOptions, what: string): GraphSource {
  if (typeof data === 'string') {
    const source: DelimitedSource = {
      kind: 'file',
      file: fileRef(data, what),
      delimiter: file.delimiter ?? ',',
      header: file.header ?? true,
      ...(file.comment !== undefined ? { comment: file.comment } : {}),
    };
    return source;
  }
  if (data instanceof Table) return { kind: 'columns', columns: arrowColumns(data, what) } satisfies ColumnsSource;
  if (typeof data !== 'object' || data === null) {
    throw new InvalidArgumentError(`${what}: data must be a file path, an Arrow table or an object of columns.`);
  }
  const columns = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, inlineColumn(k, v, what)]));
  const lengths = new Set(Object.values(columns).map(columnLength));
  if (lengths.size > 1) throw new InvalidArgumentError(`${what}: columns have different lengths (${[...lengths].join(', ')}).`);
  return { kind: 'columns', columns } satisfies ColumnsSource;
}

/** The property kind a source column becomes (what the kernel's `inlineProp` makes of it). */
export function propertyKind(column: InlineColumn): ColumnKind {
  switch (column.kind) {
    case 'string':
      return 'string';
    case 'bool':
      return 'bool';
    default:
      return 'float64';
  }
}

/** Resolves a column reference against an inline source's columns (by name or 0-based index). */
export function columnName(source: ColumnsSource, ref: number | string, what: string): string {
  const names = Object.keys(source.columns);
  const name = typeof ref === 'number' ? names[ref] : ref;
  if (name === undefined || !(name in source.columns)) {
    throw new InvalidArgumentError(`${what}: no column ${JSON.stringify(ref)}; the data has ${names.map((n) => `'${n}'`).join(', ') || 'no columns'}.`);
  }
  return name;
}
