import { describe, expect, it } from 'vitest';
import type { ChunkStore } from '../../../src/store/chunkStore.js';
import { ObjectID } from '../../../src/store/objectId.js';
import { MetaBuilder } from '../../../src/store/objectMeta.js';
import { codeOf, f64, newStore } from './helpers.js';

const tensor = (n: number, start = 0) => ({ dtype: 'float64', shape: [n], data: f64(n, start) });

describe('store.chunks: the ChunkStore contract', () => {
  it('stores every chunk as one object, zero-copy, keyed by chunk key', () => {
    const store = newStore();
    const chunks: ChunkStore = store.chunks;
    const value = tensor(8);
    chunks.put('add-1:0', value);
    expect(chunks.has('add-1:0')).toBe(true);
    const got = chunks.get('add-1:0') as { data: Float64Array; dtype: string };
    expect(got.data).toBe(value.data);
    expect(got.dtype).toBe('float64');
    expect(chunks.usedBytes).toBe(64);
    const info = store.chunks.infos(['add-1:0'])[0]!;
    expect(info).toMatchObject({ key: 'add-1:0', nbytes: 64, level: 'memory', typename: 'tessera::Tensor', shape: [8], dtype: 'float64' });
    expect(store.getMeta(info.objectId).chunkKey).toBe('add-1:0');
    chunks.delete('add-1:0');
    expect(chunks.has('add-1:0')).toBe(false);
    expect(chunks.usedBytes).toBe(0);
    chunks.delete('add-1:0');
    expect(codeOf(() => chunks.get('add-1:0'))).toBe('ObjectNotExists');
  });

  it('putting a key again replaces its value in place (same id), freeing the old bytes', () => {
    const store = newStore({ memoryLimit: 1000 });
    store.chunks.put('k', tensor(100));
    const id = store.chunks.infos(['k'])[0]!.objectId;
    store.chunks.put('k', tensor(120, 5));
    expect(store.chunks.infos(['k'])[0]!.objectId).toBe(id);
    expect(store.usedBytes).toBe(960);
    expect((store.chunks.get('k') as { data: Float64Array }).data[0]).toBe(5);
  });

  it('putting the same value under the same key again keeps its bytes (accounted once)', () => {
    const store = newStore();
    const value = tensor(10);
    store.chunks.put('k', value);
    store.chunks.put('k', value);
    store.chunks.put('k', { ...value, shape: [2, 5] });
    expect(store.usedBytes).toBe(80);
    expect(store.status().blobs).toBe(1);
    expect((store.chunks.get('k') as { data: Float64Array; shape: readonly number[] }).shape).toEqual([2, 5]);
  });

  it('pins and holds nest per key and may come before the chunk; unbalanced releases stop at zero', () => {
    const store = newStore();
    store.chunks.pin('later');
    store.chunks.pin('later');
    store.chunks.unpin('later');
    store.chunks.unpin('later');
    store.chunks.unpin('later');
    expect(store.chunks.retain('k')).toBe(1);
    expect(store.chunks.retain('k')).toBe(2);
    expect(store.chunks.release('k')).toBe(1);
    expect(store.chunks.release('k')).toBe(0);
    expect(store.chunks.release('k')).toBe(0);
  });

  it('delete(key) keeps a chunk that is held or that a registered result refers to', () => {
    const store = newStore();
    store.chunks.put('held', tensor(2));
    store.chunks.retain('held');
    store.chunks.delete('held');
    expect(store.chunks.has('held')).toBe(true);
    store.chunks.put('member', tensor(2));
    store.chunks.registerResult('t', ['member']);
    store.chunks.delete('member');
    expect(store.chunks.has('member')).toBe(true);
  });
});

describe('results and infos', () => {
  it('registers a global object whose members are the chunk objects, idempotently', () => {
    const store = newStore();
    store.chunks.put('t:0', tensor(4));
    store.chunks.put('t:1', tensor(2, 4));
    const id = store.chunks.registerResult('t', ['t:0', 't:1'], { typename: 'tessera::GlobalTensor', fields: { shape: [6] } });
    const meta = store.getMeta(id);
    expect(meta.global).toBe(true);
    expect(meta.typename).toBe('tessera::GlobalTensor');
    expect(meta.nbytes).toBe(48);
    expect(meta.get('shape')).toEqual([6]);
    expect(meta.get('chunkKeys')).toEqual(['t:0', 't:1']);
    expect(meta.member('chunk-1').toString()).toBe(store.chunks.infos(['t:1'])[0]!.objectId);
    expect(store.chunks.registerResult('t', ['t:0', 't:1']).equals(id)).toBe(true);
    expect(store.chunks.resultId('t')!.equals(id)).toBe(true);
    expect(store.list('tessera::GlobalTensor').map((m) => m.id.toString())).toEqual([id.toString()]);
    const replaced = store.chunks.registerResult('t', ['t:1']);
    expect(replaced.equals(id)).toBe(false);
    expect(store.exists(id)).toBe(false);
    expect(store.chunks.has('t:0')).toBe(true);
  });

  it('infos accepts a tileable key or chunk keys, and can select fields', () => {
    const store = newStore();
    store.chunks.put('a', tensor(3));
    store.chunks.put('b', { sum: new Float64Array([1]), count: 3 });
    store.chunks.registerResult('t', ['a', 'b']);
    expect(store.chunks.infos('t', ['key', 'nbytes', 'typename'])).toEqual([
      { key: 'a', nbytes: 24, typename: 'tessera::Tensor' },
      { key: 'b', nbytes: store.chunks.infos(['b'])[0]!.nbytes, typename: 'tessera::Record' },
    ]);
    expect(store.chunks.infos(['b'])[0]!.objectId).toMatch(/^o[0-9a-f]{16}$/);
    expect(codeOf(() => store.chunks.infos('unknown'))).toBe('ObjectNotExists');
    expect(codeOf(() => store.chunks.infos(['nope']))).toBe('ObjectNotExists');
    expect(codeOf(() => store.chunks.registerResult('u', ['nope']))).toBe('ObjectNotExists');
  });

  it('a deleted result is forgotten, and get on a global object gives a navigable StoredObject', () => {
    const store = newStore();
    store.chunks.put('a', tensor(3, 1));
    const id = store.chunks.registerResult('t', ['a']);
    const obj = store.get(id) as { member(name: string): { id: ObjectID } };
    expect(store.get(obj.member('chunk-0').id)).toMatchObject({ shape: [3] });
    store.delete(id, { deep: false });
    expect(store.chunks.resultId('t')).toBeUndefined();
    expect(store.chunks.has('a')).toBe(true);
  });

  it('a local wrapper may refer to chunk objects like any other', () => {
    const store = newStore();
    store.chunks.put('a', tensor(1));
    const chunkId = store.chunks.infos(['a'])[0]!.objectId;
    const w = store.create(new MetaBuilder('app::W').addMember('c', ObjectID.parse(chunkId)));
    expect(w.nbytes).toBe(8);
  });
});
