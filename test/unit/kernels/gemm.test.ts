/**
 * The blocked matrix kernel (kernels/tensor/gemm.ts): the WebAssembly SIMD macro-kernel and the scalar
 * JS one give bit-identical results (same packing, same summation order), equal to a sequential sum over
 * k for k within one k-block; operands read through any strides (a transposed view), edges that are not
 * a multiple of the register tile or of the unrolled k loop, blocks at an offset inside wider matrices,
 * integer data, several (A, B) pairs summed, and k past a k-block.
 */
import { describe, expect, it } from 'vitest';
import { gemm, type GemmPair, type MatView } from '../../../src/kernels/tensor/gemm.js';
import { wasmGemm } from '../../../src/kernels/tensor/wasmGemm.js';

function values(n: number, seed: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

const rowMajor = (data: Float64Array, cols: number): MatView => ({ data, offset: 0, rowStride: cols, colStride: 1 });

function naive(m: number, n: number, pairs: readonly GemmPair[]): Float64Array {
  const out = new Float64Array(m * n);
  for (const { a, b, k } of pairs) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) {
          s += a.data[a.offset + i * a.rowStride + q * a.colStride]! * b.data[b.offset + q * b.rowStride + j * b.colStride]!;
        }
        out[i * n + j] = out[i * n + j]! + s;
      }
    }
  }
  return out;
}

describe('gemm', () => {
  it('compiles the SIMD kernel on this Node', () => {
    expect(wasmGemm()).not.toBeNull();
  });

  it.each([
    [1, 1, 1], [3, 5, 7], [4, 4, 4], [9, 13, 6], [130, 17, 33], [5, 300, 6], [8, 9, 12], [7, 263, 20], [131, 40, 70],
  ])('m=%i k=%i n=%i: wasm and JS agree bit for bit, and with a sequential sum within a k-block', (m, k, n) => {
    const a = values(m * k, m + 1);
    const b = values(k * n, n + 7);
    const pairs = [{ a: rowMajor(a, k), b: rowMajor(b, n), k }];
    const w = new Float64Array(m * n);
    const j = new Float64Array(m * n);
    gemm(w, m, n, pairs, 'wasm');
    gemm(j, m, n, pairs, 'js');
    expect(Array.from(w)).toEqual(Array.from(j));
    if (k <= 256) expect(Array.from(w)).toEqual(Array.from(naive(m, n, pairs)));
    else for (let i = 0; i < w.length; i++) expect(Math.abs(w[i]! - naive(m, n, pairs)[i]!)).toBeLessThan(1e-12 * k);
  });

  it('reads transposed views through their strides and sums several pairs', () => {
    const [m, k1, k2, n] = [7, 5, 9, 6];
    const at = values(k1 * m, 3); // stored k1×m, read as its transpose m×k1
    const b1 = values(k1 * n, 4);
    const a2 = values(m * k2, 5);
    const bt = values(n * k2, 6); // stored n×k2, read as k2×n
    const pairs: GemmPair[] = [
      { a: { data: at, offset: 0, rowStride: 1, colStride: m }, b: rowMajor(b1, n), k: k1 },
      { a: rowMajor(a2, k2), b: { data: bt, offset: 0, rowStride: 1, colStride: k2 }, k: k2 },
    ];
    const out = new Float64Array(m * n);
    gemm(out, m, n, pairs);
    expect(Array.from(out)).toEqual(Array.from(naive(m, n, pairs)));
  });

  it('reads a block at a row and column offset inside wider matrices, and integer data, as a triple loop does', () => {
    const [m, k, n] = [9, 21, 13];
    const [ldA, ldB] = [k + 5, n + 11];
    const a = Int32Array.from(values(40 * ldA, 8), (x) => Math.round(x * 50));
    const b = values(40 * ldB, 9);
    const pairs: GemmPair[] = [
      { a: { data: a, offset: 3 * ldA + 2, rowStride: ldA, colStride: 1 }, b: { data: b, offset: 4 * ldB + 7, rowStride: ldB, colStride: 1 }, k },
    ];
    const out = new Float64Array(m * n);
    gemm(out, m, n, pairs);
    expect(Array.from(out)).toEqual(Array.from(naive(m, n, pairs)));
  });

  it('writes only its m×n block and leaves zeros for empty k', () => {
    const out = new Float64Array(12).fill(9);
    gemm(out, 2, 3, [{ a: rowMajor(new Float64Array(0), 0), b: rowMajor(new Float64Array(0), 3), k: 0 }]);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9]);
  });

  it('takes a new memory when it needs more, never growing (and so detaching) the one before', () => {
    const before = wasmGemm()!;
    const buffer = before.memory.buffer;
    const bytes = buffer.byteLength;
    const bigger = wasmGemm(bytes + 1)!;
    expect(bigger).not.toBe(before);
    expect(bigger.memory.buffer.byteLength).toBeGreaterThan(bytes);
    // A grown memory detaches its old buffer (byteLength 0): the old one is intact.
    expect(buffer.byteLength).toBe(bytes);
    // Asking for no more than it has keeps the instance.
    expect(wasmGemm(bytes)).toBe(bigger);
    // The kernel over a new memory computes what it did.
    const m = 37;
    const a = values(m * m, 5);
    const out = new Float64Array(m * m);
    const pairs = [{ a: rowMajor(a, m), b: rowMajor(a, m), k: m }];
    gemm(out, m, m, pairs);
    const expected = naive(m, m, pairs);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(expected[i]!, 12);
  });
});
