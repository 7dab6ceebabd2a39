/**
 * The native matrix kernel's scratch (kernels/tensor/nativeGemm.ts): a thread keeps its operands' packed
 * copy for the next product, and lets it go once no product has used it for 30 s — a pool thread that
 * ran one big product does not hold that memory for the rest of the process. Fake timers and clock.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GemmPair } from '../../../src/kernels/tensor/gemm.js';
import { keptScratchBytes, nativeGemm } from '../../../src/kernels/tensor/nativeGemm.js';

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterAll(() => {
  vi.useRealTimers();
});

function product(side: number): void {
  const data = new Float64Array(side * side).fill(1);
  const view = { data, offset: 0, rowStride: side, colStride: 1 };
  const pairs: GemmPair[] = [{ a: view, b: view, k: side }];
  const out = new Float64Array(side * side);
  nativeGemm()!.product(out, side, side, pairs);
  expect(out[side * side - 1]).toBe(side);
}

describe('native kernel scratch', () => {
  it('is kept while products come, and let go 30 s after the last one', () => {
    expect(nativeGemm()).not.toBeNull();
    product(300);
    const kept = keptScratchBytes();
    expect(kept).toBeGreaterThanOrEqual(2 * 300 * 300 * 8);
    vi.advanceTimersByTime(20_000);
    product(200); // smaller: served from the same scratch, and the idle clock starts again
    expect(keptScratchBytes()).toBe(kept);
    vi.advanceTimersByTime(29_000);
    expect(keptScratchBytes()).toBe(kept);
    vi.advanceTimersByTime(2_000);
    expect(keptScratchBytes()).toBe(0);
    product(100);
    expect(keptScratchBytes()).toBeGreaterThanOrEqual(2 * 100 * 100 * 8);
    vi.advanceTimersByTime(31_000);
    expect(keptScratchBytes()).toBe(0);
  });
});
