/** Test helpers: stores over a private catalog, so tests never see each other's persisted objects. */
import { SharedCatalog } from '../../../src/store/catalog.js';
import { ObjectStore, type ObjectStoreOptions } from '../../../src/store/objectStore.js';

export function newStore(options: ObjectStoreOptions = {}): ObjectStore {
  return new ObjectStore({ catalog: new SharedCatalog(), ...options });
}

/** A Float64Array in shared memory filled with `start, start+1, ...`. */
export function f64(length: number, start = 0): Float64Array {
  const a = new Float64Array(new SharedArrayBuffer(length * 8));
  for (let i = 0; i < length; i++) a[i] = start + i;
  return a;
}

/** Error code of what `fn` throws (fails the test if it does not throw). */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  throw new Error('expected the call to throw');
}
