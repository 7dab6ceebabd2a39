import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordBatch, tableFromArrays, type Table } from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { NotEnoughMemoryError } from '../../../src/store/errors.js';
import type { ObjectStore } from '../../../src/store/objectStore.js';
import { codeOf, f64, newStore } from './helpers.js';

const dirs: string[] = [];
function spillDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-spill-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A store with a 1000-byte limit and a log of eviction notices; chunks of 400 bytes fit two at a time. */
function small(options: { spill?: boolean } = {}) {
  const dir = options.spill ? spillDir() : undefined;
  const store = newStore({ memoryLimit: 1000, ...(dir ? { spillDir: dir } : {}) });
  const events: string[] = [];
  store.chunks.onEvict((key, how) => events.push(`${key}:${how}`));
  return { store, chunks: store.chunks, events, dir };
}
const chunk = (start: number) => ({ dtype: 'float64', shape: [50], data: f64(50, start) });
const dataOf = (store: ObjectStore, key: string): number[] => [...(store.chunks.get(key) as { data: Float64Array }).data];

function snapshot(store: ObjectStore, keys: string[]) {
  const s = store.status();
  return {
    usage: s.memoryUsage,
    objects: s.objects,
    blobs: s.blobs,
    evictions: s.evictions,
    present: keys.map((k) => store.chunks.has(k)),
    infos: store.chunks.infos(keys.filter((k) => store.chunks.has(k))),
  };
}

