/**
 * Matrix products above 2-D equal the dense reference on both executors: batched matmul with NumPy
 * broadcasting of the batch axes (and 1-D operands against stacks), tensordot with every axes form,
 * NumPy's dot above 2-D, each with any chunking of either operand. Values are small dyadic numbers, so
 * sums are exact in any order and equality is exact. One product is big enough that the op cuts the
 * input chunks into finer output blocks (rows and columns read at an offset) and the contracted axis
 * crosses the kernel's k-block, checked against a plain triple loop.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor as tt } from '../../src/index.js';
import { caseOfShape, extentArb, shapeArb } from '../support/arbitraries.js';
import { build, EXECUTORS, propertySessions, refOf } from '../support/cases.js';
import * as R from '../support/reference.js';

const sessions = propertySessions();

/** NumPy matmul with 1-D operands promoted (row on the left, column on the right) and that axis dropped. */
function refMatmul(a: R.Ref, b: R.Ref): R.Ref {
  const a2 = a.shape.length === 1 ? R.reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.shape.length === 1 ? R.reshape(b, [b.shape[0]!, 1]) : b;
  const out = R.matmulBatched(a2, b2);
  const shape = [...out.shape];
  if (b.shape.length === 1) shape.splice(shape.length - 1, 1);
  if (a.shape.length === 1) shape.splice(shape.length - (b.shape.length === 1 ? 1 : 2), 1);
  return R.reshape(out, shape);
}

/** Batch shapes that broadcast (either side may drop leading axes or have extents of 1), m, k, n, and 1-D flags. */
const batchedArb = fc
  .tuple(
    shapeArb({ maxDims: 3, maxExtent: 3, maxSize: 12 }),
    fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    fc.integer({ min: 0, max: 3 }),
    fc.tuple(extentArb(4), extentArb(4), extentArb(4)),
    fc.constantFrom('both', 'both', 'both', 'aVec', 'bVec'),
  )
  .chain(([batch, ones, drop, [m, k, n], vec]) => {
    const other = batch.slice(Math.min(drop, batch.length)).map((d, i) => (ones[i] ? 1 : d));
    const [ba, bb] = drop % 2 === 0 ? [batch, other] : [other, batch];
    const sa = vec === 'aVec' ? [k] : [...ba, m, k];
    const sb = vec === 'bVec' ? [k] : [...bb, k, n];
    return fc.tuple(caseOfShape(sa), caseOfShape(sb));
  });

/** A tensordot case: shapes, the contracted axis lists, and whether to spell them as NumPy's int form. */
const tensordotArb = shapeArb({ minDims: 0, maxDims: 3, maxExtent: 4, maxSize: 40 }).chain((sa) =>
  fc
    .tuple(
      fc.shuffledSubarray([...sa.keys()]),
      fc.array(extentArb(3), { maxLength: 2 }),
      fc.boolean(),
      fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
    )
    .chain(([left, freeB, intForm, picks]) => {
      const c = left.length;
      const useInt = intForm || sa.length === 0;
      const leftAxes = useInt ? [...Array(c).keys()].map((i) => sa.length - c + i) : left;
      // b's axes: the contracted extents then the free ones, shuffled unless the int form needs them first.
      const slots = [...leftAxes.map((ax) => sa[ax]!), ...freeB];
      const order = [...slots.keys()];
      if (!useInt) order.sort((x, y) => (picks[x % 5]! % 7) - (picks[y % 5]! % 7) || x - y);
      const sb = order.map((o) => slots[o]!);
      const rightAxes = leftAxes.map((_, t) => order.indexOf(t));
      return fc.tuple(caseOfShape(sa), caseOfShape(sb), fc.constant(leftAxes), fc.constant(rightAxes), fc.constant(useInt));
    }),
);

describe.each(EXECUTORS)('matrix products above 2-D equal the dense reference (%s executor)', (kind) => {
  const { run, numRuns } = sessions(kind);

  it('batched matmul broadcasts batch axes, 1-D operands against stacks, any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(batchedArb, async ([a, b]) => {
        R.assertMatches(await run(build(a).matmul(build(b))), refMatmul(refOf(a), refOf(b)));
      }),
      { numRuns: numRuns(150) },
    );
  });

  it('tensordot over any axis lists (and the int form), any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(tensordotArb, async ([a, b, left, right, useInt]) => {
        const axes = useInt ? left.length : ([left, right] as [number[], number[]]);
        R.assertMatches(await run(tt.tensordot(build(a), build(b), axes)), R.tensordot(refOf(a), refOf(b), left, right));
      }),
      { numRuns: numRuns(150) },
    );
  });

  it("dot above 2-D sums the left's last axis with the right's second-to-last", async () => {
    const arb = fc
      .tuple(shapeArb({ minDims: 1, maxDims: 2, maxExtent: 3 }), extentArb(3), shapeArb({ maxDims: 2, maxExtent: 3 }), extentArb(3))
      .filter(([fa, , fb]) => fa.length + 1 > 2 || fb.length + 2 > 2)
      .chain(([freeA, k, batchB, n]) => fc.tuple(caseOfShape([...freeA, k]), caseOfShape([...batchB, k, n])));
    await fc.assert(
      fc.asyncProperty(arb, async ([a, b]) => {
        const ra = a.shape.length;
        const rb = b.shape.length;
        R.assertMatches(await run(tt.dot(build(a), build(b))), R.tensordot(refOf(a), refOf(b), [ra - 1], [rb - 2]));
      }),
      { numRuns: numRuns(80) },
    );
  });

  it('a product big enough to share: output blocks cut inside the input chunks, k past one k-block', async () => {
    const [m, k, n] = [400, 300, 500];
    const value = (i: number): number => ((i * 7919) % 17) / 4 - 2;
    const a = Float64Array.from({ length: m * k }, (_, i) => value(i));
    const b = Float64Array.from({ length: k * n }, (_, i) => value(i + 3));
    const ta = tt.array(a, { shape: [m, k], chunkSize: [[250, 150], [290, 10]] });
    const tb = tt.array(b, { shape: [k, n], chunkSize: [[100, 200], [500]] });
    const product = ta.matmul(tb);
    expect(product.node.meta.nsplits[0]!.length * product.node.meta.nsplits[1]!.length).toBeGreaterThanOrEqual(4);
    const got = await run(product);
    const want = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let q = 0; q < k; q++) for (let j = 0; j < n; j++) want[i * n + j] = want[i * n + j]! + a[i * k + q]! * b[q * n + j]!;
    }
    expect(got.shape).toEqual([m, n]);
    expect(R.sameValues(got.data as Float64Array, want)).toBe(true);
  });
});
