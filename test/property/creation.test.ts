/**
 * Chunked creation ops equal NumPy's formulas whatever the chunking — arange (start + i*step),
 * linspace (start + i*step, the last element exactly stop), eye with any offset, full — and user
 * folds (`t.reduce(fn, initial)`) over any chunking equal one left-to-right fold for associative
 * functions, and random tensors of one seed are identical under any chunking (counter-based draws). Every value is computed by the same expression on both sides, so equality is exact.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, tensor as tt } from '../../src/index.js';
import { chunkSizeArb, dyadicArb, tensorCaseArb } from '../support/arbitraries.js';
import { EXECUTORS, propertySessions } from '../support/cases.js';
import * as R from '../support/reference.js';

const sessions = propertySessions();

describe.each(EXECUTORS)('creation ops are chunk-invariant and follow NumPy (%s executor)', (executor) => {
  const { run, numRuns } = sessions(executor);

  it('arange with any start, stop and (negative or fractional) step', async () => {
    const arb = fc.record({
      start: fc.integer({ min: -20, max: 20 }),
      span: fc.integer({ min: -30, max: 30 }),
      step: fc.oneof(fc.integer({ min: -4, max: 4 }).filter((s) => s !== 0), fc.constantFrom(0.5, -0.25, 0.3)),
      chunk: fc.integer({ min: 1, max: 8 }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ start, span, step, chunk }) => {
        const stop = start + span;
        const n = Math.max(0, Math.ceil((stop - start) / step));
        const got = await run(tt.arange(start, stop, step, { chunkSize: chunk }));
        R.assertMatches(got, R.fromFn([n], ([i]) => start + i! * step));
        expect(got.dtype).toBe(Number.isInteger(step) ? 'int64' : 'float64');
      }),
      { numRuns: numRuns(80) },
    );
  });

  it('linspace with and without the endpoint', async () => {
    const arb = fc.record({
      start: fc.double({ min: -5, max: 5, noNaN: true }),
      stop: fc.double({ min: -5, max: 5, noNaN: true }),
      num: fc.integer({ min: 0, max: 30 }),
      endpoint: fc.boolean(),
      chunk: fc.integer({ min: 1, max: 7 }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ start, stop, num, endpoint, chunk }) => {
        const div = endpoint ? num - 1 : num;
        const step = div > 0 ? (stop - start) / div : 0;
        const expected = R.fromFn([num], ([i]) => (endpoint && num > 1 && i === num - 1 ? stop : start + i! * step));
        R.assertMatches(await run(tt.linspace(start, stop, num, { endpoint, chunkSize: chunk })), expected);
      }),
      { numRuns: numRuns(80) },
    );
  });

  it('random tensors (rand, randn, randint, float32) are the same for a seed whatever the chunking', async () => {
    const arb = fc
      .record({
        shape: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }),
        seed: fc.integer({ min: 0, max: 0xffffffff }),
        kind: fc.constantFrom('rand', 'randn', 'randint', 'rand32', 'randn32'),
      })
      .chain((r) => fc.tuple(fc.constant(r), chunkSizeArb(r.shape)));
    await fc.assert(
      fc.asyncProperty(arb, async ([{ shape, seed, kind }, chunkSize]) => {
        const make = (chunks?: typeof chunkSize) => {
          const o = { seed, ...(chunks === undefined ? {} : { chunkSize: chunks }) };
          if (kind === 'randint') return tt.random.randint(-50, 50, shape, o);
          if (kind === 'randn' || kind === 'randn32') return tt.random.randn(shape, { ...o, ...(kind === 'randn32' ? { dtype: 'float32' } : {}) });
          return tt.random.rand(shape, { ...o, ...(kind === 'rand32' ? { dtype: 'float32' } : {}) });
        };
        const whole = await run(make(shape.map(() => null)));
        const chunked = await run(make(chunkSize));
        expect(Array.from(chunked.data)).toEqual(Array.from(whole.data));
        expect(chunked.shape).toEqual(shape);
      }),
      { numRuns: numRuns(80) },
    );
  });

  it('eye with any shape, diagonal offset and chunking', async () => {
    const arb = fc
      .record({ n: fc.integer({ min: 0, max: 7 }), m: fc.integer({ min: 0, max: 7 }), k: fc.integer({ min: -8, max: 8 }) })
      .chain((r) => fc.tuple(fc.constant(r), chunkSizeArb([r.n, r.m])));
    await fc.assert(
      fc.asyncProperty(arb, async ([{ n, m, k }, chunks]) => {
        R.assertMatches(await run(tt.eye(n, m, { k, chunkSize: chunks })), R.fromFn([n, m], ([i, j]) => (j === i! + k ? 1 : 0)));
      }),
      { numRuns: numRuns(60) },
    );
  });

  it('full in any dtype and chunking', async () => {
    const arb = tensorCaseArb(dyadicArb()).chain((c) => fc.tuple(fc.constant(c), fc.integer({ min: -3, max: 3 })));
    await fc.assert(
      fc.asyncProperty(arb, async ([c, v]) => {
        const got = await run(tt.full(c.shape, v, { chunkSize: c.chunks, dtype: 'int16' }));
        expect(got.dtype).toBe('int16');
        R.assertMatches(got, R.fromFn(c.shape, () => v));
      }),
      { numRuns: numRuns(40) },
    );
  });
});

describe.each(EXECUTORS)('user folds (%s executor)', (executor) => {
  const { run, numRuns } = sessions(executor);

  it('t.reduce(fn, initial) over any chunking equals one left-to-right fold', async () => {
    const arb = tensorCaseArb(dyadicArb()).chain((c) => fc.tuple(fc.constant(c), fc.option(fc.integer({ min: -5, max: 5 })), fc.constantFrom('sum', 'max', 'min')));
    await fc.assert(
      fc.asyncProperty(arb, async ([c, initial, kind]) => {
        const t = tt.array(Float64Array.from(c.data), { shape: c.shape, chunkSize: c.chunks });
        const fns = {
          sum: (a: number, b: number) => a + b,
          max: (a: number, b: number) => Math.max(a, b),
          min: (a: number, b: number) => (b < a ? b : a),
        };
        const fn = fns[kind];
        if (initial === null && c.data.length === 0) {
          expect(() => t.reduce(fn)).toThrow(InvalidArgumentError);
          return;
        }
        const expected = initial === null ? c.data.reduce(fn) : c.data.reduce(fn, initial);
        const got = await run(initial === null ? t.reduce(fn) : t.reduce(fn, initial));
        R.assertMatches(got, R.ref([], [expected]));
      }),
      { numRuns: numRuns(80) },
    );
  });
});
