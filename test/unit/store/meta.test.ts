import { describe, expect, it } from 'vitest';
import { MetaBuilder } from '../../../src/store/objectMeta.js';
import { EMPTY_BLOB_ID, ObjectID } from '../../../src/store/objectId.js';
import { SharedCatalog } from '../../../src/store/catalog.js';
import { ObjectStore } from '../../../src/store/objectStore.js';
import { StoredBlob } from '../../../src/store/storedObject.js';
import { codeOf, f64, newStore } from './helpers.js';

function blobOf(store: ObjectStore, bytes: number[]): ObjectID {
  const w = store.createBlob(bytes.length);
  w.buffer.set(bytes);
  return w.seal();
}

describe('ObjectMeta: sealed and deep-frozen', () => {
  it('freezes what getMeta returns: property writes fail, set/addMember throw ObjectSealed', () => {
    const store = newStore();
    const meta = store.getMeta(store.put(f64(4), { labels: { a: '1' } }));
    expect(Object.isFrozen(meta)).toBe(true);
    expect(Object.isFrozen(meta.fields)).toBe(true);
    expect(Object.isFrozen(meta.labels)).toBe(true);
    expect(Object.isFrozen(meta.members)).toBe(true);
    expect(() => {
      (meta as { typename: string }).typename = 'x';
    }).toThrow(TypeError);
    expect(() => {
      (meta.labels as Record<string, string>)['b'] = '2';
    }).toThrow(TypeError);
    expect(codeOf(() => meta.set('x', 1))).toBe('ObjectSealed');
    expect(codeOf(() => meta.addMember('m', meta.id))).toBe('ObjectSealed');
  });

  it('A.3 #28: a new object has no labels and a timestamp inside the create call; label adds and overwrites', () => {
    const store = newStore();
    const before = Date.now();
    const id = store.put(f64(2));
    const after = Date.now();
    const first = store.getMeta(id);
    expect(first.labels).toEqual({});
    expect(first.timestamp).toBeGreaterThanOrEqual(before);
    expect(first.timestamp).toBeLessThanOrEqual(after);
    store.label(id, 'k', 'v');
    expect(store.getMeta(id).labels).toEqual({ k: 'v' });
    store.label(id, 'k', 'v2');
    store.label(id, { other: 'x' });
    expect(store.getMeta(id).labels).toEqual({ k: 'v2', other: 'x' });
    expect(first.labels).toEqual({}); // snapshots already handed out do not change
    expect(codeOf(() => store.label(id, { n: 1 as unknown as string }))).toBe('Invalid');
    expect(codeOf(() => store.label(id, null as unknown as Record<string, string>))).toBe('Invalid');
    expect(store.getMeta(id).labels).toEqual({ k: 'v2', other: 'x' });
  });

  it('stores user fields as frozen JSON and refuses what JSON cannot hold', () => {
    const b = new MetaBuilder('app::Thing').set('n', 3).set('list', [1, 'a', { x: null }]);
    expect(codeOf(() => b.set('bad', Number.NaN))).toBe('TypeError');
    expect(codeOf(() => b.set('bad', new Map() as never))).toBe('TypeError');
    const meta = newStore().create(b);
    expect(meta.get('list')).toEqual([1, 'a', { x: null }]);
    expect(Object.isFrozen(meta.get('list'))).toBe(true);
    expect(meta.has('n')).toBe(true);
    expect(meta.get('missing')).toBeUndefined();
  });
});

