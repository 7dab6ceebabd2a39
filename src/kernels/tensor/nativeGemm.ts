/**
 * The matrix product on ONNX Runtime's CPU GEMM (MLAS, with AVX2/AVX-512 kernels picked at run time)
 * through the optional `onnxruntime-node` package, which ships its binaries in its registry package.
 * Why: WebAssembly SIMD is 128 bits wide and has no fused multiply-add, so the engine's own kernel
 * (wasmGemm.ts) peaks at a quarter of what a 512-bit FMA core does; on this project's machines it
 * reached 0.21–0.46× NumPy's BLAS on a 4000² product, where this one runs level with it. Loading it
 * takes ~85 ms per thread (once) and adds one thread to the process (ONNX Runtime's own, once per
 * process; it does not keep the process alive).
 *
 * ONNX Runtime reads only memory it can address as a plain ArrayBuffer (it refuses SharedArrayBuffer
 * views, which every chunk is), so each product packs its operands into this thread's warm scratch —
 * A as m×K and B as K×n row-major, K the sum of the pairs' k — runs one MatMul on them on this thread
 * (`intraOpNumThreads: 1`: the pool's workers are the parallelism; the op cuts big products into
 * blocks for them), and copies the product from ONNX Runtime's output into the chunk's. Packing is
 * O(mK + Kn) beside 2mnK flops, as for the wasm kernel, which packs too. Where the package is missing
 * or fails to load, `nativeGemm` gives null and the wasm kernel runs; the `nativeMatmul` option turns
 * this path off.
 */
import { createRequire } from 'node:module';
import { workerData } from 'node:worker_threads';
import { processOptions, watchOption } from '../../base/processOptions.js';
import type { GemmPair, MatView } from './gemm.js';

/**
 * Multiply-adds from which a product runs here. Below it the wasm kernel is as fast or faster: one
 * thread, square float64 products, medians of 30 on this project's machine — 160³ 0.42 ms wasm, 0.84
 * native; 320³ 3.0 / 3.3; 400³ (2^25.9) 5.9 / 5.6; 512³ 12.0 / 9.8; 1000³ 2× faster natively.
 */
export const NATIVE_MIN_MACS = 2 ** 26;
/** Scratch kept for the next product; a bigger product gets memory of its own, dropped after it. */
const KEPT_SCRATCH_BYTES = 256 << 20;
const SCRATCH_GRANULE = 1 << 20;
/** Kept scratch no product has used for this long is let go (as recycled buffers are: base/recycledBuffers.ts). */
const SCRATCH_IDLE_MS = 30_000;

export interface NativeGemm {
  /** out (m×n, row-major) = Σ over pairs of A (m×k) · B (k×n), summed in float64. */
  readonly product: (out: Float64Array, m: number, n: number, pairs: readonly GemmPair[]) => void;
}

/** The parts of onnxruntime-node's native binding used here (its `dist/binding.js`; the version is pinned). */
interface OrtTensor {
  readonly data: unknown;
}
type OrtTensorClass = new (type: 'float64', data: Float64Array, dims: readonly number[]) => OrtTensor;
interface BindingSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): unknown;
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, OrtTensor | null>, options: object): Record<string, OrtTensor | undefined>;
}
interface BindingModule {
  readonly binding: { readonly InferenceSession: new () => BindingSession };
  readonly initOrt: () => void;
}

