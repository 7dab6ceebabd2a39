/**
 * One wire frame: a JSON header plus raw binary parts. Everything a remote session sends or receives
 * (DAG nodes with embedded typed arrays, results, errors, store records) is a frame, so numbers in typed
 * arrays never become JSON text: each typed array is a part, referenced from the JSON by index, and read
 * back as a view of the received bytes when it is aligned (a copy only when it is not).
 *
 * Layout (little-endian): `TSW1`, u32 JSON length, u32 part count, one f64 byte length per part, the
 * JSON (UTF-8), then the parts; the JSON and every part start at a multiple of 8 bytes from the frame's
 * start. What JSON cannot say exactly is tagged (`{"$t": ...}`): non-finite numbers and -0, bigints,
 * `undefined`, typed arrays, NdArrays, Arrow tables, object ids, metas, Maps, and objects that happen to
 * have a `$t` key. Anything else (functions, class instances, cycles) is refused naming its path. The
 * walk and the shared tags are base/plainSkeleton.ts's (as for the store's records and distributed chunks).
 */
import { tableFromIPC, tableToIPC, Table } from 'apache-arrow';
import { isDType } from '../../base/dtypes.js';
import { NdArray } from '../../base/ndarray.js';
import { bytesOf, fromSkeleton, pad8, type Skeleton, type SkeletonReader, standardViewKind, TAG, toSkeleton, typedArrayCtor } from '../../base/plainSkeleton.js';
import { ObjectID } from '../../store/objectId.js';
import { ObjectMeta } from '../../store/objectMeta.js';
import { malformed } from './errors.js';

const MAGIC = 0x31575354; // 'TSW1' read as a little-endian u32

function viewKind(v: ArrayBufferView): string {
  const kind = standardViewKind(v);
  if (kind === undefined) throw malformed(`a ${v.constructor.name} cannot travel on the wire: use a typed array.`);
  return kind;
}

/** A frame's bytes as chunks in order (the parts are not copied); `byteLength` is their total. */
export interface EncodedFrame {
  readonly chunks: readonly Uint8Array[];
  readonly byteLength: number;
}

export function encodeFrame(value: unknown): EncodedFrame {
  const parts: Uint8Array[] = [];
  const part = (bytes: Uint8Array): number => parts.push(bytes) - 1;
  const skeleton = toSkeleton(value, {
    special(v, path, walk): Skeleton | undefined {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return { [TAG]: 'bin', c: viewKind(v), p: part(bytesOf(v)) };
      if (v instanceof NdArray) return { [TAG]: 'nd', dtype: v.dtype, shape: [...v.shape], p: part(bytesOf(v.data)) };
      if (v instanceof Table) return { [TAG]: 'arrow', p: part(tableToIPC(v, 'stream')) };
      if (v instanceof ObjectID) return { [TAG]: 'oid', v: v.toString() };
      if (v instanceof ObjectMeta) return { [TAG]: 'meta', v: walk(v.toJSON(), `${path}.meta`) };
      if (v instanceof Map) return { [TAG]: 'map', v: [...v].map(([k, x], i) => [walk(k, `${path}<key ${i}>`), walk(x, `${path}<${i}>`)]) };
      return undefined;
    },
    refuse: (v, path) =>
      typeof v === 'object' && v !== null
        ? malformed(`cannot send the ${v.constructor?.name ?? 'object'} at ${path || 'the top'}: only plain data has a wire form.`)
        : malformed(`cannot send the ${typeof v} at ${path || 'the top'}: functions and symbols have no wire form.`),
    cyclic: (path) => malformed(`cannot send a cyclic structure: ${path || 'the value'} refers back to itself.`),
  });
  const json = Buffer.from(JSON.stringify(skeleton), 'utf8');
  const headLength = 12 + 8 * parts.length;
  const head = Buffer.alloc(pad8(headLength) + pad8(json.length));
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(json.length, 4);
  head.writeUInt32LE(parts.length, 8);
  parts.forEach((p, i) => head.writeDoubleLE(p.byteLength, 12 + 8 * i));
  json.copy(head, pad8(headLength));
  const chunks: Uint8Array[] = [head];
  let byteLength = head.length;
  for (const p of parts) {
    chunks.push(p);
    const padding = pad8(p.byteLength) - p.byteLength;
    if (padding > 0) chunks.push(new Uint8Array(padding));
    byteLength += pad8(p.byteLength);
  }
  return { chunks, byteLength };
}

