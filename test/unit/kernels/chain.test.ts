/**
 * The chain kernel and this thread's scratch pool: a chained producer's memory is reused by the next
 * chain of the same size, only what the producer allocated is ever reused (never an input, never what
 * the consumer's output still reaches), and reused memory reads as zeros like fresh memory.
 */
import { describe, expect, it } from 'vitest';
import { allocate, allocateOverwritten, type ArrayData } from '../../../src/base/ndarray.js';
import { buffersIn, recycle, scratchPoolStats, trackAllocations } from '../../../src/base/scratchPool.js';
import { CHAIN_KERNEL, type ChainParams } from '../../../src/kernels/chain.js';
import { getKernel, registerKernel } from '../../../src/kernels/index.js';

const N = 1 << 16; // 512 KiB of float64: above the size where `allocate` uses shared memory

registerKernel('test.chain_fill', (_in, p: { readonly value: number }) => {
  const data = allocate('float64', N);
  data.fill(p.value);
  return { dtype: 'float64', shape: [N], data } satisfies ArrayData;
});
/** A consumer that returns its input as is (as a reshape may): its buffer must never be reused. */
registerKernel('test.chain_identity', (inputs) => inputs[0]);
registerKernel('test.chain_sum', (inputs) => {
  let s = 0;
  for (const x of inputs as ArrayData[]) for (let i = 0; i < x.data.length; i++) s += x.data[i]!;
  return s;
});

const chain = (consumer: string, value: number, inputs: unknown[] = []): unknown =>
  getKernel(CHAIN_KERNEL)(inputs, {
    consumer: { kernel: consumer, params: {} },
    args: [{ kernel: 'test.chain_fill', params: { value }, from: 0, count: 0, elements: N }],
  } satisfies ChainParams as never);

describe('the chain kernel', () => {
  it('runs the producer and gives its output to the consumer, then reuses its memory for the next chain', () => {
    const before = scratchPoolStats();
    expect(chain('test.chain_sum', 1)).toBe(N);
    expect(chain('test.chain_sum', 2)).toBe(2 * N);
    const after = scratchPoolStats();
    expect(after.reused - before.reused).toBeGreaterThanOrEqual(1);
    expect(after.recycled - before.recycled).toBe(2);
  });

  it('never reuses a buffer the consumer returns', () => {
    const kept = chain('test.chain_identity', 5) as ArrayData;
    const again = chain('test.chain_identity', 7) as ArrayData;
    expect(again.data.buffer).not.toBe(kept.data.buffer);
    expect(kept.data[0]).toBe(5);
    expect(kept.data[N - 1]).toBe(5);
  });

  it('passes plain inputs through by index and never recycles them', () => {
    const input: ArrayData = { dtype: 'float64', shape: [N], data: allocate('float64', N).fill(3) };
    const out = getKernel(CHAIN_KERNEL)([input], {
      consumer: { kernel: 'test.chain_sum', params: {} },
      args: [0, { kernel: 'test.chain_fill', params: { value: 1 }, from: 1, count: 0, elements: N }],
    } satisfies ChainParams as never);
    expect(out).toBe(4 * N);
    chain('test.chain_sum', 9);
    expect(input.data[0]).toBe(3);
  });
});

describe('the scratch pool', () => {
  it('hands out zeroed memory when it reuses a buffer', () => {
    const first = trackAllocations(() => allocate('float64', N).fill(42));
    recycle(first.buffers, new Set());
    const second = trackAllocations(() => allocate('float64', N));
    expect(second.buffers[0]).toBe(first.buffers[0]);
    expect(second.value.every((v) => v === 0)).toBe(true);
  });

  it('leaves a reused buffer as it was for a kernel that writes every element (allocateOverwritten)', () => {
    const first = trackAllocations(() => allocate('float64', N).fill(42));
    recycle(first.buffers, new Set());
    const second = trackAllocations(() => allocateOverwritten('float64', N));
    expect(second.buffers[0]).toBe(first.buffers[0]);
    expect(second.value[N - 1]).toBe(42);
  });

  it('a random draw and an elementwise map chained on dirty reused memory equal the same kernels run fresh', () => {
    const random = { dtype: 'float64', shape: [N], dist: 'uniform', seed: 9, start: [0], fullShape: [N] };
    const fresh = getKernel('tensor.random')([], random as never) as ArrayData;
    // Leave a buffer of the draw's size in the pool, full of 42s.
    const dirty = trackAllocations(() => allocate('float64', N).fill(42));
    recycle(dirty.buffers, new Set());
    const chained = getKernel(CHAIN_KERNEL)([], {
      consumer: { kernel: 'test.chain_identity', params: {} },
      args: [{ kernel: 'tensor.random', params: random, from: 0, count: 0, elements: N }],
    } satisfies ChainParams as never) as ArrayData;
    expect(chained.data.buffer).toBe(dirty.buffers[0]);
    expect([...chained.data]).toEqual([...fresh.data]);
  });

  it('tracks nothing outside trackAllocations, and keeps what `kept` names', () => {
    const outside = allocate('float64', N);
    const t = trackAllocations(() => [allocate('float64', N), allocate('float64', N)]);
    expect(t.buffers).toHaveLength(2);
    expect(t.buffers).not.toContain(outside.buffer);
    const before = scratchPoolStats().recycled;
    recycle(t.buffers, buffersIn({ keep: [t.value[1]] }));
    expect(scratchPoolStats().recycled - before).toBe(1);
    const next = trackAllocations(() => allocate('float64', N));
    expect(next.buffers[0]).not.toBe(t.value[1]!.buffer);
  });

  it('gives a nested tracker\'s buffers to the outer one too', () => {
    const outer = trackAllocations(() => trackAllocations(() => allocate('float64', N)).buffers);
    expect(outer.buffers).toEqual(outer.value);
  });
});
