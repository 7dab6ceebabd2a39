/**
 * The value of one dataframe chunk: a run of rows held column by column in plain typed arrays, so a
 * chunk crosses threads by structured clone (big buffers are SharedArrayBuffers: no copy) and every
 * kernel is a loop over arrays — no Arrow classes in the hot path. Arrow is the user-facing form:
 * `ops/dataframe/arrow.ts` turns chunks into record batches and back.
 *
 * Representation choices, and why:
 * - Nulls of numbers and booleans are a byte per row (`valid[i] === 0` is null), not a bitmap: kernels
 *   test one byte instead of shifting, and `null` (no array) means "no nulls", the common case.
 * - Strings are dictionary-encoded per chunk: `codes[i]` indexes `dict`, and `-1` is null. Group-by,
 *   joins and comparisons then work on small integers and touch each distinct string once — the reason
 *   categorical columns make pandas and DuckDB fast. Chunks have their own dictionaries; an op that
 *   mixes chunks (concat, combine, shuffle) maps codes through the entries' bytes. A dictionary is
 *   UTF-8 bytes plus offsets in typed arrays (base/utf8Dict.ts says why), not JavaScript strings.
 * - Integers are int32 and everything else numeric is float64: a CSV column of integers that do not
 *   fit int32 is float64 (exact to 2^53), so JavaScript never pays for BigInt in a loop.
 */
import { InvalidArgumentError } from './errors.js';
import { show } from './show.js';
import { dictSize, dictString, EMPTY_DICT, type Utf8Dict, Utf8DictBuilder } from './utf8Dict.js';

export type FrameDtype = 'int32' | 'float64' | 'bool' | 'string';

export const FRAME_DTYPES: readonly FrameDtype[] = ['int32', 'float64', 'bool', 'string'];

export interface NumberColumn {
  readonly dtype: 'int32' | 'float64';
  readonly values: Int32Array | Float64Array;
  /** One byte per row, 0 = null; `null` when the column has no nulls. */
  readonly valid: Uint8Array | null;
}

export interface BoolColumn {
  readonly dtype: 'bool';
  /** 0 or 1 per row. */
  readonly values: Uint8Array;
  readonly valid: Uint8Array | null;
}

export interface StringColumn {
  readonly dtype: 'string';
  /** Index into `dict` per row; -1 is null. */
  readonly codes: Int32Array;
  /** The chunk's distinct strings (each once, in first-seen order unless an op says otherwise). */
  readonly dict: Utf8Dict;
}

export type FrameColumn = NumberColumn | BoolColumn | StringColumn;

export interface FrameChunk {
  readonly kind: 'frame';
  readonly rows: number;
  readonly names: readonly string[];
  readonly columns: readonly FrameColumn[];
}

export interface FrameField {
  readonly name: string;
  readonly dtype: FrameDtype;
}

/** Allocates shared memory for big buffers, so a chunk reaches a worker without a copy. */
const SHARED_MIN_BYTES = 1 << 16;

