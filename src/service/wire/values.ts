/**
 * A fetched value as an HTTP body, and back. A tensor is its raw bytes (`application/octet-stream`)
 * with its dtype and shape in headers — the fast path for big results: no framing, read straight into
 * one buffer; a table is Arrow IPC; anything else (a graph summary, string ids, an output report) is a
 * wire frame. Numbers of data are never JSON text.
 */
import { tableFromIPC, tableToIPC, Table } from 'apache-arrow';
import { isDType, typedArrayCtor } from '../../base/dtypes.js';
import { NdArray } from '../../base/ndarray.js';
import { malformed } from './errors.js';
import { decodeFrame, encodeFrame } from './frame.js';

export const FRAME_TYPE = 'application/x-tessera-frame';
export const STREAM_TYPE = 'application/x-tessera-stream';
export const TENSOR_TYPE = 'application/octet-stream';
export const ARROW_TYPE = 'application/vnd.apache.arrow.stream';
export const DTYPE_HEADER = 'x-tessera-dtype';
export const SHAPE_HEADER = 'x-tessera-shape';
/** A plain typed array (a blob's bytes) names its kind instead of a dtype and shape. */
export const VIEW_HEADER = 'x-tessera-view';

/**
 * A value handed off through shared memory (server/handoff.ts): the answer names the file and its
 * length, and carries the value's own content type in VALUE_TYPE_HEADER; its body reports progress.
 * A fetch asks for it by sending the hand-off secret; results under HANDOFF_MIN_BYTES never use it.
 */
export const HANDOFF_TYPE = 'application/x-tessera-handoff';
export const HANDOFF_SECRET_HEADER = 'x-tessera-handoff';
export const HANDOFF_FILE_HEADER = 'x-tessera-handoff-file';
export const HANDOFF_LENGTH_HEADER = 'x-tessera-handoff-length';
export const VALUE_TYPE_HEADER = 'x-tessera-value-type';
export const HANDOFF_MIN_BYTES = 1024 * 1024;

const VIEWS: Readonly<Record<string, { new (buffer: ArrayBufferLike, offset: number, length: number): ArrayBufferView; readonly BYTES_PER_ELEMENT: number }>> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};

export interface ValueBody {
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly chunks: readonly Uint8Array[];
}

export function encodeValue(value: unknown): ValueBody {
  if (value instanceof NdArray) {
    const bytes = new Uint8Array(value.data.buffer, value.data.byteOffset, value.data.byteLength);
    return { contentType: TENSOR_TYPE, headers: { [DTYPE_HEADER]: value.dtype, [SHAPE_HEADER]: value.shape.join(',') }, chunks: [bytes] };
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const kind = Object.keys(VIEWS).find((k) => value instanceof VIEWS[k]!) ?? 'Uint8Array';
    return { contentType: TENSOR_TYPE, headers: { [VIEW_HEADER]: kind }, chunks: [new Uint8Array(value.buffer, value.byteOffset, value.byteLength)] };
  }
  if (value instanceof Table) return { contentType: ARROW_TYPE, headers: {}, chunks: [tableToIPC(value, 'stream')] };
  return { contentType: FRAME_TYPE, headers: {}, chunks: encodeFrame(value).chunks };
}

/** The value of a response body; `header` reads the response's headers. */
export function decodeValue(contentType: string, header: (name: string) => string | null, bytes: Uint8Array): unknown {
  const type = contentType.split(';')[0]!.trim();
  if (type === TENSOR_TYPE && header(VIEW_HEADER) !== null) {
    const View = VIEWS[header(VIEW_HEADER)!];
    if (!View) throw malformed(`${header(VIEW_HEADER)} is not a typed array kind.`);
    if (bytes.byteOffset % View.BYTES_PER_ELEMENT !== 0) bytes = bytes.slice();
    return new View(bytes.buffer, bytes.byteOffset, bytes.byteLength / View.BYTES_PER_ELEMENT);
  }
  if (type === TENSOR_TYPE) {
    const dtype = header(DTYPE_HEADER);
    const shapeText = header(SHAPE_HEADER) ?? '';
    if (!isDType(dtype)) throw malformed(`a tensor response has no valid ${DTYPE_HEADER} header.`);
    const shape = shapeText === '' ? [] : shapeText.split(',').map(Number);
    const Ctor = typedArrayCtor(dtype);
    if (bytes.byteOffset % Ctor.BYTES_PER_ELEMENT !== 0) bytes = bytes.slice();
    return new NdArray(dtype, shape, new Ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / Ctor.BYTES_PER_ELEMENT));
  }
  if (type === ARROW_TYPE) return tableFromIPC(bytes);
  if (type === FRAME_TYPE) return decodeFrame(bytes);
  throw malformed(`a response of type ${JSON.stringify(contentType)} is not a value.`);
}
