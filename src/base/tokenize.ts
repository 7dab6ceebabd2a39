/**
 * `tokenize`: a canonical, deterministic content hash of plain data, the basis of every node key.
 * Equal values give equal tokens in every process and on every run (object key order, Map/Set insertion
 * order and typed-array buffers' offsets do not matter); values whose content cannot be known (functions,
 * symbols, class instances, cyclic structures) are refused with an error that says what to pass instead,
 * because a silently random token would break caching (Dask's `ensure-deterministic`).
 *
 * Big typed arrays (graph columns of hundreds of megabytes) are hashed by `viewHash128`, a
 * non-cryptographic hash of every byte that runs several times faster than sha1 (which took 0.39 s of
 * a 16M-arc graph's 1.0 s build); smaller ones go to sha1 byte for byte.
 */
import { createHash, type Hash } from 'node:crypto';
import { TokenizeError } from './errors.js';

/** Objects that know their own token (e.g. nodes and handles: their key) implement this. */
export const TOKEN: unique symbol = Symbol.for('tessera.token');

export interface Tokenizable {
  [TOKEN](): string;
}

const TOKEN_HEX = 32;
/** Views from this size on are hashed by `viewHash128` instead of feeding their bytes to sha1. */
const FAST_VIEW_BYTES = 1 << 16;

export function tokenize(...values: readonly unknown[]): string {
  const h = createHash('sha1');
  const seen = new Set<object>();
  for (const v of values) write(h, v, seen, '$');
  return h.digest('hex').slice(0, TOKEN_HEX);
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function write(h: Hash, v: unknown, seen: Set<object>, path: string): void {
  switch (typeof v) {
    case 'undefined':
      h.update('u;');
      return;
    case 'boolean':
      h.update(v ? 'T;' : 'F;');
      return;
    case 'number':
      h.update(`n${Object.is(v, -0) ? '-0' : String(v)};`);
      return;
    case 'bigint':
      h.update(`b${v.toString()};`);
      return;
    case 'string':
      h.update(`s${v.length}:`);
      h.update(v);
      return;
    case 'symbol':
      throw new TokenizeError(`Cannot tokenize the symbol ${String(v)} at ${path}: use a string instead.`);
    case 'function':
      throw new TokenizeError(
        `Cannot tokenize the function ${(v as { name?: string }).name || '(anonymous)'} at ${path}: functions have ` +
          `no stable content. Pass data instead, or use t.map(fn)/t.reduce(fn), which key a pure function by its source text.`,
      );
    case 'object':
      break;
  }
  if (v === null) {
    h.update('N;');
    return;
  }
  const obj = v as object;
  const own = (obj as Partial<Tokenizable>)[TOKEN];
  if (typeof own === 'function') {
    h.update(`K${own.call(obj)};`);
    return;
  }
  if (ArrayBuffer.isView(obj)) {
    if (obj.byteLength >= FAST_VIEW_BYTES) {
      h.update(`W${obj.constructor.name}:${obj.byteLength}:${viewHash128(obj)};`);
      return;
    }
    const bytes = new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength);
    h.update(`V${obj.constructor.name}:${obj.byteLength}:`);
    h.update(bytes);
    return;
  }
  if (obj instanceof ArrayBuffer || obj instanceof SharedArrayBuffer) {
    h.update(`B${obj.byteLength}:`);
    h.update(new Uint8Array(obj));
    return;
  }
  if (seen.has(obj)) {
    throw new TokenizeError(`Cannot tokenize a cyclic structure (at ${path}): pass acyclic plain data.`);
  }
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      h.update(`A${obj.length}[`);
      for (let i = 0; i < obj.length; i++) write(h, obj[i], seen, `${path}[${i}]`);
      h.update(']');
    } else if (obj instanceof Date) {
      h.update(`D${obj.getTime()};`);
    } else if (obj instanceof Map) {
      const entries = [...obj.entries()].map(([k, val]) => [tokenize(k), val] as const);
      entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      h.update(`M${entries.length}{`);
      for (const [k, val] of entries) {
        h.update(k);
        write(h, val, seen, `${path}.get(${k})`);
      }
      h.update('}');
    } else if (obj instanceof Set) {
      const items = [...obj].map((x) => tokenize(x)).sort();
      h.update(`S${items.length}{${items.join(',')}}`);
    } else if (isPlainObject(obj)) {
      const keys = Object.keys(obj).sort();
      h.update(`O${keys.length}{`);
      for (const k of keys) {
        const val = (obj as Record<string, unknown>)[k];
        if (val === undefined) continue; // {a: undefined} and {} describe the same options
        h.update(`s${k.length}:`);
        h.update(k);
        write(h, val, seen, `${path}.${k}`);
      }
      h.update('}');
    } else {
      const name = (obj.constructor as { name?: string } | undefined)?.name ?? 'object';
      throw new TokenizeError(
        `Cannot tokenize an instance of ${name} at ${path}: only plain objects, arrays, typed arrays, Map, Set, ` +
          `Date and primitives have a canonical content. Convert it to plain data first.`,
      );
    }
  } finally {
    seen.delete(obj);
  }
}

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** murmur3's 32-bit finaliser. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * A 128-bit hash (32 hex digits) of every byte of a view: four lanes take the 32-bit words in turn,
 * each step `lane = rotl(imul(lane ^ word, odd), r)`, a bijection of the lane for a fixed word — so a
 * change to any single word always changes the result — and the rotation feeds high bits back into
 * low ones. Not cryptographic: a content key, where sha1's extra strength bought nothing.
 */
export function viewHash128(view: ArrayBufferView): string {
  const words = view.byteLength >>> 2;
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  // Int32 views need 4-byte alignment; an odd offset (a byte view) hashes an aligned copy.
  const w = (view.byteOffset & 3) === 0 ? new Int32Array(view.buffer, view.byteOffset, words) : new Int32Array(bytes.slice(0, 4 * words).buffer);
  const quads = words & ~3;
  let [a, b, c, d] = hashQuads(w, quads);
  for (let i = quads; i < words; i++) a = rotl(Math.imul(a ^ w[i]!, 0x9e3779b1), 13);
  for (let i = 4 * words; i < bytes.length; i++) b = rotl(Math.imul(b ^ bytes[i]!, 0x85ebca77), 15);
  a = fmix(a ^ view.byteLength);
  b = fmix(b ^ a);
  c = fmix(c ^ b);
  d = fmix(d ^ c);
  a = fmix(a ^ d);
  return [a, b, c, d].map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
}

/**
 * The four lanes over words [0, quads), from the last quad down. A loop of its own, counting down:
 * inside viewHash128 and counting up, it hashed a graph's columns at 2 GB/s, where this runs at 5-6
 * (node probe hashing R-MAT s16's four columns, 15.5 MB, over and over: 7.8 -> 2.7-3.2 ms).
 */
function hashQuads(w: Int32Array, quads: number): [number, number, number, number] {
  let a = 0x243f6a88;
  let b = 0x85a308d3 | 0;
  let c = 0x13198a2e;
  let d = 0x03707344;
  for (let i = quads - 4; i >= 0; i -= 4) {
    a = rotl(Math.imul(a ^ w[i]!, 0x9e3779b1), 13);
    b = rotl(Math.imul(b ^ w[i + 1]!, 0x85ebca77), 15);
    c = rotl(Math.imul(c ^ w[i + 2]!, 0xc2b2ae3d), 17);
    d = rotl(Math.imul(d ^ w[i + 3]!, 0x27d4eb2f), 19);
  }
  return [a, b, c, d];
}
