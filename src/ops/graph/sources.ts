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
import { FillTarget, sharedCopy, sharedFilled } from '../../base/firstTouch.js';
import { TOKEN, viewHash128 } from '../../base/tokenize.js';
import type { ColumnsSource, DelimitedSource, FileRef, GraphSource, InlineColumn, StringSpans } from '../../kernels/graph/load.js';
import type { LdbcDescription } from '../../kernels/graph/ldbcSpec.js';
import type { ColumnKind } from '../../kernels/graph/values.js';

export interface FileOptions {
  readonly delimiter?: string;
  /** Whether the first line names the columns (default true, as GraphScope's loaders). */
  readonly header?: boolean;
  readonly comment?: string;
}

export type ColumnData = readonly unknown[] | ArrayBufferView;
export type DataSource = string | Table | Readonly<Record<string, ColumnData>>;

/**
 * What the builders ask of a session whose files are its server's (a remote session): a file path is
 * kept as written (the server resolves it inside its data directory and keys the node by what it finds
 * there), an LDBC folder's description comes from the server, and an output target is left for the
 * server to check inside its data directory. Undefined for a local session.
 */
export interface ServerFiles {
  /** The folder (or `.properties` file) as the server describes it; paths stay as the client named them. */
  describeLdbc(path: string): LdbcDescription;
  /**
   * A dataframe file source (`frame.read_csv`, `frame.read_parquet`, `frame.read_arrow`) as the server
   * builds it from its own file: the node's key, params (paths as the client named them) and meta.
   */
  describeFrameFile?(op: string, path: string, options: unknown): ServerFileNode;
}

/** A source node the server built from one of its files, for the client to build the same handle from. */
export interface ServerFileNode {
  readonly key: string;
  readonly op: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly meta: unknown;
}

let serverFilesOf: (() => ServerFiles | undefined) | undefined;
/** Nonzero while a server rebuilds a client's nodes: the files named then are this machine's. */
let onServer = 0;

export function setServerFiles(of: (() => ServerFiles | undefined) | undefined): void {
  serverFilesOf = of;
}

export function serverFiles(): ServerFiles | undefined {
  return onServer > 0 ? undefined : serverFilesOf?.();
}

/**
 * Runs `fn` (synchronous) with every file it names read on this machine, whatever the default session
 * is: a server rebuilding a client's nodes in a process that also holds a remote session (a test, a
 * service that is both) must not hand the client's paths back to a server.
 */
export function withLocalFiles<T>(fn: () => T): T {
  onServer++;
  try {
    return fn();
  } finally {
    onServer--;
  }
}

