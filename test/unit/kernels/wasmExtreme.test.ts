/**
 * The max/min read in place in WebAssembly (kernels/tensor/wasmExtreme.ts) and its use by the reduction
 * kernel (reduceLoop.ts): over rows of a chunk in a WebAssembly memory — any count of rows (four at a
 * time, then one by one), odd and even widths, row strides, offsets — it equals the first-wins fold,
 * and says NaN (run the exact loop) when a NaN was seen or the extreme is ±0; `tensor.reduce_map` over
 * such chunks and views of them gives exactly what it gives over plain copies, NumPy's tie rules
 * included; a chunk outside any memory is not read this way.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ArrayData } from '../../../src/base/ndarray.js';
import { wasmBuffer } from '../../../src/base/wasmMemory.js';
import { asIs, inWasmMemory } from '../../support/wasmData.js';
import { getKernel } from '../../../src/kernels/index.js';
import type { Partial } from '../../../src/kernels/tensor/reduce.js';
import { wasmExtreme } from '../../../src/kernels/tensor/wasmExtreme.js';

const id = asIs;
const inMemory = inWasmMemory;

const firstWins = (op: 'min' | 'max', v: readonly number[]): number =>
  v.reduce((m, x) => (m !== m ? m : x !== x || (op === 'max' ? x > m : x < m) ? x : m), op === 'max' ? -Infinity : Infinity);
const same = (got: number, want: number): void => expect(Object.is(got, want) || (got !== got && want !== want)).toBe(true);

function reduced(op: 'min' | 'max', data: Float64Array, shape: number[], view?: { shape: number[]; strides: number[]; offset: number }): number {
  const x: ArrayData = { dtype: 'float64', shape, data };
  const loopShape = view?.shape ?? shape;
  const partial = getKernel('tensor.reduce_map')([x], { op, expr: id, shape: loopShape, axes: loopShape.map((_, a) => a), ...(view ? { views: [view] } : {}) } as never) as Partial;
  return (getKernel('tensor.reduce_final')([partial], { op, outShape: [], dtype: 'float64', ddof: 0 } as never) as ArrayData).data[0]!;
}

describe('max and min read in place in WebAssembly', () => {
  const value = fc.oneof(
    { arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }), weight: 30 },
    { arbitrary: fc.constantFrom(-0, 0, -Infinity, Infinity), weight: 2 },
    { arbitrary: fc.constant(NaN), weight: 1 },
  );
  const layout = fc.record({
    rows: fc.integer({ min: 1, max: 19 }),
    cols: fc.integer({ min: 1, max: 41 }),
    gap: fc.integer({ min: 0, max: 5 }),
    at: fc.integer({ min: 0, max: 7 }),
    op: fc.constantFrom('min' as const, 'max' as const),
  });
  const arb = layout.chain((l) => fc.tuple(fc.constant(l), fc.array(value, { minLength: l.rows * (l.cols + l.gap), maxLength: l.rows * (l.cols + l.gap) })));

  it('equals the first-wins fold over the rows, or says NaN when a NaN or a zero extreme needs the exact loop', () => {
    fc.assert(
      fc.property(arb, ([{ rows, cols, gap, at, op }, xs]) => {
        const stride = cols + gap;
        const data = inMemory(xs, at);
        const picked = Array.from({ length: rows }, (_, r) => xs.slice(r * stride, r * stride + cols)).flat();
        const want = firstWins(op, picked);
        const got = wasmExtreme(op, data, 0, rows, cols, stride)!;
        if (want !== want || want === 0) expect(got).toBeNaN();
        else expect(got).toBe(want);
      }),
      { numRuns: 600 },
    );
  });

  it('tensor.reduce_map over a chunk in a memory, and over views of it, equals the same over a plain copy', () => {
    fc.assert(
      fc.property(arb, ([{ rows, cols, gap, at, op }, xs]) => {
        const width = cols + gap;
        const shape = [rows, width];
        const data = inMemory(xs, at);
        const plain = Float64Array.from(xs);
        same(reduced(op, data, shape), reduced(op, plain, shape));
        same(reduced(op, data, shape), firstWins(op, xs));
        // Columns gap.. of every other row; a single row; a column of extent-1 rows (unit inner stride only).
        const views = [
          { shape: [Math.ceil(rows / 2), cols], strides: [2 * width, 1], offset: gap },
          { shape: [1, cols], strides: [0, 1], offset: (rows - 1) * width },
          { shape: [rows, 1], strides: [width, 0], offset: 0 },
        ];
        for (const view of views) same(reduced(op, data, shape, view), reduced(op, plain, shape, view));
      }),
      { numRuns: 300 },
    );
  });

  it('a strided slice of a 16 MB chunk gives the JavaScript loop\'s answer, with a NaN and with ±0 extremes', () => {
    const rows = 419;
    const cols = 5000;
    const data = new Float64Array(wasmBuffer(8 * rows * cols)!, 0, rows * cols);
    for (let i = 0; i < data.length; i++) data[i] = Math.cos(i) - 2;
    const plain = Float64Array.from(data);
    const view = { shape: [210, 3900], strides: [2 * cols, 1], offset: 100 };
    for (const op of ['max', 'min'] as const) same(reduced(op, data, [rows, cols], view), reduced(op, plain, [rows, cols], view));
    const inView = Array.from({ length: 210 }, (_, r) => Array.from(plain.subarray(2 * r * cols + 100, 2 * r * cols + 4000))).flat();
    expect(reduced('max', data, [rows, cols], view)).toBe(firstWins('max', inView));
    // A NaN inside the view; then the extreme a zero, -0 first in the walk's order.
    data[2 * cols * 7 + 150] = NaN;
    expect(reduced('max', data, [rows, cols], view)).toBeNaN();
    data[2 * cols * 7 + 150] = -3;
    data.fill(-5);
    data[2 * cols * 3 + 200] = -0;
    data[2 * cols * 9 + 300] = 0;
    plain.set(data);
    same(reduced('max', data, [rows, cols], view), reduced('max', plain, [rows, cols], view));
    same(reduced('max', data, [rows, cols], view), -0);
  });

  it('reads nothing outside a WebAssembly memory', () => {
    expect(wasmExtreme('max', new Float64Array(new SharedArrayBuffer(64)), 0, 1, 8, 0)).toBeUndefined();
    expect(wasmExtreme('max', new Float64Array(8), 0, 1, 8, 0)).toBeUndefined();
  });
});
