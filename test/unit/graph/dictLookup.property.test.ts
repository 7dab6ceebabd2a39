/**
 * Lookups in a vertex dictionary's table (graph/dictKeys.ts, stringDict.ts): the table a vertex column's
 * encoding leaves behind codes an edge column as a table built afresh does, and a big table, looked up
 * batch by batch grouped by slice, codes each row as the row-by-row lookup does — misses, keys longer
 * than the slot's 8 bytes (and than the 31 a grouped row holds), and keys that share a slot's words.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PARTITIONED_SLOTS, wordAt, wordIn, wordView } from '../../../src/graph/dictKeys.js';
import { sharedStringSpans, spanText, type StringSpans } from '../../../src/graph/idColumns.js';
import { codesIn, dictTable, encodeStrings } from '../../../src/graph/stringDict.js';

const spansOf = (values: readonly string[]): StringSpans => sharedStringSpans(values);
const texts = (spans: StringSpans): string[] => Array.from(spans.starts, (_, i) => spanText(spans, i));

const ids = fc.oneof(
  fc.string({ maxLength: 3 }),
  fc.constantFrom('', '\0', 'a', 'a\0', 'abcdefgh', 'abcdefgh\0', 'abcdefghi', 'abcdefghij', 'é', '\u{1f600}'),
  fc.tuple(fc.constantFrom('v', 'user-', 'abcdefgh', 'x'.repeat(40)), fc.nat(3000)).map(([p, n]) => `${p}${n}`),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

describe('vertex dictionary lookup tables', () => {
  it('reads the words of a key four bytes at a time as byte by byte, to the last byte of a view', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.nat(8), (data, skip) => {
        // A view that starts inside its buffer and ends before the buffer does: neither end may be read past.
        const buffer = new Uint8Array(data.length + skip + 5);
        buffer.fill(0xa5);
        buffer.set(data, skip);
        const bytes = buffer.subarray(skip, skip + data.length);
        const view = wordView(bytes);
        for (let at = 0; at <= bytes.length; at++) {
          for (let end = at; end <= bytes.length; end++) {
            for (const from of [at, at + 4]) expect(wordIn(view, bytes, from, end)).toBe(wordAt(bytes, from, end));
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it("a vertex column's own table codes edges as a table built from its dictionary does", () => {
    fc.assert(
      fc.property(fc.uniqueArray(ids, { maxLength: 300 }), fc.array(ids, { maxLength: 300 }), (vertices, edges) => {
        const plain = encodeStrings(spansOf(vertices));
        const withTable = encodeStrings(spansOf(vertices), true);
        expect(texts(withTable.dict)).toEqual(texts(plain.dict));
        expect([...withTable.codes]).toEqual([...plain.codes]);
        expect(withTable.table!.slots.buffer).toBeInstanceOf(SharedArrayBuffer);
        const expected = [...codesIn(plain.dict, spansOf(edges), dictTable(plain.dict))];
        expect([...codesIn(withTable.dict, spansOf(edges), withTable.table)]).toEqual(expected);
        const sorted = texts(plain.dict);
        expect(expected).toEqual(edges.map((s) => sorted.indexOf(s)));
      }),
      { numRuns: 300 },
    );
  });

  it('a big table looked up by slices codes every row as the row-by-row lookup does', () => {
    // 200,000 vertices: a table of 2^19 slots, the partitioned path. Lengths 2 to 50 bytes.
    const vertex = (i: number): string => (i % 5 === 0 ? `vertex-with-a-long-name-${i}-${'x'.repeat(i % 23)}` : i % 5 === 1 ? `v${i}` : i % 5 === 2 ? `u${i}\0` : `abcdefgh${i}`);
    const vertices = Array.from({ length: 200_000 }, (_, i) => vertex((i * 7919) % 200_000));
    const coded = encodeStrings(spansOf(vertices), true);
    expect(coded.table!.mask + 1).toBeGreaterThanOrEqual(PARTITIONED_SLOTS);
    // 600,000 rows (two batches), a tenth of them missing: the same 8-byte words with another tail or
    // length, a NUL more, or an unknown number.
    const miss = (i: number): string => (i % 4 === 0 ? `abcdefgh${i + 200_000}` : i % 4 === 1 ? `v${i % 1000}\0` : i % 4 === 2 ? `vertex-with-a-long-name-${i}-` : `u${i}`);
    let x = 99;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const edges = Array.from({ length: 600_000 }, (_, i) => (next() < 0.1 ? miss(i) : vertex(Math.floor(200_000 * next() ** 2))));
    const column = spansOf(edges);
    const codes = codesIn(coded.dict, column, coded.table);
    expect([...codes]).toEqual([...codesIn(coded.dict, column)]);
    const dict = texts(coded.dict);
    const position = new Map(dict.map((s, k) => [s, k]));
    for (let i = 0; i < edges.length; i++) {
      if (codes[i] !== (position.get(edges[i]!) ?? -1)) expect(`${i}: ${codes[i]}`).toBe(`${i}: ${position.get(edges[i]!) ?? -1}`);
    }
    expect(codes.includes(-1)).toBe(true);
  });
});
