/**
 * Collecting dropped user copies before a big new one (base/droppedCopies.ts): only for copies of at
 * least MIN_BYTES, only once as many bytes were handed out since the last collection, and only where a
 * fresh page costs enough that the copy's faults outweigh a collection; the collection is a synchronous
 * minor one, and it does free a dropped copy's memory.
 */
import { afterEach, expect, it, vi } from 'vitest';

type Options = { readonly type?: 'major' | 'minor'; readonly execution?: 'sync' | 'async' };
const realGc = (globalThis as { gc?: (o?: Options) => void }).gc!;

afterEach(() => {
  (globalThis as { gc?: unknown }).gc = realGc;
});

async function freshModule(asked: Options[]) {
  (globalThis as { gc?: unknown }).gc = (o?: Options) => {
    asked.push(o ?? {});
    realGc(o);
  };
  vi.resetModules();
  const { assumePageCost } = await import('../../../src/base/pageFaults.js');
  return { ...(await import('../../../src/base/droppedCopies.js')), assumePageCost };
}

it('pays only for big copies, after as many bytes were handed out, where faults cost more than a collection', async () => {
  const { collectionPays, MIN_BYTES } = await freshModule([]);
  const eightMiB = 8 << 20;
  const cost = (ms: number) => () => ms;
  // 2,048 pages at 12 µs (a VM): 24.6 ms of faults against a 1 ms collection.
  expect(collectionPays(eightMiB, eightMiB, cost(0.012), 1)).toBe(true);
  // Bare metal: 0.2 µs a page, 0.4 ms of faults.
  expect(collectionPays(eightMiB, eightMiB, cost(0.0002), 1)).toBe(false);
  // Nothing handed out yet that could be garbage.
  expect(collectionPays(eightMiB, eightMiB - 1, cost(0.012), 1)).toBe(false);
  // Small copies never, and their page cost is not even measured.
  const unasked = vi.fn(() => 1);
  expect(collectionPays(MIN_BYTES - 1, 1 << 30, unasked, 0.001)).toBe(false);
  expect(unasked).not.toHaveBeenCalled();
  expect(collectionPays(MIN_BYTES, MIN_BYTES, cost(0.012), 1)).toBe(true);
});

it('runs one synchronous minor collection per copy that pays, none for the first or for small ones', async () => {
  const asked: Options[] = [];
  const { assumePageCost, beforeUserCopy, droppedCopyCollections, MIN_BYTES } = await freshModule(asked);
  assumePageCost(0.012);
  const bytes = 8 << 20;
  expect(beforeUserCopy(MIN_BYTES - 1)).toBe(false);
  expect(beforeUserCopy(bytes)).toBe(false);
  expect(asked).toHaveLength(0);
  expect(beforeUserCopy(bytes)).toBe(true);
  expect(beforeUserCopy(bytes)).toBe(true);
  expect(asked).toEqual([
    { type: 'minor', execution: 'sync' },
    { type: 'minor', execution: 'sync' },
  ]);
  expect(droppedCopyCollections()).toBe(2);
  // Where faults are cheap nothing is collected, however much was handed out.
  assumePageCost(0.0001);
  expect(beforeUserCopy(bytes)).toBe(false);
  expect(beforeUserCopy(bytes)).toBe(false);
  expect(asked).toHaveLength(2);
});

it("frees a dropped copy's memory before the next copy is made", async () => {
  const { assumePageCost, beforeUserCopy } = await freshModule([]);
  assumePageCost(0.012);
  const bytes = 16 << 20;
  const handOut = (): number => new Uint8Array(bytes).fill(1).length;
  beforeUserCopy(bytes);
  expect(handOut()).toBe(bytes);
  const before = process.memoryUsage().arrayBuffers;
  expect(beforeUserCopy(bytes)).toBe(true);
  expect(process.memoryUsage().arrayBuffers).toBeLessThanOrEqual(before - bytes);
});
