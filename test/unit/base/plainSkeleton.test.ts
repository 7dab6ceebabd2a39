/**
 * The walk shared by the store's records, distributed chunks and wire frames: the tags every one of
 * them relies on, the hooks each adds its own kinds through, and the errors they name.
 */
import { describe, expect, it } from 'vitest';
import { fromSkeleton, type Skeleton, type SkeletonReader, type SkeletonWriter, TAG, toSkeleton } from '../../../src/base/plainSkeleton.js';

class Refused extends Error {}
const writer: SkeletonWriter = {
  refuse: (v, path) => new Refused(`refused ${typeof v} at '${path}'`),
  cyclic: (path) => new Refused(`cycle at '${path}'`),
};
const reader: SkeletonReader = {
  tagged: (tag) => {
    throw new Refused(`unknown tag ${String(tag)}`);
  },
};
const roundTrip = (v: unknown, w = writer, r = reader): unknown => fromSkeleton(JSON.parse(JSON.stringify(toSkeleton(v, w))) as Skeleton, r);

describe('plain skeleton', () => {
  it('keeps what JSON cannot say: -0, non-finite numbers, bigints, undefined, and objects with a $t key', () => {
    const v = { a: -0, b: [NaN, Infinity, -Infinity, 1.5], c: 2n ** 70n, d: [undefined, null], e: { $t: 'num', v: 'x' } };
    const back = roundTrip(v) as typeof v;
    expect(Object.is(back.a, -0)).toBe(true);
    expect(back.b).toEqual([NaN, Infinity, -Infinity, 1.5]);
    expect(back.c).toBe(2n ** 70n);
    expect(back.d).toEqual([undefined, null]);
    expect(back.e).toEqual({ $t: 'num', v: 'x' });
  });

  it('drops undefined properties only when the writer asks', () => {
    expect(roundTrip({ a: undefined, b: 1 })).toHaveProperty('a', undefined);
    expect(Object.keys(roundTrip({ a: undefined, b: 1 }, { ...writer, dropUndefinedProperties: true }) as object)).toEqual(['b']);
  });

  it('gives unknown objects to the special hook and refuses what nobody knows, naming the path', () => {
    const withDates: SkeletonWriter = { ...writer, special: (v) => (v instanceof Date ? { [TAG]: 'date', v: v.getTime() } : undefined) };
    const dateReader: SkeletonReader = { tagged: (tag, node) => (tag === 'date' ? new Date(node['v'] as number) : reader.tagged(tag, node, () => null)) };
    expect(roundTrip({ when: [new Date(5)] }, withDates, dateReader)).toEqual({ when: [new Date(5)] });
    expect(() => toSkeleton({ a: [1, new Set()] }, withDates)).toThrow("refused object at '.a[1]'");
    expect(() => toSkeleton({ f: () => 1 }, writer)).toThrow("refused function at '.f'");
    expect(() => fromSkeleton({ [TAG]: 'what' }, reader)).toThrow('unknown tag what');
  });

  it('refuses cycles but not a value shared by siblings', () => {
    const shared = { x: 1 };
    expect(roundTrip([shared, shared])).toEqual([{ x: 1 }, { x: 1 }]);
    const loop: Record<string, unknown> = {};
    loop['self'] = { back: loop };
    expect(() => toSkeleton(loop, writer)).toThrow("cycle at '.self.back'");
  });

  it('freezes what it revives when the reader asks', () => {
    const back = fromSkeleton(toSkeleton({ a: [1, { b: 2 }] }, writer), { ...reader, freeze: true }) as { a: [number, object] };
    expect(Object.isFrozen(back) && Object.isFrozen(back.a) && Object.isFrozen(back.a[1])).toBe(true);
    expect(Object.isFrozen(fromSkeleton(toSkeleton({ a: 1 }, writer), reader))).toBe(false);
  });
});
