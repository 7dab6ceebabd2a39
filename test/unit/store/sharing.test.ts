import { describe, expect, it } from 'vitest';
import { errorFromData, errorToData } from '../../../src/base/errors.js';
import { SharedCatalog, sharedCatalog } from '../../../src/store/catalog.js';
import {
  AssertionFailedError,
  GlobalObjectInvalidError,
  InvalidError,
  MetaTreeInvalidError,
  NotEnoughMemoryError,
  ObjectExistsError,
  ObjectNotExistsError,
  ObjectSealedError,
  StoreError,
  StoreTypeError,
  UserInputError,
} from '../../../src/store/errors.js';
import { MetaBuilder } from '../../../src/store/objectMeta.js';
import { ObjectStore } from '../../../src/store/objectStore.js';
import { codeOf, f64 } from './helpers.js';

describe('sharing persisted objects between stores of one process', () => {
  it('uses one process-wide catalog by default: a name put by one store is read zero-copy by another', () => {
    const producer = new ObjectStore();
    const consumer = new ObjectStore();
    const data = f64(1000, 1);
    const tensor = { dtype: 'float64', shape: [10, 100], data };
    producer.put(tensor, { persist: true, name: 'sharing-test/tensor' });
    const got = consumer.get({ name: 'sharing-test/tensor' }) as { data: Float64Array; shape: readonly number[] };
    expect(got.data).toBe(data);
    expect(got.shape).toEqual([10, 100]);
    expect(sharedCatalog().lookupName('sharing-test/tensor')).toBeDefined();
    producer.close();
    consumer.close();
    expect(new ObjectStore().get({ name: 'sharing-test/tensor' })).toBe(got);
  });

  it('persisted bytes are the catalog’s: clear and close leave the store at zero bytes', () => {
    const catalog = new SharedCatalog();
    const a = new ObjectStore({ catalog });
    const b = new ObjectStore({ catalog });
    a.chunks.put('k', { dtype: 'float64', shape: [100], data: f64(100) });
    const keep = a.put(f64(50), { persist: true, name: 'kept' });
    a.put(f64(25));
    expect(a.usedBytes).toBe(800 + 200);
    expect(catalog.status().memoryUsage).toBe(400);
    a.clear();
    expect(a.status()).toMatchObject({ memoryUsage: 0, objects: 1, blobs: 1, persisted: 1, persistedBytes: 400, names: 1 });
    expect(a.chunks.has('k')).toBe(false);
    expect(b.getName('kept').equals(keep)).toBe(true);
    a.close();
    expect(a.closed).toBe(true);
    a.close();
    expect(codeOf(() => a.put(1))).toBe('Invalid');
    expect(codeOf(() => a.chunks.get('k'))).toBe('Invalid');
    expect([...(b.get(keep) as Float64Array)]).toEqual([...f64(50)]);
  });

  it('clear({includePersisted: true}) also deletes what this store persisted, not what others did', () => {
    const catalog = new SharedCatalog();
    const a = new ObjectStore({ catalog });
    const b = new ObjectStore({ catalog });
    const mine = a.put(f64(10), { persist: true, name: 'mine' });
    const theirs = b.put(f64(10), { persist: true, name: 'theirs' });
    a.clear({ includePersisted: true });
    expect(b.exists(mine)).toBe(false);
    expect(() => b.getName('mine')).toThrow(ObjectNotExistsError);
    expect(b.exists(theirs)).toBe(true);
    expect(catalog.status().memoryUsage).toBe(80);
  });

  it('a name never outlives its object: a delete or a clear drops names other stores bound to it too', () => {
    const catalog = new SharedCatalog();
    const a = new ObjectStore({ catalog });
    const b = new ObjectStore({ catalog });
    const deleted = a.put(f64(2), { persist: true });
    b.putName(deleted, 'b-on-deleted');
    a.delete(deleted);
    expect(() => b.getName('b-on-deleted')).toThrow(ObjectNotExistsError);
    const cleared = a.put(f64(2), { persist: true });
    b.putName(cleared, 'b-on-cleared');
    a.clear({ includePersisted: true });
    expect(() => b.getName('b-on-cleared')).toThrow(ObjectNotExistsError);
    expect(catalog.status().names).toBe(0);
  });

  it("clear({includePersisted: true}) unbinds the names this store bound to another's object, which stays with its own", () => {
    const catalog = new SharedCatalog();
    const a = new ObjectStore({ catalog });
    const b = new ObjectStore({ catalog });
    const theirs = b.put(f64(3), { persist: true, name: 'theirs' });
    a.putName(theirs, 'a-alias');
    a.putName(theirs, 'rebound-by-b');
    b.putName(theirs, 'rebound-by-b');
    a.clear();
    expect(b.getName('a-alias').equals(theirs)).toBe(true);
    a.clear({ includePersisted: true });
    expect(() => b.getName('a-alias')).toThrow(ObjectNotExistsError);
    expect(b.getName('rebound-by-b').equals(theirs)).toBe(true);
    expect(b.getName('theirs').equals(theirs)).toBe(true);
    expect(b.getMeta(theirs).name).toBe('rebound-by-b');
  });

  it('a persisted chunk stays readable through its key and survives the session', () => {
    const catalog = new SharedCatalog();
    const a = new ObjectStore({ catalog, memoryLimit: 1000 });
    a.chunks.put('k', { dtype: 'int32', shape: [4], data: new Int32Array([1, 2, 3, 4]) });
    const id = a.chunks.infos(['k'])[0]!.objectId;
    a.persist(id);
    expect(a.usedBytes).toBe(0);
    expect(a.chunks.infos(['k'])[0]).toMatchObject({ persisted: true, level: 'memory' });
    a.chunks.delete('k'); // forgets the key only
    expect(a.chunks.has('k')).toBe(false);
    a.close();
    const b = new ObjectStore({ catalog });
    expect([...(b.get(id) as { data: Int32Array }).data]).toEqual([1, 2, 3, 4]);
  });

  it('another session’s private object is invisible, and a reference from it stops even a forced delete', () => {
    const catalog = new SharedCatalog();
    const a = new ObjectStore({ catalog });
    const b = new ObjectStore({ catalog });
    const privateToA = a.put(f64(2));
    expect(b.exists(privateToA)).toBe(false);
    expect(b.delete(privateToA).deleted).toEqual([]);
    const shared = b.put(f64(4), { persist: true });
    const wrapper = a.create(new MetaBuilder('app::W').setGlobal().addMember('m', shared)).id;
    const report = b.delete(shared, { force: true });
    expect(report.deleted).toEqual([]);
    expect(report.kept[0]!.referencedBy.map(String)).toEqual([wrapper.toString()]);
    expect(b.exists(shared)).toBe(true);
    a.clear();
    expect(b.delete(shared).deleted.map(String)).toContain(shared.toString());
  });
});

describe('store errors cross thread boundaries as their own class and code', () => {
  it.each([
    [new ObjectNotExistsError('m'), 'ObjectNotExists'],
    [new ObjectExistsError('m'), 'ObjectExists'],
    [new InvalidError('m'), 'Invalid'],
    [new AssertionFailedError('m'), 'AssertionFailed'],
    [new UserInputError('m'), 'UserInputError'],
    [new NotEnoughMemoryError('m', { requested: 1, memoryUsage: 2, memoryLimit: 3, freeable: 0 }), 'NotEnoughMemory'],
    [new ObjectSealedError('m'), 'ObjectSealed'],
    [new GlobalObjectInvalidError('m'), 'GlobalObjectInvalid'],
    [new MetaTreeInvalidError('m'), 'MetaTreeInvalid'],
    [new StoreTypeError('m'), 'TypeError'],
  ])('%s', (err, code) => {
    const back = errorFromData(structuredClone(errorToData(err)));
    expect(back).toBeInstanceOf(err.constructor);
    expect(back).toBeInstanceOf(StoreError);
    expect((back as StoreError).code).toBe(code);
    if (err instanceof NotEnoughMemoryError) expect((back as NotEnoughMemoryError).memoryLimit).toBe(3);
  });
});
