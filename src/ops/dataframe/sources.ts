/**
 * Dataframe sources from data the user holds: columns (typed arrays or JS arrays with nulls), records
 * and Arrow tables. Everything is checked and converted here, at the user's line — a column mixing
 * numbers and strings fails naming the column and the index — and cut into row chunks at build time,
 * so the node's params hold the data itself: it is part of the key (equal data, equal key, reused
 * results), and numbers sit in shared memory and strings as UTF-8 in shared memory (kernels/dataframe/
 * basic.ts), so a task carries no copy of either. Rows are known at build time.
 */
import type { Table } from 'apache-arrow';
import { Table as ArrowTable } from 'apache-arrow';
import { InvalidArgumentError } from '../../base/errors.js';
import {
  allocBytes, allocFloat64, allocInt32, type FrameChunk, type FrameColumn, type FrameDtype, type FrameField, makeFrame, sliceRows,
  compactStrings, encodeStrings, type StringColumn,
} from '../../base/frame.js';
import { show } from '../../base/show.js';
import { makeTileable } from '../../dag/nodes.js';
import type { InlineChunk, InlineColumn } from '../../kernels/dataframe/basic.js';
import { chunkKey, registerOp } from '../op.js';
import { fieldsOfSchema, tableToFrame } from './arrow.js';
import { checkDtype, frameMeta, type FrameNode } from './meta.js';

/** Rows per chunk when the user does not say. */
export const DEFAULT_CHUNK_ROWS = 1 << 16;

export interface SourceOptions {
  /** Rows per chunk (the last chunk may have fewer). */
  readonly chunkRows?: number;
}

export interface ColumnsOptions extends SourceOptions {
  /** The dtype of some columns, instead of inferring it (a column of only nulls needs one to be other than float64). */
  readonly dtypes?: Readonly<Record<string, FrameDtype>>;
}

export type ColumnData = ArrayLike<unknown> | readonly unknown[];

const INT_ARRAYS = ['Int8Array', 'Int16Array', 'Int32Array', 'Uint8Array', 'Uint16Array', 'Uint8ClampedArray'];
const isInt32 = (v: number): boolean => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 && !Object.is(v, -0);

function chunkRowsOf(options: SourceOptions | undefined, where: string): number {
  const n = options?.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`${where}: chunkRows must be a positive integer, got ${show(n)}.`);
  }
  return n;
}

/** A typed array as a column: small integer arrays become int32, the others float64. */
function typedColumn(name: string, data: ArrayBufferView & ArrayLike<number | bigint>, dtype: FrameDtype | undefined, where: string): FrameColumn {
  const ctor = data.constructor.name;
  const int = INT_ARRAYS.includes(ctor);
  const want = dtype ?? (int ? 'int32' : 'float64');
  if (want !== 'int32' && want !== 'float64') {
    throw new InvalidArgumentError(`${where}: column ${show(name)} is a ${ctor}, which cannot be of dtype ${want}.`);
  }
  const n = data.length;
  const values = want === 'int32' ? allocInt32(n) : allocFloat64(n);
  for (let i = 0; i < n; i++) {
    const raw = data[i]!;
    const v = Number(raw);
    if (typeof raw === 'bigint' && (raw > LIMIT_2_53 || raw < -LIMIT_2_53)) {
      throw new InvalidArgumentError(`${where}: column ${show(name)} holds ${String(data[i])} at index ${i}, beyond ±2^53: a float64 cannot hold it exactly.`);
    }
    if (want === 'int32' && !isInt32(v)) {
      throw new InvalidArgumentError(`${where}: column ${show(name)} holds ${v} at index ${i}, which is not an int32; use dtype float64.`);
    }
    values[i] = v;
  }
  return want === 'int32' ? { dtype: 'int32', values: values as Int32Array, valid: null } : { dtype: 'float64', values: values as Float64Array, valid: null };
}

