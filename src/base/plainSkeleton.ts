/**
 * The one walk behind every "JSON skeleton + binary parts" encoding of plain data: the store's records
 * (store/plainData.ts), chunk values sent to other machines (store/chunkCodec.ts) and the remote wire
 * frames (service/wire/frame.ts). Each of those owns its byte layout, its error class and the objects
 * it knows (typed arrays as blobs or parts, Maps, NdArrays, Arrow tables...); this file owns what they
 * all share, so the three agree on it by construction:
 * - what JSON cannot say exactly is tagged in the skeleton (`{"$t": tag, ...}`): non-finite numbers and
 *   -0 (`num`), bigints (`big`), `undefined` (`undef`), and a plain object that has its own `$t` key
 *   (`obj`, so no user object is ever mistaken for a tag);
 * - arrays and plain objects (prototype Object or null) are walked; a cycle is refused naming its path;
 *   any other object (typed arrays included) goes to the writer's `special` hook, and is refused if the
 *   hook does not know it.
 * Reading is the mirror: the shared tags are revived here, the writer's own tags by its `tagged` hook.
 */

export type Skeleton = null | boolean | number | string | Skeleton[] | { [key: string]: Skeleton };

export const TAG = '$t';

export interface SkeletonWriter {
  /**
   * The skeleton of an object that is neither an array nor a plain object (a typed array, a Map, a
   * class the writer knows), or undefined when the writer does not know it either (it is then refused).
   * `walk` encodes nested values (with their paths, for errors).
   */
  special?(value: object, path: string, walk: (value: unknown, path: string) => Skeleton): Skeleton | undefined;
  /** The error for a value with no skeleton form: a function, a symbol, an unknown class instance. */
  refuse(value: unknown, path: string): Error;
  /** The error for a structure that refers back to itself (`path` is where, '' for the top). */
  cyclic(path: string): Error;
  /** Leave out object properties whose value is undefined (as JSON.stringify does) instead of tagging them. */
  readonly dropUndefinedProperties?: boolean;
}

export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function toSkeleton(input: unknown, writer: SkeletonWriter): Skeleton {
  const onPath = new Set<object>();
  const walk = (v: unknown, path: string): Skeleton => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        return Number.isFinite(v) && !Object.is(v, -0) ? v : { [TAG]: 'num', v: Object.is(v, -0) ? '-0' : String(v) };
      case 'bigint':
        return { [TAG]: 'big', v: v.toString() };
      case 'undefined':
        return { [TAG]: 'undef' };
      case 'object':
        break;
      default:
        throw writer.refuse(v, path);
    }
    if (v === null) return null;
    if (onPath.has(v)) throw writer.cyclic(path);
    onPath.add(v);
    try {
      if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
      if (isPlainObject(v)) {
        const out: Record<string, Skeleton> = {};
        for (const [k, x] of Object.entries(v)) {
          if (x === undefined && writer.dropUndefinedProperties) continue;
          out[k] = walk(x, `${path}.${k}`);
        }
        return Object.hasOwn(out, TAG) ? { [TAG]: 'obj', v: out } : out;
      }
      const own = writer.special?.(v, path, walk);
      if (own !== undefined) return own;
      throw writer.refuse(v, path);
    } finally {
      onPath.delete(v);
    }
  };
  return walk(input, '');
}

export interface SkeletonReader {
  /** The value of a node tagged with one of the writer's own tags; `revive` reads nested skeletons. */
  tagged(tag: Skeleton, node: { readonly [key: string]: Skeleton }, revive: (s: Skeleton) => unknown): unknown;
  /** Freeze every array and object revived (the store's records are immutable). */
  readonly freeze?: boolean;
}

export function fromSkeleton(skeleton: Skeleton, reader: SkeletonReader): unknown {
  const freeze = reader.freeze === true;
  const object = (s: { readonly [key: string]: Skeleton }): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k in s) out[k] = revive(s[k]!);
    return freeze ? Object.freeze(out) : out;
  };
  const revive = (s: Skeleton): unknown => {
    if (s === null || typeof s !== 'object') return s;
    if (Array.isArray(s)) {
      const out = s.map(revive);
      return freeze ? Object.freeze(out) : out;
    }
    if (!Object.hasOwn(s, TAG)) return object(s);
    const v = s['v'];
    switch (s[TAG]) {
      case 'num':
        return v === '-0' ? -0 : Number(v);
      case 'big':
        return BigInt(String(v));
      case 'undef':
        return undefined;
      case 'obj':
        return object(v as { [key: string]: Skeleton });
      default:
        return reader.tagged(s[TAG]!, s, revive);
    }
  };
  return revive(skeleton);
}

type ViewCtor = {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): ArrayBufferView;
  readonly BYTES_PER_ELEMENT: number;
};

/** The standard typed-array constructors by name: the kinds every encoding names its binary parts by. */
export const TYPED_ARRAY_CTORS: Readonly<Record<string, ViewCtor>> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};

/** The constructor of a typed-array kind name, or undefined for any other name. */
export function typedArrayCtor(kind: string): ViewCtor | undefined {
  return Object.hasOwn(TYPED_ARRAY_CTORS, kind) ? TYPED_ARRAY_CTORS[kind] : undefined;
}

/** The standard constructor name in a view's prototype chain (a Node `Buffer` is a `Uint8Array`), or undefined. */
export function standardViewKind(view: ArrayBufferView): string | undefined {
  for (let proto = Object.getPrototypeOf(view) as { constructor?: { name?: string } } | null; proto; proto = Object.getPrototypeOf(proto) as typeof proto) {
    const name = proto.constructor?.name;
    if (name && Object.hasOwn(TYPED_ARRAY_CTORS, name)) return name;
  }
  return undefined;
}

/** The bytes a view covers, as a Uint8Array over the same memory (no copy). */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Rounds a byte offset up to the next multiple of 8 (binary parts start 8-byte aligned in every layout). */
export const pad8 = (n: number): number => (n + 7) & ~7;
