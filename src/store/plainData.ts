/**
 * Plain data — records and JSON values — as a JSON "skeleton" plus blobs. Typed arrays anywhere in the
 * value become blob references (the arrays themselves are kept, not copied); everything JSON cannot say
 * exactly is tagged instead of being silently changed: non-finite numbers and -0, bigints, `undefined`
 * in arrays, and objects that happen to have a `$t` key. Properties whose value is `undefined` are
 * dropped, as JSON does. Anything else (class instances, functions, symbols, cycles) is refused with a
 * `TypeError`-coded error naming the path. The skeleton is itself stored as a UTF-8 blob, so its bytes
 * are accounted like any other data.
 */
import { fromSkeleton, type Skeleton, TAG, toSkeleton } from '../base/plainSkeleton.js';
import { StoreTypeError } from './errors.js';
import { describeType, isPlainObject } from './objectMeta.js';
import { isTypedArray } from './views.js';

export const SKELETON_MEMBER = 'skeleton';

export interface PlainEncoding {
  /** Member name → typed array, the skeleton text included. */
  readonly blobs: Map<string, ArrayBufferView>;
  /** A deep-frozen copy of the containers around the very same typed arrays. */
  readonly value: unknown;
}

export function encodePlain(input: unknown): PlainEncoding {
  const blobs = new Map<string, ArrayBufferView>();
  const blobKeys = new Map<ArrayBufferView, string>();
  const skeleton = toSkeleton(input, {
    special(v) {
      if (!isTypedArray(v)) return undefined;
      let key = blobKeys.get(v);
      if (key === undefined) {
        key = `b${blobKeys.size}`;
        blobKeys.set(v, key);
        blobs.set(key, v);
      }
      return { [TAG]: 'blob', k: key };
    },
    refuse,
    cyclic: (path) => new StoreTypeError(`Cannot store a cyclic structure: ${path || 'the value'} refers back to itself.`),
    dropUndefinedProperties: true,
  });
  // The frozen copy is the skeleton read back around the very same arrays (what decodePlain returns).
  const value = reviveRecord(skeleton, blobs);
  blobs.set(SKELETON_MEMBER, new TextEncoder().encode(JSON.stringify(skeleton)));
  return { blobs, value };
}

export function decodePlain(blobs: ReadonlyMap<string, ArrayBufferView>): unknown {
  const text = blobs.get(SKELETON_MEMBER);
  if (!text) throw new StoreTypeError('A stored record has no skeleton blob; its metadata is damaged.');
  const json = Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
  return reviveRecord(JSON.parse(json) as Skeleton, blobs);
}

function reviveRecord(skeleton: Skeleton, blobs: ReadonlyMap<string, ArrayBufferView>): unknown {
  return fromSkeleton(skeleton, {
    freeze: true,
    tagged(tag, s, revive) {
      if (tag === 'blob') {
        const blob = blobs.get(s['k'] as string);
        if (!blob) throw new StoreTypeError(`A stored record refers to a missing blob '${String(s['k'])}'.`);
        return blob;
      }
      // An unknown tag is read as the plain object it is (as this reader always did), not refused.
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s)) out[k] = revive(v);
      return Object.freeze(out);
    },
  });
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