/** Integers up to ±2^53 are exact as float64 (2^53 + 1 is the first that is not). */
const LIMIT_2_53 = 2n ** 53n;

const kindOf = (v: unknown): 'number' | 'string' | 'boolean' | 'null' | 'other' =>
  v === null || v === undefined ? 'null' : typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'boolean' : 'other';

/** A JS array (nulls and undefined are nulls) as a column of one inferred or given dtype. */
function arrayColumn(name: string, data: ArrayLike<unknown>, given: FrameDtype | undefined, where: string): FrameColumn {
  const n = data.length;
  let kind: 'number' | 'string' | 'boolean' | undefined;
  let allInt = true;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    const k = kindOf(v);
    if (k === 'null') continue;
    if (k === 'other') throw new InvalidArgumentError(`${where}: column ${show(name)} holds ${show(v)} at index ${i}; values must be numbers, strings, booleans or null.`);
    if (kind === undefined) kind = k;
    else if (k !== kind) {
      throw new InvalidArgumentError(`${where}: column ${show(name)} mixes ${kind}s and ${k}s (index ${i} holds ${show(v)}); give one type per column.`);
    }
    if (k === 'number' && allInt && !isInt32(v as number)) allInt = false;
  }
  const inferred: FrameDtype = kind === 'string' ? 'string' : kind === 'boolean' ? 'bool' : kind === 'number' && allInt ? 'int32' : 'float64';
  const dtype = given ?? inferred;
  const fits = kind === undefined || dtype === inferred || (kind === 'number' && dtype === 'float64');
  if (!fits) throw new InvalidArgumentError(`${where}: column ${show(name)} holds ${kind}s${kind === 'number' ? ' that are not all int32' : ''}, not ${dtype}s.`);
  if (dtype === 'string') {
    const col = stringCodes(n, (i) => (kindOf(data[i]) === 'null' ? null : (data[i] as string)));
    return col;
  }
  let nulls = 0;
  const valid = allocBytes(n);
  for (let i = 0; i < n; i++) {
    const ok = kindOf(data[i]) === 'null' ? 0 : 1;
    valid[i] = ok;
    nulls += ok ^ 1;
  }
  const validOrNull = nulls === 0 ? null : valid;
  if (dtype === 'bool') {
    const values = allocBytes(n);
    for (let i = 0; i < n; i++) values[i] = data[i] === true ? 1 : 0;
    return { dtype, values, valid: validOrNull };
  }
  const values = dtype === 'int32' ? allocInt32(n) : allocFloat64(n);
  for (let i = 0; i < n; i++) values[i] = validOrNull !== null && valid[i] === 0 ? 0 : (data[i] as number);
  return dtype === 'int32' ? { dtype, values: values as Int32Array, valid: validOrNull } : { dtype, values: values as Float64Array, valid: validOrNull };
}

const stringCodes = encodeStrings;

/** A chunk's string column with its own dictionary (only the strings it uses) as UTF-8 in shared memory. */
function inlineStrings(c: StringColumn): InlineColumn {
  const own = compactStrings(c);
  let codes = own.codes;
  if (codes === c.codes) {
    codes = allocInt32(c.codes.length);
    codes.set(c.codes);
  }
  return { dtype: 'string', codes, bytes: own.dict.bytes, offsets: own.dict.offsets };
}

/** A whole frame as a source node: cut into chunks of `chunkRows` rows (one empty chunk when it has none). */
function sourceNode(frame: FrameChunk, chunkRows: number): FrameNode {
  const fields: FrameField[] = frame.names.map((name, j) => ({ name, dtype: frame.columns[j]!.dtype }));
  const chunks: InlineChunk[] = [];
  for (let lo = 0; lo < frame.rows || chunks.length === 0; lo += chunkRows) {
    const part = sliceRows(frame, lo, lo + chunkRows);
    chunks.push({ rows: part.rows, columns: part.columns.map((c) => (c.dtype === 'string' ? inlineStrings(c) : c)) });
  }
  return makeTileable('frame.from_data', { names: frame.names, chunks }, [], frameMeta(fields, frame.rows));
}

