/**
 * sortValues (PSRS) and topN, tiled with a fake context and run through the real kernels, against a
 * stable Array.prototype.sort with the pandas order (nulls and NaN last in both directions): random
 * frames with nulls, NaN, ±0, infinities, unicode strings (astral and private-use characters, whose
 * UTF-16 and code point orders differ), all-equal keys, empty and one-row chunks, a different string
 * dictionary per chunk, mixed ascending flags, and n from 0 past the row count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../../src/base/errors.js';
import type { FrameField } from '../../../../src/base/frame.js';
import { sortValuesNode, topNNode } from '../../../../src/ops/dataframe/sort.js';
import { chunkOf, referenceCompare, rowsOf, runTile, sourceNode, split, type Row } from './sortTileHarness.js';

const FIELDS: FrameField[] = [
  { name: 'id', dtype: 'int32' },
  { name: 'i', dtype: 'int32' },
  { name: 'f', dtype: 'float64' },
  { name: 'b', dtype: 'bool' },
  { name: 's', dtype: 'string' },
];
const KEYS = ['i', 'f', 'b', 's'];

const STRINGS = ['', 'a', 'ab', 'B', 'é', 'e\u0301', '\uE000', '\uFFFD', '😀', '𝔸', 'ß', 'zz'];

function arbRows(allEqual: boolean): fc.Arbitrary<Row[]> {
  const nullable = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(a, { freq: 5, nil: null });
  const row = fc.record({
    i: nullable(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(-2147483648, 2147483647))),
    f: nullable(fc.oneof(fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 1.5, -1.5), fc.double({ min: -1e9, max: 1e9, noNaN: true }))),
    b: nullable(fc.boolean()),
    s: nullable(fc.constantFrom(...STRINGS)),
  });
  const rows = allEqual ? row.chain((r) => fc.integer({ min: 0, max: 40 }).map((n) => Array.from({ length: n }, () => ({ ...r })))) : fc.array(row, { maxLength: 60 });
  return rows.map((rs) => rs.map((r, id) => ({ id, ...r })));
}

const arbCase = fc.record({
  rows: fc.boolean().chain((allEqual) => arbRows(allEqual)),
  sizes: fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 7 }),
  by: fc.shuffledSubarray(KEYS, { minLength: 1 }),
  flags: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  n: fc.integer({ min: 0, max: 70 }),
});

function frameOf(rows: Row[], sizes: number[]) {
  const chunks = split(rows, sizes).map((part, c) => chunkOf(FIELDS, part, c));
  return { chunks, node: sourceNode(FIELDS, chunks) };
}

describe('sortValues (PSRS)', () => {
  it('equals a stable sort with nulls and NaN last, across chunks and dictionaries', () => {
    fc.assert(
      fc.property(arbCase, ({ rows, sizes, by, flags }) => {
        const ascending = by.map((_, j) => flags[j]!);
        const { chunks, node } = frameOf(rows, sizes);
        const run = runTile(sortValuesNode(node, by, ascending), chunks);
        const expected = [...rows].sort(referenceCompare(by, ascending));
        expect(rowsOf(run.outputs)).toEqual(expected);
        expect(run.outputs.length).toBe(chunks.length);
        expect(run.plans).toEqual([chunks.length === 1 ? 'sort: one chunk, local sort' : `sort: PSRS, ${chunks.length} partitions`]);
      }),
      { numRuns: 300 },
    );
  });

  it('many chunks of random floats come out in balanced, ordered partitions', () => {
    const rows: Row[] = Array.from({ length: 4000 }, (_, id) => ({ id, i: id % 7, f: Math.sin(id) * 1000, b: id % 3 === 0, s: STRINGS[id % STRINGS.length]! }));
    const { chunks, node } = frameOf(rows, Array.from({ length: 8 }, () => 500));
    const run = runTile(sortValuesNode(node, ['f'], [false]), chunks);
    expect(rowsOf(run.outputs)).toEqual([...rows].sort(referenceCompare(['f'], [false])));
    // Regular sampling bounds every partition well below the whole (PSRS: at most about 2n/P rows).
    for (const c of run.outputs) expect(c.rows).toBeLessThanOrEqual(1000);
    // Each stage is one chunk per (chunk) or (chunk, partition): local 8, sample 8, pivots 1, pieces 64, merge 8.
    expect(run.specs.size).toBe(8 + 8 + 1 + 64 + 8);
  });

  it('rejects unknown columns, repeated columns and ascending flags that do not match', () => {
    const { node } = frameOf([], []);
    expect(() => sortValuesNode(node, ['nope'], [true])).toThrow(InvalidArgumentError);
    expect(() => sortValuesNode(node, ['i', 'i'], [true, true])).toThrow(/named twice/);
    expect(() => sortValuesNode(node, ['i', 'f'], [true])).toThrow(/one boolean per sort column/);
    expect(() => sortValuesNode(node, [], [])).toThrow(InvalidArgumentError);
    expect(() => sortValuesNode({} as never, ['i'], [true])).toThrow(/dataframe node/);
  });

  it('keeps the schema and the known row count', () => {
    const { node } = frameOf([{ id: 0, i: 1, f: 1, b: true, s: 'a' }], []);
    const sorted = sortValuesNode(node, ['s'], [true]);
    expect(sorted.meta.fields).toEqual(FIELDS);
    expect(sorted.meta.rows).toBe(1);
  });
});

describe('topN', () => {
  it('equals the first n rows of the stable sort, through the merge tree', () => {
    fc.assert(
      fc.property(arbCase, ({ rows, sizes, by, flags, n }) => {
        const ascending = by.map((_, j) => flags[j]!);
        const { chunks, node } = frameOf(rows, sizes);
        const top = topNNode(node, by, ascending, n);
        const run = runTile(top, chunks);
        expect(rowsOf(run.outputs)).toEqual([...rows].sort(referenceCompare(by, ascending)).slice(0, n));
        expect(run.outputs.length).toBe(1);
        expect(top.meta.rows).toBe(Math.min(n, rows.length));
      }),
      { numRuns: 300 },
    );
  });

  it('a small n of a big chunk takes the heap path, a big n the sort path; both stable', () => {
    const rows: Row[] = Array.from({ length: 3000 }, (_, id) => ({ id, i: (id * 37) % 11, f: null, b: null, s: null }));
    const { chunks, node } = frameOf(rows, [3000]);
    for (const n of [5, 2000]) {
      const run = runTile(topNNode(node, ['i'], [false], n), chunks);
      expect(rowsOf(run.outputs)).toEqual([...rows].sort(referenceCompare(['i'], [false])).slice(0, n));
    }
  });

  it('plans a tree of fan-in 4: 9 chunks give 9 leaves, 3 merges, 1 root', () => {
    const rows: Row[] = Array.from({ length: 90 }, (_, id) => ({ id, i: id % 5, f: id, b: true, s: 'x' }));
    const { chunks, node } = frameOf(rows, Array.from({ length: 9 }, () => 10));
    const run = runTile(topNNode(node, ['i', 'f'], [true, false], 7), chunks);
    expect(run.specs.size).toBe(9 + 3 + 1);
    expect(run.plans[0]).toMatch(/top-n: n=7, per-chunk top-n of 9 chunks, then a merge tree of fan-in 4 \(3 levels\)/);
    expect(run.tiled.nsplits).toEqual([[7]]);
  });

  it('rejects a negative or fractional n', () => {
    const { node } = frameOf([], []);
    expect(() => topNNode(node, ['i'], [true], -1)).toThrow(/non-negative integer/);
    expect(() => topNNode(node, ['i'], [true], 1.5)).toThrow(InvalidArgumentError);
  });
});
