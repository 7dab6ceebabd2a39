/**
 * Arrow, the user-facing form of a dataframe, and `FrameChunk`, the engine's (base/frame.ts): record
 * batches to chunks and back. Kernels never see Arrow; this runs where users hand tables in (sources)
 * and where results go out (the assembler, `iterBatches`).
 *
 * Type mapping, chunk → Arrow: int32 → Int32, float64 → Float64, bool → Bool, string →
 * Dictionary<Utf8, Int32> (a chunk's strings already are a dictionary), validity bytes → null bitmaps.
 * Arrow → chunk: integers of 32 bits or fewer (signed, or unsigned up to 16 bits) → int32; Int64,
 * Uint32, Uint64 and floats → float64 (an int64 beyond ±2^53 is refused: float64 could not hold it
 * exactly); Utf8, LargeUtf8, Utf8View and dictionaries of them → string; Bool → bool. Any other type is
 * refused by name at the user's line, rather than turned into something silently different.
 */
import {
  Bool, Data, DataType, Dictionary, Field, Float64, Int32, makeData, RecordBatch, Schema, Struct, Table, Type, Utf8,
  Vector,
} from 'apache-arrow';
import { DTypeError } from '../../base/errors.js';
import {
  allocBytes, allocFloat64, allocInt32, concatFrames, type FrameChunk, type FrameColumn, type FrameDtype, type FrameField,
  encodeStrings, makeFrame,
} from '../../base/frame.js';
import { show } from '../../base/show.js';
import { dictSize, type Utf8Dict } from '../../base/utf8Dict.js';

const ARROW_TYPES: Record<FrameDtype, () => DataType> = {
  int32: () => new Int32(),
  float64: () => new Float64(),
  bool: () => new Bool(),
  string: () => new Dictionary(new Utf8(), new Int32()),
};

export function arrowSchema(fields: readonly FrameField[]): Schema {
  return new Schema(fields.map((f) => new Field(f.name, ARROW_TYPES[f.dtype](), true)));
}

