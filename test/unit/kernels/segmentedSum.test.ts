/**
 * A full sum whose inputs broadcast or are viewed is summed segment by segment in cache
 * (kernels/tensor/segmentedSum.ts) and must equal, bit for bit, the flat sum of a stored chunk holding
 * the same values — what fusion promises. Shapes straddle segment boundaries (8,192 elements) with rows
 * of every width, inputs broadcast along either axis, read backwards, strided, or sliced (rows copied).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../src/base/expr.js';
import type { ArrayData } from '../../../src/base/ndarray.js';
import { getKernel } from '../../../src/kernels/index.js';
import { rowLayout, SEGMENT } from '../../../src/kernels/tensor/segmentedSum.js';

const input = (i: number): Expr => ({ t: 'in', i, dtype: 'float64' });
const f64 = (shape: number[], data: Float64Array): ArrayData => ({ dtype: 'float64', shape, data });
const reduce = (op: 'sum' | 'mean', inputs: ArrayData[], expr: Expr, shape: number[], views?: unknown[]): number =>
  (getKernel('tensor.reduce_map')(inputs, { op, expr, shape, axes: shape.map((_, a) => a), views, final: { op, outShape: [], dtype: 'float64' } } as never) as ArrayData).data[0] as number;

/** Values spread over many magnitudes, so a different order of addition shows in the last bits. */
const noisy = (n: number, seed: number): Float64Array => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 10 ** ((i * 7 + seed) % 9) + 0.1);

describe('segmented full sums', () => {
  it('lay the loop out as rows only when every input allows it', () => {
    expect(rowLayout([4, 5, 6], [[30, 6, 1, 0], [0, 0, 1, 0]])).toEqual({ rows: 20, cols: 6, strides: [[6, 1, 0], [0, 1, 0]] });
    expect(rowLayout([4, 5, 6], [[30, 6, 1, 0], [6, 0, 1, 0]])).toBeNull(); // broadcast along axis 1 only
    expect(rowLayout([7], [[1, 3]])).toEqual({ rows: 1, cols: 7, strides: [[0, 1, 3]] });
  });

  it('equal the flat sum of the materialised values, bit for bit, across segment boundaries', () => {
    const arb = fc.record({
      rows: fc.integer({ min: 1, max: 60 }),
      cols: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 100, max: 3 * SEGMENT })),
      along: fc.constantFrom('row', 'column', 'reversed', 'strided', 'sliced'),
      op: fc.constantFrom('sum' as const, 'mean' as const),
      seed: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(arb, ({ rows, cols, along, op, seed }) => {
        const n = rows * cols;
        const x = noisy(n, seed);
        let values: Float64Array;
        let got: number;
        if (along === 'row' || along === 'column') {
          const other = noisy(along === 'row' ? cols : rows, seed + 1);
          const sub: Expr = { t: 'bin', op: 'sub', a: input(0), b: input(1), dtype: 'float64' } as Expr;
          values = Float64Array.from({ length: n }, (_, i) => x[i]! - other[along === 'row' ? i % cols : Math.floor(i / cols)]!);
          got = reduce(op, [f64([rows, cols], x), f64(along === 'row' ? [cols] : [rows, 1], other)], sub, [rows, cols]);
        } else if (along === 'sliced') {
          // A basic slice of a wider source, every other row from its third column (copied row by row).
          const width = cols + 3;
          const source = noisy(2 * rows * width, seed);
          const view = { shape: [rows, cols], strides: [2 * width, 1], offset: 2 };
          values = Float64Array.from({ length: n }, (_, i) => source[2 + Math.floor(i / cols) * 2 * width + (i % cols)]!);
          got = reduce(op, [f64([2 * rows, width], source)], input(0), [rows, cols], [view]);
        } else {
          // A view of the source: each row read backwards, or every other element of a wider source.
          const step = along === 'reversed' ? -1 : 2;
          const width = along === 'reversed' ? cols : 2 * cols;
          const source = noisy(rows * width, seed);
          const view = { shape: [rows, cols], strides: [width, step], offset: step < 0 ? cols - 1 : 0 };
          values = Float64Array.from({ length: n }, (_, i) => source[view.offset + Math.floor(i / cols) * width + (i % cols) * step]!);
          got = reduce(op, [f64([rows, width], source)], input(0), [rows, cols], [view]);
        }
        const flat = reduce(op, [f64([rows, cols], values)], input(0), [rows, cols]);
        expect(Object.is(got, flat)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
