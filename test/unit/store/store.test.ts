import { describe, expect, it } from 'vitest';
import { type Codec, registerCodec } from '../../../src/store/codecs.js';
import { AssertionFailedError, ObjectNotExistsError } from '../../../src/store/errors.js';
import { ObjectID } from '../../../src/store/objectId.js';
import { MetaBuilder } from '../../../src/store/objectMeta.js';
import type { ObjectStore } from '../../../src/store/objectStore.js';
import { codeOf, f64, newStore } from './helpers.js';

/** wrapper → arr → blob, as in Vineyard's delete tests. */
function chain(store: ObjectStore) {
  const arr = store.put(f64(16));
  const blob = store.getMeta(arr).member('buffer');
  const wrapper = store.create(new MetaBuilder('app::Wrapper').addMember('arr', arr)).id;
  return { wrapper, arr, blob };
}

const ids = (list: readonly ObjectID[]): string[] => list.map(String).sort();

describe('objects (A.3 #1–#5)', () => {
  it('#1: a fresh object exists, is transient and local', () => {
    const store = newStore();
    const id = store.put(1.2345);
    expect(store.exists(id)).toBe(true);
    const meta = store.getMeta(id);
    expect(meta.isPersist).toBe(false);
    expect(meta.instanceId).toBe(store.instanceId);
    expect(meta.typename).toBe('tessera::Scalar');
    expect(store.get(id)).toBe(1.2345);
  });

  it('#2: persist three times succeeds each time', () => {
    const store = newStore();
    const id = store.put(f64(8));
    store.persist(id);
    store.persist(id);
    store.persist(id);
    expect(store.getMeta(id).isPersist).toBe(true);
  });

  it('#3: persisting a parent persists its transient members, and moves their bytes to the catalog', () => {
    const store = newStore();
    const { wrapper, arr, blob } = chain(store);
    expect(store.usedBytes).toBe(128);
    store.persist(wrapper);
    expect(store.getMeta(wrapper).isPersist).toBe(true);
    expect(store.getMeta(arr).isPersist).toBe(true);
    expect(store.exists(blob)).toBe(true);
    expect(store.usedBytes).toBe(0);
    expect(store.status().persisted).toBe(2);
  });

  it('#4: blobs cannot be persisted and never report persisted', () => {
    const store = newStore();
    const { arr, blob } = chain(store);
    expect(() => store.persist(blob)).toThrow('The blobs cannot be persisted');
    expect(() => store.persist(blob)).toThrow(AssertionFailedError);
    store.persist(arr);
    expect(store.getMeta(blob).isPersist).toBe(false);
  });

  it('#5: an id that was never created is ObjectNotExists for get, getMeta and getObject', () => {
    const store = newStore();
    const ghost = ObjectID.fromBigInt(0x1234n);
    expect(() => store.get(ghost)).toThrow(ObjectNotExistsError);
    expect(codeOf(() => store.getMeta(ghost))).toBe('ObjectNotExists');
    expect(codeOf(() => store.getObject(ghost))).toBe('ObjectNotExists');
    expect(store.exists(ghost)).toBe(false);
  });

  it('accepts printed ids and refuses malformed ones strictly', () => {
    const store = newStore();
    const id = store.put('text');
    expect(store.get(id.toString())).toBe('text');
    expect(codeOf(() => store.get(id.toString().slice(1)))).toBe('UserInputError');
  });

  it('getMetas and getObjects are all or nothing', () => {
    const store = newStore();
    const a = store.put(1);
    const b = store.put(2);
    expect(store.getMetas([a, b]).map((m) => m.id.toString())).toEqual([a.toString(), b.toString()]);
    const ghost = ObjectID.fromBigInt(99n);
    expect(() => store.getMetas([a, ghost])).toThrow(ghost.toString());
    expect(store.getObjects([a]).map((o) => o.typename)).toEqual(['tessera::Scalar']);
  });
});

