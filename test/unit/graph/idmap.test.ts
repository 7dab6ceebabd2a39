import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VertexNotFoundError } from '../../../src/graph/errors.js';
import { type VertexId, idColumn } from '../../../src/graph/idColumns.js';
import { IdMap } from '../../../src/graph/idmap.js';

const fail = (i: number, text: string): Error => new VertexNotFoundError(text, `position ${i}`);

/** What every map must satisfy: sorted internal order, exact round trips, misses reported. */
function checkMap(ids: readonly VertexId[], probes: readonly VertexId[]): void {
  const distinct = [...new Map(ids.map((id) => [typeof id === 'string' ? `s${id}` : `n${BigInt(id)}`, id])).values()];
  const map = IdMap.fromEdges(idColumn(ids));
  expect(map.size).toBe(distinct.length);
  const originals = Array.from({ length: map.size }, (_, v) => map.originalId(v));
  const sorted = [...originals].sort((a, b) =>
    typeof a === 'string' || typeof b === 'string'
      ? Buffer.compare(Buffer.from(String(a)), Buffer.from(String(b)))
      : a < b ? -1 : a > b ? 1 : 0,
  );
  expect(originals).toEqual(sorted);
  const internal = map.toInternal(idColumn(ids), fail);
  ids.forEach((id, i) => {
    expect(String(map.originalId(internal[i]!))).toBe(String(id));
    expect(map.internalOf(id)).toBe(internal[i]);
    expect(map.formatId(internal[i]!)).toBe(String(id));
  });
  const known = new Set(ids.map(String));
  for (const p of probes) {
    if (!known.has(String(p))) {
      expect(map.internalOf(p)).toBe(-1);
      expect(() => map.toInternal(idColumn([...ids.slice(0, 1), p]), fail)).toThrow(VertexNotFoundError);
    }
  }
}

describe('IdMap', () => {
  it('maps contiguous, dense-ish and sparse integer ids (offset, table and hash lookups)', () => {
    checkMap([5, 6, 7, 8], [4, 9, -1]);
    checkMap([10, 12, 15, 11, 10], [13, 14, 16, 9]);
    checkMap([1e15, -3, 7, 2 ** 40, 1e15], [0, 8, 2 ** 41]);
  });

  it('keeps int64 ids beyond 2^53 exact, including the int64 extremes', () => {
    const big = [9007199254740993n, 9007199254740992n, -(2n ** 63n), 2n ** 63n - 1n, 1n];
    checkMap(big, [9007199254740994n, 0n, 2]);
    const map = IdMap.fromEdges(idColumn(big));
    expect(map.kind).toBe('bigint');
    expect(map.formatId(map.size - 1)).toBe('9223372036854775807');
    expect(map.internalOf(9007199254740993n)).not.toBe(map.internalOf(9007199254740992n));
  });

  it('maps UTF-8 string ids in code point order', () => {
    checkMap(['b', 'a', 'ä', '😀', '\uffff', 'a', ''], ['c', 'A', 'ab']);
  });

  it('agrees with a JS Map on random integer ids of any magnitude', () => {
    const id = fc.oneof(fc.integer({ min: -50, max: 50 }), fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
    fc.assert(fc.property(fc.array(id, { minLength: 1, maxLength: 60 }), fc.array(id, { maxLength: 10 }), checkMap), { numRuns: 200 });
  });

  it('agrees with a JS Map on random string ids', () => {
    fc.assert(fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 40 }), fc.array(fc.string(), { maxLength: 10 }), checkMap), {
      numRuns: 200,
    });
  });

  it('rejects repeated ids in a vertex list and names the position', () => {
    expect(() => IdMap.fromIds(idColumn([3, 1, 3]))).toThrow(/vertex id 3 appears more than once \(again at position 2\)/);
    expect(() => IdMap.fromIds(idColumn(['x', 'y', 'x']))).toThrow(/position 2/);
    expect(IdMap.fromIds(idColumn([3, 1, 2])).originalId(0)).toBe(1);
  });

  it('require() names the missing vertex and what it was for', () => {
    const map = IdMap.of([1, 2, 3]);
    expect(() => map.require(9, 'BFS source')).toThrow(VertexNotFoundError);
    expect(() => map.require(9, 'BFS source')).toThrow(/vertex 9 is not in the graph \(BFS source\)/);
    expect(map.require(3, 'x')).toBe(2);
    expect(IdMap.range(4).toInternal(idColumn([3, 0]), fail)).toEqual(Int32Array.from([3, 0]));
  });
});

describe('IdMap.toInternal of spans that repeat', () => {
  it('maps repeated spans, and spans that share a start but not an end, like any other', () => {
    const bytes = new TextEncoder().encode('abc');
    // ids 'a', 'ab', 'abc', 'b' over three bytes, each many times: fewer bytes than ids (the repeat path)
    const pick = [
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
    ];
    const order = [0, 1, 2, 3, 2, 1, 0, 0, 3, 1, 2, 2];
    const column = { kind: 'string' as const, values: { bytes, starts: Int32Array.from(order, (k) => pick[k]![0]!), ends: Int32Array.from(order, (k) => pick[k]![1]!) } };
    const map = IdMap.of(['b', 'abc', 'ab', 'a']);
    const text = ['a', 'ab', 'abc', 'b'];
    expect([...map.toInternal(column, () => new Error('missing'))]).toEqual(order.map((k) => map.internalOf(text[k]!)));
    const missing = { kind: 'string' as const, values: { bytes, starts: Int32Array.of(0, 0, 0, 2), ends: Int32Array.of(1, 1, 2, 3) } };
    expect(() => IdMap.of(['a', 'ab']).toInternal(missing, (i) => new Error(`row ${i}`))).toThrow('row 3');
  });
});
