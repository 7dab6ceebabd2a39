/**
 * One output block of a (batched) matrix product: block (..., i, j) = Σ_k A(..., i, k) · B(..., k, j).
 * `pairs` lists the pieces of k as [A input, B input, k offset in the A chunk, in the B chunk, length]
 * (the op's overlaps of the two operands' k chunks); without it the inputs are pairs [A0, B0, A1, B1, ...]. The block's rows start at `aRow0` in
 * the A chunks and its columns at `bCol0` in the B chunks (the op cuts big chunks finer so every worker
 * gets a share); a batch axis of extent 1 in either chunk is broadcast. Products of at least
 * NATIVE_MIN_MACS run on ONNX Runtime's GEMM where it loads (nativeGemm.ts), smaller ones (and all,
 * without it) in the engine's blocked kernel (gemm.ts); both sum in float64 whatever the result dtype.
 */
import type { DType } from '../../base/dtypes.js';
import { type ArrayData, allocate } from '../../base/ndarray.js';
import { sizeOf, stridesOf } from '../../base/shape.js';
import { registerKernel } from '../registry.js';
import { gemm, type GemmPair } from './gemm.js';
import { NATIVE_MIN_MACS, nativeGemm, nativeMatmulEnabled } from './nativeGemm.js';

interface MatmulParams {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly aRow0?: number;
  readonly bCol0?: number;
  readonly pairs?: readonly (readonly [number, number, number, number, number])[];
}

function alternatingPairs(count: number): [number, number, number, number, number][] {
  const out: [number, number, number, number, number][] = [];
  for (let q = 0; q + 1 < count; q += 2) out.push([q, q + 1, 0, 0, -1]);
  return out;
}

/** Flat batch offset (in matrices) of an operand chunk for the output batch index, broadcasting extents of 1. */
function batchOffset(chunkShape: readonly number[], outBatch: readonly number[], index: readonly number[]): number {
  const rank = chunkShape.length - 2;
  const strides = stridesOf(chunkShape.slice(0, rank));
  let off = 0;
  for (let ax = 0; ax < rank; ax++) {
    const t = ax + outBatch.length - rank;
    if (chunkShape[ax] !== 1) off += index[t]! * strides[ax]!;
  }
  return off;
}

/**
 * The kernel for one matrix product: ONNX Runtime's (nativeGemm.ts) from NATIVE_MIN_MACS multiply-adds
 * where it loads and the `nativeMatmul` option allows, else the wasm one (gemm.ts). Decided per product,
 * so a block of many small batched products stays on the kernel that is faster for each.
 */
function kernelFor(m: number, n: number, pairs: readonly GemmPair[]): typeof gemm {
  const k = pairs.reduce((sum, q) => sum + q.k, 0);
  const native = m * n * k >= NATIVE_MIN_MACS && nativeMatmulEnabled() ? nativeGemm() : null;
  return native ? native.product : gemm;
}

registerKernel('tensor.matmul', (inputs, p: MatmulParams) => {
  const nd = p.shape.length;
  const [m, n] = p.shape.slice(-2) as [number, number];
  const outBatch = p.shape.slice(0, nd - 2);
  const batches = sizeOf(outBatch);
  const out = allocate(p.dtype, batches * m * n);
  const direct = out instanceof Float64Array;
  const scratch = direct ? null : new Float64Array(m * n);
  const index = new Array<number>(outBatch.length).fill(0);
  const aRow0 = p.aRow0 ?? 0;
  const bCol0 = p.bCol0 ?? 0;
  const pieces = p.pairs ?? alternatingPairs(inputs.length);
  for (let bi = 0; bi < batches; bi++) {
    const pairs: GemmPair[] = [];
    for (const [ai, bi2, a0, b0, len] of pieces) {
      const a = inputs[ai] as ArrayData;
      const b = inputs[bi2] as ArrayData;
      const [ma, ka] = a.shape.slice(-2) as [number, number];
      const [kb, nbCols] = b.shape.slice(-2) as [number, number];
      pairs.push({
        a: { data: a.data, offset: batchOffset(a.shape, outBatch, index) * ma * ka + aRow0 * ka + a0, rowStride: ka, colStride: 1 },
        b: { data: b.data, offset: (batchOffset(b.shape, outBatch, index) * kb + b0) * nbCols + bCol0, rowStride: nbCols, colStride: 1 },
        k: len < 0 ? ka : len,
      });
    }
    const target = direct ? (out as Float64Array).subarray(bi * m * n, (bi + 1) * m * n) : scratch!;
    kernelFor(m, n, pairs)(target, m, n, pairs);
    if (!direct) {
      // A boolean product is a logical or of ands (NumPy): any non-zero sum is True, stored as 1.
      if (p.dtype === 'bool') for (let e = 0; e < m * n; e++) out[bi * m * n + e] = scratch![e] !== 0 ? 1 : 0;
      else out.set(scratch!, bi * m * n);
    }
    for (let ax = outBatch.length - 1; ax >= 0; ax--) {
      if (++index[ax]! < outBatch[ax]!) break;
      index[ax] = 0;
    }
  }
  return { dtype: p.dtype, shape: [...p.shape], data: out };
});