describe('delete (A.3 #6–#15) and the delete report', () => {
  it('#6: a deleted object and its blob no longer exist', () => {
    const store = newStore();
    const arr = store.put(f64(4));
    const blob = store.getMeta(arr).member('buffer');
    expect(ids(store.delete(arr).deleted)).toEqual(ids([arr, blob]));
    expect(store.exists(arr)).toBe(false);
    expect(store.exists(blob)).toBe(false);
    expect(store.usedBytes).toBe(0);
  });

  it('#7: unknown and already-deleted ids are ignored silently', () => {
    const store = newStore();
    const id = store.put(3);
    store.delete(id);
    expect(store.delete(id)).toEqual({ deleted: [], kept: [] });
    expect(store.delete(ObjectID.fromBigInt(777n))).toEqual({ deleted: [], kept: [] });
  });

  it('#8/#12: defaults are force=false, deep=true; a still-referenced object is kept and reported', () => {
    const store = newStore();
    const { wrapper, arr, blob } = chain(store);
    const report = store.delete(arr);
    expect(report.deleted).toEqual([]);
    expect(report.kept.map((k) => [k.id.toString(), ids(k.referencedBy)])).toEqual([[arr.toString(), [wrapper.toString()]]]);
    expect(store.exists(arr)).toBe(true);
    expect(store.exists(blob)).toBe(true);
  });

  it('#9: a shallow delete removes only the wrapper', () => {
    const store = newStore();
    const { wrapper, arr, blob } = chain(store);
    expect(ids(store.delete(wrapper, { deep: false }).deleted)).toEqual([wrapper.toString()]);
    expect(store.exists(arr)).toBe(true);
    expect(store.exists(blob)).toBe(true);
  });

  it('#10: direct blob members are always deleted, even when deep=false', () => {
    const store = newStore();
    const arr = store.put(f64(4));
    const blob = store.getMeta(arr).member('buffer');
    expect(ids(store.delete(arr, { deep: false }).deleted)).toEqual(ids([arr, blob]));
    expect(store.exists(blob)).toBe(false);
    expect(store.usedBytes).toBe(0);
  });

  it('#11: a deep delete recurses into members nothing else refers to', () => {
    const store = newStore();
    const arr = store.put(f64(4));
    const blob = store.getMeta(arr).member('buffer');
    const w1 = store.create(new MetaBuilder('app::W').addMember('arr', arr)).id;
    const w2 = store.create(new MetaBuilder('app::W').addMember('arr', arr)).id;
    expect(ids(store.delete(w1).deleted)).toEqual([w1.toString()]);
    expect(store.exists(arr)).toBe(true);
    const second = store.delete(w2).deleted;
    expect(second.map(String)).toEqual([w2, arr, blob].map(String)); // parents before children
    expect(store.usedBytes).toBe(0);
  });

  it('#13: force deletes upwards through referrers', () => {
    const store = newStore();
    const { wrapper, arr, blob } = chain(store);
    const report = store.delete(blob, { force: true, deep: false });
    expect(ids(report.deleted)).toEqual(ids([wrapper, arr, blob]));
    expect(report.deleted.map(String)).toEqual([wrapper, arr, blob].map(String));
    expect([wrapper, arr, blob].some((id) => store.exists(id))).toBe(false);
  });

  it('#14: a batch deletes parents before children, whatever order it was given in', () => {
    for (const order of ['parent-first', 'child-first'] as const) {
      const store = newStore();
      const arr = store.put(f64(4));
      const blob = store.getMeta(arr).member('buffer');
      const batch = order === 'parent-first' ? [arr, blob] : [blob, arr];
      const report = store.delete(batch, { force: false, deep: false });
      expect(report.deleted.map(String)).toEqual([arr, blob].map(String));
      expect(report.kept).toEqual([]);
    }
  });

  it('#15: force+deep delete of a nested tree restores memory usage byte for byte', () => {
    const store = newStore();
    store.put(f64(3));
    const before = store.status().memoryUsage;
    const empty = store.createBlob(0).seal();
    const a = store.put(f64(100));
    const b = store.put({ dtype: 'int32', shape: [2, 5], data: new Int32Array(10) });
    const inner = new MetaBuilder('app::Tuple').addMember('0', a).addMember('1', b).addMember('e', empty);
    const root = store.create(new MetaBuilder('app::Tuple').addMember('inner', inner).addMember('e', empty)).id;
    expect(store.status().memoryUsage).toBeGreaterThan(before);
    store.delete(root, { force: true, deep: true });
    expect(store.status().memoryUsage).toBe(before);
    expect(store.exists(a) || store.exists(b)).toBe(false);
  });
});