/** The frame as one buffer (copies the parts; for request bodies). */
export function frameBytes(frame: EncodedFrame): Buffer {
  return Buffer.concat(frame.chunks as Uint8Array[], frame.byteLength);
}

/** Decodes a frame; typed arrays are views of `bytes` where aligned, so keep `bytes` unchanged. */
export function decodeFrame(bytes: Uint8Array): unknown {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || dv.getUint32(0, true) !== MAGIC) throw malformed('the body is not a Tessera wire frame (it must start with TSW1).');
  const jsonLength = dv.getUint32(4, true);
  const count = dv.getUint32(8, true);
  const headLength = 12 + 8 * count;
  if (headLength > bytes.byteLength) throw malformed(`the frame names ${count} parts but is only ${bytes.byteLength} bytes long.`);
  const ranges: [number, number][] = [];
  let at = pad8(headLength) + pad8(jsonLength);
  for (let i = 0; i < count; i++) {
    const length = dv.getFloat64(12 + 8 * i, true);
    if (!Number.isSafeInteger(length) || length < 0 || at + length > bytes.byteLength) throw malformed(`part ${i} of the frame runs past its end.`);
    ranges.push([at, length]);
    at += pad8(length);
  }
  let parsed: Skeleton;
  try {
    const start = pad8(headLength);
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + start, jsonLength).toString('utf8')) as Skeleton;
  } catch (e) {
    throw malformed(`the frame's JSON does not parse: ${(e as Error).message}`);
  }
  const partBytes = (p: unknown): [number, number] => {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= ranges.length) throw malformed(`a value refers to part ${String(p)}, which the frame does not have.`);
    return ranges[p]!;
  };
  const view = (kind: string, p: unknown): ArrayBufferView => {
    const Ctor = typedArrayCtor(kind);
    if (!Ctor) throw malformed(`'${kind}' is not a typed array kind.`);
    const [offset, length] = partBytes(p);
    const size = Ctor.BYTES_PER_ELEMENT;
    if (length % size !== 0) throw malformed(`a ${kind} part of ${length} bytes is not a whole number of elements.`);
    const start = bytes.byteOffset + offset;
    if (start % size === 0) return new Ctor(bytes.buffer, start, length / size);
    const copy = new ArrayBuffer(length);
    new Uint8Array(copy).set(bytes.subarray(offset, offset + length));
    return new Ctor(copy, 0, length / size);
  };
  const reader: SkeletonReader = {
    tagged(tag, s, revive) {
      const v = s['v'];
      switch (tag) {
        case 'bin':
          return view(String(s['c']), s['p']);
        case 'nd': {
          const dtype = s['dtype'];
          if (!isDType(dtype) || !Array.isArray(s['shape'])) throw malformed('an NdArray needs a dtype and a shape.');
          const data = view(NdArrayKind[dtype]!, s['p']);
          return new NdArray(dtype, s['shape'] as number[], data as never);
        }
        case 'arrow': {
          const [offset, length] = partBytes(s['p']);
          return tableFromIPC(bytes.subarray(offset, offset + length));
        }
        case 'oid':
          return ObjectID.parse(String(v));
        case 'meta':
          return metaFromJson(revive(v as Skeleton) as Record<string, unknown>);
        case 'map':
          if (!Array.isArray(v)) throw malformed('a map must be a list of pairs.');
          return new Map(v.map((pair) => (Array.isArray(pair) && pair.length === 2 ? [revive(pair[0]!), revive(pair[1]!)] : [undefined, undefined])));
        default:
          throw malformed(`unknown wire tag ${JSON.stringify(tag)}.`);
      }
    },
  };
  try {
    return fromSkeleton(parsed, reader);
  } catch (e) {
    // JSON.parse takes any depth, this recursive walk does not: a hostile body is refused, not a 500.
    if (e instanceof RangeError) throw malformed(`the frame's JSON cannot be read (${e.message}): it nests too deeply.`);
    throw e;
  }
}

