/**
 * The CSV dictionary reuses its tables and pool from one chunk to the next on a thread
 * (csvScratch.ts): a dictionary built after others — bigger, smaller, with other strings — must hold
 * exactly its own strings, in first-seen order, and give each string one code.
 */
import { describe, expect, it } from 'vitest';
import { dictStrings } from '../../../../src/base/utf8Dict.js';
import { ByteDict } from '../../../../src/kernels/dataframe/csvDict.js';

const encoder = new TextEncoder();

/** Codes of the keys through a fresh dictionary, and its finished strings. */
function encode(keys: readonly string[]): { codes: number[]; strings: readonly string[] } {
  const dict = new ByteDict(['', 'NA']);
  const codes = keys.map((k) => {
    const b = encoder.encode(`>${k}<`);
    return dict.code(b, 1, b.length - 1);
  });
  return { codes, strings: dictStrings(dict.finish()) };
}

/** The expected result: first-seen order, null values -1. */
function expected(keys: readonly string[]): { codes: number[]; strings: string[] } {
  const strings: string[] = [];
  const codes = keys.map((k) => {
    if (k === '' || k === 'NA') return -1;
    let at = strings.indexOf(k);
    if (at < 0) at = strings.push(k) - 1;
    return at;
  });
  return { codes, strings };
}

describe('ByteDict on reused scratch buffers', () => {
  it('holds only its own strings after bigger and smaller dictionaries on the same thread', () => {
    // Short keys (packed words), long keys (hashed), null values and repeats, enough to grow every table.
    const many = Array.from({ length: 6000 }, (_, i) => (i % 3 === 0 ? `id${i}` : i % 3 === 1 ? `a much longer key number ${i}` : `k${i % 50}`));
    const other = Array.from({ length: 900 }, (_, i) => (i % 7 === 0 ? 'NA' : i % 2 ? `id${i + 1}` : `long key of another chunk ${i}é`));
    const small = ['x', '', 'y', 'x', 'id3', 'NA', 'y'];
    for (const keys of [many, small, other, many, small]) {
      expect(encode(keys)).toEqual(expected(keys));
    }
  });
});