describe('clear and status (A.3 #16, #35)', () => {
  it('#16: a put uses memory under the limit; clear brings usage to zero and keeps the limit', () => {
    const store = newStore({ memoryLimit: '1Mi' });
    store.put(f64(1000));
    const s = store.status();
    expect(s.memoryUsage).toBe(8000);
    expect(s.memoryLimit).toBe(1024 * 1024);
    expect(s.memoryLimit).toBeGreaterThan(s.memoryUsage);
    store.clear();
    expect(store.status().memoryUsage).toBe(0);
    expect(store.status().memoryLimit).toBe(1024 * 1024);
    expect(store.status().objects).toBe(0);
  });

  it('#35: status reports instance, memory, deferred requests and counts', () => {
    const store = newStore({ instanceId: 77 });
    const s = store.status();
    expect(Object.keys(s).sort()).toEqual(
      ['instanceId', 'memoryUsage', 'memoryLimit', 'deferredRequests', 'objects', 'blobs', 'persisted', 'persistedBytes', 'persistLimit', 'names', 'evictions', 'spills', 'restores', 'hits', 'misses'].sort(),
    );
    expect(s.instanceId).toBe(77);
  });

  it('resolves options once: sizes in Vineyard syntax, unknown keys and bad instance ids refused', () => {
    expect(newStore({ memoryLimit: '2Gi' }).memoryLimit).toBe(2 * 1024 ** 3);
    expect(newStore({ memoryLimit: 4096 }).memoryLimit).toBe(4096);
    expect(newStore({ memoryLimit: Infinity }).status().memoryLimit).toBe(Infinity);
    expect(newStore().memoryLimit).toBeGreaterThan(0);
    expect(codeOf(() => newStore({ memoryLimit: '2 parsecs' }))).toBe('InvalidOption');
    expect(codeOf(() => newStore({ instanceId: 1024 }))).toBe('InvalidOption');
    expect(codeOf(() => newStore({ memroyLimit: 1 } as never))).toBe('UnknownOption');
  });
});

describe('list by typename (A.3 #24, #25)', () => {
  function populated() {
    const store = newStore();
    const t1 = store.put({ dtype: 'float64', shape: [2], data: f64(2) });
    const arr = store.put(f64(2));
    const t2 = store.put({ dtype: 'float64', shape: [1], data: f64(1) });
    const json = store.put({ a: 1 });
    return { store, t1, t2, arr, json };
  }

  it('matches the typename with an fnmatch glob, oldest first', () => {
    const { store, t1, t2 } = populated();
    expect(store.list('tessera::Tensor*').map((m) => m.id.toString())).toEqual([t1, t2].map(String));
    expect(store.list('tessera::T?nsor').length).toBe(2);
    expect(store.list('tessera::[JT]son').map((m) => m.typename)).toEqual(['tessera::Json']);
    // tessera::Blob matches too, so the blobs follow (#25).
    expect(store.list('tessera::[!T]*').map((m) => m.typename)).toEqual(['tessera::Json', ...Array(4).fill('tessera::Blob')]);
    expect(store.list('*', { limit: 100 }).filter((m) => !m.isBlob)).toHaveLength(4);
  });

  it('in regex mode the whole typename must match; an invalid regex gives []', () => {
    const { store } = populated();
    expect(store.list('tessera::(Tensor|Json)', { regex: true }).length).toBe(3);
    expect(store.list('Tensor', { regex: true })).toEqual([]);
    expect(store.list('tessera::(', { regex: true })).toEqual([]);
  });

  it('limit defaults to 5; blobs follow objects when the pattern glob-matches tessera::Blob', () => {
    const store = newStore();
    for (let i = 0; i < 8; i++) store.put(f64(1, i));
    expect(store.list('*')).toHaveLength(5);
    const all = store.list('*', { limit: 100 });
    expect(all.filter((m) => m.isBlob)).toHaveLength(8);
    expect(all.slice(0, 8).every((m) => !m.isBlob)).toBe(true);
    // Blobs always match in wildcard mode, even when objects are matched as a regex.
    expect(store.list('tessera::*', { regex: true, limit: 3 }).every((m) => m.isBlob)).toBe(true);
    expect(store.list('tessera::Blob').every((m) => m.isBlob)).toBe(true);
    expect(store.list('tessera::TypedArray', { limit: 100 }).some((m) => m.isBlob)).toBe(false);
  });
});

