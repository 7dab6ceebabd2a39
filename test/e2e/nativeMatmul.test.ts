/**
 * The `nativeMatmul` option through a session, on both executors: products big enough for ONNX
 * Runtime's GEMM (kernels/tensor/nativeGemm.ts) agree with the engine's own kernel within rounding and
 * with a plain triple loop, and setting the option reaches the pool's threads while their pool runs
 * (the two kernels sum in different orders, so real-valued products differ in some last bits: that is
 * how the test sees which kernel ran). A product chained into its reduction runs natively too, since
 * the native kernel is synchronous. Bad values are typed errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getOption, type NdArray, OptionError, setOption, tensor as tt } from '../../src/index.js';
import { sessionsForFile } from '../support/lifecycle.js';

const sessions = sessionsForFile();
afterEach(() => setOption('nativeMatmul', true));

/**
 * m×k by k×n in 2×2 output blocks from the chunks (so the op cuts no finer), each of m·n·k/4 past the
 * native kernel's threshold (2^26), each summing k over two chunk pairs.
 */
const [M, K, N] = [640, 660, 650];

function triple(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let q = 0; q < K; q++) s += a[i * K + q]! * b[q * N + j]!;
      out[i * N + j] = s;
    }
  }
  return out;
}

function maxError(got: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(got.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
  return worst;
}

describe.each(['local', 'threads'] as const)('nativeMatmul on %s', (kind) => {
  it('is on by default, agrees with the wasm kernel within rounding, and switching it reaches the running pool', async () => {
    expect(getOption('nativeMatmul')).toBe(true);
    const sess = sessions[kind];
    const a = tt.random.rand([M, K], { seed: 31, chunkSize: [M / 2, K / 2] });
    const b = tt.random.rand([K, N], { seed: 32, chunkSize: [K / 2, N / 2] });
    const [av, bv] = (await sess.run([a, b])) as NdArray[];
    const expected = triple(av!.data as Float64Array, bv!.data as Float64Array);
    const product = async (): Promise<Float64Array> => {
      const c = a.matmul(b);
      const value = (await sess.run(c)) as NdArray;
      sess.release(c.node);
      return Float64Array.from(value.data as Float64Array);
    };
    const nativeFirst = await product();
    setOption('nativeMatmul', false);
    const wasm = await product();
    setOption('nativeMatmul', true);
    const nativeAgain = await product();
    for (const got of [nativeFirst, wasm]) expect(maxError(got, expected)).toBeLessThan(1e-10);
    expect(Array.from(nativeAgain)).toEqual(Array.from(nativeFirst));
    expect(wasm.some((x, i) => x !== nativeFirst[i])).toBe(true);
  });

  it('runs a product chained into its sum natively, with the stored product’s sum', async () => {
    const sess = sessions[kind];
    const a = tt.random.rand([M, K], { seed: 33, chunkSize: [M / 2, K / 2] });
    const b = tt.random.rand([K, N], { seed: 34, chunkSize: [K / 2, N / 2] });
    const c = a.matmul(b);
    const [stored] = (await sess.run([c])) as NdArray[];
    const chained = (await sess.run(a.matmul(b).sum({ axis: 1 }))) as NdArray;
    const rows = Array.from({ length: M }, (_, i) => (stored!.data as Float64Array).subarray(i * N, (i + 1) * N).reduce((x, y) => x + y, 0));
    expect(maxError(chained.data as Float64Array, rows)).toBeLessThan(1e-9);
  });

  it('picks the kernel per matrix product of a batch: big ones natively, a block of many small ones on wasm', async () => {
    const sess = sessions[kind];
    const both = async (build: () => ReturnType<typeof tt.random.rand>): Promise<[Float64Array, Float64Array]> => {
      const out: Float64Array[] = [];
      for (const native of [true, false]) {
        setOption('nativeMatmul', native);
        const c = build();
        out.push(Float64Array.from(((await sess.run(c)) as NdArray).data as Float64Array));
        sess.release(c.node);
      }
      return out as [Float64Array, Float64Array];
    };
    // Four batches of 400×420 by 420×410 (each 2^26.04 multiply-adds), one batch per block.
    const big = await both(() => tt.random.rand([4, 400, 420], { seed: 35, chunkSize: [1, 400, 420] }).matmul(tt.random.rand([4, 420, 410], { seed: 36, chunkSize: [1, 420, 410] })));
    expect(maxError(big[0], big[1])).toBeLessThan(1e-10);
    expect(big[0].some((x, i) => x !== big[1][i])).toBe(true);
    // One block of 16384 products of 16×16 by 16×16: 2^26 multiply-adds in all, 4096 each.
    const whole = { chunkSize: [16384, 16, 16] };
    const small = await both(() => tt.random.rand([16384, 16, 16], { seed: 37, ...whole }).matmul(tt.random.rand([16384, 16, 16], { seed: 38, ...whole })));
    expect(small[0].length).toBe(16384 * 256);
    expect(small[0].findIndex((x, i) => x !== small[1][i])).toBe(-1);
  });
});

it('refuses a value that is not a boolean', () => {
  expect(() => setOption('nativeMatmul', 'yes' as never)).toThrow(OptionError);
  expect(() => setOption('nativeMatmul', 1 as never)).toThrow(/'nativeMatmul' must be true or false/);
  expect(getOption('nativeMatmul')).toBe(true);
});
