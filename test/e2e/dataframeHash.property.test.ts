/**
 * Issue 11 §3 through the public API, on both executors, eager and lazy: the hash ops — groupby(keys)
 * .agg with every function on one or two keys of every dtype (tree and shuffle forced too), merge of
 * every kind on int, string and two-column keys (broadcast and shuffle forced too), valueCounts and
 * dropDuplicates — against the plain references of the op tests (test/unit/ops/dataframe/reference.ts):
 * a Map group-by, a nested-loop join, counting, first-seen. Frames as in test/support/frameCases.ts.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { FrameField } from '../../src/base/frame.js';
import { InvalidArgumentError } from '../../src/index.js';
import type { AggFn } from '../../src/ops/dataframe/index.js';
import { asBag, expectRowsClose, refDropDuplicates, refGroupby, refMerge, refValueCounts } from '../unit/ops/dataframe/reference.js';
import { eachSession, frameCaseArb, frameOfCase, kept, rowsOfFrame } from '../support/frameCases.js';

const RUNS = 15;
const GROUP: FrameField[] = [
  { name: 'k1', dtype: 'string' },
  { name: 'k2', dtype: 'int32' },
  { name: 'kb', dtype: 'bool' },
  { name: 'kf', dtype: 'float64' },
  { name: 'v', dtype: 'int32' },
  { name: 'w', dtype: 'float64' },
  { name: 's', dtype: 'string' },
];
const ALL: AggFn[] = ['sum', 'mean', 'min', 'max', 'count', 'std', 'first', 'nunique'];
const STRINGY: AggFn[] = ['min', 'max', 'count', 'first', 'nunique'];
const keysArb = fc.constantFrom<string[]>(['k1'], ['k2'], ['kb'], ['kf'], ['k1', 'k2'], ['kb', 'kf'], ['k2', 'k1']);
const methodArb = fc.constantFrom(undefined, { method: 'tree' as const, combineSize: 2 }, { method: 'shuffle' as const, partitions: 3 });

const LEFT: FrameField[] = [
  { name: 'k', dtype: 'int32' },
  { name: 's', dtype: 'string' },
  { name: 'a', dtype: 'float64' },
  { name: 'x', dtype: 'bool' },
];
const RIGHT: FrameField[] = [
  { name: 's', dtype: 'string' },
  { name: 'k', dtype: 'int32' },
  { name: 'x', dtype: 'int32' },
  { name: 'b', dtype: 'string' },
];
const DISTINCT: FrameField[] = [
  { name: 's', dtype: 'string' },
  { name: 'i', dtype: 'int32' },
  { name: 'f', dtype: 'float64' },
  { name: 'b', dtype: 'bool' },
];

eachSession('hash DataFrame ops', (session) => {
  it('groupby(keys).agg matches a Map group-by for every function, sorted by the keys with null keys last', async () => {
    await fc.assert(
      fc.asyncProperty(
        frameCaseArb(GROUP, 30), keysArb,
        fc.record({ v: fc.constantFrom(...ALL), w: fc.constantFrom(...ALL), s: fc.constantFrom(...STRINGY) }, { requiredKeys: ['v'] }),
        methodArb,
        async (c, keys, spec, options) => {
          const out = frameOfCase(GROUP, c).groupby(keys).agg(spec, options);
          expect(out.columns).toEqual([...keys, ...Object.keys(spec)]);
          expectRowsClose(await rowsOfFrame(out, session()), refGroupby(GROUP, kept(c), keys, spec));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('every aggregate function on every value dtype it takes, one key', async () => {
    await fc.assert(
      fc.asyncProperty(frameCaseArb(GROUP, 20), fc.constantFrom(...ALL), async (c, fn) => {
        const spec: Record<string, AggFn> = { k2: fn, kf: fn, v: fn, w: fn, ...(STRINGY.includes(fn) ? { s: fn, kb: fn } : {}) };
        const out = frameOfCase(GROUP, c).groupby('k1').agg(spec);
        expectRowsClose(await rowsOfFrame(out, session()), refGroupby(GROUP, kept(c), ['k1'], spec));
      }),
      { numRuns: RUNS },
    );
  });

  it('merge matches a nested-loop join for every kind and method (null keys never match)', async () => {
    await fc.assert(
      fc.asyncProperty(
        frameCaseArb(LEFT, 20), frameCaseArb(RIGHT, 20), fc.constantFrom<string[]>(['k'], ['s'], ['k', 's']),
        fc.constantFrom('inner' as const, 'left' as const, 'right' as const, 'outer' as const),
        fc.constantFrom(undefined, 'broadcast' as const, 'shuffle' as const),
        async (l, r, on, how, method) => {
          const left = frameOfCase(LEFT, l);
          const right = frameOfCase(RIGHT, r);
          const spec = { on, how, ...(method === undefined ? {} : { method }) };
          if (method === 'broadcast' && how === 'outer') {
            expect(() => left.merge(right, spec)).toThrow(InvalidArgumentError);
            return;
          }
          const got = await rowsOfFrame(left.merge(right, spec), session());
          expect(asBag(got)).toEqual(asBag(refMerge(LEFT, kept(l), RIGHT, kept(r), on, how)));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('valueCounts counts every distinct non-null value, most frequent first', async () => {
    await fc.assert(
      fc.asyncProperty(frameCaseArb(DISTINCT, 30), fc.integer({ min: 0, max: 3 }), methodArb, async (c, col, options) => {
        const out = frameOfCase(DISTINCT, c).valueCounts(DISTINCT[col]!.name, options);
        expect(out.columns).toEqual([DISTINCT[col]!.name, 'count']);
        expect(await rowsOfFrame(out, session())).toEqual(refValueCounts(kept(c), col));
      }),
      { numRuns: RUNS },
    );
  });

  it('dropDuplicates keeps the first row of every key, in frame order', async () => {
    await fc.assert(
      fc.asyncProperty(frameCaseArb(DISTINCT, 30), fc.option(fc.subarray([0, 1, 2, 3], { minLength: 1 }), { nil: undefined }), methodArb, async (c, cols, options) => {
        const out = frameOfCase(DISTINCT, c).dropDuplicates(cols?.map((j) => DISTINCT[j]!.name), options);
        expect(await rowsOfFrame(out, session())).toEqual(refDropDuplicates(kept(c), cols ?? [0, 1, 2, 3]));
      }),
      { numRuns: RUNS },
    );
  });
});