/** Protocol-buffer encoding of the few ONNX fields a one-node model needs. */
const utf8 = new TextEncoder();
function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    const low = v % 128;
    v = Math.floor(v / 128);
    out.push(v > 0 ? low | 0x80 : low);
  } while (v > 0);
  return out;
}
const intField = (field: number, value: number): number[] => [...varint(field * 8), ...varint(value)];
const bytesField = (field: number, bytes: readonly number[]): number[] => [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
const textField = (field: number, text: string): number[] => bytesField(field, [...utf8.encode(text)]);

/** A float64 matrix input or output named `name` with symbolic dimensions (ValueInfoProto). */
function matrixInfo(name: string, rows: string, cols: string): number[] {
  const DOUBLE = 11;
  const dim = (symbol: string): number[] => bytesField(1, textField(2, symbol));
  const tensorType = [...intField(1, DOUBLE), ...bytesField(2, [...dim(rows), ...dim(cols)])];
  return [...textField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

/** ModelProto of C = MatMul(A, B) in float64, opset 13, IR version 8. */
export function matmulModel(): Uint8Array {
  const node = [...textField(1, 'A'), ...textField(1, 'B'), ...textField(2, 'C'), ...textField(4, 'MatMul')];
  const graph = [
    ...bytesField(1, node), ...textField(2, 'tessera_matmul'),
    ...bytesField(11, matrixInfo('A', 'm', 'k')), ...bytesField(11, matrixInfo('B', 'k', 'n')), ...bytesField(12, matrixInfo('C', 'm', 'n')),
  ];
  const opset = [...textField(1, ''), ...intField(2, 13)];
  return new Uint8Array([...intField(1, 8), ...bytesField(7, graph), ...bytesField(8, opset)]);
}

/**
 * Whether this thread may use the native kernel. A pool's thread follows the switch its pool handed it
 * (`workerData.nativeMatmul`); any other thread — the main one, a server's session host — follows its
 * own `nativeMatmul` option, mirrored into the switch it hands its pools as the option is set.
 */
const handed = (workerData as { nativeMatmul?: unknown } | null)?.nativeMatmul;
const poolSwitch = handed instanceof Int32Array ? handed : undefined;
const ownSwitch = new Int32Array(new SharedArrayBuffer(4));
if (!poolSwitch) {
  const mirror = (): void => {
    Atomics.store(ownSwitch, 0, processOptions.nativeMatmul ? 1 : 0);
  };
  mirror();
  watchOption('nativeMatmul', mirror);
}

export function nativeMatmulEnabled(): boolean {
  return poolSwitch ? Atomics.load(poolSwitch, 0) === 1 : processOptions.nativeMatmul;
}

/** The switch to give a pool's threads: this thread's own, or the one it was handed. */
export function nativeMatmulSwitchForWorkers(): Int32Array {
  return poolSwitch ?? ownSwitch;
}

let scratch = new ArrayBuffer(0);
let scratchUsedAt = 0;
let idleCheck: ReturnType<typeof setTimeout> | undefined;

/** Drops the kept scratch once idle, so a thread that ran one big product does not hold its operands' size for good. */
function dropWhenIdle(): void {
  const idle = performance.now() - scratchUsedAt;
  if (idle >= SCRATCH_IDLE_MS) {
    scratch = new ArrayBuffer(0);
    idleCheck = undefined;
    return;
  }
  // Unreferenced: the timer never keeps a thread (or the process) alive.
  idleCheck = setTimeout(dropWhenIdle, SCRATCH_IDLE_MS - idle).unref();
}

function scratchOf(bytes: number): ArrayBuffer {
  scratchUsedAt = performance.now();
  if (scratch.byteLength < bytes) {
    const rounded = Math.ceil(bytes / SCRATCH_GRANULE) * SCRATCH_GRANULE;
    if (rounded > KEPT_SCRATCH_BYTES) return new ArrayBuffer(rounded);
    scratch = new ArrayBuffer(rounded);
  }
  idleCheck ??= setTimeout(dropWhenIdle, SCRATCH_IDLE_MS).unref();
  return scratch;
}

/** Bytes of scratch this thread keeps (for tests). */
export function keptScratchBytes(): number {
  return scratch.byteLength;
}

/** Rows [0, rows) × columns [0, cols) of `src` into row-major `dst` at `at` with row stride `dstStride`. */
function packRows(dst: Float64Array, at: number, dstStride: number, src: MatView, rows: number, cols: number): void {
  const { data, offset, rowStride, colStride } = src;
  if (colStride === 1 && data instanceof Float64Array) {
    for (let i = 0; i < rows; i++) dst.set(data.subarray(offset + i * rowStride, offset + i * rowStride + cols), at + i * dstStride);
    return;
  }
  for (let i = 0; i < rows; i++) {
    let s = offset + i * rowStride;
    const d = at + i * dstStride;
    for (let j = 0; j < cols; j++, s += colStride) dst[d + j] = data[s]!;
  }
}

function productOn(Tensor: OrtTensorClass, session: BindingSession) {
  return (out: Float64Array, m: number, n: number, pairs: readonly GemmPair[]): void => {
    const k = pairs.reduce((sum, q) => sum + q.k, 0);
    if (m === 0 || n === 0) return;
    if (k === 0) {
      out.fill(0, 0, m * n);
      return;
    }
    const memory = scratchOf(8 * (m * k + k * n));
    const a = new Float64Array(memory, 0, m * k);
    const b = new Float64Array(memory, 8 * m * k, k * n);
    let k0 = 0;
    for (const q of pairs) {
      packRows(a, k0, k, q.a, m, q.k);
      packRows(b, k0 * n, n, q.b, q.k, n);
      k0 += q.k;
    }
    // The binding hands C back in a fresh ArrayBuffer, a copy even of an output preallocated here, so
    // none is. Whether that buffer's pages fault in depends on the allocator's state, which only the
    // collector changes (node probe, 500×1000 by 1000×500 on one thread, windows of 20 calls: 12.9 ms
    // and 1.9 MB of faults a call in most windows, 6.5 ms and 0.1-0.6 MB in others): the one cost
    // here that an addon of our own, writing into the chunk, would not have.
    const c = session.run({ A: new Tensor('float64', a, [m, k]), B: new Tensor('float64', b, [k, n]) }, { C: null }, {}).C!.data as Float64Array;
    out.set(c.subarray(0, m * n));
  };
}

/** A 3×2 by 2×2 product checked against its known result: the binding works as this file expects. */
function works(product: NativeGemm['product']): boolean {
  const view = (data: number[], cols: number): MatView => ({ data: Float64Array.from(data), offset: 0, rowStride: cols, colStride: 1 });
  const out = new Float64Array(6);
  product(out, 3, 2, [{ a: view([1, 2, 3, 4, 5, 6], 2), b: view([1, 10, 100, 1000], 2), k: 2 }]);
  return [201, 2010, 403, 4030, 605, 6050].every((x, i) => out[i] === x);
}

/**
 * Loads the binding synchronously: a matmul may run inside a chained task (kernels/chain.ts), which
 * only runs synchronous kernels. The package's public `InferenceSession.run` is this binding's
 * synchronous `run` deferred by a `setImmediate`; its model loading completes synchronously for a
 * model given as bytes (checked by `works` before any use).
 */
function load(): NativeGemm | null {
  try {
    const require = createRequire(import.meta.url);
    const ortPath = require.resolve('onnxruntime-node');
    const { binding, initOrt } = require('onnxruntime-node/dist/binding.js') as BindingModule;
    const { Tensor } = createRequire(ortPath)('onnxruntime-common') as { Tensor: OrtTensorClass };
    initOrt();
    const session = new binding.InferenceSession();
    const model = matmulModel();
    const loaded = session.loadModel(model.buffer, model.byteOffset, model.byteLength, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'disabled',
    });
    // A promise, though a model given as bytes is loaded before it returns (the check below runs the
    // session at once, and fails if it is not); a late rejection must not go unhandled.
    if (loaded instanceof Promise) loaded.catch(() => undefined);
    const native = { product: productOn(Tensor, session) };
    return works(native.product) ? native : null;
  } catch {
    return null;
  }
}

let loaded: NativeGemm | null | undefined;

/** This thread's native kernel, loaded once; null where the package is missing or does not work. */
export function nativeGemm(): NativeGemm | null {
  if (loaded === undefined) loaded = load();
  return loaded;
}