registerOp({
  name: 'frame.from_data',
  tile(node, ctx) {
    const { names, chunks } = node.params as { names: readonly string[]; chunks: readonly InlineChunk[] };
    const keys = chunks.map((chunk, i) =>
      ctx.add({ key: chunkKey(node.key, [i]), kernel: 'frame.inline', params: { names, chunk }, inputs: [], meta: { rows: chunk.rows } }),
    );
    return { nsplits: [chunks.map((c) => c.rows)], chunks: keys };
  },
});

function checkDtypes(dtypes: unknown, names: readonly string[], where: string): Record<string, FrameDtype> {
  if (dtypes === undefined) return {};
  if (typeof dtypes !== 'object' || dtypes === null || Array.isArray(dtypes)) {
    throw new InvalidArgumentError(`${where}: dtypes must be an object of column name → dtype, got ${show(dtypes)}.`);
  }
  const out: Record<string, FrameDtype> = {};
  for (const [k, v] of Object.entries(dtypes)) {
    if (!names.includes(k)) throw new InvalidArgumentError(`${where}: dtypes names column ${show(k)}, which is not one of ${show(names)}.`);
    out[k] = checkDtype(v, `${where} (dtype of ${show(k)})`);
  }
  return out;
}

/** `df.fromColumns({a: Int32Array, b: ['x', null], ...})`: columns of equal length. */
export function fromColumnsNode(columns: Readonly<Record<string, ColumnData>>, options: ColumnsOptions = {}): FrameNode {
  return columnsNode(columns, options, 'dataframe.fromColumns');
}

function columnsNode(columns: Readonly<Record<string, ColumnData>>, options: ColumnsOptions, where: string): FrameNode {
  if (typeof columns !== 'object' || columns === null || Array.isArray(columns)) {
    throw new InvalidArgumentError(`${where} takes an object of column name → array, got ${show(columns)}.`);
  }
  const chunkRows = chunkRowsOf(options, where);
  const names = Object.keys(columns);
  const dtypes = checkDtypes(options.dtypes, names, where);
  const built = names.map((name) => {
    const data = columns[name] as unknown;
    if (ArrayBuffer.isView(data) && !(data instanceof DataView)) return typedColumn(name, data as never, dtypes[name], where);
    if (!Array.isArray(data)) throw new InvalidArgumentError(`${where}: column ${show(name)} must be an array or a typed array, got ${show(data)}.`);
    return arrayColumn(name, data, dtypes[name], where);
  });
  const lengths = new Set(built.map((c) => (c.dtype === 'string' ? c.codes.length : c.values.length)));
  if (lengths.size > 1) {
    const desc = names.map((n, j) => `${n}: ${built[j]!.dtype === 'string' ? (built[j] as StringColumn).codes.length : (built[j] as { values: ArrayLike<number> }).values.length}`);
    throw new InvalidArgumentError(`${where}: the columns have different lengths (${desc.join(', ')}).`);
  }
  return sourceNode(makeFrame(names, built), chunkRows);
}

/** `df.fromRecords([{a: 1, b: 'x'}, ...])`: the keys of every record, in first-seen order; a missing key is null. */
export function fromRecordsNode(records: readonly Readonly<Record<string, unknown>>[], options: ColumnsOptions = {}): FrameNode {
  const where = 'dataframe.fromRecords';
  if (!Array.isArray(records)) throw new InvalidArgumentError(`${where} takes an array of plain objects, got ${show(records)}.`);
  const index = new Map<string, number>();
  records.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new InvalidArgumentError(`${where}: record ${i} is ${show(r)}, not a plain object.`);
    for (const k of Object.keys(r)) if (!index.has(k)) index.set(k, index.size);
  });
  const columns: Record<string, unknown[]> = {};
  for (const k of index.keys()) columns[k] = records.map((r) => (Object.hasOwn(r, k) ? r[k] : null));
  return columnsNode(columns, options, where);
}

