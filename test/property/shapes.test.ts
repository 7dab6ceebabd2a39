/**
 * Shape ops on chunked tensors equal the dense reference: NumPy basic slicing (ints, slices with any
 * step including negative ones, newaxis, ellipsis, string specs), also fetched from an executed tensor
 * without executing the slice; reshape (including -1 and size-0 shapes); transpose by any permutation;
 * concatenate along any axis with differently chunked inputs; blocked matmul with 1-D and 2-D operands.
 * All of these move or multiply-add values in the same order as the reference (matmul sums over k in
 * increasing order, block after block), so equality is exact.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RunStats, tensor as tt, type Tensor } from '../../src/index.js';
import type { IndexSpec } from '../../src/ops/tensor/slicing.js';
import { caseOfShape, chunkSizeArb, dyadicArb, extentArb, shapeArb, tensorCaseArb, type TensorCase } from '../support/arbitraries.js';
import { build, EXECUTORS, propertySessions, refOf } from '../support/cases.js';
import * as R from '../support/reference.js';

const sessions = propertySessions();

/** One index part for an axis of extent d, as the engine takes it and as the reference does. */
function axisIndexArb(d: number): fc.Arbitrary<[IndexSpec, R.RefIndex]> {
  const bound = fc.option(fc.integer({ min: -d - 2, max: d + 2 }));
  const step = fc.option(fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0));
  const slice = fc.record({ start: bound, stop: bound, step }).chain((s) =>
    fc.boolean().map((asString): [IndexSpec, R.RefIndex] => {
      if (!asString) return [s, s];
      const str = `${s.start ?? ''}:${s.stop ?? ''}${s.step === null ? '' : `:${s.step}`}`;
      return [str, s];
    }),
  );
  const options: fc.Arbitrary<[IndexSpec, R.RefIndex]>[] = [slice, fc.constant<[IndexSpec, R.RefIndex]>([null, {}])];
  if (d > 0) options.push(fc.integer({ min: -d, max: d - 1 }).map((i): [IndexSpec, R.RefIndex] => [i, i]));
  return fc.oneof(...options);
}

/** A full basic index for `shape`: parts for a prefix of the axes, maybe newaxis and an ellipsis. */
function indexArb(shape: readonly number[]): fc.Arbitrary<[IndexSpec[], R.RefIndex[]]> {
  return fc
    .tuple(
      fc.integer({ min: 0, max: shape.length }),
      fc.tuple(...shape.map(axisIndexArb)),
      fc.option(fc.nat()),
      fc.option(fc.nat()),
    )
    .map(([used, parts, newaxisAt, ellipsisAt]) => {
      const engine: IndexSpec[] = parts.slice(0, used).map((p) => p[0]);
      const reference: R.RefIndex[] = parts.slice(0, used).map((p) => p[1]);
      if (newaxisAt !== null) {
        const k = newaxisAt % (engine.length + 1);
        engine.splice(k, 0, 'newaxis');
        reference.splice(k, 0, 'newaxis');
      }
      if (ellipsisAt !== null && used < shape.length) {
        // The ellipsis stands for the axes the parts leave out; put it at the end of the used axes.
        engine.push('...');
        reference.push('...');
      }
      return [engine, reference];
    });
}

/** A shape with the same number of elements: the original extents' factors regrouped. */
function sameSizeShapeArb(shape: readonly number[]): fc.Arbitrary<number[]> {
  const n = R.size(shape);
  if (n === 0) {
    return fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 }).chain((rest) =>
      fc.nat({ max: rest.length }).map((k) => [...rest.slice(0, k), 0, ...rest.slice(k)]),
    );
  }
  const factors: number[] = [];
  let m = n;
  for (let p = 2; m > 1; p++) while (m % p === 0) { factors.push(p); m /= p; }
  return fc
    .tuple(fc.shuffledSubarray(factors, { minLength: factors.length }), fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(), { maxLength: 8 }))
    .map(([fs, dims, picks]) => {
      const out = new Array<number>(dims).fill(1);
      fs.forEach((f, i) => {
        const j = (picks[i] ?? i) % dims;
        out[j] = out[j]! * f;
      });
      return out;
    });
}

