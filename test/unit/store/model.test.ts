/**
 * A model check of the chunk interface under a small memory limit: random sequences of put, get, delete,
 * pin, retain and persist (with and without a spill directory) against a plain map of what each key
 * should hold. After every step the store stays under its limit, every chunk it reports is there holds
 * exactly the last value put under its key, a chunk only disappears after an eviction notice (and never
 * when spilling) or when the ledger says it must go (deleted or released with no hold, at its last unpin
 * when pinned — never while a pin remains), and a failed put changes nothing. With a spill directory, the
 * values read back from disk are checked too: by every `get` of a spilled chunk, and for every chunk at
 * the end of a sequence (pins released so each restore fits) — and the suite asserts that spills and
 * restores did happen.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { f64, newStore } from './helpers.js';

type Op =
  | { readonly kind: 'put'; readonly key: number; readonly size: number; readonly shareWith: number | null }
  | { readonly kind: 'get' | 'delete' | 'pin' | 'unpin' | 'retain' | 'release' | 'persist'; readonly key: number };

const KEYS = 6;
const LIMIT = 1200;
const key = fc.integer({ min: 0, max: KEYS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('put' as const), key, size: fc.integer({ min: 1, max: 150 }), shareWith: fc.option(key) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constantFrom('get', 'delete', 'pin', 'unpin', 'retain', 'release', 'persist'), key }), weight: 6 },
);

/** What a sequence did with the disk: chunks spilled, and values read back from disk and checked. */
interface DiskUse {
  spills: number;
  restoredReads: number;
}

/** Reads `k` (restoring it from disk if it was spilled), checks it against the model and counts disk reads. */
function readBack(store: ReturnType<typeof newStore>, k: string, expected: Float64Array, disk: DiskUse): void {
  if (store.chunks.infos([k])[0]!.level === 'disk') disk.restoredReads++;
  expect([...(store.chunks.get(k) as { data: Float64Array }).data]).toEqual([...expected]);
}

function run(ops: readonly Op[], spill: boolean, disk: DiskUse = { spills: 0, restoredReads: 0 }): void {
  const dir = spill ? mkdtempSync(join(tmpdir(), 'tessera-model-')) : undefined;
  try {
    const store = newStore({ memoryLimit: LIMIT, ...(dir ? { spillDir: dir } : {}) });
    const expected = new Map<string, Float64Array>();
    const stored = new Map<string, Float64Array>();
    const pins = new Map<string, number>();
    const holds = new Map<string, number>();
    const count = (m: Map<string, number>, k: string): number => m.get(k) ?? 0;
    // A deleted or released chunk goes once nothing holds or pins it; with pins left it must still be there.
    const mayGo = (k: string): void => {
      // (Without a spill directory an evicted chunk is gone already: that is checked as an eviction.)
      if (store.chunks.has(k) || !expected.has(k) || (!spill && evicted.has(k))) return;
      expect(count(pins, k)).toBe(0);
      expect(count(holds, k)).toBe(0);
      expected.delete(k);
    };
    const evicted = new Set<string>();
    // Without a pinned chunk in memory everything may be evicted, so anything up to the limit must fit.
    const mayRunOut = (): boolean => [...pins].some(([pk, n]) => n > 0 && store.chunks.has(pk));
    store.chunks.onEvict((k, how) => {
      expect(how).toBe(spill ? 'spilled' : 'dropped');
      evicted.add(k);
    });
    let stamp = 0;
    for (const o of ops) {
      const k = `k${o.key}`;
      try {
        switch (o.kind) {
          case 'put': {
            const shared = o.shareWith === null ? undefined : stored.get(`k${o.shareWith}`);
            const data = shared && store.chunks.has(`k${o.shareWith}`) ? shared : f64(o.size, (stamp += 1000));
            const before = { usage: store.usedBytes, has: store.chunks.has(k) };
            try {
              store.chunks.put(k, { dtype: 'float64', shape: [data.length], data });
            } catch (err) {
              expect((err as { code?: string }).code).toBe('NotEnoughMemory');
              expect(mayRunOut()).toBe(true);
              expect({ usage: store.usedBytes, has: store.chunks.has(k) }).toEqual(before);
              break;
            }
            expected.set(k, data.slice());
            stored.set(k, data);
            evicted.delete(k);
            break;
          }
          case 'get':
            if (store.chunks.has(k)) readBack(store, k, expected.get(k)!, disk);
            break;
          case 'delete':
            store.chunks.delete(k);
            if (expected.has(k) && (count(holds, k) > 0 || count(pins, k) > 0)) expect(store.chunks.has(k) || evicted.has(k)).toBe(true);
            mayGo(k);
            break;
          case 'persist':
            if (store.chunks.has(k)) store.persist(store.chunks.infos([k])[0]!.objectId);
            break;
          case 'pin':
          case 'unpin':
            store.chunks[o.kind](k);
            pins.set(k, Math.max(0, count(pins, k) + (o.kind === 'pin' ? 1 : -1)));
            if (o.kind === 'unpin') mayGo(k);
            break;
          case 'retain':
          case 'release':
            store.chunks[o.kind](k);
            holds.set(k, Math.max(0, count(holds, k) + (o.kind === 'retain' ? 1 : -1)));
            if (o.kind === 'release') mayGo(k);
            break;
        }
      } catch (err) {
        // A restore (get, persist) may not fit when other chunks are pinned; nothing else may fail.
        expect((err as { code?: string }).code).toBe('NotEnoughMemory');
        expect(mayRunOut()).toBe(true);
      }
      expect(store.usedBytes).toBeLessThanOrEqual(LIMIT);
      for (const [ek, data] of expected) {
        if (!store.chunks.has(ek)) {
          expect(spill).toBe(false);
          expect(evicted.has(ek)).toBe(true);
          continue;
        }
        const info = store.chunks.infos([ek])[0]!;
        if (info.level === 'disk') continue;
        expect([...(store.chunks.get(ek) as { data: Float64Array }).data]).toEqual([...data]);
      }
    }
    if (spill) {
      for (const [pk, n] of pins) for (let i = 0; i < n; i++) store.chunks.unpin(pk);
      for (const [ek, data] of expected) if (store.chunks.has(ek)) readBack(store, ek, data, disk);
      disk.spills += store.status().spills;
    }
    store.clear();
    expect(store.usedBytes).toBe(0);
    if (dir) expect(readdirSync(dir)).toEqual([]);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

describe('chunk store model check', () => {
  it('holds its invariants when evictions drop chunks', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => run(ops, false)), { numRuns: 150 });
  });
  it('holds its invariants when evictions spill chunks, and reads every spilled value back intact', () => {
    const disk: DiskUse = { spills: 0, restoredReads: 0 };
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => run(ops, true, disk)), { numRuns: 100 });
    expect(disk.spills).toBeGreaterThan(0);
    expect(disk.restoredReads).toBeGreaterThan(0);
  });
});