describe('create (A.3 #33, #34) and global objects (#32)', () => {
  it('refuses metadata without a typename (MetaTreeInvalid) or with the blob typename (AssertionFailed)', () => {
    const store = newStore();
    const noType = new MetaBuilder();
    expect(() => store.create(noType)).toThrow("No 'typename' field in incoming metadata");
    expect(codeOf(() => store.create(noType))).toBe('MetaTreeInvalid');
    expect(noType.sealed).toBe(false);
    expect(codeOf(() => store.create(new MetaBuilder('tessera::Blob')))).toBe('AssertionFailed');
  });

  it('seals a builder once: creating or writing to it again throws ObjectSealed', () => {
    const store = newStore();
    const b = new MetaBuilder('app::Thing');
    const meta = store.create(b);
    expect(meta.instanceId).toBe(store.instanceId);
    expect(meta.transient).toBe(true);
    expect(codeOf(() => store.create(b))).toBe('ObjectSealed');
    expect(codeOf(() => b.set('x', 1))).toBe('ObjectSealed');
  });

  it('creates nested builders recursively in the same call and links members', () => {
    const store = newStore();
    const blob = blobOf(store, [1, 2, 3, 4]);
    const inner = new MetaBuilder('tessera::TypedArray').set('kind', 'Uint8Array').addMember('buffer', blob);
    const outer = store.create(new MetaBuilder('app::Wrapper').addMember('arr', inner));
    const arr = outer.member('arr');
    expect(store.exists(arr)).toBe(true);
    expect(store.getMeta(arr).member('buffer').equals(blob)).toBe(true);
    expect(outer.nbytes).toBe(4);
    // A builder-made TypedArray resolves through the codec registry like a put one.
    expect([...(store.get(arr) as Uint8Array)]).toEqual([1, 2, 3, 4]);
    expect(codeOf(() => outer.member('nope'))).toBe('ObjectNotExists');
  });

  it('refuses members that do not exist', () => {
    const store = newStore();
    const ghost = ObjectID.fromBigInt(12345n);
    const b = new MetaBuilder('app::W').addMember('m', ghost);
    expect(codeOf(() => store.create(b))).toBe('ObjectNotExists');
    expect(b.sealed).toBe(false);
    const inner = new MetaBuilder('app::Inner');
    const outer = new MetaBuilder('app::W').addMember('ok', inner).addMember('bad', new MetaBuilder('app::Bad').addMember('m', ghost));
    expect(codeOf(() => store.create(outer))).toBe('ObjectNotExists');
    expect(store.list('app::*', { limit: 10 })).toEqual([]); // the nested object made for it is gone again
  });

  it('refuses a global object nested in a global object, accepts the same member twice', () => {
    const store = newStore();
    const a = store.put(f64(2));
    const g = store.create(new MetaBuilder('app::Global').setGlobal().addMember('p0', a).addMember('p1', a));
    expect(g.global).toBe(true);
    const nested = new MetaBuilder('app::Global').setGlobal().addMember('inner', g.id);
    expect(() => store.create(nested)).toThrow('Global object cannot have nested structure');
    expect(codeOf(() => store.create(new MetaBuilder('app::Global').setGlobal().addMember('inner', g.id)))).toBe('GlobalObjectInvalid');
  });

  it('refuses a local object referring to another instance’s object; a global one may', () => {
    const catalog = new SharedCatalog();
    const a = new ObjectStore({ catalog, instanceId: 11 });
    const b = new ObjectStore({ catalog, instanceId: 12 });
    const remote = a.put(f64(3), { persist: true });
    expect(() => b.create(new MetaBuilder('app::W').addMember('m', remote))).toThrow('Local object cannot refer remote objects');
    const g = b.create(new MetaBuilder('app::G').setGlobal().addMember('m', remote));
    expect(g.member('m').equals(remote)).toBe(true);
  });
});

describe('blobs and BlobWriter (A.3 #34)', () => {
  it('seal twice or abort after seal throws ObjectSealed', () => {
    const store = newStore();
    const w = store.createBlob(8);
    const id = w.seal();
    expect(id.isBlob).toBe(true);
    expect(codeOf(() => w.seal())).toBe('ObjectSealed');
    expect(codeOf(() => w.abort())).toBe('ObjectSealed');
    const aborted = store.createBlob(8);
    aborted.abort();
    expect(codeOf(() => aborted.seal())).toBe('ObjectSealed');
  });

  it('a zero-size blob is the shared empty blob, which always exists and is never deleted', () => {
    const store = newStore();
    const id = store.createBlob(0).seal();
    expect(id.equals(EMPTY_BLOB_ID)).toBe(true);
    expect(store.exists(id)).toBe(true);
    expect(store.delete(id).deleted).toEqual([]);
    expect(store.exists(EMPTY_BLOB_ID)).toBe(true);
    expect(store.status().blobs).toBe(0);
  });

  it('getObject of a blob gives its bytes; get gives the same array', () => {
    const store = newStore();
    const id = blobOf(store, [9, 8, 7]);
    const obj = store.getObject(id);
    expect(obj).toBeInstanceOf(StoredBlob);
    expect([...((obj as StoredBlob).data as Uint8Array)]).toEqual([9, 8, 7]);
    expect(store.get(id)).toBe((obj as StoredBlob).data);
    expect(store.getMeta(id).typename).toBe('tessera::Blob');
    expect(store.getMeta(id).nbytes).toBe(3);
    expect(store.usedBytes).toBe(3);
  });
});
