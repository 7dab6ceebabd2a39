/**
 * merge(left, right, { on, how }) end to end through its tiling, against a nested-loop join: inner,
 * left, right and outer joins on string, int32, int32-with-float64 and two-column keys, with null keys
 * (which never match), empty and one-row chunks, chunks with their own dictionaries, and every strategy
 * (one chunk, broadcast of either side, hash shuffle with 1..4 partitions, and 'auto' either way).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../../src/base/errors.js';
import { fieldsOf, type FrameField } from '../../../../src/base/frame.js';
import { type JoinHow, mergeNode, type MergeOptions } from '../../../../src/ops/dataframe/merge.js';
import { chunked, framesArb, rowsOf } from '../../kernels/dataframe/frames.js';
import { FakeSession, sourceNode } from './fakeSession.js';
import { asBag, refMerge } from './reference.js';

const LEFT: FrameField[] = [
  { name: 'k', dtype: 'int32' },
  { name: 's', dtype: 'string' },
  { name: 'a', dtype: 'float64' },
  { name: 'x', dtype: 'bool' },
];
const rightFields = (kDtype: 'int32' | 'float64'): FrameField[] => [
  { name: 's', dtype: 'string' },
  { name: 'k', dtype: kDtype },
  { name: 'x', dtype: 'int32' },
  { name: 'b', dtype: 'string' },
];

const methodArb = fc.oneof(
  fc.record({ method: fc.constant('auto' as const), broadcastMaxBytes: fc.constantFrom(0, 1e9) }),
  fc.record({ method: fc.constant('broadcast' as const) }),
  fc.record({ method: fc.constant('shuffle' as const), partitions: fc.integer({ min: 1, max: 4 }) }),
);

describe('mergeNode', () => {
  it('matches a nested-loop join for every join kind and strategy', () => {
    fc.assert(
      fc.property(
        framesArb(LEFT, 30), framesArb(rightFields('int32'), 30),
        fc.constantFrom<string[]>(['k'], ['s'], ['k', 's']),
        fc.constantFrom<JoinHow>('inner', 'left', 'right', 'outer'),
        fc.constantFrom<'int32' | 'float64'>('int32', 'float64'),
        methodArb,
        (l, r, on, how, rk, m) => {
          if (m.method === 'broadcast' && how === 'outer') return;
          const RIGHT = rightFields(rk);
          const left = sourceNode(LEFT, chunked(LEFT, l.rows, l.sizes));
          const right = sourceNode(RIGHT, chunked(RIGHT, r.rows, r.sizes));
          const node = mergeNode(left, right, { on, how, ...m } as MergeOptions);
          const sess = new FakeSession();
          const chunks = sess.chunks(node);
          for (const c of chunks) expect(fieldsOf(c)).toEqual(node.meta.fields);
          expect(asBag(chunks.flatMap(rowsOf))).toEqual(asBag(refMerge(LEFT, l.rows, RIGHT, r.rows, on, how)));
          expect(sess.plans).toHaveLength(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('names clashing columns with _x/_y and keys first', () => {
    const node = mergeNode(sourceNode(LEFT, []), sourceNode(rightFields('float64'), []), { on: ['s'], how: 'inner' });
    expect(node.meta.fields).toEqual([
      { name: 's', dtype: 'string' }, { name: 'k_x', dtype: 'int32' }, { name: 'a', dtype: 'float64' }, { name: 'x_x', dtype: 'bool' },
      { name: 'k_y', dtype: 'float64' }, { name: 'x_y', dtype: 'int32' }, { name: 'b', dtype: 'string' },
    ]);
    const mixed = mergeNode(sourceNode(LEFT, []), sourceNode(rightFields('float64'), []), { on: ['k'], how: 'left' });
    expect(mixed.meta.fields[0]).toEqual({ name: 'k', dtype: 'float64' });
  });

  it('auto broadcasts a small right side in left order, and shuffles when both are big', () => {
    const L = Array.from({ length: 30 }, (_, i) => [i % 5, `s${i}`, i / 2, i % 3 === 0]);
    const R = Array.from({ length: 5 }, (_, i) => [`r${i}`, 4 - i, i, 'b']);
    const left = sourceNode(LEFT, chunked(LEFT, L, [10, 10]));
    const right = sourceNode(rightFields('int32'), chunked(rightFields('int32'), R, [2]));
    const small = new FakeSession();
    const out = small.fetch(mergeNode(left, right, { on: ['k'], how: 'left' }));
    expect(small.plans[0]).toMatch(/^merge: broadcast right/);
    expect(rowsOf(out).map((r) => r[1])).toEqual(L.map((r) => r[1]));
    const big = new FakeSession();
    const parts = big.chunks(mergeNode(left, right, { on: ['k'], how: 'left', broadcastMaxBytes: 10 }));
    expect(big.plans[0]).toMatch(/^merge: hash shuffle into 3 partitions/);
    expect(parts).toHaveLength(3);
    expect(parts.reduce((s, c) => s + c.rows, 0)).toBe(30);
  });

  it('refuses bad merges at build time', () => {
    const left = sourceNode(LEFT, []);
    expect(() => mergeNode(left, sourceNode(rightFields('int32'), []), { on: ['a'], how: 'inner' })).toThrow(InvalidArgumentError);
    expect(() => mergeNode(left, sourceNode(rightFields('int32'), []), { on: ['k'], how: 'cross' as JoinHow })).toThrow(/how must be/);
    expect(() => mergeNode(left, sourceNode(rightFields('int32'), []), { on: ['k'], how: 'outer', method: 'broadcast' })).toThrow(/outer join cannot broadcast/);
    const strKey = sourceNode([{ name: 'k', dtype: 'string' }], []);
    expect(() => mergeNode(left, strKey, { on: ['k'], how: 'inner' })).toThrow(/int32 on the left and string on the right/);
    const clash = sourceNode([{ name: 'k', dtype: 'int32' }, { name: 'a_x', dtype: 'int32' }, { name: 'a', dtype: 'int32' }], []);
    expect(() => mergeNode(clash, left, { on: ['k'], how: 'inner' })).toThrow(/two columns named "a_x"/);
  });
});
