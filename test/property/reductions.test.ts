/**
 * Tree reductions over chunked tensors equal the dense reference, for every reduction, random axes
 * (none, one — maybe negative — or any list) with and without keepdims, and every form of chunking.
 *
 * Exactness: the reference folds each group left to right, while the engine sums each chunk with four
 * interleaved accumulators and then merges partials in a tree, so float additions happen in another
 * order. Where that cannot change the result the comparison is exact: on "dyadic" data (small
 * integers and halves) every sum and partial sum is exactly representable, so sum, mean (= exact sum /
 * count), prod (of powers of two), min/max, any/all, count_nonzero and the arg reductions must match
 * bit for bit. On general doubles sum and mean are compared with a tolerance (rtol 1e-9), and var/std
 * always are: the engine merges per-chunk moments with Chan's formula, the reference uses two passes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, tensor as tt, type Tensor } from '../../src/index.js';
import type { NdArray } from '../../src/base/ndarray.js';
import type { ChunkSize } from '../../src/ops/tensor/meta.js';
import {
  axisArb, caseOfShape, dyadicArb, edgyArb, floatArb, shapeArb, splitsArb, tensorCaseArb, type TensorCase,
} from '../support/arbitraries.js';
import { build, EXECUTORS, propertySessions, refOf } from '../support/cases.js';
import * as R from '../support/reference.js';

const sessions = propertySessions();

type Axis = number | number[] | null;
const reducedSize = (shape: readonly number[], axis: Axis): number =>
  R.axesOf(axis, shape.length).reduce((n, a) => n * shape[a]!, 1);

/** A case plus an axis selection and keepdims. */
const withAxes = (values: fc.Arbitrary<number>) =>
  tensorCaseArb(values).chain((c) => fc.tuple(fc.constant(c), axisArb(c.shape.length), fc.boolean()));

const EXACT = ['sum', 'mean', 'min', 'max', 'any', 'all', 'countNonzero'] as const;
const FOLD: Record<(typeof EXACT)[number], (v: number[]) => number> = {
  sum: R.folds.sum, mean: R.folds.mean, min: R.folds.min, max: R.folds.max, any: R.folds.any, all: R.folds.all,
  countNonzero: R.folds.countNonzero,
};

