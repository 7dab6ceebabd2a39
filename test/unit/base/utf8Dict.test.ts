/**
 * A string column's dictionary as UTF-8 bytes + offsets (base/utf8Dict.ts): byte order is code-point
 * order (astral characters included), the builder unifies by bytes, big dictionaries are shared memory,
 * and the store keeps a frame chunk's dictionary as blobs through a spill to disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { compareCodePoints, concatColumns, type FrameChunk, makeFrame, valueAt } from '../../../src/base/frame.js';
import {
  compareEntries, dictSize, dictString, dictStrings, sortedEntries, Utf8DictBuilder, utf8DictOf,
} from '../../../src/base/utf8Dict.js';
import { newStore } from '../store/helpers.js';

const sign = (x: number): number => Math.sign(x);
const arbText = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'b', '\uE000', '\uFFFF', '\uFFFD', '😀', '𝔸', 'é', '\u0000'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 6 });

describe('Utf8Dict', () => {
  it('compares entries by bytes exactly as strings compare by code point (astral characters too)', () => {
    fc.assert(fc.property(arbText, arbText, (a, b) => {
      const d = utf8DictOf([a, b]);
      expect(sign(compareEntries(d, 0, d, 1))).toBe(sign(compareCodePoints(a, b)));
    }));
    // UTF-16 order would put U+FFFF after the astral U+1F600; code-point (and byte) order puts it before.
    const d = utf8DictOf(['😀', '\uffff']);
    expect(compareEntries(d, 1, d, 0)).toBe(-1);
  });

  it('sorts entries in code-point order and decodes them back unchanged', () => {
    fc.assert(fc.property(fc.uniqueArray(arbText, { maxLength: 30 }), (texts) => {
      const d = utf8DictOf(texts);
      expect(dictSize(d)).toBe(texts.length);
      expect(dictStrings(d)).toEqual(texts);
      texts.forEach((s, k) => expect(dictString(d, k)).toBe(s));
      const order = [...sortedEntries(d)].map((k) => texts[k]);
      expect(order).toEqual([...texts].sort(compareCodePoints));
    }));
  });

  it('the builder gives each distinct byte string one code, first-seen order', () => {
    fc.assert(fc.property(fc.array(arbText, { maxLength: 60 }), (texts) => {
      const b = new Utf8DictBuilder(2);
      const codes = texts.map((s) => b.addString(s));
      const distinct = [...new Set(texts)];
      expect(dictStrings(b.finish())).toEqual(distinct);
      expect(codes).toEqual(texts.map((s) => distinct.indexOf(s)));
    }));
  });

  it('concatenating string columns merges dictionaries by bytes and keeps nulls', () => {
    const a = { dtype: 'string' as const, codes: new Int32Array([0, -1, 1]), dict: utf8DictOf(['x', 'é']) };
    const b = { dtype: 'string' as const, codes: new Int32Array([1, 0, -1]), dict: utf8DictOf(['😀', 'é']) };
    const c = concatColumns([a, b]);
    expect(Array.from({ length: 6 }, (_, i) => valueAt(c, i))).toEqual(['x', null, 'é', 'é', '😀', null]);
    expect(c.dtype === 'string' && dictStrings(c.dict)).toEqual(['x', 'é', '😀']);
  });

  it('puts a big dictionary in shared memory (so it crosses threads without a copy) and a small one not', () => {
    const big = utf8DictOf(Array.from({ length: 20000 }, (_, i) => `id${String(i).padStart(8, '0')}`));
    expect(big.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(big.offsets.buffer).toBeInstanceOf(SharedArrayBuffer);
    const small = utf8DictOf(['a', 'b']);
    expect(small.bytes.buffer).toBeInstanceOf(ArrayBuffer);
  });
});

describe('a frame chunk in the store', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps the dictionary arrays as blobs and round-trips the chunk, in memory and spilled', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-utf8dict-'));
    dirs.push(dir);
    const store = newStore({ memoryLimit: 200_000, spillDir: dir });
    const texts = Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? `ü${i}😀` : `id${i}`));
    // Fresh arrays per chunk: the store counts a blob shared by two chunks once.
    const makeChunk = (): FrameChunk => makeFrame(['s', 'v'], [
      { dtype: 'string', codes: Int32Array.from({ length: 6000 }, (_, i) => (i % 7 === 0 ? -1 : i % 5000)), dict: utf8DictOf(texts) },
      { dtype: 'int32', values: Int32Array.from({ length: 6000 }, (_, i) => i), valid: null },
    ]);
    const chunk = makeChunk();
    const rows = (c: FrameChunk) => Array.from({ length: c.rows }, (_, i) => [valueAt(c.columns[0]!, i), valueAt(c.columns[1]!, i)]);
    const want = rows(chunk);
    store.chunks.put('frame', chunk);
    expect(rows(store.chunks.get('frame') as FrameChunk)).toEqual(want);
    // Two more chunks of the same size overflow the limit: the first goes to disk.
    store.chunks.put('frame2', makeChunk());
    store.chunks.put('frame3', makeChunk());
    expect(store.chunks.infos(['frame'])[0]!.level).toBe('disk');
    const back = store.chunks.get('frame') as FrameChunk;
    expect(rows(back)).toEqual(want);
    const s = back.columns[0]!;
    expect(s.dtype === 'string' && dictStrings(s.dict)).toEqual(texts);
  });
});
