/**
 * Arrow tables and record batches without copying: every buffer of every column chunk (offsets, values,
 * validity bitmap, type ids, variadic buffers, and those of children and dictionaries) becomes a blob,
 * and `get` returns the very table (or batch) that was put. The data types and the shape of the `Data`
 * tree stay in memory as the codec's layout, so after a spill the value is rebuilt around the restored
 * buffers with no IPC round trip.
 */
import { Data, RecordBatch, Table, Vector, type DataType, type Schema } from 'apache-arrow';
import type { Codec, DecodeInput, Encoded } from './codecs.js';
import { StoreTypeError } from './errors.js';
import type { JsonValue } from './objectMeta.js';

interface DataLayout {
  readonly type: DataType;
  readonly offset: number;
  readonly length: number;
  readonly nullCount: number;
  /** Blob member names of the offset, data, validity and type-id buffers (Arrow's `BufferType` order). */
  readonly buffers: readonly (string | undefined)[];
  readonly variadic: readonly string[];
  readonly children: readonly DataLayout[];
  readonly dictionary: readonly DataLayout[] | undefined;
}

interface ArrowLayout {
  readonly schema: Schema;
  readonly batches: readonly DataLayout[];
}

/** Every buffer of the batches as a blob (each buffer once), and the layout to rebuild them from. */
function encodeBatches(schema: Schema, batches: readonly RecordBatch[]): { blobs: Map<string, ArrayBufferView>; layout: ArrowLayout } {
  const blobs = new Map<string, ArrayBufferView>();
  const names = new Map<ArrayBufferView, string>();
  const add = (buffer: ArrayBufferView | undefined | null): string | undefined => {
    if (!buffer) return undefined;
    let name = names.get(buffer);
    if (name === undefined) {
      name = `b${names.size}`;
      names.set(buffer, name);
      blobs.set(name, buffer);
    }
    return name;
  };
  const layoutOf = (data: Data): DataLayout => ({
    type: data.type,
    offset: data.offset,
    length: data.length,
    nullCount: data.nullCount,
    buffers: [add(data.valueOffsets), add(data.values), add(data.nullBitmap), add(data.typeIds)],
    variadic: data.variadicBuffers.map((b) => add(b)!),
    children: data.children.map(layoutOf),
    dictionary: data.dictionary ? data.dictionary.data.map(layoutOf) : undefined,
  });
  return { blobs, layout: { schema, batches: batches.map((b) => layoutOf(b.data)) } };
}

function decodeBatches(input: DecodeInput): RecordBatch[] {
  const blob = (name: string | undefined): ArrayBufferView | undefined => {
    if (name === undefined) return undefined;
    const b = input.blobs.get(name);
    if (!b) throw new StoreTypeError(`A stored ${input.typename} is missing its buffer '${name}'.`);
    return b;
  };
  const dataOf = (l: DataLayout): Data =>
    new Data(
      l.type,
      l.offset,
      l.length,
      l.nullCount,
      l.buffers.map(blob) as never,
      l.children.map(dataOf),
      l.dictionary ? new Vector(l.dictionary.map(dataOf)) : undefined,
      l.variadic.map((name) => blob(name) as Uint8Array),
    );
  const { schema, batches } = input.layout as ArrowLayout;
  return batches.map((d) => new RecordBatch(schema, dataOf(d) as never));
}

function describe(schema: Schema, numRows: number): Record<string, JsonValue> {
  return { numRows, columns: schema.fields.map((f) => f.name), types: schema.fields.map((f) => String(f.type)) };
}

export const arrowTableCodec: Codec = {
  typename: 'tessera::ArrowTable',
  match: (value) => (value instanceof Table ? 100 : 0),
  encode(value): Encoded {
    const table = value as Table;
    return { fields: describe(table.schema, table.numRows), ...encodeBatches(table.schema, table.batches), value: table };
  },
  decode: (input) => new Table((input.layout as ArrowLayout).schema, decodeBatches(input)),
};

/** A single record batch (a row chunk of a data frame), kept as a batch. */
export const arrowBatchCodec: Codec = {
  typename: 'tessera::ArrowRecordBatch',
  match: (value) => (value instanceof RecordBatch ? 100 : 0),
  encode(value): Encoded {
    const batch = value as RecordBatch;
    return { fields: describe(batch.schema, batch.numRows), ...encodeBatches(batch.schema, [batch]), value: batch };
  },
  decode: (input) => decodeBatches(input)[0],
};