describe('shallowCopy (A.3 #27)', () => {
  it('shares members and data, keeps the transient flag, and each copy is deleted on its own', () => {
    const store = newStore();
    const data = f64(10);
    const src = store.put(data, { persist: true });
    const copy = store.shallowCopy(src, { tag: 'v2', n: 3 });
    expect(copy.equals(src)).toBe(false);
    const meta = store.getMeta(copy);
    expect(meta.isPersist).toBe(true);
    expect(meta.members).toEqual(store.getMeta(src).members);
    expect(meta.get('tag')).toBe('v2');
    expect(store.get(copy)).toBe(data);
    store.delete(copy);
    expect(store.get(src)).toBe(data);
    store.delete(src);
    expect(store.exists(src)).toBe(false);
  });

  it('a transient source gives a transient copy; extra meta must be primitives; blobs cannot be copied', () => {
    const store = newStore();
    const src = store.put(f64(2));
    expect(store.getMeta(store.shallowCopy(src)).transient).toBe(true);
    expect(codeOf(() => store.shallowCopy(src, { bad: { nested: 1 } }))).toBe('AssertionFailed');
    const blob = store.getMeta(src).member('buffer');
    expect(() => store.shallowCopy(blob)).toThrow('The blobs cannot be shallow copied');
  });
});

describe('put and get plumbing (A.3 #29, #30)', () => {
  it('#29: name without persist is refused (Invalid), persist+name binds the name', () => {
    const store = newStore();
    expect(codeOf(() => store.put(1, { name: 'n' }))).toBe('Invalid');
    expect(store.status().objects).toBe(0);
    const id = store.put(1, { persist: true, name: 'n' });
    expect(store.getName('n').equals(id)).toBe(true);
    expect(codeOf(() => store.put(2, { persist: true, name: 'n' }))).toBe('ObjectExists');
    expect(store.status().persisted).toBe(1);
  });

  it('#29: an unknown type is a TypeError-coded error, never a silent fallback', () => {
    const store = newStore();
    for (const bad of [new Map(), new Date(0), () => 1, Symbol('s'), undefined, new (class Foo {})()]) {
      expect(codeOf(() => store.put(bad))).toBe('TypeError');
    }
    expect(() => store.put({ when: new Date(0) })).toThrow('.when');
    const cyclic: Record<string, unknown> = { a: new Float64Array(1) };
    cyclic['self'] = cyclic;
    expect(codeOf(() => store.put(cyclic))).toBe('TypeError');
    expect(store.usedBytes).toBe(0);
  });

  it('#30: get by name; the resolver is the codec with the most precise typename prefix', () => {
    const store = newStore();
    const base: Codec = {
      typename: 'app::Box',
      match: (v) => (typeof v === 'number' ? 1 : 0),
      encode: (v) => ({ fields: { v: v as number }, blobs: new Map(), value: v }),
      decode: ({ fields }) => ({ box: fields['v'] }),
    };
    registerCodec(base);
    registerCodec({ ...base, typename: 'app::Box::Special', decode: ({ fields }) => ({ special: fields['v'] }) });
    const plain = store.put(1, { typename: 'app::Box<int>' });
    const special = store.put(2, { typename: 'app::Box::Special<int>' });
    expect(store.getMeta(plain).typename).toBe('app::Box<int>');
    const fresh = (id: ObjectID) => store.getMeta(store.shallowCopy(id, { v: 5 })).id;
    expect(store.get(fresh(plain))).toEqual({ box: 5 });
    expect(store.get(fresh(special))).toEqual({ special: 5 });
    expect(codeOf(() => store.put(1, { typename: 'nobody::Knows' }))).toBe('TypeError');
    expect(codeOf(() => store.put('text', { typename: 'tessera::Tensor' }))).toBe('TypeError');
  });

  it('#30: a resolver that cannot rebuild the object names the typename', () => {
    const store = newStore();
    const blob = (() => {
      const w = store.createBlob(8);
      return w.seal();
    })();
    const broken = store.create(new MetaBuilder('tessera::Tensor').set('dtype', 'complex256').set('shape', [1]).addMember('data', blob));
    expect(() => store.get(broken.id)).toThrow('Unable to construct the object using resolver: typename is tessera::Tensor');
    const custom = store.create(new MetaBuilder('app::NoResolver'));
    expect((store.get(custom.id) as { typename: string }).typename).toBe('app::NoResolver');
  });
});
