/**
 * The codec registry: how a value becomes an object (a typename, JSON fields and blobs of bytes) and how
 * a stored object becomes a value again. `put` picks the codec whose `match` scores the value highest
 * (later registrations win ties, so an application can override a built-in); `get` picks the codec whose
 * typename is the longest prefix of the stored typename (Vineyard's "most precise resolver"). A value no
 * codec accepts is refused with a `TypeError`-coded error — there is no silent pickling fallback.
 *
 * Blobs are the value's own typed arrays, never copies: the store accounts and spills them, and `get`
 * hands the same arrays back while they are in memory.
 */
import { exposeUnlisted } from '../base/bufferHolds.js';
import { StoreTypeError } from './errors.js';
import { arrowBatchCodec, arrowTableCodec } from './arrowCodec.js';
import { csrCodec, jsonCodec, recordCodec, scalarCodec, tensorCodec, typedArrayCodec } from './builtinCodecs.js';
import { type JsonValue, describeType } from './objectMeta.js';

export interface Encoded {
  /** JSON metadata describing the value (dtype, shape, ...); it stays in memory when blobs are spilled. */
  readonly fields: Readonly<Record<string, JsonValue>>;
  /** Member name → the bytes, as the value's own typed arrays. */
  readonly blobs: ReadonlyMap<string, ArrayBufferView>;
  /** In-memory structure `decode` needs besides fields and blobs (e.g. Arrow data types); never serialized. */
  readonly layout?: unknown;
  /** What `get` returns while the object is in memory: built around the same typed arrays, no copy. */
  readonly value: unknown;
}

export interface DecodeInput {
  readonly typename: string;
  readonly fields: Readonly<Record<string, JsonValue>>;
  readonly blobs: ReadonlyMap<string, ArrayBufferView>;
  readonly layout: unknown;
}

export interface Codec {
  /** The typename objects get, e.g. `tessera::Tensor`; also the prefix `get` resolves by. */
  readonly typename: string;
  /** 0 when the codec cannot store the value; otherwise how precisely it fits (higher wins). */
  match(value: unknown): number;
  encode(value: unknown): Encoded;
  decode(input: DecodeInput): unknown;
}

const registry: Codec[] = [scalarCodec, jsonCodec, recordCodec, csrCodec, tensorCodec, typedArrayCodec, arrowTableCodec, arrowBatchCodec];

/** Adds a codec; it takes precedence over earlier codecs that match a value equally well. */
export function registerCodec(codec: Codec): void {
  registry.push(listingItsBuffers(codec));
}

/**
 * A codec from outside, whose in-memory value may keep a worker's buffer it lists as no blob: nothing
 * would hold that buffer while the stored value is read, so it is exposed (base/bufferHolds.ts
 * `exposeUnlisted`). The built-in codecs list every array they keep and pay no walk for it.
 */
function listingItsBuffers(codec: Codec): Codec {
  return {
    typename: codec.typename,
    match: (value) => codec.match(value),
    encode(value) {
      const encoded = codec.encode(value);
      exposeUnlisted(encoded.value, encoded.blobs.values());
      return encoded;
    },
    decode: (input) => codec.decode(input),
  };
}

export function codecForValue(value: unknown): Codec {
  let best: Codec | undefined;
  let bestScore = 0;
  for (const codec of registry) {
    const score = codec.match(value);
    if (score > 0 && score >= bestScore) {
      best = codec;
      bestScore = score;
    }
  }
  if (!best) {
    throw new StoreTypeError(
      `Cannot store a value of type ${describeType(value)}: no codec accepts it. The store keeps typed arrays, ` +
        `ArrayData tensors, Arrow tables and record batches, records of typed arrays/numbers/strings, numbers and JSON values; ` +
        `convert the value to one of these or register a codec with registerCodec().`,
    );
  }
  return best;
}

/** The codec whose typename is the longest prefix of `typename`, if any. */
export function codecForTypename(typename: string): Codec | undefined {
  let best: Codec | undefined;
  for (const codec of registry) {
    if (typename.startsWith(codec.typename) && (!best || codec.typename.length >= best.typename.length)) best = codec;
  }
  return best;
}
