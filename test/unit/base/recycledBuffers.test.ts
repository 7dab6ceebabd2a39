/**
 * Warm memory for big columns (base/recycledBuffers.ts): a buffer is filled again only once every
 * object through which anyone could read it has been collected — the array it was made for, a view of
 * it, an alias a task stored — and never beyond the `recycledMemory` option.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sharedFilled } from '../../../src/base/firstTouch.js';
import { getOption, setOption } from '../../../src/base/processOptions.js';
import { noteStored, RECYCLE_MIN_BYTES, recycledBufferStats, recycledSize, recycles, recyclingSwitchForWorkers } from '../../../src/base/recycledBuffers.js';
import { collectGarbage } from '../../support/collect.js';

const gc = (globalThis as { gc?: () => void }).gc!;

function column(length: number, k: number): Float64Array {
  return sharedFilled(Float64Array, length, (o, from, to) => {
    for (let i = from; i < to; i++) o[i] = i * k + 1;
  }, { recycle: true })!;
}

function firstWrong(a: ArrayLike<number>, k: number): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== i * k + 1) return i;
  return -1;
}

const saved = getOption('recycledMemory');
afterEach(() => setOption('recycledMemory', saved));

describe('recycled column buffers', () => {
  it('fills the memory of a collected column again, with every element as the new fill wrote it', async () => {
    const length = 300_001;
    let first: Float64Array | undefined = column(length, 1);
    expect(first.buffer.byteLength).toBe(recycledSize(length * 8));
    expect(first.length).toBe(length);
    expect(firstWrong(first, 1)).toBe(-1);
    const before = recycledBufferStats().reused;
    first = undefined;
    await collectGarbage();
    const second = column(length, 3);
    expect(recycledBufferStats().reused).toBe(before + 1);
    expect(firstWrong(second, 3)).toBe(-1);
  });

  it('never refills memory that a view of the column still reads', async () => {
    const length = 310_001;
    let first: Float64Array | undefined = column(length, 1);
    const tail = first.subarray(1000);
    first = undefined;
    await collectGarbage();
    const before = recycledBufferStats().reused;
    const second = column(length, 5);
    expect(recycledBufferStats().reused).toBe(before);
    expect(firstWrong(second, 5)).toBe(-1);
    expect(tail[0]).toBe(1001);
    expect(tail[tail.length - 1]).toBe(length);
  });

  it('never refills memory that a stored alias (another object for the same memory, from a worker) still reads', async () => {
    const length = 320_001;
    let first: Float64Array | undefined = column(length, 1);
    // What a worker's output that views the column looks like once it arrives on this thread.
    let alias: Float64Array | undefined = new Float64Array(structuredClone(first.buffer as SharedArrayBuffer), 0, length);
    noteStored({ edges: [{ props: { w: { kind: 'float64', values: alias } } }] });
    first = undefined;
    await collectGarbage();
    const before = recycledBufferStats().reused;
    const second = column(length, 7);
    expect(recycledBufferStats().reused).toBe(before);
    expect(firstWrong(alias, 1)).toBe(-1);
    expect(firstWrong(second, 7)).toBe(-1);
    // Once the alias is gone too, the memory is reused.
    alias = undefined;
    await collectGarbage();
    column(length, 9);
    expect(recycledBufferStats().reused).toBe(before + 1);
  });

  it('refills memory whose readers a collection cleared before their finalizers ran', async () => {
    const length = 320_001;
    let first: Float64Array | undefined = column(length, 1);
    first = undefined;
    // The job that made it has ended (a weak reference keeps its target to the end of the job).
    await new Promise((resolve) => setTimeout(resolve, 5));
    const before = recycledBufferStats().reused;
    // Clears weak references at once; the finalization callbacks are a task of their own, still to run.
    gc();
    const second = column(length, 7);
    expect(recycledBufferStats().reused).toBe(before + 1);
    expect(firstWrong(second, 7)).toBe(-1);
  });

  it('fills in quick succession while earlier fills are still read ask for one collection, not one each', async () => {
    // Each fill is a job of its own (an await between), as chunk after chunk of a stored tensor made on this thread.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const kept = [column(300_001, 1)];
    const before = recycledBufferStats().asked;
    for (let k = 2; k < 8; k++) {
      await Promise.resolve();
      kept.push(column(300_001, k));
    }
    // One ask per fill would be 6; the burst may straddle one interval on a slow machine, hence 2.
    expect(recycledBufferStats().asked - before).toBeLessThanOrEqual(2);
    expect(kept.every((c, k) => firstWrong(c, k + 1) === -1)).toBe(true);
  });

  it('leaves small arrays, and every array when the option is 0, in buffers of their own size', () => {
    const small = RECYCLE_MIN_BYTES / 8 - 1;
    expect(column(small, 1).buffer.byteLength).toBe(small * 8);
    setOption('recycledMemory', 0);
    expect(column(400_000, 1).buffer.byteLength).toBe(400_000 * 8);
    expect(() => setOption('recycledMemory', -1)).toThrow(/recycledMemory/);
    setOption('recycledMemory', '1Mi');
    expect(getOption('recycledMemory')).toBe(1 << 20);
  });

  it('lets go of memory beyond the option', async () => {
    setOption('recycledMemory', '1Mi');
    const length = 330_001;
    const before = recycledBufferStats();
    let first: Float64Array | undefined = column(length, 1);
    expect(recycledBufferStats().released).toBeGreaterThan(before.released);
    first = undefined;
    await collectGarbage();
    expect(firstWrong(column(length, 1), 1)).toBe(-1);
    expect(recycledBufferStats().reused).toBe(before.reused);
    expect(first).toBeUndefined();
  });

  it('gives the pools\' workers the option as their own limit, in MiB, 0 when it is off', () => {
    const limitSeenByWorkers = (): number => {
      recycles(RECYCLE_MIN_BYTES); // a main-thread fill's check keeps the workers' switch in step
      return recyclingSwitchForWorkers()[0]!;
    };
    setOption('recycledMemory', '300Mi');
    expect(limitSeenByWorkers()).toBe(300);
    setOption('recycledMemory', 1.5 * 2 ** 20);
    expect(limitSeenByWorkers()).toBe(2);
    setOption('recycledMemory', 0);
    expect(limitSeenByWorkers()).toBe(0);
  });
});
