import { describe, expect, it } from 'vitest';
import { ObjectExistsError, ObjectNotExistsError } from '../../../src/store/errors.js';
import { ObjectID } from '../../../src/store/objectId.js';
import { SharedCatalog } from '../../../src/store/catalog.js';
import { ObjectStore } from '../../../src/store/objectStore.js';
import { codeOf, f64, newStore } from './helpers.js';

describe('names (A.3 #17–#23)', () => {
  it('#17: naming an id that does not exist is ObjectNotExists; naming a blob is Invalid', () => {
    const store = newStore();
    expect(codeOf(() => store.putName(ObjectID.fromBigInt(5n), 'x'))).toBe('ObjectNotExists');
    const arr = store.put(f64(2), { persist: true });
    const blob = store.getMeta(arr).member('buffer');
    expect(() => store.putName(blob, 'x')).toThrow('blobs cannot have name');
    expect(codeOf(() => store.putName(blob, 'x'))).toBe('Invalid');
  });

  it('#18: a transient object cannot be named until it is persisted', () => {
    const store = newStore();
    const id = store.put(f64(2));
    expect(() => store.putName(id, 'n')).toThrow('transient objects cannot have name, please persist it first');
    expect(codeOf(() => store.putName(id, 'n'))).toBe('Invalid');
    store.persist(id);
    store.putName(id, 'n');
    expect(store.getName('n').equals(id)).toBe(true);
  });

  it('#19: a bound name resolves, lists, and shows in the meta', () => {
    const store = newStore();
    const id = store.put(f64(2), { persist: true });
    store.putName(id, 'test_name');
    expect(store.getName('test_name').equals(id)).toBe(true);
    expect([...store.listNames('test*', { regex: false, limit: 100 }).keys()]).toEqual(['test_name']);
    expect(store.getMeta(id).name).toBe('test_name');
    expect(store.get({ name: 'test_name' })).toBe(store.get(id));
  });

  it('#20: dropName unbinds (and dropping a missing name is a no-op)', () => {
    const store = newStore();
    const id = store.put(f64(2), { persist: true });
    store.putName(id, 'test_name');
    store.dropName('test_name');
    expect(() => store.getName('test_name')).toThrow(ObjectNotExistsError);
    expect(store.getMeta(id).name).toBeUndefined();
    expect(store.listNames('test*').size).toBe(0);
    store.dropName('never-bound');
  });

  it('#22 (departure): rebinding a name needs {overwrite: true}; the meta shows the latest name', () => {
    const store = newStore();
    const a = store.put(1, { persist: true });
    const b = store.put(2, { persist: true });
    store.putName(a, 'n');
    store.putName(a, 'n'); // the same binding again is fine
    expect(() => store.putName(b, 'n')).toThrow(ObjectExistsError);
    expect(store.getName('n').equals(a)).toBe(true);
    store.putName(b, 'n', { overwrite: true });
    expect(store.getName('n').equals(b)).toBe(true);
    expect(store.getMeta(a).name).toBeUndefined();
    store.putName(b, 'second');
    expect(store.getMeta(b).name).toBe('second');
    store.dropName('second');
    expect(store.getMeta(b).name).toBe('n');
  });

  it('#23 (departure): deleting an object drops its names', () => {
    const store = newStore();
    const id = store.put(f64(2), { persist: true, name: 'gone' });
    store.putName(id, 'alias');
    store.delete(id);
    expect(() => store.getName('gone')).toThrow(ObjectNotExistsError);
    expect(() => store.getName('alias')).toThrow(ObjectNotExistsError);
    expect(store.status().names).toBe(0);
  });

  it('#26: listNames matches names by glob or full regex, sorted, limit 5 by default', () => {
    const store = newStore();
    for (const n of ['b1', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'c']) store.put(1, { persist: true, name: n });
    expect([...store.listNames('a*').keys()]).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect([...store.listNames('a[2-3]', { limit: 10 }).keys()]).toEqual(['a2', 'a3']);
    expect([...store.listNames('[ab]1', { regex: true }).keys()]).toEqual(['a1', 'b1']);
    expect([...store.listNames('1', { regex: true }).keys()]).toEqual([]);
    expect(store.listNames('(', { regex: true }).size).toBe(0);
    expect(store.listNames('c').get('c')).toBeInstanceOf(ObjectID);
  });
});

describe('getName with wait (A.3 #21, with a deadline and a signal)', () => {
  it('without wait a missing name is an immediate ObjectNotExists', () => {
    expect(codeOf(() => newStore().getName('missing'))).toBe('ObjectNotExists');
  });

  it('parks as a deferred request and resolves when another store binds the name', async () => {
    const catalog = new SharedCatalog();
    const consumer = new ObjectStore({ catalog });
    const producer = new ObjectStore({ catalog });
    const pending = consumer.getName('later', { wait: true, timeoutMs: 5_000 });
    expect(consumer.status().deferredRequests).toBe(1);
    const id = producer.put(f64(3, 7), { persist: true });
    producer.putName(id, 'later');
    const got = await pending;
    expect(got.equals(id)).toBe(true);
    expect(consumer.status().deferredRequests).toBe(0);
    expect(consumer.get(got)).toBe(producer.get(id));
  });

  it('resolves at once when the name is already bound', async () => {
    const store = newStore();
    const id = store.put(1, { persist: true, name: 'there' });
    expect((await store.getName('there', { wait: true })).equals(id)).toBe(true);
  });

  it('rejects with ObjectNotExists after timeoutMs', async () => {
    const store = newStore();
    await expect(store.getName('never', { wait: true, timeoutMs: 20 })).rejects.toThrow(/within 20 ms/);
    expect(store.status().deferredRequests).toBe(0);
  });

  it('rejects with the signal’s reason when aborted, before or while parked', async () => {
    const store = newStore();
    const ctl = new AbortController();
    const pending = store.getName('never', { wait: true, signal: ctl.signal });
    ctl.abort(new Error('stop waiting'));
    await expect(pending).rejects.toThrow('stop waiting');
    await expect(store.getName('never', { wait: true, signal: ctl.signal })).rejects.toThrow('stop waiting');
    expect(store.status().deferredRequests).toBe(0);
  });

  it('rejects parked lookups when the store closes', async () => {
    const store = newStore();
    const pending = store.getName('never', { wait: true });
    store.close();
    await expect(pending).rejects.toMatchObject({ code: 'Invalid' });
  });
});