describe('eviction without a spill directory', () => {
  it('drops the least recently used unheld chunk and tells the listeners', () => {
    const { store, chunks, events } = small();
    chunks.put('k1', chunk(0));
    chunks.put('k2', chunk(100));
    chunks.put('k3', chunk(200));
    expect(events).toEqual(['k1:dropped']);
    expect(chunks.has('k1')).toBe(false);
    expect(() => chunks.get('k1')).toThrow(/evicted under the memory limit and dropped/);
    expect(dataOf(store, 'k2')).toEqual([...f64(50, 100)]);
    expect(dataOf(store, 'k3')).toEqual([...f64(50, 200)]);
    expect(store.status()).toMatchObject({ memoryUsage: 800, evictions: 1, spills: 0 });
  });

  it('get refreshes recency, so the other chunk goes', () => {
    const { chunks, events } = small();
    chunks.put('k1', chunk(0));
    chunks.put('k2', chunk(1));
    chunks.get('k1');
    chunks.put('k3', chunk(2));
    expect(events).toEqual(['k2:dropped']);
    expect(chunks.has('k1')).toBe(true);
  });

  it('evicts unheld chunks before held ones, and held ones only when nothing else is left', () => {
    const { chunks, events } = small();
    chunks.put('held', chunk(0));
    expect(chunks.retain('held')).toBe(1);
    chunks.put('free', chunk(1));
    chunks.put('k3', chunk(2));
    expect(events).toEqual(['free:dropped']);
    chunks.pin('k3');
    chunks.put('k4', chunk(3));
    expect(events).toEqual(['free:dropped', 'held:dropped']);
    expect(chunks.has('held')).toBe(false);
    expect(chunks.release('held')).toBe(0);
    expect(chunks.release('held')).toBe(0);
  });

  it('a recomputed chunk keeps its object id, so results that refer to it stay valid', () => {
    const { store, chunks } = small();
    chunks.put('k1', chunk(0));
    const result = chunks.registerResult('t', ['k1']);
    const before = chunks.infos(['k1'])[0]!.objectId;
    chunks.put('k2', chunk(1));
    chunks.put('k3', chunk(2));
    expect(chunks.has('k1')).toBe(false);
    expect(() => chunks.infos('t')).toThrow(/dropped/);
    chunks.put('k1', chunk(0));
    expect(chunks.infos(['k1'])[0]!.objectId).toBe(before);
    expect(chunks.infos('t').map((i) => i.key)).toEqual(['k1']);
    expect(store.getMeta(result).member('chunk-0').toString()).toBe(before);
  });

  it('never evicts pinned or persisted objects; NotEnoughMemory leaves the store exactly as it was', () => {
    const { store, chunks, events } = small();
    chunks.put('pinned', chunk(0));
    chunks.pin('pinned');
    chunks.put('kept', chunk(1));
    store.persist(store.chunks.infos(['kept'])[0]!.objectId);
    chunks.put('k3', chunk(2));
    chunks.pin('k3');
    const before = snapshot(store, ['pinned', 'kept', 'k3', 'k4']);
    let caught: unknown;
    try {
      chunks.put('k4', { dtype: 'float64', shape: [100], data: f64(100) });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NotEnoughMemoryError);
    const err = caught as NotEnoughMemoryError;
    expect(err.code).toBe('NotEnoughMemory');
    expect(err.message).toMatch(/^Still not enough memory after evicting/);
    expect(err.message).toMatch(/800 bytes.*1000 bytes/);
    expect(err.message).toMatch(/raise memoryLimit, set spillDir/);
    expect(err).toMatchObject({ requested: 800, memoryLimit: 1000, memoryUsage: 800, freeable: 0 });
    expect(snapshot(store, ['pinned', 'kept', 'k3', 'k4'])).toEqual(before);
    expect(events).toEqual([]);
    expect(dataOf(store, 'pinned')).toEqual([...f64(50, 0)]);
    chunks.unpin('pinned');
    chunks.put('k4', chunk(9));
    expect(events).toEqual(['pinned:dropped']);
  });

  it('a value larger than the limit fails at once without evicting anything', () => {
    const { store, chunks, events } = small();
    chunks.put('k1', chunk(0));
    expect(() => store.put(f64(200))).toThrow(/alone is larger than the memory limit/);
    expect(events).toEqual([]);
    expect(chunks.has('k1')).toBe(true);
  });

  it('object puts make room by evicting chunks too', () => {
    const { store, chunks, events } = small();
    chunks.put('k1', chunk(0));
    chunks.put('k2', chunk(1));
    const id = store.put(f64(50));
    expect(events).toEqual(['k1:dropped']);
    expect(store.exists(id)).toBe(true);
  });

  it('accounts a buffer shared by two chunks once, and frees it only when both go', () => {
    const { store, chunks, events } = small();
    const data = f64(50);
    chunks.put('a', { dtype: 'float64', shape: [50], data });
    chunks.put('a-reshaped', { dtype: 'float64', shape: [5, 10], data });
    expect(store.usedBytes).toBe(400);
    chunks.put('b', chunk(1));
    chunks.put('c', chunk(2));
    expect(events).toEqual(['a:dropped', 'a-reshaped:dropped']);
    expect(store.usedBytes).toBe(800);
    expect(store.status().blobs).toBe(2);
  });
});