/** Valid bytes (0 = null) as an Arrow bitmap; undefined with no nulls. */
function toBitmap(valid: Uint8Array | null, n: number): { bitmap: Uint8Array | undefined; nulls: number } {
  if (valid === null) return { bitmap: undefined, nulls: 0 };
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (valid[i]) bitmap[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  return nulls === 0 ? { bitmap: undefined, nulls } : { bitmap, nulls };
}

/** A dictionary as one Arrow Utf8 vector: its offsets and bytes are already Arrow's buffers. */
function utf8Vector(d: Utf8Dict): Vector {
  const n = dictSize(d);
  const bytes = d.bytes.subarray(0, d.offsets[n]!);
  return new Vector([makeData({ type: new Utf8(), length: n, nullCount: 0, valueOffsets: d.offsets, data: bytes })]);
}

/** Null count and Arrow bitmap of a string column (codes < 0 are null); no bitmap without nulls. */
function codesBitmap(codes: Int32Array, n: number): { bitmap: Uint8Array | undefined; nulls: number } {
  let nulls = 0;
  for (let i = 0; i < n; i++) nulls += codes[i]! >>> 31;
  if (nulls === 0) return { bitmap: undefined, nulls };
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (codes[i]! >= 0) bitmap[i >> 3]! |= 1 << (i & 7);
  return { bitmap, nulls };
}

/** One column as Arrow data; numbers and string codes are the chunk's own buffers (no copy). */
function columnData(c: FrameColumn, n: number, type: DataType): Data {
  switch (c.dtype) {
    case 'int32':
    case 'float64': {
      const { bitmap, nulls } = toBitmap(c.valid, n);
      return makeData({ type, length: n, nullCount: nulls, ...(bitmap ? { nullBitmap: bitmap } : {}), data: c.values } as never);
    }
    case 'bool': {
      const { bitmap, nulls } = toBitmap(c.valid, n);
      const bits = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (c.values[i]) bits[i >> 3]! |= 1 << (i & 7);
      return makeData({ type: type as Bool, length: n, nullCount: nulls, ...(bitmap ? { nullBitmap: bitmap } : {}), data: bits });
    }
    case 'string': {
      const { bitmap, nulls } = codesBitmap(c.codes, n);
      return makeData({
        type: type as Dictionary<Utf8, Int32>,
        length: n,
        nullCount: nulls,
        ...(bitmap ? { nullBitmap: bitmap } : {}),
        data: c.codes.length === n ? c.codes : c.codes.subarray(0, n),
        dictionary: utf8Vector(c.dict),
      });
    }
  }
}

function batchOf(schema: Schema, chunk: FrameChunk): RecordBatch {
  const children = chunk.columns.map((c, j) => columnData(c, chunk.rows, schema.fields[j]!.type as DataType));
  const data = makeData({ type: new Struct(schema.fields), length: chunk.rows, nullCount: 0, children });
  return new RecordBatch(schema, data);
}

/** One chunk as a record batch (its string columns keep their own dictionaries). */
export function frameToRecordBatch(chunk: FrameChunk, fields?: readonly FrameField[]): RecordBatch {
  const f = fields ?? chunk.names.map((name, j) => ({ name, dtype: chunk.columns[j]!.dtype }));
  return batchOf(arrowSchema(f), chunk);
}

/**
 * Chunks as one table of one batch per chunk (empty chunks dropped), sharing the chunks' buffers: no
 * copy, no work per row beyond null bitmaps. Each batch of a string column carries its chunk's own
 * dictionary — a dictionary replacement, in Arrow's terms. Unifying them instead (one dictionary for
 * the table, codes remapped) is a serial hash of every chunk's entries plus a copy of every code: on
 * wide joins and reads of high-cardinality strings it cost more than the query. Arrow readers and
 * `tableToIPC(t, 'stream')` take replacements; the IPC *file* format forbids them, so a file is
 * written by `d.toArrowFile(path)` (plain Utf8) or after `unifyDictionaries(table)`.
 */
export function framesToTable(chunks: readonly FrameChunk[], fields: readonly FrameField[]): Table {
  const schema = arrowSchema(fields);
  if (chunks.length === 0) return new Table(schema);
  const nonEmpty = chunks.filter((c) => c.rows > 0);
  return new Table(schema, (nonEmpty.length > 0 ? nonEmpty : chunks.slice(0, 1)).map((c) => batchOf(schema, c)));
}

/** Arrow's validity of `data` as bytes (0 = null), or null when nothing is null. */
function validBytes(data: Data): Uint8Array | null {
  if (data.nullCount === 0 || !data.nullBitmap) return null;
  const out = allocBytes(data.length);
  const bits = data.nullBitmap;
  for (let i = 0; i < data.length; i++) {
    const at = data.offset + i;
    out[i] = (bits[at >> 3]! >> (at & 7)) & 1;
  }
  return out;
}

const stringColumn = encodeStrings;

/** Integers up to ±2^53 are exact as float64 (2^53 + 1 is the first that is not). */
const LIMIT_2_53 = 2n ** 53n;

const isStringType = (t: DataType): boolean => t.typeId === Type.Utf8 || t.typeId === Type.LargeUtf8 || t.typeId === Type.Utf8View;

/** One column of one batch as a frame column (copied into fresh, shareable buffers). */
function fromData(name: string, data: Data, vector: Vector): FrameColumn {
  const t = data.type;
  const n = data.length;
  const valid = validBytes(data);
  if (DataType.isInt(t)) {
    // A sliced Data's values start at the slice already (only its null bitmap is read at `offset`).
    const src = data.values as ArrayLike<number | bigint>;
    if (t.bitWidth <= 16 || (t.bitWidth === 32 && t.isSigned)) {
      const values = allocInt32(n);
      for (let i = 0; i < n; i++) values[i] = src[i] as number;
      return { dtype: 'int32', values, valid };
    }
    const values = allocFloat64(n);
    for (let i = 0; i < n; i++) {
      const raw = src[i]!;
      const v = Number(raw);
      if ((valid === null || valid[i]) && typeof raw === 'bigint' && (raw > LIMIT_2_53 || raw < -LIMIT_2_53)) {
        throw new DTypeError(`column ${show(name)} holds ${String(raw)} at row ${i}, beyond ±2^53: a float64 cannot hold it exactly. Convert the column to strings or floats first.`);
      }
      values[i] = v;
    }
    return { dtype: 'float64', values, valid };
  }
  if (DataType.isFloat(t)) {
    const values = allocFloat64(n);
    for (let i = 0; i < n; i++) values[i] = (vector.get(i) as number | null) ?? Number.NaN;
    return { dtype: 'float64', values, valid };
  }
  if (DataType.isBool(t)) {
    const values = allocBytes(n);
    for (let i = 0; i < n; i++) values[i] = vector.get(i) === true ? 1 : 0;
    return { dtype: 'bool', values, valid };
  }
  if (isStringType(t) || (DataType.isDictionary(t) && isStringType(t.dictionary))) {
    return stringColumn(n, (i) => vector.get(i) as string | null);
  }
  throw new DTypeError(`column ${show(name)} has Arrow type ${String(t)}, which dataframes do not hold: the types are integers, floats, Bool and strings (Utf8, LargeUtf8 or a dictionary of them).`);
}

/** A record batch as one chunk. */
export function recordBatchToFrame(batch: RecordBatch): FrameChunk {
  const names = fieldsOfSchema(batch.schema).map((f) => f.name);
  const columns = batch.schema.fields.map((f, j) => {
    const vector = batch.getChildAt(j)!;
    return fromData(f.name, vector.data[0]!, vector);
  });
  return { ...makeFrame(names, columns), rows: batch.numRows };
}

/** The frame fields an Arrow schema maps to (refusing unsupported types and repeated names). */
export function fieldsOfSchema(schema: Schema): FrameField[] {
  const seen = new Set<string>();
  return schema.fields.map((f) => {
    if (seen.has(f.name)) throw new DTypeError(`the Arrow table names column ${show(f.name)} twice; rename one first.`);
    seen.add(f.name);
    return { name: f.name, dtype: frameDtypeOf(f.type, f.name) };
  });
}

function frameDtypeOf(t: DataType, name: string): FrameDtype {
  if (DataType.isInt(t)) return t.bitWidth <= 16 || (t.bitWidth === 32 && t.isSigned) ? 'int32' : 'float64';
  if (DataType.isFloat(t)) return 'float64';
  if (DataType.isBool(t)) return 'bool';
  if (isStringType(t) || (DataType.isDictionary(t) && isStringType(t.dictionary))) return 'string';
  throw new DTypeError(`column ${show(name)} has Arrow type ${String(t)}, which dataframes do not hold.`);
}

/** A whole table as one chunk (its batches concatenated); a table of no batches gives an empty chunk. */
export function tableToFrame(table: Table): FrameChunk {
  const fields = fieldsOfSchema(table.schema);
  return concatFrames(table.batches.map(recordBatchToFrame), fields);
}
