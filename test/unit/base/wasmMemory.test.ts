/**
 * Big buffers in WebAssembly memories (base/wasmMemory.ts) and their memories' trips between threads:
 * `allocate` puts a big array in a memory of its own, with exactly the length asked for; a task sent
 * with `withInputMemories` reaches a real worker (the engine's batch and claimed entry points, through
 * test/support/memoryWorker.ts) whose kernel finds its input's memory and reads it in place; the value
 * the worker makes comes back with its memory, which this thread then knows. The structured clone's
 * identity within one message, which all of this rests on, is checked as such.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import { allocate, allocateOverwritten, type ArrayData } from '../../../src/base/ndarray.js';
import { recycledBufferStats, recyclingSwitchForWorkers } from '../../../src/base/recycledBuffers.js';
import { adopt, memoriesIn, memoryOf, setWasmBuffers, WASM_BUFFER_MIN_BYTES, wasmBuffer } from '../../../src/base/wasmMemory.js';
import { CLAIMED_CONTROL_SLOTS, type ClaimedResult } from '../../../src/kernels/claimed.js';
import '../../../src/kernels/index.js';
import { registerInPlaceReader } from '../../../src/kernels/registry.js';
import { type TaskMessage, type TaskOutcome, withInputMemories } from '../../../src/kernels/task.js';
import type { MemoryReport } from '../../support/memoryWorker.js';
import { collectGarbage } from '../../support/collect.js';

const BIG = WASM_BUFFER_MIN_BYTES / 8;
// The test kernel (test/support/memoryWorker.ts) reads its input in place, so its tasks carry memories.
registerInPlaceReader('test.memory_report', () => true);

const pool = new Piscina({
  filename: new URL('../../support/memoryWorker.ts', import.meta.url).href,
  minThreads: 1,
  maxThreads: 1,
  execArgv: ['--import', 'tsx'],
  // Workers recycle (and so put big buffers in memories) only when the main thread's switch says so, as in the engine's pools.
  workerData: { recycling: recyclingSwitchForWorkers() },
});
afterAll(() => pool.destroy());

function bigInput(): ArrayData {
  const data = allocate('float64', BIG + 3) as Float64Array;
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i);
  data[12345] = 7.5;
  return { dtype: 'float64', shape: [data.length], data };
}

describe('WebAssembly memories of big buffers', () => {
  it('allocate puts a big array in a memory of its own, with exactly the length asked for; small ones stay plain', () => {
    const big = allocate('float64', BIG + 3);
    expect(big.length).toBe(BIG + 3);
    expect(big.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(big.buffer.byteLength).toBeGreaterThanOrEqual(big.byteLength);
    expect(memoryOf(big.buffer)?.buffer).toBe(big.buffer);
    expect(Array.from(big.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    const small = allocate('float64', BIG / 2);
    expect(memoryOf(small.buffer)).toBeUndefined();
    expect(wasmBuffer(WASM_BUFFER_MIN_BYTES - 8)).toBeUndefined();
  });

  it('big arrays start at a page that differs from one to the next, inside their memory and before its trailer', () => {
    // Two chunks read side by side at equal offsets of their memories met in the same cache sets (recycledBuffers.ts colourOffset).
    const arrays = Array.from({ length: 8 }, () => allocate('float64', 2 * BIG) as Float64Array);
    const offsets = new Set(arrays.map((a) => a.byteOffset));
    expect(offsets.size).toBeGreaterThan(4);
    for (const a of arrays) {
      expect(a.byteOffset % 4096).toBe(0);
      expect(a.byteOffset).toBeLessThanOrEqual(a.byteLength / 16);
      expect(a.byteOffset + a.byteLength).toBeLessThanOrEqual(a.buffer.byteLength - 24);
      expect(memoryOf(a.buffer)?.buffer).toBe(a.buffer);
      expect(a[0]).toBe(0);
      expect(a[a.length - 1]).toBe(0);
    }
  });

  it('a memory nobody reads any more is filled again (warm): zeroed for allocate, as it was for allocateOverwritten', async () => {
    const n = BIG + 11;
    let first: Float64Array | undefined = allocate('float64', n) as Float64Array;
    first.fill(5);
    const before = recycledBufferStats().reused;
    first = undefined;
    await collectGarbage();
    const second = allocate('float64', n) as Float64Array;
    expect(recycledBufferStats().reused).toBe(before + 1);
    expect(memoryOf(second.buffer)?.buffer).toBe(second.buffer);
    expect(second.every((v) => v === 0)).toBe(true);
    second.fill(7);
    let third: Float64Array | undefined = second;
    third = undefined;
    expect(third).toBeUndefined();
  });

  it('never fills again a memory that a view still reads', async () => {
    // Pages of their own (the test before frees a memory of 65 pages).
    const n = BIG + 20_000;
    let first: Float64Array | undefined = allocateOverwritten('float64', n) as Float64Array;
    first.fill(3);
    const tail = first.subarray(n - 4);
    first = undefined;
    await collectGarbage();
    const before = recycledBufferStats().reused;
    const second = allocateOverwritten('float64', n) as Float64Array;
    second.fill(9);
    expect(recycledBufferStats().reused).toBe(before);
    expect(Array.from(tail)).toEqual([3, 3, 3, 3]);
  });

  it('setWasmBuffers(false) makes plain buffers until it is turned on again', () => {
    setWasmBuffers(false);
    try {
      expect(memoryOf(allocate('float64', BIG).buffer)).toBeUndefined();
    } finally {
      setWasmBuffers(true);
    }
    expect(memoryOf(allocate('float64', BIG).buffer)).toBeDefined();
  });

  it('memoriesIn finds the memories behind nested values, each once, and nothing in plain ones', () => {
    const a = allocate('float64', BIG);
    const b = allocate('int32', 2 * BIG);
    const found = memoriesIn({ parts: [{ data: a }, { data: a.subarray(5) }], m: new Map([['b', b]]) });
    expect(found).toEqual([memoryOf(a.buffer), memoryOf(b.buffer)]);
    expect(memoriesIn({ data: new Float64Array(new SharedArrayBuffer(64)) })).toBeUndefined();
  });

  it('one message keeps identity: the received memory is the buffer the received array views', async () => {
    const { port1, port2 } = new MessageChannel();
    const x = allocate('float64', BIG);
    const received = new Promise<{ data: Float64Array; memories: WebAssembly.Memory[] }>((resolve) => port2.once('message', resolve));
    port1.postMessage({ data: x, memories: memoriesIn(x) });
    const m = await received;
    port1.close();
    expect(m.data.buffer).not.toBe(x.buffer);
    expect(m.memories[0]!.buffer).toBe(m.data.buffer);
    adopt(m.memories);
    expect(memoryOf(m.data.buffer)).toBe(m.memories[0]);
  });

  it('a worker finds its input in a memory and reads it in place; what it makes comes back with its memory', async () => {
    const input = bigInput();
    const task = withInputMemories({ key: 't', kernel: 'test.memory_report', params: { length: BIG, fill: 2.5 }, inputs: [input] });
    expect(task.memories).toHaveLength(1);
    const outcome = ((await pool.run([task])) as TaskOutcome[])[0]!;
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const report = outcome.value as MemoryReport;
    expect(report.known).toBe(true);
    expect(report.max).toBe(7.5);
    expect(memoryOf(report.made.data.buffer)).toBeUndefined();
    adopt(outcome.memories);
    expect(memoryOf(report.made.data.buffer)?.buffer).toBe(report.made.data.buffer);
    expect((report.made.data as Float64Array)[BIG - 1]).toBe(2.5);
  });

  it('only tasks of kernels that read in place carry memories: a memory is dear to send', () => {
    const inputs = [bigInput()];
    expect(withInputMemories({ key: 't', kernel: 'test.memory_report', params: {}, inputs }).memories).toHaveLength(1);
    expect(withInputMemories({ key: 't', kernel: 'tensor.reduce_map', params: { op: 'max', expr: { t: 'in', i: 0, dtype: 'float64' }, shape: [BIG + 3], axes: [0] }, inputs }).memories).toHaveLength(1);
    const sum = (params: object) => withInputMemories({ key: 't', kernel: 'tensor.reduce_map', params: { op: 'sum', expr: { t: 'in', i: 0, dtype: 'float64' }, ...params }, inputs }).memories;
    // Sums along rows read in place (wasmSum.ts): a whole chunk's, a row sum, a mean of rows, a full sum
    // of a view whose rows are a multiple of four long.
    expect(sum({ shape: [BIG + 3], axes: [0] })).toHaveLength(1);
    expect(sum({ shape: [3, BIG / 3 + 1], axes: [1] })).toHaveLength(1);
    expect(sum({ op: 'mean', shape: [3, BIG / 3 + 1], axes: [1] })).toHaveLength(1);
    expect(sum({ shape: [2, 8], axes: [0, 1], views: [{ shape: [2, 8], strides: [16, 1], offset: 0 }] })).toHaveLength(1);
    // A column sum, a fused expression's sum and a full sum of a view of other rows (summed by segments) do not.
    expect(sum({ shape: [3, BIG / 3 + 1], axes: [0] })).toBeUndefined();
    expect(sum({ expr: { t: 'bin', op: 'mul', a: { t: 'in', i: 0, dtype: 'float64' }, b: { t: 'const', v: 2, dtype: 'float64' }, dtype: 'float64' }, shape: [BIG + 3], axes: [0] })).toBeUndefined();
    expect(sum({ shape: [2, 6], axes: [0, 1], views: [{ shape: [2, 6], strides: [16, 1], offset: 0 }] })).toBeUndefined();
    expect(sum({ shape: [2, 8], axes: [0, 1], views: [{ shape: [2, 8], strides: [16, 2], offset: 0 }] })).toBeUndefined();
    expect(withInputMemories({ key: 't', kernel: 'tensor.elementwise', params: {}, inputs }).memories).toBeUndefined();
  });

  it('without the memories beside it the worker reads a plain buffer (and falls back to JavaScript)', async () => {
    const task: TaskMessage = { key: 't', kernel: 'test.memory_report', params: { length: 8, fill: 1 }, inputs: [bigInput()] };
    const outcome = ((await pool.run([task])) as TaskOutcome[])[0]!;
    const report = (outcome as { value: MemoryReport }).value;
    expect(report.known).toBe(false);
    expect(report.max).toBeUndefined();
  });

  it('a claimed batch sends each outcome with its memories too', async () => {
    const task = withInputMemories({ key: 't', kernel: 'test.memory_report', params: { length: BIG, fill: 4 }, inputs: [bigInput()] });
    const control = new Int32Array(new SharedArrayBuffer(CLAIMED_CONTROL_SLOTS * 4));
    const result = (await pool.run({ control, tasks: [task] }, { name: 'runClaimed' })) as ClaimedResult;
    const outcome = result.outcomes[0]!;
    expect(outcome.ok && (outcome.value as MemoryReport).known).toBe(true);
    if (!outcome.ok) return;
    adopt(outcome.memories);
    expect(memoryOf((outcome.value as MemoryReport).made.data.buffer)).toBeDefined();
  });
});