/** `df.fromArrow(table)`: any Arrow table whose column types map to frame dtypes (arrow.ts). */
export function fromArrowNode(table: Table, options: SourceOptions = {}): FrameNode {
  const where = 'dataframe.fromArrow';
  if (!(table instanceof ArrowTable)) throw new InvalidArgumentError(`${where} takes an apache-arrow Table, got ${show(table)}.`);
  const chunkRows = chunkRowsOf(options, where);
  fieldsOfSchema(table.schema);
  return sourceNode(tableToFrame(table), chunkRows);
}

/**
 * A `frame.from_data` node rebuilt from its params as they travelled (a remote session's server):
 * every buffer is checked against the rows and dtypes it claims, so a malformed request cannot make a
 * chunk that lies about itself; equal params give the client's key.
 */
export function fromInlineNode(names: unknown, chunks: unknown, where: string): FrameNode {
  const bad = (what: string): never => {
    throw new InvalidArgumentError(`${where}: ${what}`);
  };
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string') || new Set(names).size !== names.length) bad('names must be distinct strings.');
  if (!Array.isArray(chunks) || chunks.length === 0) bad('chunks must be a non-empty list.');
  const dtypes: (FrameDtype | undefined)[] = (names as string[]).map(() => undefined);
  let total = 0;
  for (const [i, c] of (chunks as { rows?: unknown; columns?: unknown }[]).entries()) {
    const rows = c?.rows;
    if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 0) bad(`chunk ${i} has no valid row count.`);
    if (!Array.isArray(c.columns) || c.columns.length !== (names as string[]).length) bad(`chunk ${i} must have one column per name.`);
    total += rows as number;
    (c.columns as Record<string, unknown>[]).forEach((col, j) => {
      const dtype = col?.dtype as FrameDtype;
      if (dtypes[j] !== undefined && dtypes[j] !== dtype) bad(`column ${j} changes dtype in chunk ${i}.`);
      dtypes[j] = dtype;
      const is = (v: unknown, ctor: new (n: number) => ArrayBufferView, n: number): boolean => v instanceof ctor && (v as unknown as ArrayLike<number>).length === n;
      const validOk = col.valid === null || (dtype !== 'string' && is(col.valid, Uint8Array, rows as number));
      const ok =
        dtype === 'int32' ? is(col.values, Int32Array, rows as number) && validOk
        : dtype === 'float64' ? is(col.values, Float64Array, rows as number) && validOk
        : dtype === 'bool' ? is(col.values, Uint8Array, rows as number) && validOk
        : dtype === 'string' ? inlineStringsOk(col, rows as number)
        : false;
      if (!ok) bad(`column ${j} of chunk ${i} does not hold ${rows} rows of a known dtype.`);
    });
  }
  const fields = (names as string[]).map((name, j) => ({ name, dtype: dtypes[j] ?? 'float64' }));
  return makeTileable('frame.from_data', { names, chunks }, [], frameMeta(fields, total));
}

function inlineStringsOk(col: Record<string, unknown>, rows: number): boolean {
  const { codes, bytes, offsets } = col as { codes: unknown; bytes: unknown; offsets: unknown };
  if (!(codes instanceof Int32Array) || codes.length !== rows || !(bytes instanceof Uint8Array) || !(offsets instanceof Int32Array) || offsets.length < 1) return false;
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== bytes.length) return false;
  for (let d = 1; d < offsets.length; d++) if (offsets[d]! < offsets[d - 1]!) return false;
  for (let i = 0; i < rows; i++) if (codes[i]! < -1 || codes[i]! >= offsets.length - 1) return false;
  return true;
}
