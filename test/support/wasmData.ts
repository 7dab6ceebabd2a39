/**
 * Test data placed in a WebAssembly memory (base/wasmMemory.ts), for the kernels that read chunks in
 * place (kernels/tensor/wasmExtreme.ts, wasmSum.ts).
 */
import type { Expr } from '../../src/base/expr.js';
import { WASM_BUFFER_MIN_BYTES, wasmBuffer } from '../../src/base/wasmMemory.js';

/** The expression of a reduction over its input as it is. */
export const asIs: Expr = { t: 'in', i: 0, dtype: 'float64' };

let memory: SharedArrayBuffer | undefined;

/** `values` in one shared WebAssembly memory from element `at` (not the buffer's start: byteOffset counts); each call overwrites the last. */
export function inWasmMemory(values: readonly number[], at: number): Float64Array {
  memory ??= wasmBuffer(WASM_BUFFER_MIN_BYTES)!;
  const data = new Float64Array(memory, 8 * at, values.length);
  data.set(values);
  return data;
}
