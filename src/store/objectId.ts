/**
 * Object ids: 64-bit values laid out as Vineyard lays them out — a 41-bit millisecond timestamp, a 10-bit
 * instance id and a 12-bit sequence, with the top bit set for blobs — printed as `o` + 16 lowercase hex
 * digits. Parsing is strict: Vineyard's parser skips the first character unchecked, so a bare hex string
 * silently loses a digit; here anything but the exact printed form is a `UserInputError`.
 * Ids are generated per instance id from one process-wide clock, so two stores never mint the same id
 * even when they were given the same instance id, and ids sort in creation order.
 */
import { UserInputError } from './errors.js';

const BLOB_BIT = 1n << 63n;
const LOW_63 = BLOB_BIT - 1n;
const U64_MAX = (1n << 64n) - 1n;
const TIMESTAMP_BITS = 41n;
const INSTANCE_BITS = 10n;
const SEQUENCE_BITS = 12n;
export const MAX_INSTANCE_ID = (1 << Number(INSTANCE_BITS)) - 1;
const MAX_SEQUENCE = (1n << SEQUENCE_BITS) - 1n;
const ID_PATTERN = /^o[0-9a-f]{16}$/;
const URI_PREFIX = 'tessera://';

export class ObjectID {
  readonly value: bigint;

  private constructor(value: bigint) {
    this.value = value;
    Object.freeze(this);
  }

  /** Wraps a uint64; anything outside 0..2^64-1 is a `UserInputError`. */
  static fromBigInt(value: bigint): ObjectID {
    if (value < 0n || value > U64_MAX) {
      throw new UserInputError(`${value} is not an object id: ids are unsigned 64-bit integers.`);
    }
    return new ObjectID(value);
  }

  /** Parses exactly `o` + 16 lowercase hex digits, the form `toString()` prints. */
  static parse(text: string): ObjectID {
    if (typeof text !== 'string' || !ID_PATTERN.test(text)) {
      throw new UserInputError(
        `${JSON.stringify(text)} is not an object id: write 'o' followed by exactly 16 lowercase hex digits, ` +
          `as printed by ObjectID.toString() (e.g. 'o0000018f3a2b4c5d').`,
      );
    }
    return new ObjectID(BigInt(`0x${text.slice(1)}`));
  }

  static fromUri(uri: string): ObjectID {
    if (typeof uri !== 'string' || !uri.startsWith(URI_PREFIX)) {
      throw new UserInputError(`Not a valid uri for tessera object ID: ${JSON.stringify(uri)} (expected '${URI_PREFIX}o…').`);
    }
    return ObjectID.parse(uri.slice(URI_PREFIX.length));
  }

  /** Accepts an id, its printed form or its uint64 value. */
  static from(id: ObjectID | string | bigint): ObjectID {
    if (id instanceof ObjectID) return id;
    return typeof id === 'bigint' ? ObjectID.fromBigInt(id) : ObjectID.parse(id);
  }

  get isBlob(): boolean {
    return (this.value & BLOB_BIT) !== 0n;
  }
  /** Milliseconds since the epoch when the id was minted. */
  get timestamp(): number {
    return Number((this.value & LOW_63) >> (INSTANCE_BITS + SEQUENCE_BITS));
  }
  get instanceId(): number {
    return Number((this.value >> SEQUENCE_BITS) & BigInt(MAX_INSTANCE_ID));
  }
  get sequence(): number {
    return Number(this.value & MAX_SEQUENCE);
  }

  equals(other: ObjectID): boolean {
    return other instanceof ObjectID && other.value === this.value;
  }
  toString(): string {
    return formatId(this.value);
  }
  toJSON(): string {
    return formatId(this.value);
  }
  toUri(): string {
    return URI_PREFIX + formatId(this.value);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ObjectID <"${formatId(this.value)}">`;
  }
}

/** Vineyard's `InvalidObjectID()`: 2^64 - 1, never minted. */
export const INVALID_OBJECT_ID = ObjectID.fromBigInt(U64_MAX);
/** The one shared zero-length blob (`create_blob(0)`); it always exists and is never deleted. */
export const EMPTY_BLOB_ID = ObjectID.fromBigInt(BLOB_BIT);

export function formatId(value: bigint): string {
  return `o${value.toString(16).padStart(16, '0')}`;
}
export function formatSignature(value: bigint): string {
  return `s${value.toString(16).padStart(16, '0')}`;
}
export function isBlobId(value: bigint): boolean {
  return (value & BLOB_BIT) !== 0n;
}

/** A deterministic signature for a content key: equal chunk keys give equal signatures in every process. */
/**
 * A deterministic signature from a chunk key: two independent 32-bit FNV-1a style lanes over the key's
 * UTF-16 units (no crypto: it runs on every put and needs to be stable, not secret).
 */
export function signatureOfKey(key: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b1;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x85ebca6b) ^ (h2 >>> 15);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x7feb352d) >>> 0;
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0x846ca68b) >>> 0;
  return formatSignature(((BigInt(h1) << 32n) | BigInt(h2)) & LOW_63);
}

interface Clock {
  lastMs: bigint;
  sequence: bigint;
}
const clocks = new Map<number, Clock>();

/**
 * Mints the next id for an instance. When more than 4096 ids are asked for within one millisecond the
 * timestamp part runs ahead of the wall clock instead of wrapping the sequence (Vineyard wraps, which can
 * repeat an id).
 */
export function mintId(instanceId: number, blob: boolean): bigint {
  let clock = clocks.get(instanceId);
  if (!clock) {
    clock = { lastMs: -1n, sequence: 0n };
    clocks.set(instanceId, clock);
  }
  const now = BigInt(Date.now()) & ((1n << TIMESTAMP_BITS) - 1n);
  if (now > clock.lastMs) {
    clock.lastMs = now;
    clock.sequence = 0n;
  } else if (clock.sequence === MAX_SEQUENCE) {
    clock.lastMs += 1n;
    clock.sequence = 0n;
  } else {
    clock.sequence += 1n;
  }
  const id = (clock.lastMs << (INSTANCE_BITS + SEQUENCE_BITS)) | (BigInt(instanceId) << SEQUENCE_BITS) | clock.sequence;
  return blob ? id | BLOB_BIT : id;
}

let nextInstance = 0;
/** Instance ids for stores created without one: distinct until 1024 stores have been made in the process. */
export function allocateInstanceId(): number {
  const id = nextInstance;
  nextInstance = (nextInstance + 1) % (MAX_INSTANCE_ID + 1);
  return id;
}
