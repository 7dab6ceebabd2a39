/**
 * The row sums read in place in WebAssembly (kernels/tensor/wasmSum.ts) and their use by the reduction
 * kernel (reduceLoop.ts): the kernel adds in the JavaScript loop's own order (blocks of 128 from the end,
 * four interleaved accumulators, Neumaier between blocks), so over hostile values — magnitudes 1e-15 to
 * 1e15 that cancel, ±0, ±Infinity, NaN — its total has the loop's very bits, whatever the length and
 * where the row starts; `tensor.reduce_map` sums (whole chunks, rows, rows of views, several reduced
 * axes, means) over a chunk in a memory give exactly what they give over a plain copy.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ArrayData } from '../../../src/base/ndarray.js';
import { allocate } from '../../../src/base/ndarray.js';
import { adopt, memoryOf, WASM_BUFFER_MIN_BYTES, wasmBuffer } from '../../../src/base/wasmMemory.js';
import { inPlaceInstantiations } from '../../../src/kernels/tensor/wasmInPlace.js';
import { asIs, inWasmMemory } from '../../support/wasmData.js';
import { getKernel } from '../../../src/kernels/index.js';
import type { Partial } from '../../../src/kernels/tensor/reduce.js';
import { wasmRowSum, wasmRowsSum } from '../../../src/kernels/tensor/wasmSum.js';

const id = asIs;
const inMemory = inWasmMemory;

const sameBits = (got: ArrayLike<number>, want: ArrayLike<number>): void => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    if (!(Object.is(g, w) || (g !== g && w !== w))) expect.fail(`element ${i}: ${g} where the JavaScript loop gives ${w}`);
  }
};

interface Reduction {
  readonly op: 'sum' | 'mean';
  readonly shape: readonly number[];
  readonly axes: readonly number[];
  readonly view?: { readonly shape: readonly number[]; readonly strides: readonly number[]; readonly offset: number };
}

/** The partial `tensor.reduce_map` leaves (the sums before the tree's merge). */
function partialSums(data: Float64Array, shape: readonly number[], r: Reduction): Float64Array {
  const x: ArrayData = { dtype: 'float64', shape: [...shape], data };
  const params = { op: r.op, expr: id, shape: r.shape, axes: r.axes, ...(r.view ? { views: [r.view] } : {}) };
  return (getKernel('tensor.reduce_map')([x], params as never) as Partial & { acc: Float64Array }).acc;
}

const hostile = fc.oneof(
  { arbitrary: fc.double({ min: -1, max: 1, noNaN: true }).chain((m) => fc.integer({ min: -15, max: 15 }).map((e) => m * 10 ** e)), weight: 40 },
  { arbitrary: fc.constantFrom(1e15, -1e15, 1, -1, 0.1), weight: 6 },
  { arbitrary: fc.constantFrom(-0, 0, Infinity, -Infinity, NaN), weight: 1 },
);