const NdArrayKind: Record<string, string> = {
  bool: 'Uint8Array', int8: 'Int8Array', int16: 'Int16Array', int32: 'Int32Array', int64: 'Float64Array', uint8: 'Uint8Array',
  uint16: 'Uint16Array', uint32: 'Uint32Array', float32: 'Float32Array', float64: 'Float64Array',
};

/** An ObjectMeta from its `toJSON` form (ids in their printed form). */
function metaFromJson(j: Record<string, unknown>): ObjectMeta {
  const members = (j['members'] ?? {}) as Record<string, string>;
  return new ObjectMeta({
    id: ObjectID.parse(String(j['id'])).value,
    typename: String(j['typename']),
    nbytes: Number(j['nbytes']),
    instanceId: Number(j['instanceId']),
    transient: j['transient'] === true,
    global: j['global'] === true,
    signature: String(j['signature']),
    timestamp: Number(j['timestamp']),
    labels: (j['labels'] ?? {}) as Record<string, string>,
    members: new Map(Object.entries(members).map(([k, v]) => [k, ObjectID.parse(v).value])),
    fields: (j['fields'] ?? {}) as never,
    ...(typeof j['name'] === 'string' ? { name: j['name'] } : {}),
    ...(typeof j['chunkKey'] === 'string' ? { chunkKey: j['chunkKey'] } : {}),
  });
}

/** Length-prefixed frames in one byte stream: an f64 length, then the frame (8-byte aligned). */
export function streamChunks(frame: EncodedFrame): Uint8Array[] {
  const prefix = Buffer.alloc(8);
  prefix.writeDoubleLE(frame.byteLength, 0);
  return [prefix, ...frame.chunks];
}

/**
 * Reads length-prefixed frames out of a byte stream as it arrives; each frame is gathered into a
 * buffer of its own (so its parts are aligned views) and decoded.
 */
export class FrameReader {
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #need = -1;

  /** Feeds bytes; returns the frames completed by them, decoded. */
  push(chunk: Uint8Array): unknown[] {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.byteLength;
    const out: unknown[] = [];
    for (;;) {
      if (this.#need < 0) {
        if (this.#pendingBytes < 8) return out;
        const head = this.#take(8);
        this.#need = new DataView(head.buffer, head.byteOffset, 8).getFloat64(0, true);
        if (!Number.isSafeInteger(this.#need) || this.#need < 12) throw malformed('a streamed frame has an impossible length.');
      }
      if (this.#pendingBytes < this.#need) return out;
      const frame = this.#take(this.#need);
      this.#need = -1;
      out.push(decodeFrame(frame));
    }
  }

  /** Whether the stream ended between frames (anything else is a truncated stream). */
  get idle(): boolean {
    return this.#need < 0 && this.#pendingBytes === 0;
  }

  /** The first `n` pending bytes, in a fresh buffer (aligned for the frame's views). */
  #take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.#pending[0]!;
      const room = n - filled;
      if (head.byteLength <= room) {
        out.set(head, filled);
        filled += head.byteLength;
        this.#pending.shift();
      } else {
        out.set(head.subarray(0, room), filled);
        this.#pending[0] = head.subarray(room);
        filled += room;
      }
    }
    this.#pendingBytes -= n;
    return out;
  }
}
