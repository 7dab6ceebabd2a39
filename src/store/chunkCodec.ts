/**
 * Chunk values as bytes, for stores outside the process (Redis, object storage): a "JSON skeleton +
 * binary parts" encoding of the plain data chunks are made of — tensor chunks ({dtype, shape, data}),
 * dataframe chunks (FrameChunk: columns of typed arrays and strings), graph records (CSR typed arrays)
 * and whatever nests them. It walks the value generically instead of knowing each chunk kind, so a
 * kind that changes shape (string dictionaries turning into typed arrays) still round-trips.
 *
 * Layout (little-endian): 'TSC1' | u32 header length | header JSON | pad to 8 | parts, each padded to 8.
 * The header is `{ s: skeleton, p: [[ctor, byteLength, shared], ...] }`. Typed arrays and ArrayBuffers
 * are parts, copied raw; numbers JSON cannot say exactly, bigints, `undefined`, Maps, Sets and Dates
 * are tagged in the skeleton (`$t`), and so is a plain object that has its own `$t` key. Class
 * instances, functions and symbols are refused (`ChunkCodecError`, naming the path): a chunk value
 * must survive the trip unchanged or not be sent at all. The walk and the shared tags are
 * base/plainSkeleton.ts's, as for the store's records and the remote wire frames.
 *
 * Decoding copies each part into fresh memory of its own — a SharedArrayBuffer when the original was
 * shared — so the result is aligned whatever the reply buffer's offsets were, crosses to worker
 * threads without another copy, and does not pin the whole network reply. A reader that owns the
 * bytes and needs neither (the distributed driver fetching a result) may ask for big parts as views
 * over the bytes instead (`viewAtLeast`): one copy of the chunk fewer, and no fresh memory for it.
 */
import { TesseraError, registerErrorClass } from '../base/errors.js';
import { bytesOf, fromSkeleton, pad8, type Skeleton, TAG, toSkeleton, typedArrayCtor } from '../base/plainSkeleton.js';

export class ChunkCodecError extends TesseraError {
  constructor(message: string) {
    super('ChunkCodec', message);
  }
}
registerErrorClass(ChunkCodecError);

const MAGIC = 0x31435354; // 'TSC1' read as a little-endian u32

/** One binary part: the bytes to copy, the typed-array constructor ('ArrayBuffer' for a bare buffer). */
interface Part {
  readonly ctor: string;
  readonly bytes: Uint8Array;
  readonly shared: boolean;
}

function describe(v: unknown): string {
  if (typeof v === 'object' && v !== null) return `${(v as object).constructor?.name ?? 'object'} instance`;
  return typeof v;
}

/** Walks a value into a skeleton, handing each binary part to `part` (which returns its skeleton reference). */
function encodeSkeleton(input: unknown, part: (p: Part) => Skeleton): Skeleton {
  const seenParts = new Map<object, Skeleton>();
  return toSkeleton(input, {
    special(v, path, walk) {
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) {
        let ref = seenParts.get(v);
        if (ref === undefined) {
          ref = part(binaryPart(v, path));
          seenParts.set(v, ref);
        }
        return ref;
      }
      if (v instanceof Map) return { [TAG]: 'map', v: [...v].map(([k, x], i) => [walk(k, `${path}<key ${i}>`), walk(x, `${path}<${i}>`)]) };
      if (v instanceof Set) return { [TAG]: 'set', v: [...v].map((x, i) => walk(x, `${path}<${i}>`)) };
      if (v instanceof Date) return { [TAG]: 'date', v: v.getTime() };
      return undefined;
    },
    refuse,
    cyclic: (path) => new ChunkCodecError(`Cannot encode a cyclic chunk value: ${path || 'the value'} refers back to itself.`),
  });
}

function binaryPart(v: ArrayBufferView | ArrayBuffer | SharedArrayBuffer, path: string): Part {
  if (v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) {
    return { ctor: 'ArrayBuffer', bytes: new Uint8Array(v), shared: v instanceof SharedArrayBuffer };
  }
  // A Node Buffer is a Uint8Array subclass: it comes back as a plain Uint8Array. Any other subclass (or a
  // DataView) would not come back as itself, so it is refused.
  const ctor = v instanceof Uint8Array ? 'Uint8Array' : v.constructor.name;
  if (typedArrayCtor(ctor) === undefined) throw refuse(v, path);
  return { ctor, bytes: bytesOf(v), shared: v.buffer instanceof SharedArrayBuffer };
}

function refuse(v: unknown, path: string): ChunkCodecError {
  return new ChunkCodecError(
    `Cannot send ${path ? `the ${describe(v)} at ${path}` : `a ${describe(v)}`} to another machine: chunk values may only ` +
      `hold typed arrays, ArrayBuffers, numbers, bigints, strings, booleans, null, undefined, arrays, Maps, Sets, ` +
      `Dates and plain objects. A kernel that returns anything else cannot run on the distributed executor.`,
  );
}

function decodeSkeleton(s: Skeleton, partAt: (ref: Skeleton) => unknown): unknown {
  return fromSkeleton(s, {
    tagged(tag, x, revive) {
      const v = x['v'];
      switch (tag) {
        case 'part':
          return partAt(x);
        case 'map':
          return new Map((v as Skeleton[][]).map(([k, y]) => [revive(k!), revive(y!)]));
        case 'set':
          return new Set((v as Skeleton[]).map(revive));
        case 'date':
          return new Date(v as number);
        default:
          throw new ChunkCodecError(`An encoded chunk has an unknown tag ${JSON.stringify(tag)}: it was written by another version.`);
      }
    },
  });
}