describe.each(EXECUTORS)('reductions on chunked tensors equal the dense reference (%s executor)', (kind) => {
  const { run, session, numRuns } = sessions(kind);

  it('sum, mean, min, max, any, all, count_nonzero: exact on dyadic data, any axes, keepdims', async () => {
    await fc.assert(
      fc.asyncProperty(withAxes(fc.oneof(dyadicArb(), edgyArb())), fc.constantFrom(...EXACT), async ([c, axis, keepdims], op) => {
        const opts = { axis, keepdims };
        if ((op === 'min' || op === 'max') && reducedSize(c.shape, axis) === 0) {
          // NumPy refuses these on an empty axis; so must the builder, before anything runs.
          expect(() => build(c)[op](opts)).toThrow(InvalidArgumentError);
          return;
        }
        R.assertMatches(await run(build(c)[op](opts)), R.reduce(refOf(c), axis, keepdims, FOLD[op]));
      }),
      { numRuns: numRuns(250) },
    );
  });

  it('prod: exact on powers of two', async () => {
    const pow2 = fc.constantFrom(-2, -1, -0.5, 0.5, 1, 2, 0);
    await fc.assert(
      fc.asyncProperty(withAxes(pow2), async ([c, axis, keepdims]) => {
        R.assertMatches(await run(build(c).prod({ axis, keepdims })), R.reduce(refOf(c), axis, keepdims, R.folds.prod));
      }),
      { numRuns: numRuns(80) },
    );
  });

  it('argmin / argmax: first occurrence, NaN wins, over one axis or all', async () => {
    const arb = tensorCaseArb(edgyArb()).chain((c) =>
      fc.tuple(
        fc.constant(c),
        c.shape.length === 0 ? fc.constant(null) : fc.option(fc.integer({ min: -c.shape.length, max: c.shape.length - 1 })),
        fc.boolean(),
        fc.constantFrom('argmin' as const, 'argmax' as const),
      ),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([c, axis, keepdims, op]) => {
        if (reducedSize(c.shape, axis) === 0) {
          expect(() => build(c)[op]({ axis, keepdims })).toThrow(InvalidArgumentError);
          return;
        }
        const got = await run(build(c)[op]({ axis, keepdims }));
        expect(got.dtype).toBe('int64');
        R.assertMatches(got, R.reduce(refOf(c), axis, keepdims, R.folds[op]));
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('sum and mean of general doubles: within rtol 1e-9 (chunked sums add in another order)', async () => {
    await fc.assert(
      fc.asyncProperty(withAxes(floatArb()), fc.constantFrom('sum' as const, 'mean' as const), async ([c, axis, keepdims], op) => {
        const tol = { rtol: 1e-9, atol: 1e-9 };
        R.assertMatches(await run(build(c)[op]({ axis, keepdims })), R.reduce(refOf(c), axis, keepdims, FOLD[op]), tol);
      }),
      { numRuns: numRuns(80) },
    );
  });

  it('var and std with ddof: within rtol 1e-9 (Chan merge vs two passes)', async () => {
    await fc.assert(
      fc.asyncProperty(withAxes(dyadicArb()), fc.constantFrom('var' as const, 'std' as const), fc.integer({ min: 0, max: 2 }), async ([c, axis, keepdims], op, ddof) => {
        const fold = R.folds[op](ddof);
        R.assertMatches(await run(build(c)[op]({ axis, keepdims, ddof })), R.reduce(refOf(c), axis, keepdims, fold), { rtol: 1e-9, atol: 1e-12 });
      }),
      { numRuns: numRuns(150) },
    );
  });

  it('long axes with small chunks: several combine rounds of the tree', async () => {
    const arb: fc.Arbitrary<TensorCase> = fc.integer({ min: 1, max: 120 }).chain((n) =>
      fc.record({
        shape: fc.constant([n]),
        data: fc.array(dyadicArb(), { minLength: n, maxLength: n }),
        chunks: fc.oneof(fc.integer({ min: 1, max: 6 }) as fc.Arbitrary<ChunkSize>, splitsArb(n).map((s) => [s])),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const t = build(c);
        const r = refOf(c);
        const [s, mx, am, v] = await session().run([t.sum(), t.max(), t.argmax(), t.var()]);
        R.assertMatches(s as NdArray, R.reduce(r, null, false, R.folds.sum));
        R.assertMatches(mx as NdArray, R.reduce(r, null, false, R.folds.max));
        R.assertMatches(am as NdArray, R.reduce(r, null, false, R.folds.argmax));
        R.assertMatches(v as NdArray, R.reduce(r, null, false, R.folds.var(0)), { rtol: 1e-9, atol: 1e-12 });
      }),
      { numRuns: numRuns(60) },
    );
  });

  it('column reductions over many rows (eight rows per pass), of row slices read in place and of fused work: exact', async () => {
    // The axis before the last reduced, the last kept: codegen's nd loop takes eight rows per pass and
    // the rest one by one, so row counts around multiples of eight, steps and reversed rows matter.
    const arb = fc
      .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 27 }), fc.integer({ min: 1, max: 5 }))
      .chain(([lead, rows, cols]) => caseOfShape(lead === 0 ? [rows, cols] : [lead, rows, cols], fc.oneof(dyadicArb(), edgyArb())))
      .chain((c) =>
        fc.tuple(
          fc.constant(c),
          fc.constantFrom(...(c.shape.length === 2 ? [0, -2] : [1, [0, 1], [-3, -2]])),
          fc.record({ start: fc.option(fc.integer({ min: -4, max: 4 })), stop: fc.constant(null), step: fc.constantFrom(1, 2, -1, -3) }),
          fc.boolean(),
          fc.constantFrom(...EXACT),
        ),
      );
    await fc.assert(
      fc.asyncProperty(arb, async ([c, axis, rowSlice, fuse, op]) => {
        const lead = c.shape.length === 3 ? [':'] : [];
        let t = build(c).slice(...lead, rowSlice);
        let ref = R.slice(refOf(c), [...lead.map(() => ({})), rowSlice]);
        if (fuse) {
          t = t.mul(2).add(1);
          ref = R.map(ref, (x) => 2 * x + 1);
        }
        if ((op === 'min' || op === 'max') && reducedSize(ref.shape, axis) === 0) return;
        R.assertMatches(await run(t[op]({ axis })), R.reduce(ref, axis, false, FOLD[op]));
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('reductions of a 2-D grid of many chunks over each axis', async () => {
    const arb = shapeArb({ minDims: 2, maxDims: 2, maxExtent: 12, allowZero: false }).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        data: fc.array(dyadicArb(), { minLength: R.size(shape), maxLength: R.size(shape) }),
        chunks: fc.integer({ min: 1, max: 3 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, fc.constantFrom(0, 1, -1), async (c, axis) => {
        const t = build(c);
        const r = refOf(c);
        const [s, am] = await session().run([t.sum({ axis }), t.argmin({ axis, keepdims: true })]);
        R.assertMatches(s as NdArray, R.reduce(r, axis, false, R.folds.sum));
        R.assertMatches(am as NdArray, R.reduce(r, axis, true, R.folds.argmin));
      }),
      { numRuns: numRuns(40) },
    );
  });
});