describe('sums read in place in WebAssembly', () => {
  it('a row\'s total has the JavaScript loop\'s bits, for every length and start', () => {
    const rows = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 700 })).chain(([at, n]) => fc.tuple(fc.constant(at), fc.array(hostile, { minLength: n, maxLength: n })));
    fc.assert(
      fc.property(rows, ([at, xs]) => {
        const data = inMemory(xs, at);
        const rowSum = wasmRowSum(data)!;
        // The flat loop over a plain copy adds the same total into 0.
        const plain = partialSums(Float64Array.from(xs), [xs.length], { op: 'sum', shape: [xs.length], axes: [0] });
        sameBits([0 + rowSum(0, xs.length)], plain);
      }),
      { numRuns: 800 },
    );
  });

  it('tensor.reduce_map sums over a chunk in a memory, and over views of it, equal the same over a plain copy', () => {
    const layout = fc.record({ a: fc.integer({ min: 1, max: 4 }), b: fc.integer({ min: 1, max: 5 }), c: fc.integer({ min: 1, max: 300 }), at: fc.integer({ min: 0, max: 7 }) });
    const arb = layout.chain((l) => fc.tuple(fc.constant(l), fc.array(hostile, { minLength: l.a * l.b * l.c, maxLength: l.a * l.b * l.c })));
    fc.assert(
      fc.property(arb, ([{ a, b, c, at }, xs]) => {
        const data = inMemory(xs, at);
        const plain = Float64Array.from(xs);
        const shape = [a, b, c];
        const reductions: Reduction[] = [
          { op: 'sum', shape, axes: [0, 1, 2] },
          { op: 'sum', shape, axes: [2] },
          { op: 'sum', shape, axes: [0, 2] },
          { op: 'sum', shape, axes: [1, 2] },
          { op: 'mean', shape, axes: [2] },
          { op: 'sum', shape: [a * b, c], axes: [1] },
          // Rows of views: columns from 1 of every other row, the rows backwards, one plane.
          { op: 'sum', shape: [Math.ceil((a * b) / 2), c - 1], axes: [1], view: { shape: [Math.ceil((a * b) / 2), c - 1], strides: [2 * c, 1], offset: 1 } },
          { op: 'sum', shape: [a * b, c], axes: [1], view: { shape: [a * b, c], strides: [-c, 1], offset: (a * b - 1) * c } },
          { op: 'sum', shape: [b, c], axes: [1], view: { shape: [b, c], strides: [c, 1], offset: (a - 1) * b * c } },
        ];
        for (const r of reductions) sameBits(partialSums(data, shape, r), partialSums(plain, shape, r));
      }),
      { numRuns: 300 },
    );
  });

  it('a full sum of a view whose rows lie apart, read in place, has the bits of the rows copied end to end', () => {
    // Rows a multiple of four long (wasmRowsSum's case), apart, overlapping or backwards, across blocks
    // of 128 and segments of 8,192 (the copy's path, segmentedSum.ts), means too.
    const layout = fc.record({ rows: fc.integer({ min: 1, max: 24 }), quads: fc.integer({ min: 1, max: 150 }), gap: fc.integer({ min: -3, max: 9 }), backwards: fc.boolean(), at: fc.integer({ min: 0, max: 7 }) });
    const arb = layout.chain((l) => {
      const cols = 4 * l.quads;
      const span = Math.max(cols, cols + l.gap);
      const length = (l.rows - 1) * span + cols;
      return fc.tuple(fc.constant({ ...l, cols, span }), fc.array(hostile, { minLength: length, maxLength: length }));
    });
    fc.assert(
      fc.property(arb, ([{ rows, cols, span, backwards, at }, xs]) => {
        const data = inMemory(xs, at);
        const stride = backwards ? -span : span;
        const offset = backwards ? (rows - 1) * span : 0;
        const copy = new Float64Array(rows * cols);
        for (let r = 0; r < rows; r++) copy.set(xs.slice(offset + r * stride, offset + r * stride + cols), r * cols);
        const flat = partialSums(copy, [rows * cols], { op: 'sum', shape: [rows * cols], axes: [0] });
        sameBits([0 + wasmRowsSum(data)!(offset, stride, cols, rows)], flat);
        const view = { shape: [rows, cols], strides: [stride, 1], offset };
        for (const op of ['sum', 'mean'] as const) {
          const r: Reduction = { op, shape: [rows, cols], axes: [0, 1], view };
          sameBits(partialSums(data, [xs.length], r), partialSums(Float64Array.from(xs), [xs.length], r));
        }
      }),
      { numRuns: 400 },
    );
    expect(() => wasmRowsSum(inMemory([1, 2, 3], 0))!(0, 3, 3, 1)).toThrow(/multiple of four/);
  });

  it('a 16 MB chunk\'s row sums and total read in place equal the loop\'s', () => {
    const [rows, cols] = [419, 5000];
    const data = new Float64Array(wasmBuffer(8 * rows * cols)!, 0, rows * cols);
    for (let i = 0; i < data.length; i++) data[i] = Math.cos(i) * 10 ** ((i % 31) - 15);
    data[7 * cols + 11] = Infinity;
    data[9 * cols + 3] = NaN;
    const plain = Float64Array.from(data);
    expect(wasmRowSum(data)).toBeDefined();
    for (const axes of [[1], [0, 1]]) sameBits(partialSums(data, [rows, cols], { op: 'sum', shape: [rows, cols], axes }), partialSums(plain, [rows, cols], { op: 'sum', shape: [rows, cols], axes }));
    expect(partialSums(data, [rows, cols], { op: 'sum', shape: [rows, cols], axes: [1] })[7]).toBe(Infinity);
  });

  it('a chunk\'s memory met again as another object (a clone, as every task brings) reuses its instance and reads the same bytes', () => {
    const data = allocate('float64', 600_000) as Float64Array;
    data.fill(0.5);
    const first = wasmRowSum(data)!;
    const made = inPlaceInstantiations();
    // One message keeps identity between the memory and the array (base/wasmMemory.ts); a worker adopts what arrives.
    const arrived = structuredClone({ memory: memoryOf(data.buffer)!, data });
    adopt([arrived.memory]);
    expect(arrived.memory).not.toBe(memoryOf(data.buffer));
    const second = wasmRowSum(arrived.data)!;
    expect(inPlaceInstantiations()).toBe(made);
    arrived.data[3] = 2.5;
    expect(first(0, 8)).toBe(6);
    expect(second(0, 8)).toBe(6);
    // A buffer without a recycling trailer gets an instance of its own.
    wasmRowSum(new Float64Array(wasmBuffer(WASM_BUFFER_MIN_BYTES)!))!;
    expect(inPlaceInstantiations()).toBe(made + 1);
  });

  it('reads nothing outside a WebAssembly memory', () => {
    expect(wasmRowSum(new Float64Array(new SharedArrayBuffer(64)))).toBeUndefined();
    expect(wasmRowSum(new Float64Array(8))).toBeUndefined();
  });
});
