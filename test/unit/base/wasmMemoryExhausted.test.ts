/**
 * A process out of WebAssembly address space (each memory reserves ~10 GB of it: 13,084 memories here)
 * still allocates: big buffers come back as plain SharedArrayBuffers, exactly as long and zeroed, and
 * every kernel reads those. A file of its own: it holds the whole address space while it runs.
 */
import { describe, expect, it } from 'vitest';
import { allocate } from '../../../src/base/ndarray.js';
import { memoryOf, WASM_BUFFER_MIN_BYTES, wasmBuffer } from '../../../src/base/wasmMemory.js';
import { getKernel } from '../../../src/kernels/index.js';
import type { Partial } from '../../../src/kernels/tensor/reduce.js';

describe('out of WebAssembly address space', () => {
  it('big arrays are plain shared buffers, and max still reads them', () => {
    const held: WebAssembly.Memory[] = [];
    try {
      for (;;) {
        try {
          held.push(new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }));
        } catch {
          break;
        }
      }
      expect(held.length).toBeGreaterThan(100);
      expect(wasmBuffer(WASM_BUFFER_MIN_BYTES)).toBeUndefined();
      const n = WASM_BUFFER_MIN_BYTES / 8 + 1;
      const x = allocate('float64', n) as Float64Array;
      expect(x.length).toBe(n);
      expect(x.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(x.buffer.byteLength).toBe(8 * n);
      expect(memoryOf(x.buffer)).toBeUndefined();
      expect(x.every((v) => v === 0)).toBe(true);
      x[n - 1] = 3;
      const partial = getKernel('tensor.reduce_map')([{ dtype: 'float64', shape: [n], data: x }], { op: 'max', expr: { t: 'in', i: 0, dtype: 'float64' }, shape: [n], axes: [0] } as never) as Partial & { acc: Float64Array };
      expect(partial.acc[0]).toBe(3);
    } finally {
      held.length = 0;
    }
  });
});