describe('spilling to disk', () => {
  it('spills the LRU chunk and restores it transparently, in shared memory, with the exact data', () => {
    const { store, chunks, events, dir } = small({ spill: true });
    chunks.put('k1', chunk(0));
    chunks.put('k2', chunk(100));
    chunks.put('k3', chunk(200));
    expect(events).toEqual(['k1:spilled']);
    expect(readdirSync(dir!)).toHaveLength(1);
    expect(chunks.has('k1')).toBe(true);
    expect(chunks.infos(['k1'], ['level', 'nbytes'])).toEqual([{ level: 'disk', nbytes: 400 }]);
    expect(store.usedBytes).toBe(800);
    const restored = chunks.get('k1') as { data: Float64Array; shape: readonly number[] };
    expect([...restored.data]).toEqual([...f64(50, 0)]);
    expect(restored.shape).toEqual([50]);
    expect(restored.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(events).toEqual(['k1:spilled', 'k2:spilled']);
    expect(chunks.infos(['k1', 'k2']).map((i) => i.level)).toEqual(['memory', 'disk']);
    expect(readdirSync(dir!)).toHaveLength(1);
    expect(store.status()).toMatchObject({ spills: 2, restores: 1, evictions: 2, memoryUsage: 800 });
    expect(dataOf(store, 'k2')).toEqual([...f64(50, 100)]);
  });

  it('round-trips every codec through a spill file', () => {
    const { store, chunks } = small({ spill: true });
    const csr = { n: 3, offsets: new Int32Array([0, 1, 2, 2]), targets: new Int32Array([1, 2]), weights: new Float64Array([0.5, Infinity]) };
    const record = { sum: new Float64Array([1, 2]), count: 2n, min: -0, max: -Infinity, note: 'é', list: [1, undefined, { $t: 'x' }] };
    const table: Table = tableFromArrays({ a: new Float64Array([1, 2, 3]), s: ['x', 'y', 'x'] });
    chunks.put('csr', csr);
    chunks.put('record', record);
    chunks.put('table', table);
    chunks.put('batch', table.batches[0]!);
    chunks.put('json', { a: [1, 'two', null] });
    chunks.put('bytes', new Int16Array([1, -2, 3]));
    chunks.put('big', chunk(0));
    chunks.put('big2', chunk(1));
    chunks.put('big3', chunk(2));
    expect(chunks.infos(['csr', 'record', 'table', 'batch', 'json', 'bytes']).every((i) => i.level === 'disk')).toBe(true);
    const g = chunks.get('csr') as typeof csr;
    expect([...g.offsets]).toEqual([0, 1, 2, 2]);
    expect([...g.weights]).toEqual([0.5, Infinity]);
    expect(g.n).toBe(3);
    expect(chunks.infos(['csr'])[0]!.typename).toBe('tessera::CSRGraph');
    const r = chunks.get('record') as typeof record;
    expect(r).toEqual(record);
    expect(Object.is(r.min, -0)).toBe(true);
    const t = chunks.get('table') as Table;
    expect(t.getChild('a')!.toArray()).toEqual(new Float64Array([1, 2, 3]));
    expect(t.getChild('s')!.toArray()).toEqual(['x', 'y', 'x']);
    const batch = chunks.get('batch') as RecordBatch;
    expect(batch).toBeInstanceOf(RecordBatch);
    expect([...(batch.getChild('a')!.toArray() as Float64Array)]).toEqual([1, 2, 3]);
    expect(chunks.infos(['batch'])[0]!.typename).toBe('tessera::ArrowRecordBatch');
    expect(chunks.get('json')).toEqual({ a: [1, 'two', null] });
    expect(chunks.get('bytes')).toEqual(new Int16Array([1, -2, 3]));
  });

  it('persisting a result brings its spilled chunks back and hands all their bytes to the catalog', () => {
    const { store, chunks, dir } = small({ spill: true });
    chunks.put('k1', chunk(0));
    chunks.put('k2', chunk(100));
    chunks.put('k3', chunk(200));
    expect(chunks.infos(['k1'])[0]!.level).toBe('disk');
    const result = chunks.registerResult('t', ['k1', 'k2']);
    store.persist(result);
    expect(chunks.infos('t')).toMatchObject([
      { level: 'memory', persisted: true },
      { level: 'memory', persisted: true },
    ]);
    // Bringing k1 back needed room, so k3 (not part of the result) was spilled in turn.
    expect(chunks.infos(['k3'])[0]!.level).toBe('disk');
    expect(store.usedBytes).toBe(0);
    expect(readdirSync(dir!)).toHaveLength(1);
    expect(dataOf(store, 'k1')).toEqual([...f64(50, 0)]);
  });

  it('bytes still needed by a spilled chunk follow it to disk when their last in-memory user goes', () => {
    const { store, chunks, events } = small({ spill: true });
    const data = f64(50, 3);
    chunks.put('a', { dtype: 'float64', shape: [50], data });
    chunks.put('a2', { dtype: 'float64', shape: [10, 5], data });
    chunks.put('x', chunk(100));
    chunks.put('y', chunk(200));
    expect(events).toEqual(['a:spilled', 'a2:spilled']);
    chunks.get('a');
    expect(chunks.infos(['a', 'a2', 'x']).map((i) => i.level)).toEqual(['memory', 'disk', 'disk']);
    chunks.delete('a');
    expect(store.usedBytes).toBe(400);
    const a2 = chunks.get('a2') as { data: Float64Array; shape: readonly number[] };
    expect([...a2.data]).toEqual([...f64(50, 3)]);
    expect(a2.shape).toEqual([10, 5]);
  });

  it('deletes spill files when the chunk is deleted or the store cleared', () => {
    const { store, chunks, dir } = small({ spill: true });
    chunks.put('k1', chunk(0));
    chunks.put('k2', chunk(1));
    chunks.put('k3', chunk(2));
    chunks.put('k4', chunk(3));
    expect(readdirSync(dir!)).toHaveLength(2);
    chunks.delete('k1');
    expect(readdirSync(dir!)).toHaveLength(1);
    store.clear();
    expect(readdirSync(dir!)).toEqual([]);
    expect(store.usedBytes).toBe(0);
  });

  it('a restore that cannot fit throws NotEnoughMemory and leaves the data on disk', () => {
    const { store, chunks } = small({ spill: true });
    chunks.put('k1', chunk(0));
    chunks.put('k2', chunk(1));
    chunks.put('k3', chunk(2));
    chunks.pin('k2');
    chunks.pin('k3');
    expect(() => chunks.get('k1')).toThrow(/^Still not enough memory after spilling/);
    expect(chunks.infos(['k1'])[0]!.level).toBe('disk');
    chunks.unpin('k3');
    expect(dataOf(store, 'k1')).toEqual([...f64(50, 0)]);
  });

  it('a spill directory that cannot be created is refused up front', () => {
    const file = join(spillDir(), 'a-file');
    writeFileSync(file, 'x');
    expect(codeOf(() => newStore({ spillDir: join(file, 'sub') }))).toBe('InvalidOption');
  });

  it('a spill directory that cannot be written makes NotEnoughMemory (with the cause) and changes nothing', () => {
    const dir = join(spillDir(), 'nested', 'dir');
    const store = newStore({ memoryLimit: 1000, spillDir: dir });
    rmSync(dir, { recursive: true });
    store.chunks.put('k1', chunk(0));
    store.chunks.put('k2', chunk(1));
    const err = (() => {
      try {
        store.chunks.put('k3', chunk(2));
      } catch (e) {
        return e as NotEnoughMemoryError;
      }
      return undefined;
    })();
    expect(err?.code).toBe('NotEnoughMemory');
    expect(err?.message).toMatch(/writing spill files/);
    expect(err?.cause).toBeDefined();
    expect(store.chunks.infos(['k1', 'k2']).map((i) => i.level)).toEqual(['memory', 'memory']);
    expect(store.chunks.has('k3')).toBe(false);
  });

  it('replaces a chunk whose blob it shared with a spilled chunk: the blob is spilled, not counted as needing room', () => {
    // Found by the model check (seed -1148794801): k1 shares k3's blob, both spilled; k1 read back alone;
    // then k1 replaced by k0's data (itself spilled). The old blob leaves memory once only spilled k3
    // uses it, but was not counted as freed, so the put failed for want of 8 bytes under a 1200-byte limit.
    const store = newStore({ memoryLimit: 1200, spillDir: spillDir() });
    const shared = f64(76, 1000);
    store.chunks.put('k3', { dtype: 'float64', shape: [76], data: shared });
    store.chunks.put('k1', { dtype: 'float64', shape: [76], data: shared });
    const other = f64(75, 2000);
    store.chunks.put('k0', { dtype: 'float64', shape: [75], data: other });
    store.chunks.get('k1');
    store.chunks.put('k1', { dtype: 'float64', shape: [75], data: other });
    expect(store.usedBytes).toBeLessThanOrEqual(1200);
    expect([...(store.chunks.get('k1') as { data: Float64Array }).data]).toEqual([...other]);
    expect([...(store.chunks.get('k3') as { data: Float64Array }).data]).toEqual([...shared]);
  });
});