/** A fresh, aligned copy of a part's bytes as its own kind of value. */
function materialise(ctor: string, src: Uint8Array, shared: boolean): unknown {
  const buf = shared ? new SharedArrayBuffer(src.byteLength) : new ArrayBuffer(src.byteLength);
  new Uint8Array(buf).set(src);
  if (ctor === 'ArrayBuffer') return buf;
  const View = typedArrayCtor(ctor);
  if (!View) throw new ChunkCodecError(`An encoded chunk holds an unknown array kind ${JSON.stringify(ctor)}.`);
  if (src.byteLength % View.BYTES_PER_ELEMENT !== 0) {
    throw new ChunkCodecError(`An encoded ${ctor} has ${src.byteLength} bytes, not a multiple of ${View.BYTES_PER_ELEMENT}: it is damaged.`);
  }
  return new View(buf, 0, src.byteLength / View.BYTES_PER_ELEMENT);
}

/** Zero bytes for padding pieces. */
const ZEROS = new Uint8Array(8);

/**
 * A chunk value's encoding as pieces to send one after another — the header, then each binary part
 * over the value's own memory (no copy), with the padding between them — and their total length. A
 * writer that can send pieces (a socket) never builds the whole encoding; `encodeChunk` joins them.
 */
export function encodeChunkPieces(value: unknown): { readonly pieces: Uint8Array[]; readonly byteLength: number } {
  const parts: Part[] = [];
  const skeleton = encodeSkeleton(value, (p) => {
    parts.push(p);
    return { [TAG]: 'part', i: parts.length - 1 };
  });
  const header = Buffer.from(JSON.stringify({ s: skeleton, p: parts.map((p) => [p.ctor, p.bytes.byteLength, p.shared]) }), 'utf8');
  const head = Buffer.alloc(pad8(8 + header.byteLength));
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(header.byteLength, 4);
  header.copy(head, 8);
  const pieces: Uint8Array[] = [head];
  let byteLength = head.byteLength;
  for (const p of parts) {
    const padding = pad8(p.bytes.byteLength) - p.bytes.byteLength;
    pieces.push(p.bytes);
    if (padding > 0) pieces.push(ZEROS.subarray(0, padding));
    byteLength += p.bytes.byteLength + padding;
  }
  return { pieces, byteLength };
}

/** A view of `src` as its kind, or undefined when `src` is not aligned for it (or is a bare ArrayBuffer part). */
function viewOf(ctor: string, src: Uint8Array): unknown {
  const View = typedArrayCtor(ctor);
  if (!View || src.byteOffset % View.BYTES_PER_ELEMENT !== 0 || src.byteLength % View.BYTES_PER_ELEMENT !== 0) return undefined;
  return new View(src.buffer, src.byteOffset, src.byteLength / View.BYTES_PER_ELEMENT);
}

/** A chunk value as one byte buffer (see the file's comment for the layout). */
export function encodeChunk(value: unknown): Buffer {
  const { pieces, byteLength } = encodeChunkPieces(value);
  return Buffer.concat(pieces, byteLength);
}

export interface DecodeOptions {
  /**
   * Parts of at least this many bytes become views over `bytes` where aligned for their kind (never
   * shared memory, and they keep `bytes` alive): for a caller that owns `bytes` and will not send the
   * value to worker threads. Default: every part is copied.
   */
  readonly viewAtLeast?: number;
}

/** The value `encodeChunk` encoded; throws `ChunkCodecError` on bytes it did not write. */
export function decodeChunk(bytes: Uint8Array, options: DecodeOptions = {}): unknown {
  const viewAtLeast = options.viewAtLeast ?? Infinity;
  if (bytes.byteLength < 8) throw new ChunkCodecError(`An encoded chunk of ${bytes.byteLength} bytes is too short to be one.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new ChunkCodecError('These bytes are not an encoded chunk (bad magic number).');
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.byteLength) throw new ChunkCodecError('An encoded chunk is truncated (its header runs past its end).');
  const header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8')) as {
    s: Skeleton;
    p: [string, number, boolean][];
  };
  const offsets: number[] = [];
  let at = pad8(8 + headerLength);
  for (const [, length] of header.p) {
    offsets.push(at);
    at += pad8(length);
  }
  if (at > bytes.byteLength) throw new ChunkCodecError(`An encoded chunk is truncated: ${bytes.byteLength} bytes, its parts need ${at}.`);
  const revived = new Map<number, unknown>();
  return decodeSkeleton(header.s, (ref) => {
    const i = (ref as { i: number }).i;
    let v = revived.get(i);
    if (v === undefined) {
      const [ctor, length, shared] = header.p[i]!;
      const src = bytes.subarray(offsets[i]!, offsets[i]! + length);
      v = length >= viewAtLeast ? (viewOf(ctor, src) ?? materialise(ctor, src, shared)) : materialise(ctor, src, shared);
      revived.set(i, v);
    }
    return v;
  });
}

/**
 * A value as JSON-safe data (binary parts inlined as base64): for small plain data that must travel
 * inside a queue message, such as a task's parameters, where typed arrays would otherwise turn into
 * `{"0":1.5,...}` objects.
 */
export function toJsonSafe(value: unknown): unknown {
  return encodeSkeleton(value, (p) => ({ [TAG]: 'part', c: p.ctor, sh: p.shared, b: Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength).toString('base64') }));
}

export function fromJsonSafe(data: unknown): unknown {
  return decodeSkeleton(data as Skeleton, (ref) => {
    const r = ref as { c: string; sh: boolean; b: string };
    return materialise(r.c, Buffer.from(r.b, 'base64'), r.sh);
  });
}