describe.each(EXECUTORS)('shape ops on chunked tensors equal the dense reference (%s executor)', (kind) => {
  const { run, session, numRuns } = sessions(kind);

  it('basic slicing: ints, any slices and steps, newaxis, ellipsis, string specs', async () => {
    const arb = tensorCaseArb(dyadicArb()).chain((c) => fc.tuple(fc.constant(c), indexArb(c.shape)));
    await fc.assert(
      fc.asyncProperty(arb, async ([c, [index, refIndex]]) => {
        R.assertMatches(await run(build(c).slice(...index)), R.slice(refOf(c), refIndex));
      }),
      { numRuns: numRuns(250) },
    );
  });

  it('a slice feeding elementwise work and reductions is read in place (fused into them), exact', async () => {
    const sess = session();
    const fusedCounts: number[] = [];
    const sumFused: number[] = [];
    const onRun = (stats: RunStats): void => void fusedCounts.push(stats.fused);
    sess.on('run', onRun);
    try {
      const arb = tensorCaseArb(dyadicArb()).chain((c) => fc.tuple(fc.constant(c), indexArb(c.shape), fc.boolean()));
      await fc.assert(
        fc.asyncProperty(arb, async ([c, [index, refIndex], keepdims]) => {
          const sliced = R.slice(refOf(c), refIndex);
          const t = build(c).slice(...index);
          R.assertMatches(await run(t.mul(2).add(1)), R.map(sliced, (x) => 2 * x + 1));
          // The reduction alone: a slice read in place is the only fusion its run can count.
          const before = fusedCounts.length;
          R.assertMatches(await run(t.sum()), R.reduce(sliced, null, false, (v) => v.reduce((a, b) => a + b, 0)));
          sumFused.push(...fusedCounts.slice(before));
          const axis = sliced.shape.length > 0 ? 0 : null;
          if (R.size(sliced.shape) > 0) R.assertMatches(await run(t.max({ axis, keepdims })), R.reduce(sliced, axis, keepdims, (v) => Math.max(...v)));
        }),
        { numRuns: numRuns(150) },
      );
    } finally {
      sess.off('run', onRun);
    }
    expect(sumFused.some((n) => n > 0)).toBe(true);
  });

  it('slices (and slices of slices) of an executed tensor fetch without executing', async () => {
    const arb = tensorCaseArb(dyadicArb(), { minDims: 1 }).chain((c) =>
      indexArb(c.shape).chain((first) => {
        const mid = R.slice(refOf(c), first[1]);
        return fc.tuple(fc.constant(c), fc.constant(first), indexArb(mid.shape));
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([c, [i1, r1], [i2, r2]]) => {
        const t = await build(c).execute({ session: session() });
        const s1 = t.slice(...i1);
        const s2 = s1.slice(...i2);
        R.assertMatches(await s1.fetch({ session: session() }), R.slice(refOf(c), r1));
        R.assertMatches(await s2.fetch({ session: session() }), R.slice(R.slice(refOf(c), r1), r2));
        expect(s2.isExecuted({ session: session() })).toBe(false);
      }),
      { numRuns: numRuns(100) },
    );
  });

  it('reshape to any shape of the same size (with -1)', async () => {
    const arb = tensorCaseArb(dyadicArb()).chain((c) => fc.tuple(fc.constant(c), sameSizeShapeArb(c.shape), fc.nat()));
    await fc.assert(
      fc.asyncProperty(arb, async ([c, shape, minus]) => {
        const target = [...shape];
        if (R.size(shape) > 0 && shape.length > 0) target[minus % shape.length] = -1;
        R.assertMatches(await run(build(c).reshape(target)), R.reshape(refOf(c), shape));
      }),
      { numRuns: numRuns(200) },
    );
  });

  it('reshape chains: reshape, then elementwise, then reshape back', async () => {
    const arb = tensorCaseArb(dyadicArb()).chain((c) => fc.tuple(fc.constant(c), sameSizeShapeArb(c.shape)));
    await fc.assert(
      fc.asyncProperty(arb, async ([c, shape]) => {
        const t = build(c).reshape(shape).mul(2).reshape(c.shape);
        R.assertMatches(await run(t), R.map(refOf(c), (x) => x * 2));
      }),
      { numRuns: numRuns(80) },
    );
  });

  it('transpose by any permutation (and .T)', async () => {
    const arb = tensorCaseArb(dyadicArb()).chain((c) =>
      fc.tuple(fc.constant(c), fc.shuffledSubarray([...c.shape.keys()], { minLength: c.shape.length })),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([c, perm]) => {
        R.assertMatches(await run(build(c).transpose(perm)), R.transpose(refOf(c), perm));
        R.assertMatches(await run(build(c).T), R.transpose(refOf(c)));
      }),
      { numRuns: numRuns(120) },
    );
  });

  it('a reduction of a transpose (any permutation, axes, keepdims) is that of the transposed data', async () => {
    // Built as the reduction of the transpose's input over the matching axes (reduction.ts), whose
    // kept axes are transposed back when they come out in another order.
    const arb = tensorCaseArb(dyadicArb()).chain((c) =>
      fc.tuple(
        fc.constant(c),
        fc.shuffledSubarray([...c.shape.keys()], { minLength: c.shape.length }),
        c.shape.length === 0 ? fc.constant(null) : fc.oneof(fc.constant(null), fc.subarray([...c.shape.keys()], { minLength: 1 })),
        fc.boolean(),
        fc.constantFrom('sum', 'max', 'min', 'mean'),
      ),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([c, perm, axis, keepdims, op]) => {
        const reduced = R.transpose(refOf(c), perm);
        const size = (axis ?? [...c.shape.keys()]).reduce((n, a) => n * reduced.shape[a]!, 1);
        if (size === 0 && (op === 'max' || op === 'min')) return;
        const fold = {
          sum: (v: number[]) => v.reduce((a, b) => a + b, 0),
          max: (v: number[]) => Math.max(...v),
          min: (v: number[]) => Math.min(...v),
          mean: (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length,
        }[op];
        const got = await run(build(c).transpose(perm)[op]({ axis, keepdims }));
        R.assertMatches(got, R.reduce(reduced, axis, keepdims, fold), op === 'mean' ? { rtol: 1e-12, atol: 1e-12 } : undefined);
      }),
      { numRuns: numRuns(120) },
    );
  });

  it('concatenate along any axis, each input chunked its own way', async () => {
    const arb = shapeArb({ minDims: 1, maxDims: 3, maxSize: 60 }).chain((base) =>
      fc.tuple(fc.integer({ min: -base.length, max: base.length - 1 }), fc.array(extentArb(4), { minLength: 1, maxLength: 4 })).chain(([axis, extents]) => {
        const ax = axis < 0 ? axis + base.length : axis;
        return fc.tuple(fc.constant(axis), fc.tuple(...extents.map((e) => caseOfShape(base.map((d, i) => (i === ax ? e : d))))));
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([axis, cases]) => {
        R.assertMatches(await run(tt.concatenate(cases.map(build), axis)), R.concatenate(cases.map(refOf), axis));
      }),
      { numRuns: numRuns(120) },
    );
  });

  it('matmul of 2-D and 1-D operands, any blocking', async () => {
    const dims = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }));
    const arb = fc.tuple(dims, fc.boolean(), fc.boolean()).chain(([[m, k, n], aVec, bVec]) =>
      fc.tuple(caseOfShape(aVec ? [k] : [m, k]), caseOfShape(bVec ? [k] : [k, n])),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([a, b]) => {
        R.assertMatches(await run(build(a).matmul(build(b))), R.matmul(refOf(a), refOf(b)));
      }),
      { numRuns: numRuns(150) },
    );
  });

  it('rechunked views compose: slice of a transpose of a reshape', async () => {
    const arb = tensorCaseArb(dyadicArb(), { minDims: 2 }).chain((c) =>
      fc.tuple(fc.constant(c), chunkSizeArb([...c.shape].reverse())).chain(([c2, chunks]) =>
        fc.tuple(fc.constant(c2), fc.constant(chunks), indexArb([...c2.shape].reverse())),
      ),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([c, chunks, [index, refIndex]]) => {
        const t = build(c).T.rechunk(chunks).slice(...index);
        R.assertMatches(await run(t), R.slice(R.transpose(refOf(c)), refIndex));
      }),
      { numRuns: numRuns(80) },
    );
  });
});
