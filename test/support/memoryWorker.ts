/**
 * A worker for the WebAssembly-memory tests (test/unit/base/wasmMemory.test.ts): the engine's own entry
 * points (kernels/worker.ts's batch, kernels/claimed.ts's claimed batch), which send a value's memories
 * back with it, plus a test kernel that says what this thread knows of its input's buffer and returns
 * a big array of its own making.
 */
import { allocate, type ArrayData } from '../../src/base/ndarray.js';
import { memoryOf } from '../../src/base/wasmMemory.js';
import { registerKernel } from '../../src/kernels/registry.js';
import { wasmExtreme } from '../../src/kernels/tensor/wasmExtreme.js';

export { default } from '../../src/kernels/worker.js';
export { runClaimed } from '../../src/kernels/claimed.js';

export interface MemoryReport {
  /** Whether the input's buffer is a WebAssembly memory this thread knows. */
  readonly known: boolean;
  /** The input's max read in place (undefined when it could not be). */
  readonly max: number | undefined;
  /** A new array of `length` doubles, `fill` in every element, made here. */
  readonly made: ArrayData;
}

registerKernel('test.memory_report', (inputs, p: { readonly length: number; readonly fill: number }): MemoryReport => {
  const x = inputs[0] as ArrayData;
  const data = x.data as Float64Array;
  const made = allocate('float64', p.length) as Float64Array;
  made.fill(p.fill);
  return {
    known: memoryOf(data.buffer) !== undefined,
    max: wasmExtreme('max', data, 0, 1, data.length, 0),
    made: { dtype: 'float64', shape: [p.length], data: made },
  };
});
