/**
 * Dictionary-encoded string ids (graph/stringDict.ts) against the plain span path they replace: the
 * dictionary holds each distinct string once, in UTF-8 byte order (code point order), every row decodes
 * to its string, and the id maps, internal ids and errors built from codes equal those built from spans.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scratchPoolStats } from '../../../src/base/scratchPool.js';
import { VertexNotFoundError } from '../../../src/graph/errors.js';
import { type IdColumn, sameSpans, sharedStringSpans, spanText, spanTexts, type StringSpans } from '../../../src/graph/idColumns.js';
import { IdMap } from '../../../src/graph/idmap.js';
import { codesIn, concatCoded, dictTable, encodeStrings, positionsIn, unionSorted } from '../../../src/graph/stringDict.js';

const spansOf = (values: readonly string[]): StringSpans => sharedStringSpans(values);
/** The span path: the column as UTF-8 spans, one per row. */
const spanned = (values: readonly string[]): IdColumn => ({ kind: 'string', values: spansOf(values) });
const coded = (values: readonly string[]): IdColumn => ({ kind: 'coded', values: encodeStrings(spansOf(values)) });
const texts = (spans: StringSpans): string[] => Array.from(spans.starts, (_, i) => spanText(spans, i));
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Strings that stress the encoding: shared 8-byte prefixes with different tails (keys longer than the
 * slot's two words), prefixes of each other, NUL bytes (a short key padded with zeros), the empty
 * string, code points of 1 to 4 UTF-8 bytes (whose UTF-16 order differs from code point order), and
 * strings on both sides of the 64 bytes below which strings are copied byte by byte.
 */
const ids = fc.oneof(
  fc.string({ maxLength: 3 }),
  fc.constantFrom('', '\0', 'a', 'a\0', 'a\0\0', 'abcdefgh', 'abcdefgh\0', 'abcdefghi', 'abcdefghij', 'abcdefgh\u00e9', '\uffff', '\u{1f600}', 'é', 'ée'),
  fc.tuple(fc.constantFrom('user-', 'abcdefgh', 'v'), fc.nat(5000)).map(([p, n]) => `${p}${n}`),
  fc.string({ unit: 'binary', maxLength: 12 }),
  // Longer than the 64 bytes copied by a loop: these are copied with set().
  fc.tuple(fc.constantFrom('x'.repeat(64), 'x'.repeat(63) + '\u00e9', 'y'.repeat(100)), fc.nat(50)).map(([p, n]) => `${p}${n}`),
);
const columns = fc.array(ids, { maxLength: 300 });

describe('string dictionary encoding', () => {
  it('sorts in scratch from the last encode of about its size, and its dictionary and codes are its own', () => {
    // 40,000 and 36,000 distinct strings: the radix sort's arrays of both round up to one size.
    const first = Array.from({ length: 40_000 }, (_, i) => `a${(i * 7919) % 40_000}`);
    const second = Array.from({ length: 36_000 }, (_, i) => `b${(i * 104_729) % 36_000}x`);
    const a = encodeStrings(spansOf(first), true);
    const aTexts = texts(a.dict);
    const reused = scratchPoolStats().reused;
    const b = encodeStrings(spansOf(second), true);
    expect(scratchPoolStats().reused).toBeGreaterThan(reused);
    expect(texts(b.dict)).toEqual([...new Set(second)].sort(byteOrder));
    for (let i = 0; i < second.length; i++) if (spanText(b.dict, b.codes[i]!) !== second[i]) throw new Error(`row ${i} decodes to ${spanText(b.dict, b.codes[i]!)}`);
    // The first encode's outputs were not scratch: the second one left them as they were.
    expect(texts(a.dict)).toEqual(aTexts);
    expect(aTexts).toEqual([...new Set(first)].sort(byteOrder));
    for (let i = 0; i < first.length; i++) if (aTexts[a.codes[i]!] !== first[i]) throw new Error(`first row ${i} changed`);
    expect(codesIn(a.dict, spansOf(['a17', 'nope']), a.table)).toEqual(Int32Array.from([aTexts.indexOf('a17'), -1]));
  });

  it('keeps each distinct string once, in byte order, and every row decodes to its string', () => {
    fc.assert(
      fc.property(columns, (values) => {
        const { dict, codes } = encodeStrings(spansOf(values));
        const expected = [...new Set(values)].sort(byteOrder);
        expect(texts(dict)).toEqual(expected);
        expect(Array.from(codes, (k) => spanText(dict, k))).toEqual(values);
      }),
      { numRuns: 300 },
    );
  });

  it('grows its table past many distinct strings and long runs of repeats', () => {
    const values = Array.from({ length: 200_000 }, (_, i) => (i % 3 === 0 ? `k${(i * 7919) % 70_001}` : `k${i % 17}`));
    const { dict, codes } = encodeStrings(spansOf(values));
    expect(texts(dict)).toEqual([...new Set(values)].sort(byteOrder));
    for (let i = 0; i < values.length; i += 997) expect(spanText(dict, codes[i]!)).toBe(values[i]);
  });

  it('merges, unions and concatenates sorted dictionaries as the sets they are', () => {
    fc.assert(
      fc.property(columns, columns, (a, b) => {
        const da = encodeStrings(spansOf(a));
        const db = encodeStrings(spansOf(b));
        const union = [...new Set([...a, ...b])].sort(byteOrder);
        expect(texts(unionSorted([da.dict, db.dict]))).toEqual(union);
        const inB = texts(db.dict);
        expect([...positionsIn(da.dict, db.dict)]).toEqual(texts(da.dict).map((s) => inB.indexOf(s)));
        const both = concatCoded([da, db]);
        expect(texts(both.dict)).toEqual(union);
        expect(Array.from(both.codes, (k) => spanText(both.dict, k))).toEqual([...a, ...b]);
      }),
      { numRuns: 200 },
    );
  });

  it('codes a column against another dictionary: each row its position there, -1 for a string it lacks', () => {
    fc.assert(
      fc.property(columns, columns, (vertices, edges) => {
        const { dict } = encodeStrings(spansOf(vertices));
        const sorted = texts(dict);
        const expected = edges.map((s) => sorted.indexOf(s));
        expect([...codesIn(dict, spansOf(edges))]).toEqual(expected);
        // The same through the dictionary's shared table (built once, read by the workers of both ends).
        expect([...codesIn(dict, spansOf(edges), dictTable(dict))]).toEqual(expected);
      }),
      { numRuns: 300 },
    );
    // A dictionary bigger than the table's first size, looked up by a longer column of repeats.
    const vertices = Array.from({ length: 70_000 }, (_, i) => `vertex-${(i * 7919) % 70_000}`);
    const { dict } = encodeStrings(spansOf(vertices));
    const edges = Array.from({ length: 150_000 }, (_, i) => (i === 123_456 ? 'vertex-70000' : `vertex-${(i * 31) % 70_000}`));
    const codes = codesIn(dict, spansOf(edges), dictTable(dict));
    expect(codes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(dictTable(dict).slots.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(codes.indexOf(-1)).toBe(123_456);
    for (let i = 0; i < edges.length; i += 641) if (i !== 123_456) expect(spanText(dict, codes[i]!)).toBe(edges[i]);
  });

  it('gives the id map, internal ids and missing-id errors of the span path', () => {
    const fail = (i: number, text: string): Error => new VertexNotFoundError(text, `row ${i}`);
    fc.assert(
      fc.property(columns, columns, ids, (vertices, edges, probe) => {
        const fromSpans = IdMap.fromEdges(spanned(vertices), spanned(edges));
        const fromCodes = IdMap.fromEdges(coded(vertices), coded(edges));
        expect(fromCodes.size).toBe(fromSpans.size);
        for (let v = 0; v < fromSpans.size; v++) expect(fromCodes.originalId(v)).toBe(fromSpans.originalId(v));
        expect(fromCodes.internalOf(probe)).toBe(fromSpans.internalOf(probe));
        expect([...fromCodes.toInternal(coded(edges), fail)]).toEqual([...fromSpans.toInternal(spanned(edges), fail)]);
        const declared = IdMap.fromEdges(coded(vertices));
        const error = (run: () => unknown): string => {
          try {
            run();
            return 'none';
          } catch (e) {
            return (e as Error).message;
          }
        };
        const spanError = error(() => IdMap.fromEdges(spanned(vertices)).toInternal(spanned(edges), fail));
        expect(error(() => declared.toInternal(coded(edges), fail))).toBe(spanError);
        expect(error(() => declared.checkAll(coded(edges), fail))).toBe(spanError);
      }),
      { numRuns: 200 },
    );
  });

  it('tells a copy of a dictionary from other lists by its memory; a column coded on the copy gets its codes as internal ids', () => {
    const vertices = Array.from({ length: 3000 }, (_, i) => `v${i}`);
    const table = encodeStrings(spansOf(vertices), true);
    const map = IdMap.fromIds({ kind: 'coded', values: table });
    const column = spansOf(Array.from({ length: 5000 }, (_, i) => `v${(i * 7) % 3000}`));
    // What another thread's message brings: the dictionary's arrays copied into other memory.
    const copy = <T extends Uint8Array | Int32Array>(a: T): T => a.slice() as T;
    const offsets = copy(Int32Array.from([...table.dict.starts, table.dict.ends[table.dict.ends.length - 1]!]));
    const dictCopy = { bytes: copy(table.dict.bytes), starts: offsets.subarray(0, 3000), ends: offsets.subarray(1) };
    expect(sameSpans(dictCopy, table.dict)).toBe(true);
    const codes = codesIn(dictCopy, column, table.table);
    const fail = (i: number, text: string): Error => new VertexNotFoundError(text, `row ${i}`);
    const internal = map.toInternal({ kind: 'coded', values: { dict: dictCopy, codes } }, fail);
    expect(internal).toBe(codes);
    for (let i = 0; i < 5000; i++) if (map.originalId(internal[i]!) !== `v${(i * 7) % 3000}`) throw new Error(`row ${i}`);
    // Other lists: one byte changed, the same bytes split elsewhere, one string fewer.
    const changed = { ...dictCopy, bytes: copy(dictCopy.bytes) };
    changed.bytes[10] = changed.bytes[10]! ^ 1;
    expect(sameSpans(changed, table.dict)).toBe(false);
    expect(sameSpans(spansOf(['ab', 'c']), spansOf(['a', 'bc']))).toBe(false);
    expect(sameSpans(spansOf(vertices.slice(1)), spansOf(vertices))).toBe(false);
    expect(sameSpans(spansOf(['x', 'y']), spansOf(['x', 'y']))).toBe(true);
  });

  it('refuses a repeated vertex id at its second row, as the span path does', () => {
    fc.assert(
      fc.property(columns, (values) => {
        const message = (column: IdColumn): string => {
          try {
            IdMap.fromIds(column);
            return 'none';
          } catch (e) {
            return (e as Error).message;
          }
        };
        expect(message(coded(values))).toBe(message(spanned(values)));
      }),
      { numRuns: 200 },
    );
  });

  it('decodes picked spans (repeats once, ASCII in bulk) to the same texts as one by one', () => {
    fc.assert(
      fc.property(fc.array(ids, { minLength: 1, maxLength: 50 }), fc.array(fc.nat(), { maxLength: 5000 }), (values, raw) => {
        const spans = spansOf(values);
        const picks = Int32Array.from(raw, (x) => x % values.length);
        expect(spanTexts(spans, picks, 0, picks.length)).toEqual(Array.from(picks, (k) => values[k]));
        expect(spanTexts(spans, undefined, 0, values.length)).toEqual(values);
      }),
      { numRuns: 100 },
    );
  });
});