function buffer(bytes: number): ArrayBuffer | SharedArrayBuffer {
  return bytes >= SHARED_MIN_BYTES ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

export function allocInt32(n: number): Int32Array {
  return new Int32Array(buffer(n * 4));
}
export function allocFloat64(n: number): Float64Array {
  return new Float64Array(buffer(n * 8));
}
export function allocBytes(n: number): Uint8Array {
  return new Uint8Array(buffer(n));
}

export function columnLength(c: FrameColumn): number {
  return c.dtype === 'string' ? c.codes.length : c.values.length;
}

export function isNullAt(c: FrameColumn, i: number): boolean {
  if (c.dtype === 'string') return c.codes[i]! < 0;
  return c.valid !== null && c.valid[i] === 0;
}

/** The JavaScript value of row `i` (null for a null). */
export function valueAt(c: FrameColumn, i: number): number | boolean | string | null {
  switch (c.dtype) {
    case 'string': {
      const code = c.codes[i]!;
      return code < 0 ? null : dictString(c.dict, code);
    }
    case 'bool':
      return c.valid !== null && c.valid[i] === 0 ? null : c.values[i] === 1;
    default:
      return c.valid !== null && c.valid[i] === 0 ? null : c.values[i]!;
  }
}

/** A chunk from names and columns, checking that they agree (a kernel bug otherwise, so a plain Error). */
export function makeFrame(names: readonly string[], columns: readonly FrameColumn[]): FrameChunk {
  if (names.length !== columns.length) throw new Error(`a frame chunk has ${names.length} names for ${columns.length} columns.`);
  const rows = columns.length === 0 ? 0 : columnLength(columns[0]!);
  for (let j = 1; j < columns.length; j++) {
    if (columnLength(columns[j]!) !== rows) throw new Error(`column '${names[j]}' has ${columnLength(columns[j]!)} rows where '${names[0]}' has ${rows}.`);
  }
  return { kind: 'frame', rows, names: [...names], columns: [...columns] };
}

/** A chunk of `rows` rows with no columns (the result of selecting none). */
export function emptyColumnsFrame(rows: number): FrameChunk {
  return { kind: 'frame', rows, names: [], columns: [] };
}

export function isFrameChunk(v: unknown): v is FrameChunk {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'frame';
}

export function fieldsOf(chunk: FrameChunk): FrameField[] {
  return chunk.names.map((name, j) => ({ name, dtype: chunk.columns[j]!.dtype }));
}

export function columnOf(chunk: FrameChunk, name: string): FrameColumn {
  const j = chunk.names.indexOf(name);
  if (j < 0) throw new InvalidArgumentError(`no column named ${show(name)}; the columns are ${show(chunk.names)}.`);
  return chunk.columns[j]!;
}

/** An empty column of a dtype. */
export function emptyColumn(dtype: FrameDtype): FrameColumn {
  switch (dtype) {
    case 'string':
      return { dtype, codes: new Int32Array(0), dict: EMPTY_DICT };
    case 'bool':
      return { dtype, values: new Uint8Array(0), valid: null };
    case 'int32':
      return { dtype, values: new Int32Array(0), valid: null };
    case 'float64':
      return { dtype, values: new Float64Array(0), valid: null };
  }
}

export function emptyFrame(fields: readonly FrameField[]): FrameChunk {
  return makeFrame(fields.map((f) => f.name), fields.map((f) => emptyColumn(f.dtype)));
}

function takeValid(valid: Uint8Array | null, index: Int32Array): Uint8Array | null {
  if (valid === null) return null;
  const out = allocBytes(index.length);
  let nulls = 0;
  for (let i = 0; i < index.length; i++) {
    const v = valid[index[i]!]!;
    out[i] = v;
    nulls += v ^ 1;
  }
  return nulls === 0 ? null : out;
}

/**
 * Rows `index[0], index[1], ...` of a column (gather). A string column keeps its dictionary: unused
 * entries stay, which is harmless and saves a pass; `compactDict` drops them when it matters.
 */
export function takeColumn(c: FrameColumn, index: Int32Array): FrameColumn {
  const n = index.length;
  switch (c.dtype) {
    case 'string': {
      const codes = allocInt32(n);
      for (let i = 0; i < n; i++) codes[i] = c.codes[index[i]!]!;
      return { dtype: 'string', codes, dict: c.dict };
    }
    case 'bool': {
      const values = allocBytes(n);
      for (let i = 0; i < n; i++) values[i] = c.values[index[i]!]!;
      return { dtype: 'bool', values, valid: takeValid(c.valid, index) };
    }
    case 'int32': {
      const values = allocInt32(n);
      const src = c.values;
      for (let i = 0; i < n; i++) values[i] = src[index[i]!]!;
      return { dtype: 'int32', values, valid: takeValid(c.valid, index) };
    }
    case 'float64': {
      const values = allocFloat64(n);
      const src = c.values;
      for (let i = 0; i < n; i++) values[i] = src[index[i]!]!;
      return { dtype: 'float64', values, valid: takeValid(c.valid, index) };
    }
  }
}

export function takeRows(chunk: FrameChunk, index: Int32Array): FrameChunk {
  return { kind: 'frame', rows: index.length, names: chunk.names, columns: chunk.columns.map((c) => takeColumn(c, index)) };
}

/** Rows [lo, hi) as views of the same buffers (no copy). */
export function sliceRows(chunk: FrameChunk, lo: number, hi: number): FrameChunk {
  const a = Math.max(0, Math.min(lo, chunk.rows));
  const b = Math.max(a, Math.min(hi, chunk.rows));
  const columns = chunk.columns.map((c): FrameColumn => {
    if (c.dtype === 'string') return { dtype: 'string', codes: c.codes.subarray(a, b), dict: c.dict };
    const valid = c.valid === null ? null : c.valid.subarray(a, b);
    if (c.dtype === 'bool') return { dtype: 'bool', values: c.values.subarray(a, b), valid };
    return c.dtype === 'int32'
      ? { dtype: 'int32', values: c.values.subarray(a, b), valid }
      : { dtype: 'float64', values: c.values.subarray(a, b), valid };
  });
  return { kind: 'frame', rows: b - a, names: chunk.names, columns };
}

/**
 * Concatenates string columns, merging their dictionaries by hashing entry bytes (each distinct string
 * once, first-seen order); columns that share one dictionary object keep it.
 */
function concatStrings(cols: readonly StringColumn[], rows: number): StringColumn {
  const codes = allocInt32(rows);
  const first = cols[0]!.dict;
  if (cols.every((c) => c.dict === first)) {
    let at = 0;
    for (const c of cols) {
      codes.set(c.codes, at);
      at += c.codes.length;
    }
    return { dtype: 'string', codes, dict: first };
  }
  let entries = 0;
  let bytes = 0;
  for (const c of cols) {
    entries += dictSize(c.dict);
    bytes += c.dict.offsets[dictSize(c.dict)]!;
  }
  const builder = new Utf8DictBuilder(Math.min(entries, rows), Math.min(bytes, 1 << 24));
  let at = 0;
  for (const c of cols) {
    const remap = builder.addAll(c.dict);
    const src = c.codes;
    for (let i = 0; i < src.length; i++) {
      const k = src[i]!;
      codes[at++] = k < 0 ? -1 : remap[k]!;
    }
  }
  return { dtype: 'string', codes, dict: builder.finish() };
}

/**
 * The column with its dictionary cut to the entries its rows use, in first-seen order (the same column
 * when it uses them all, in order). `inPlace` rewrites the codes array — only for a column just made.
 */
export function compactStrings(c: StringColumn, inPlace = false): StringColumn {
  const { offsets, bytes } = c.dict;
  const n = dictSize(c.dict);
  const remap = new Int32Array(n).fill(-1);
  const src = c.codes;
  let used = 0;
  let identity = true;
  for (let i = 0; i < src.length; i++) {
    const k = src[i]!;
    if (k >= 0 && remap[k]! < 0) {
      identity &&= k === used;
      remap[k] = used++;
    }
  }
  if (identity && used === n) return c;
  const codes = inPlace ? src : allocInt32(src.length);
  for (let i = 0; i < src.length; i++) {
    const k = src[i]!;
    codes[i] = k < 0 ? -1 : remap[k]!;
  }
  const outOffsets = allocInt32(used + 1);
  for (let k = 0; k < n; k++) if (remap[k]! >= 0) outOffsets[remap[k]! + 1] = offsets[k + 1]! - offsets[k]!;
  for (let m = 0; m < used; m++) outOffsets[m + 1]! += outOffsets[m]!;
  const outBytes = allocBytes(outOffsets[used]!);
  for (let k = 0; k < n; k++) {
    const m = remap[k]!;
    if (m < 0) continue;
    let at = outOffsets[m]!;
    for (let b = offsets[k]!, e = offsets[k + 1]!; b < e; b++) outBytes[at++] = bytes[b]!;
  }
  return { dtype: 'string', codes, dict: { offsets: outOffsets, bytes: outBytes } };
}

function concatValid(cols: readonly (NumberColumn | BoolColumn)[], rows: number): Uint8Array | null {
  if (cols.every((c) => c.valid === null)) return null;
  const out = allocBytes(rows);
  let at = 0;
  for (const c of cols) {
    if (c.valid === null) out.fill(1, at, at + c.values.length);
    else out.set(c.valid, at);
    at += c.values.length;
  }
  return out;
}

/** Concatenates columns of one dtype (an int32 and a float64 column concatenate as float64). */
export function concatColumns(cols: readonly FrameColumn[]): FrameColumn {
  const rows = cols.reduce((s, c) => s + columnLength(c), 0);
  if (cols.length === 0) throw new Error('concatColumns needs at least one column.');
  const dtypes = new Set(cols.map((c) => c.dtype));
  if (dtypes.size === 1 && dtypes.has('string')) return concatStrings(cols as StringColumn[], rows);
  if (dtypes.has('string') || (dtypes.has('bool') && dtypes.size > 1)) {
    throw new Error(`cannot concatenate columns of dtypes ${show([...dtypes])}.`);
  }
  const nums = cols as (NumberColumn | BoolColumn)[];
  const valid = concatValid(nums, rows);
  const dtype = dtypes.has('float64') ? 'float64' : dtypes.has('int32') ? 'int32' : 'bool';
  const values = dtype === 'float64' ? allocFloat64(rows) : dtype === 'int32' ? allocInt32(rows) : allocBytes(rows);
  let at = 0;
  for (const c of nums) {
    values.set(c.values, at);
    at += c.values.length;
  }
  return { dtype, values, valid } as FrameColumn;
}

/** Concatenates chunks with the same column names (in the same order). */
export function concatFrames(chunks: readonly FrameChunk[], fields?: readonly FrameField[]): FrameChunk {
  if (chunks.length === 0) {
    if (!fields) throw new Error('concatFrames of no chunks needs the fields.');
    return emptyFrame(fields);
  }
  if (chunks.length === 1) return chunks[0]!;
  const names = chunks[0]!.names;
  const columns = names.map((_, j) => concatColumns(chunks.map((c) => c.columns[j]!)));
  return makeFrame(names, columns);
}

/** Bytes a chunk holds (every buffer). */
export function frameNbytes(chunk: FrameChunk): number {
  let n = 0;
  for (const c of chunk.columns) {
    if (c.dtype === 'string') {
      n += c.codes.byteLength + c.dict.offsets.byteLength + c.dict.bytes.byteLength;
    } else {
      n += c.values.byteLength + (c.valid?.byteLength ?? 0);
    }
  }
  return n;
}

/** A string column from a row accessor (null = null), each distinct string once, in first-seen order. */
export function encodeStrings(n: number, at: (i: number) => string | null): StringColumn {
  const codes = allocInt32(n);
  const dict = new Utf8DictBuilder(16, 0, false);
  const codeOf = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const s = at(i);
    if (s === null) {
      codes[i] = -1;
      continue;
    }
    let code = codeOf.get(s);
    if (code === undefined) {
      code = dict.appendString(s);
      codeOf.set(s, code);
    }
    codes[i] = code;
  }
  return { dtype: 'string', codes, dict: dict.finish() };
}

/**
 * -1, 0 or 1 by Unicode code point, the order Python, pandas and Arrow sort strings in: UTF-16 order
 * puts U+E000..U+FFFF after astral characters, so surrogate units are moved above them.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : 1;
}