export function fileRef(path: string, what: string): FileRef {
  if (serverFiles()) return { path, size: -1, mtimeMs: -1 };
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

/**
 * Whether a typed array already lives in shared memory: the workers can read it as it is, so it is
 * adopted, not copied (a copy into fresh pages is most of a small graph's build: on this project's VMs
 * a first write costs about 9 ms per MB under load). The engine never writes a source column; the user
 * must not either once the graph is built (the graph and its key were made from these values).
 */
function isShared(data: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer;
}

/**
 * Column copies go in recycled memory (base/recycledBuffers.ts): the next graph loaded after this one
 * is gone refills its warm pages instead of faulting in fresh ones. Every fill writes every element.
 */
const RECYCLE = { recycle: true } as const;

/** Columns live in shared memory from the start: they reach the workers that load the graph without a copy. */
function sharedFloat64(data: ArrayLike<number>): Float64Array {
  if (data instanceof Float64Array && isShared(data)) return data;
  // Typed arrays only reach here (inlineColumn); `set` converts Float32, Uint8, ... as it copies.
  const view = data as Float64Array;
  return sharedFilled(Float64Array, view.length, (out, from, to) => out.set(view.subarray(from, to), from), RECYCLE)!;
}

/** An Int32Array stays one (ids 0..2^31 need no widening to doubles: half the bytes to copy and read). */
function sharedInt32(data: Int32Array): Int32Array {
  return isShared(data) ? data : sharedCopy(data, RECYCLE);
}

/**
 * Ids given as doubles (a Float64Array, a JS array of numbers) that are all int32 become an Int32Array:
 * half the bytes to copy, hash and send, no integer check when the graph loads, and dense ids take
 * the projection's fast path. Undefined when some value is not an int32 (the doubles are kept, and
 * fractional ids are refused when the graph loads, as before).
 */
function narrowedIds(data: ArrayLike<unknown>): Int32Array | undefined {
  if (data instanceof Float64Array) return narrowedDoubles(data);
  return sharedFilled(Int32Array, data.length, (out, from, to) => {
    for (let i = from; i < to; i++) {
      const x = data[i];
      if (typeof x !== 'number' || (x | 0) !== x) return false;
      out[i] = x;
    }
    return true;
  }, RECYCLE);
}

/**
 * `narrowedIds` of a Float64Array: a loop of its own over one array type. The generic loop, reading
 * through `ArrayLike<unknown>` with a type test per value, took 5 ns a value (10.7 ms of a 2M-endpoint
 * build); doubles need only the int32 test.
 */
function narrowedDoubles(data: Float64Array): Int32Array | undefined {
  return sharedFilled(Int32Array, data.length, (out, from, to) => {
    for (let i = from; i < to; i++) {
      const x = data[i]!;
      if ((x | 0) !== x) return false;
      out[i] = x;
    }
    return true;
  }, RECYCLE);
}

/** Rows whose offsets are claimed at once (256 KB of offsets: the first-touch helper's block). */
const ROW_BLOCK = 64 << 10;
/** Bytes of packed strings claimed at once. */
const BYTE_STEP = 256 << 10;

/**
 * A buffer of at least `need` bytes (exactly `need` with `exact`) holding the first `used` bytes of `old`,
 * which is finished. Packed columns are recycled memory, as numeric ones are (R-MAT s16's two string
 * endpoint columns are 18 MB of bytes and offsets).
 */
function grownBytes(old: FillTarget, used: number, need: number, exact = false): FillTarget {
  const out = new FillTarget(exact ? need : Math.max(need, Math.ceil(1.5 * old.bytes)), true);
  out.claim(used);
  new Uint8Array(out.buffer, 0, used).set(new Uint8Array(old.buffer, 0, used));
  old.finish();
  return out;
}

/** Strings read per block: a first pass over a block touches them all, so their cache misses overlap. */
const STRING_BLOCK = 64;
/** What the first passes read (kept, so they are not optimised away). */
let touchedLengths = 0;

/**
 * Copies rows `from`.. of `values` that are ASCII strings into `bytes` from `offsets[from]`, writing
 * `offsets[i + 1]` after each, and stops before `to`, before a string that would pass `limit`, and at a
 * row that is not an ASCII string (its bytes below `limit` may have been written: they are written again).
 * Returns the row it stopped at. A loop of its own, over parameters only: inside `utf8Spans`, whose
 * `bytes` a closure reassigns, R-MAT s16's two endpoint columns packed in 38 ms, here in 30-33. Each
 * block of strings is touched first and copied after: R-MAT s20's endpoints are 1M distinct strings
 * over 30+ MB of heap, and copied one by one, each string's cache miss waited for the last (2.0-2.3 s
 * for the two columns against 0.9-1.0 s).
 */
function packAscii(values: readonly unknown[], from: number, to: number, bytes: Uint8Array, offsets: Int32Array, limit: number): number {
  let at = offsets[from]!;
  for (let block = from; block < to; block += STRING_BLOCK) {
    const end = Math.min(to, block + STRING_BLOCK);
    let touched = 0;
    for (let i = block; i < end; i++) {
      const s = values[i];
      touched += typeof s === 'string' ? s.length : 0;
    }
    touchedLengths ^= touched;
    for (let i = block; i < end; i++) {
      const s = values[i];
      if (typeof s !== 'string') return i;
      const length = s.length;
      if (at + length > limit) return i;
      // Two characters a turn: 13.3 ms instead of 14.8 for R-MAT s16's 955K endpoints (node probe).
      let wide = 0;
      let k = 0;
      for (; k + 1 < length; k += 2) {
        const c0 = s.charCodeAt(k);
        const c1 = s.charCodeAt(k + 1);
        wide |= c0 | c1;
        bytes[at + k] = c0;
        bytes[at + k + 1] = c1;
      }
      if (k < length) {
        const c = s.charCodeAt(k);
        wide |= c;
        bytes[at + k] = c;
      }
      if (wide > 127) return i;
      at += length;
      offsets[i + 1] = at;
    }
  }
  return to;
}

/**
 * A string column's content token, for node keys (base/tokenize.ts): its bytes and its offsets hashed
 * once each. Hashing the spans as plain data would hash the offsets twice (starts and ends are views of
 * the one array), 8 bytes per string of a 5-6 byte id. Not enumerable: it never reaches a worker.
 */
function withToken(spans: StringSpans, offsets: Int32Array): StringSpans {
  let token: string | undefined;
  Object.defineProperty(spans, TOKEN, {
    value: () => (token ??= `spans:${offsets.length - 1}:${viewHash128(spans.bytes)}:${viewHash128(offsets)}`),
  });
  return spans;
}

/**
 * Strings as UTF-8 spans packed in shared memory, made once on this thread: a worker then gets them
 * without a clone (a JS string array is cloned string by string), the key hashes typed arrays (not a sha1
 * update per string), and the workers dictionary-encode them (kernels/graph/load.ts) — this thread only
 * copies bytes, which for strings scattered over the heap is what it costs to read them at all. ASCII,
 * the common case, is copied by a plain loop (`packAscii`); other strings go through TextEncoder. Starts
 * and ends are views of one offsets array.
 */
function utf8Spans(values: readonly string[], name: string, what: string): StringSpans {
  const n = values.length;
  const offsetsBuffer = new FillTarget(4 * (n + 1), true);
  const offsets = new Int32Array(offsetsBuffer.buffer, 0, n + 1);
  // Room for the UTF-16 length of strings sampled across the column (an ASCII string's byte count), grown if short.
  const step = Math.max(1, Math.floor(n / 4096));
  let sampled = 0;
  for (let i = 0; i < n; i += step) sampled += typeof values[i] === 'string' ? values[i]!.length : 0;
  let packed = new FillTarget(Math.ceil(1.0625 * sampled * step) + 4096, true);
  let bytes = new Uint8Array(packed.buffer, 0, packed.bytes);
  /** Bytes below this are claimed (the first-touch helper will not touch them). */
  let claimed = 0;
  const grow = (used: number, need: number, exact = false): void => {
    packed = grownBytes(packed, used, need, exact);
    bytes = new Uint8Array(packed.buffer, 0, packed.bytes);
    claimed = used;
  };
  const encoder = new TextEncoder();
  try {
    // Recycled memory holds old values: every offset is written, the first one too.
    offsetsBuffer.claim(4);
    offsets[0] = 0;
    for (let from = 0; from < n; from += ROW_BLOCK) {
      const to = Math.min(n, from + ROW_BLOCK);
      offsetsBuffer.claim(4 * (to + 1));
      for (let i = packAscii(values, from, to, bytes, offsets, claimed); i < to; i = packAscii(values, i, to, bytes, offsets, claimed)) {
        const s = values[i];
        if (typeof s !== 'string') throw new InvalidArgumentError(`${what}: column ${name} mixes strings with other values (row ${i}).`);
        const at = offsets[i]!;
        // The string is not ASCII, or its bytes pass what is claimed: find its UTF-8 length (the same for ASCII).
        const encoded = Buffer.byteLength(s, 'utf8');
        if (at + encoded > bytes.length) grow(at, at + encoded + Math.ceil(((n - i) * encoded) / 2));
        if (at + encoded > claimed) {
          claimed = Math.min(bytes.length, Math.max(at + encoded, claimed + BYTE_STEP));
          packed.claim(claimed);
        }
        // An ASCII string (UTF-8 length = UTF-16 length) only needed room: the copier takes it now.
        if (encoded === s.length) continue;
        encoder.encodeInto(s, bytes.subarray(at, at + encoded));
        offsets[i + 1] = at + encoded;
        i++;
      }
    }
    const at = offsets[n]!;
    // The buffer is kept only as large as its bytes: V8 counts a shared buffer's whole size against the heap.
    if (bytes.length > at + (at >> 3) + 4096) grow(at, at, true);
    bytes = bytes.subarray(0, at);
  } finally {
    packed.finish();
    offsetsBuffer.finish();
  }
  return withToken({ bytes, starts: offsets.subarray(0, n), ends: offsets.subarray(1, n + 1) }, offsets);
}

/** The number of values of a column. */
export function columnLength(column: InlineColumn): number {
  return column.kind === 'string' ? column.values.starts.length : column.values.length;
}

function inlineColumn(name: string, data: ColumnData, what: string, ids = false): InlineColumn {
  const narrowed = ids && (data instanceof Float64Array || Array.isArray(data)) && data.length > 0 && typeof data[0] === 'number' ? narrowedIds(data) : undefined;
  if (narrowed) return { kind: 'number', values: narrowed };
  if (ArrayBuffer.isView(data)) {
    if (data instanceof BigInt64Array) {
      return { kind: 'bigint', values: isShared(data) ? data : sharedCopy(data, RECYCLE) };
    }
    if (data instanceof BigUint64Array || data instanceof DataView) {
      throw new InvalidArgumentError(`${what}: column ${name} is a ${data.constructor.name}; use numbers, BigInt64Array or strings.`);
    }
    if (data instanceof Int32Array) return { kind: 'number', values: sharedInt32(data) };
    return { kind: 'number', values: sharedFloat64(data as unknown as ArrayLike<number>) };
  }
  if (!Array.isArray(data)) throw new InvalidArgumentError(`${what}: column ${name} must be an array or a typed array.`);
  const first = data.find((v) => v !== null && v !== undefined);
  if (typeof first === 'string') return { kind: 'string', values: utf8Spans(data as readonly string[], name, what) };
  if (typeof first === 'boolean') return { kind: 'bool', values: Uint8Array.from(data, (v) => (v ? 1 : 0)) };
  if (typeof first === 'bigint' || data.some((v) => typeof v === 'bigint')) {
    return { kind: 'bigint', values: BigInt64Array.from(data as (number | bigint)[], (v) => BigInt(v)) };
  }
  const values = sharedFilled(Float64Array, data.length, (out, from, to) => {
    for (let i = from; i < to; i++) {
      const v: unknown = data[i];
      // A hole is 0, as it was when this was a forEach (which skips holes) over fresh memory.
      if (v === undefined && !(i in data)) {
        out[i] = 0;
        continue;
      }
      if (typeof v !== 'number') throw new InvalidArgumentError(`${what}: column ${name} has a non-numeric value ${JSON.stringify(v)} at row ${i}.`);
      out[i] = v;
    }
  }, RECYCLE)!;
  return { kind: 'number', values };
}

function arrowColumns(table: Table, what: string, ids: ReadonlySet<string>): Record<string, InlineColumn> {
  const out: Record<string, InlineColumn> = {};
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name)!;
    out[field.name] = inlineColumn(field.name, vector.toArray() as ColumnData, what, ids.has(field.name));
  }
  return out;
}

/** `ids`: the columns (names or 0-based indices) that hold vertex ids, which may be narrowed to int32. */
export function toSource(data: DataSource, file: FileOptions, what: string, ids: readonly (number | string)[] = []): GraphSource {
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
  const idNames = (names: readonly string[]): ReadonlySet<string> => new Set(ids.map((r) => (typeof r === 'number' ? names[r]! : r)));
  if (data instanceof Table) return { kind: 'columns', columns: arrowColumns(data, what, idNames(data.schema.fields.map((f) => f.name))) } satisfies ColumnsSource;
  if (typeof data !== 'object' || data === null) {
    throw new InvalidArgumentError(`${what}: data must be a file path, an Arrow table or an object of columns.`);
  }
  const idSet = idNames(Object.keys(data));
  const columns = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, inlineColumn(k, v, what, idSet.has(k))]));
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
