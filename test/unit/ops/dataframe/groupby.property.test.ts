/**
 * groupby(keys).agg(spec) end to end through its tiling (a fake session runs what the iterative tile
 * yields), against a Map-based reference: every function, nulls in keys and values, empty and one-row
 * chunks, all-equal keys, unicode strings, several chunks with their own dictionaries, and both
 * strategies (tree with a small fan-in, range shuffle with 1..4 partitions, and 'auto' either way).
 * The output must be globally sorted by the keys — across the shuffle's partitions too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../../src/base/errors.js';
import { fieldsOf, type FrameField } from '../../../../src/base/frame.js';
import { type AggFn, groupbyAggNode } from '../../../../src/ops/dataframe/groupby.js';
import { type HashOptions, projectGroups } from '../../../../src/ops/dataframe/hashTiling.js';
import { chunked, framesArb, rowsOf } from '../../kernels/dataframe/frames.js';
import { FakeSession, sourceNode } from './fakeSession.js';
import { expectRowsClose, refGroupby } from './reference.js';

const FIELDS: FrameField[] = [
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

const keysArb = fc.constantFrom<string[]>(['k1'], ['k2'], ['k1', 'k2'], ['kb', 'k1'], ['kf'], ['k2', 'kf', 's']);
const specArb = fc.record({ v: fc.constantFrom(...ALL), w: fc.constantFrom(...ALL), s: fc.constantFrom(...STRINGY) }, { requiredKeys: ['v'] });
const optionsArb: fc.Arbitrary<HashOptions> = fc.oneof(
  fc.record({ method: fc.constant('tree' as const), combineSize: fc.integer({ min: 2, max: 3 }) }),
  fc.record({ method: fc.constant('shuffle' as const), partitions: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ combineSize: fc.constant(2), treeMaxBytes: fc.constantFrom(0, 1e9) }),
);

describe('groupbyAggNode', () => {
  it('matches the reference, globally sorted by the keys, for every strategy', () => {
    fc.assert(
      fc.property(framesArb(FIELDS, 60), keysArb, specArb, optionsArb, ({ rows, sizes }, keys, spec0, options) => {
        const spec = Object.fromEntries(Object.entries(spec0).filter(([c]) => !keys.includes(c))) as Record<string, AggFn>;
        if (Object.keys(spec).length === 0) spec.v = 'sum';
        const node = groupbyAggNode(sourceNode(FIELDS, chunked(FIELDS, rows, sizes)), keys, spec, options);
        const sess = new FakeSession();
        const chunks = sess.chunks(node);
        for (const c of chunks) expect(fieldsOf(c)).toEqual(node.meta.fields);
        expectRowsClose(chunks.flatMap(rowsOf), refGroupby(FIELDS, rows, keys, spec));
        expect(sess.plans.length).toBe(1);
      }),
      { numRuns: 300 },
    );
  });

  it('all-equal keys and one-row chunks make one group', () => {
    const fields = FIELDS.slice(0, 5);
    const rows = Array.from({ length: 7 }, (_, i) => ['é', 3, true, 1.5, i]);
    const node = groupbyAggNode(sourceNode(fields, chunked(fields, rows, [1, 1, 1, 1, 1, 1])), ['k1', 'k2'], { v: 'std' }, { method: 'shuffle', partitions: 3 });
    const out = new FakeSession().fetch(node);
    const [row] = rowsOf(out);
    expect(row!.slice(0, 2)).toEqual(['é', 3]);
    expect(row![2]).toBeCloseTo(Math.sqrt(28 / 6), 12);
  });

  it('auto measures the first chunks and records its choice', () => {
    const fields = FIELDS.slice(0, 5);
    const rows = Array.from({ length: 40 }, (_, i) => [`id${i % 7}`, i, i % 2 === 0, i / 3, i]);
    const src = sourceNode(fields, chunked(fields, rows, [5, 5, 5, 5, 5, 5, 5]));
    const few = new FakeSession();
    few.fetch(groupbyAggNode(src, ['k1'], { v: 'sum' }, { combineSize: 2 }));
    // The first two pre-aggregated chunks, then their combine (the tree's own first chunk) to see the overlap.
    expect(few.yielded.map((y) => y.length)).toEqual([2, 1]);
    expect(few.plans[0]).toMatch(/^groupby: tree combine \(fan-in 2\), ~5 pre-aggregated rows\/chunk, 7 after combining 2/);
    const many = new FakeSession();
    const out = many.chunks(groupbyAggNode(src, ['k2'], { v: 'sum' }, { combineSize: 2, treeMaxBytes: 100 }));
    expect(many.plans[0]).toMatch(/^groupby: shuffle into 8 partitions/);
    expect(out).toHaveLength(8);
    expect(out.flatMap(rowsOf).map((r) => r[0])).toEqual(rows.map((r) => r[1]));
  });

  it('refuses bad specs at build time, naming the problem', () => {
    const src = sourceNode(FIELDS, []);
    expect(() => groupbyAggNode(src, ['nope'], { v: 'sum' })).toThrow(InvalidArgumentError);
    expect(() => groupbyAggNode(src, ['k1'], {})).toThrow(/at least one entry/);
    expect(() => groupbyAggNode(src, ['k1'], { v: 'median' as AggFn })).toThrow(/unknown function "median" for column "v"/);
    expect(() => groupbyAggNode(src, ['k1'], { s: 'mean' })).toThrow(/needs a number or bool column/);
    expect(() => groupbyAggNode(src, ['k1'], { k1: 'count' })).toThrow(/is a group key/);
    expect(() => groupbyAggNode(src, ['k1'], { v: 'sum' }, { method: 'fast' as 'tree' })).toThrow(/method must be/);
    expect(() => groupbyAggNode(src, ['k1'], { v: 'sum' }, { combineSize: 1 })).toThrow(/combineSize/);
  });

  it('output dtypes follow the contract', () => {
    const node = groupbyAggNode(sourceNode(FIELDS, []), ['k1'], { v: 'sum', w: 'min', s: 'nunique', k2: 'first', kb: 'mean' });
    expect(node.meta.fields.map((f) => f.dtype)).toEqual(['string', 'float64', 'float64', 'int32', 'int32', 'float64']);
  });
});

describe('projectGroups', () => {
  it('extrapolates distinct groups from the overlap of the first chunks', () => {
    // Every chunk holds the same groups: no growth. None repeat: linear. Half new: in between.
    expect(projectGroups(1000, 1000, 4, 64)).toBe(1000);
    expect(projectGroups(1000, 4000, 4, 64)).toBeCloseTo(64000, 6);
    const half = projectGroups(1000, 2000, 4, 64);
    expect(half).toBeGreaterThan(1000 * 4);
    expect(half).toBeLessThan(64000);
    expect(projectGroups(0, 0, 4, 64)).toBe(0);
  });
});
