/**
 * fast-check generators shared by the property tests: small shapes (0–4 dims, size-0 and size-1 axes
 * on purpose), every form of `chunkSize` (an int, one entry per axis — int, null, -1 or explicit
 * splits), broadcast-compatible shape pairs, value sets, and random axis selections.
 */
import fc from 'fast-check';
import type { ChunkSize } from '../../src/ops/tensor/meta.js';
import { size } from './reference.js';

export interface ShapeOptions {
  readonly minDims?: number;
  readonly maxDims?: number;
  readonly maxExtent?: number;
  readonly maxSize?: number;
}

/** An extent, biased towards the edge cases 0 and 1. */
export function extentArb(maxExtent = 5, allowZero = true): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...(allowZero ? [0, 1] : [1])), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: maxExtent }), weight: 4 },
  );
}

export function shapeArb(o: ShapeOptions & { readonly allowZero?: boolean } = {}): fc.Arbitrary<number[]> {
  const maxSize = o.maxSize ?? 150;
  return fc
    .array(extentArb(o.maxExtent ?? 5, o.allowZero ?? true), { minLength: o.minDims ?? 0, maxLength: o.maxDims ?? 4 })
    .filter((s) => size(s) <= maxSize);
}

/** Explicit chunk extents summing to `d` (only `[0]` or `[]` for an empty axis). */
export function splitsArb(d: number): fc.Arbitrary<number[]> {
  if (d === 0) return fc.constantFrom([0], []);
  const cuts = Array.from({ length: d - 1 }, (_, i) => i + 1);
  return fc.subarray(cuts).map((cs) => {
    const b = [0, ...cs, d];
    return b.slice(1).map((v, i) => v - b[i]!);
  });
}

/** Every accepted form of `chunkSize` for a given shape. */
export function chunkSizeArb(shape: readonly number[]): fc.Arbitrary<ChunkSize> {
  const maxExtent = Math.max(1, ...shape);
  const perAxis = fc.tuple(
    ...shape.map((d) =>
      fc.oneof(
        fc.integer({ min: 1, max: maxExtent + 1 }) as fc.Arbitrary<number | null | readonly number[]>,
        fc.constantFrom(null, -1),
        splitsArb(d),
      ),
    ),
  );
  return fc.oneof(fc.integer({ min: 1, max: maxExtent + 1 }), perAxis) as fc.Arbitrary<ChunkSize>;
}

/**
 * Values whose sums and products are exact in float64 whatever the order: small integers and halves
 * (products of these stay exact as long as they stay below 2^53; the sizes used keep them there).
 */
export function dyadicArb(): fc.Arbitrary<number> {
  return fc.oneof(fc.integer({ min: -4, max: 4 }), fc.integer({ min: -8, max: 8 }).map((x) => x / 2));
}

/**
 * General doubles: mostly values with endless binary fractions (k/7, k/3), whose sums round
 * differently when added in another order; fc.double alone favours round values that add exactly.
 */
export function floatArb(): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: -7000, max: 7000 }).map((k) => k / 7), weight: 3 },
    { arbitrary: fc.integer({ min: -3000, max: 3000 }).map((k) => k / 3), weight: 1 },
    { arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true }), weight: 1 },
  );
}

/** Values with ties and the odd NaN / infinity, for min/max/arg reductions. */
export function edgyArb(): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: -3, max: 3 }), weight: 8 },
    { arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0), weight: 1 },
  );
}

export interface TensorCase {
  readonly shape: number[];
  readonly data: number[];
  readonly chunks: ChunkSize;
}

export function tensorCaseArb(
  values: fc.Arbitrary<number> = dyadicArb(),
  o: ShapeOptions & { readonly allowZero?: boolean } = {},
): fc.Arbitrary<TensorCase> {
  return shapeArb(o).chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      data: fc.array(values, { minLength: size(shape), maxLength: size(shape) }),
      chunks: chunkSizeArb(shape),
    }),
  );
}

/** A case for a fixed shape. */
export function caseOfShape(shape: readonly number[], values: fc.Arbitrary<number> = dyadicArb()): fc.Arbitrary<TensorCase> {
  return fc.record({
    shape: fc.constant([...shape]),
    data: fc.array(values, { minLength: size(shape), maxLength: size(shape) }),
    chunks: chunkSizeArb(shape),
  });
}

/** Two shapes that broadcast: one is the full shape, the other drops leading axes and sets some to 1. */
export function broadcastPairArb(o: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> {
  return shapeArb({ maxSize: 100, ...o }).chain((full) =>
    fc
      .record({
        drop: fc.integer({ min: 0, max: full.length }),
        ones: fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
        swap: fc.boolean(),
      })
      .map(({ drop, ones, swap }) => {
        const other = full.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
        return (swap ? [other, full] : [full, other]) as [number[], number[]];
      }),
  );
}

/** An axis selection for a reduction over `ndim` axes: none (all), one (maybe negative) or a list. */
export function axisArb(ndim: number): fc.Arbitrary<number | number[] | null> {
  if (ndim === 0) return fc.constantFrom(null, [] as number[]);
  return fc.oneof(
    fc.constant(null),
    fc.integer({ min: -ndim, max: ndim - 1 }),
    fc.shuffledSubarray(Array.from({ length: ndim }, (_, i) => i)).chain((axes) =>
      fc.array(fc.boolean(), { minLength: axes.length, maxLength: axes.length }).map((neg) => axes.map((a, i) => (neg[i] ? a - ndim : a))),
    ),
  );
}
