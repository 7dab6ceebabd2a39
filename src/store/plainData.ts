/**
 * Plain data — records and JSON values — as a JSON "skeleton" plus blobs. Typed arrays anywhere in the
 * value become blob references (the arrays themselves are kept, not copied); everything JSON cannot say
 * exactly is tagged instead of being silently changed: non-finite numbers and -0, bigints, `undefined`
 * in arrays, and objects that happen to have a `$t` key. Properties whose value is `undefined` are
 * dropped, as JSON does. Anything else (class instances, functions, symbols, cycles) is refused with a
 * `TypeError`-coded error naming the path. The skeleton is itself stored as a UTF-8 blob, so its bytes
 * are accounted like any other data.
 */
import { StoreTypeError } from './errors.js';
import { describeType, isPlainObject } from './objectMeta.js';
import { isTypedArray } from './views.js';

type Skeleton = null | boolean | number | string | Skeleton[] | { [key: string]: Skeleton };

export const SKELETON_MEMBER = 'skeleton';
const TAG = '$t';

export interface PlainEncoding {
  /** Member name → typed array, the skeleton text included. */
  readonly blobs: Map<string, ArrayBufferView>;
  /** A deep-frozen copy of the containers around the very same typed arrays. */
  readonly value: unknown;
}

export function encodePlain(input: unknown): PlainEncoding {
  const blobs = new Map<string, ArrayBufferView>();
  const blobKeys = new Map<ArrayBufferView, string>();
  const onPath = new Set<object>();

  const walk = (v: unknown, path: string): [Skeleton, unknown] => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return [v, v];
      case 'number':
        return Number.isFinite(v) && !Object.is(v, -0) ? [v, v] : [{ [TAG]: 'num', v: Object.is(v, -0) ? '-0' : String(v) }, v];
      case 'bigint':
        return [{ [TAG]: 'big', v: v.toString() }, v];
      case 'undefined':
        return [{ [TAG]: 'undef' }, undefined];
      case 'object':
        break;
      default:
        throw refuse(v, path);
    }
    if (v === null) return [null, null];
    if (isTypedArray(v)) {
      let key = blobKeys.get(v);
      if (key === undefined) {
        key = `b${blobKeys.size}`;
        blobKeys.set(v, key);
        blobs.set(key, v);
      }
      return [{ [TAG]: 'blob', k: key }, v];
    }
    if (onPath.has(v)) throw new StoreTypeError(`Cannot store a cyclic structure: ${path || 'the value'} refers back to itself.`);
    if (Array.isArray(v)) {
      onPath.add(v);
      const pairs = v.map((x, i) => walk(x, `${path}[${i}]`));
      onPath.delete(v);
      return [pairs.map((p) => p[0]), Object.freeze(pairs.map((p) => p[1]))];
    }
    if (!isPlainObject(v)) throw refuse(v, path);
    onPath.add(v);
    const skeleton: Record<string, Skeleton> = {};
    const value: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      const [s, val] = walk(x, `${path}.${k}`);
      skeleton[k] = s;
      value[k] = val;
    }
    onPath.delete(v);
    return [Object.hasOwn(skeleton, TAG) ? { [TAG]: 'obj', v: skeleton } : skeleton, Object.freeze(value)];
  };

  const [skeleton, value] = walk(input, '');
  blobs.set(SKELETON_MEMBER, new TextEncoder().encode(JSON.stringify(skeleton)));
  return { blobs, value };
}

export function decodePlain(blobs: ReadonlyMap<string, ArrayBufferView>): unknown {
  const text = blobs.get(SKELETON_MEMBER);
  if (!text) throw new StoreTypeError('A stored record has no skeleton blob; its metadata is damaged.');
  const revive = (s: Skeleton): unknown => {
    if (s === null || typeof s !== 'object') return s;
    if (Array.isArray(s)) return Object.freeze(s.map(revive));
    if (Object.hasOwn(s, TAG)) {
      const v = s['v'];
      switch (s[TAG]) {
        case 'num':
          return v === '-0' ? -0 : Number(v);
        case 'big':
          return BigInt(v as string);
        case 'undef':
          return undefined;
        case 'blob': {
          const blob = blobs.get(s['k'] as string);
          if (!blob) throw new StoreTypeError(`A stored record refers to a missing blob '${String(s['k'])}'.`);
          return blob;
        }
        case 'obj':
          return reviveObject(v as Record<string, Skeleton>, revive);
      }
    }
    return reviveObject(s, revive);
  };
  const json = Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
  return revive(JSON.parse(json) as Skeleton);
}

function reviveObject(s: Record<string, Skeleton>, revive: (s: Skeleton) => unknown): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) out[k] = revive(v);
  return Object.freeze(out);
}

/** Whether a typed array occurs anywhere in a plain value (what makes it a record rather than JSON). */
export function containsTypedArray(v: unknown, depth = 0): boolean {
  if (typeof v !== 'object' || v === null || depth > 64) return false;
  if (isTypedArray(v)) return true;
  if (Array.isArray(v)) return v.some((x) => containsTypedArray(x, depth + 1));
  if (!isPlainObject(v)) return false;
  for (const x of Object.values(v)) if (containsTypedArray(x, depth + 1)) return true;
  return false;
}

function refuse(v: unknown, path: string): StoreTypeError {
  return new StoreTypeError(
    `Cannot store ${path ? `the ${describeType(v)} at ${path}` : `a ${describeType(v)}`}: records and JSON values may only ` +
      `hold typed arrays, numbers, bigints, strings, booleans, null, arrays and plain objects. Convert it ` +
      `(e.g. a Map with Object.fromEntries, a Date with toISOString) or register a codec with registerCodec().`,
  );
}
