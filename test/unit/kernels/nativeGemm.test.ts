/**
 * The matrix product on ONNX Runtime (kernels/tensor/nativeGemm.ts): it loads here (npm ci installs the
 * optional package, so a machine where it stopped loading fails this file rather than quietly running
 * the slower kernel), and it reads what the engine's chunks are — views into SharedArrayBuffers, at an
 * offset inside wider matrices, transposed, integer-typed, the pieces of k from several chunk pairs —
 * giving the triple loop's result (exactly for small integers, whose sums are exact in any order;
 * within rounding for real data), whatever products of other sizes ran on the thread before.
 */
import { describe, expect, it } from 'vitest';
import type { GemmPair, MatView } from '../../../src/kernels/tensor/gemm.js';
import { matmulModel, nativeGemm } from '../../../src/kernels/tensor/nativeGemm.js';

function shared(length: number, seed: number, ints: boolean): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(8 * length));
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = ints ? (s % 7) - 3 : (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

const rowMajor = (data: ArrayLike<number>, cols: number, offset = 0): MatView => ({ data, offset, rowStride: cols, colStride: 1 });

function naive(m: number, n: number, pairs: readonly GemmPair[]): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (const { a, b, k } of pairs) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a.data[a.offset + i * a.rowStride + q * a.colStride]! * b.data[b.offset + q * b.rowStride + j * b.colStride]!;
        out[i * n + j] = out[i * n + j]! + s;
      }
    }
  }
  return out;
}

const native = nativeGemm();

describe('nativeGemm', () => {
  it('loads onnxruntime-node on this machine', () => {
    expect(native).not.toBeNull();
  });

  it('builds a one-node MatMul model ONNX Runtime accepts (the load check ran it)', () => {
    const model = matmulModel();
    expect(model[0]).toBe(0x08); // field 1 (ir_version), varint
    expect(new TextDecoder().decode(model)).toContain('MatMul');
  });

  it.each([
    [1, 1, 1], [3, 5, 7], [64, 64, 64], [130, 17, 33], [5, 300, 6], [257, 129, 65],
  ])('m=%i k=%i n=%i from shared memory: exact on small integers, within rounding on real data', (m, k, n) => {
    for (const ints of [true, false]) {
      const pairs = [{ a: rowMajor(shared(m * k, m + 1, ints), k), b: rowMajor(shared(k * n, n + 7, ints), n), k }];
      const out = new Float64Array(m * n);
      native!.product(out, m, n, pairs);
      const expected = naive(m, n, pairs);
      if (ints) expect(Array.from(out)).toEqual(expected);
      else for (let i = 0; i < out.length; i++) expect(Math.abs(out[i]! - expected[i]!)).toBeLessThan(1e-12 * k);
    }
  });

  it('reads transposed views, blocks at an offset inside wider matrices and integer arrays, and sums the pairs', () => {
    const [m, k1, k2, n] = [37, 50, 91, 29];
    const [ldA, ldB] = [k2 + 5, n + 11];
    const at = shared(k1 * m, 3, true); // stored k1×m, read as its transpose m×k1
    const b1 = Int32Array.from(shared(k1 * n, 4, true));
    const a2 = shared(60 * ldA, 5, true);
    const b2 = shared(120 * ldB, 6, true);
    const pairs: GemmPair[] = [
      { a: { data: at, offset: 0, rowStride: 1, colStride: m }, b: rowMajor(b1, n), k: k1 },
      { a: rowMajor(a2, ldA, 3 * ldA + 2), b: rowMajor(b2, ldB, 4 * ldB + 7), k: k2 },
    ];
    const out = new Float64Array(m * n);
    native!.product(out, m, n, pairs);
    expect(Array.from(out)).toEqual(naive(m, n, pairs));
  });

  it('keeps right across sizes that grow and shrink its scratch, and writes only its m×n block', () => {
    for (const [m, k, n] of [[200, 300, 100], [10, 20, 30], [400, 350, 300], [3, 2, 1]] as const) {
      const pairs = [{ a: rowMajor(shared(m * k, k, true), k), b: rowMajor(shared(k * n, n, true), n), k }];
      const out = new Float64Array(m * n + 5).fill(9);
      native!.product(out, m, n, pairs);
      expect(Array.from(out.subarray(0, m * n))).toEqual(naive(m, n, pairs));
      expect(Array.from(out.subarray(m * n))).toEqual([9, 9, 9, 9, 9]);
    }
  });

  it('carries NaN and infinities as the triple loop does (IEEE sums, no shortcut for zeros)', () => {
    const [m, k, n] = [70, 90, 80];
    const a = shared(m * k, 11, true);
    const b = shared(k * n, 12, true);
    a[5] = NaN; // row 0 of the product is NaN wherever it meets a column
    a[3 * k + 7] = Infinity; // row 3: ±Infinity, or NaN where B's row 7 holds a 0 (∞·0) or ±∞ of both signs meet
    b[9 * n + 4] = -Infinity;
    const pairs = [{ a: rowMajor(a, k), b: rowMajor(b, n), k }];
    const out = new Float64Array(m * n);
    native!.product(out, m, n, pairs);
    const expected = naive(m, n, pairs);
    expect(expected.some((x) => Number.isNaN(x)) && expected.some((x) => x === Infinity) && expected.some((x) => x === -Infinity)).toBe(true);
    expect(Array.from(out, (x) => (Number.isNaN(x) ? 'NaN' : x))).toEqual(expected.map((x) => (Number.isNaN(x) ? 'NaN' : x)));
  });

  it('gives zeros for an empty k', () => {
    const out = new Float64Array(6).fill(9);
    native!.product(out, 2, 3, [{ a: rowMajor(new Float64Array(0), 0), b: rowMajor(new Float64Array(0), 3), k: 0 }]);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
