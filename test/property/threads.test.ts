/**
 * Chunked-vs-reference properties on a `threads` session as users open it (one pool of two workers for
 * the whole file; tiny tasks run on the calling thread, bigger ones cross to the workers as
 * SharedArrayBuffer-backed data) — the other property files run every case on workers only. Also: a
 * seeded random tensor is the same on threads as on the local executor, whatever the chunking — each
 * chunk draws from its own stream of the build-time seed. 100 cases each.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSession, type Session, tensor as tt, type Tensor } from '../../src/index.js';
import type { NdArray } from '../../src/base/ndarray.js';
import { axisArb, broadcastPairArb, caseOfShape, dyadicArb, shapeArb, tensorCaseArb, type TensorCase } from '../support/arbitraries.js';
import { build, refOf } from '../support/cases.js';
import * as R from '../support/reference.js';

let threads: Session;
let local: Session;
beforeAll(() => {
  threads = newSession({ mode: 'lazy', executor: 'threads', workers: 2, default: false });
  local = newSession({ mode: 'lazy', executor: 'local', default: false });
});
afterAll(async () => {
  await threads.close();
  await local.close();
});


describe('on the threads executor, chunked results equal the dense reference', () => {
  it('broadcast arithmetic feeding a sum over random axes', async () => {
    const arb = broadcastPairArb({ maxDims: 3 }).chain(([sa, sb]) =>
      fc.tuple(caseOfShape(sa), caseOfShape(sb), axisArb(Math.max(sa.length, sb.length)), fc.boolean()),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([a, b, axis, keepdims]) => {
        const t = build(a).mul(2).sub(build(b)).sum({ axis, keepdims });
        const expected = R.reduce(R.zip(refOf(a), refOf(b), (x, y) => x * 2 - y), axis, keepdims, R.folds.sum);
        R.assertMatches((await threads.run(t)) as NdArray, expected);
      }),
      { numRuns: 100 },
    );
  });

  it('transpose, slice and matmul', async () => {
    const arb = tensorCaseArb(dyadicArb(), { minDims: 2, maxDims: 2 }).chain((c) =>
      fc.tuple(fc.constant(c), caseOfShape([c.shape[0]!, 3])),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([a, b]) => {
        const at = build(a).T;
        const [prod, sliced] = await threads.run([at.matmul(build(b)), at.slice('::-1', '1:')]);
        R.assertMatches(prod as NdArray, R.matmul(R.transpose(refOf(a)), refOf(b)));
        R.assertMatches(sliced as NdArray, R.slice(R.transpose(refOf(a)), [{ step: -1 }, { start: 1 }]));
      }),
      { numRuns: 100 },
    );
  });

  it('a seeded random tensor is identical on threads and locally, whatever the chunking', async () => {
    const arb = shapeArb({ minDims: 1, maxDims: 3, maxExtent: 9, maxSize: 300 }).chain((shape) =>
      fc.tuple(fc.constant(shape), fc.integer({ min: 1, max: 4 }), fc.nat({ max: 0xffffffff }), fc.constantFrom('rand' as const, 'randn' as const)),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([shape, chunkSize, seed, kind]) => {
        const t = tt.random[kind](shape, { seed, chunkSize });
        const [a, b] = [(await threads.run(t)) as NdArray, (await local.run(t)) as NdArray];
        expect(R.sameValues(a.data, b.data)).toBe(true);
        if (kind === 'rand') expect(Array.from(a.data).every((x) => x >= 0 && x < 1)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
