/**
 * String work for the Series expression compiler, done once per dictionary entry instead of once per
 * row: a string column is codes into a per-chunk dictionary, so a comparison with a literal, a
 * `startsWith`, an `isin` or a `len` becomes a small table indexed by code, and `lower`/`upper` become
 * a code remapping into a new dictionary. Tables are shifted by one (`table[code + 1]`) so the null
 * code -1 reads slot 0 without a branch in the row loop.
 *
 * Text order is Unicode code-point order (Arrow's and Python's), not JavaScript's UTF-16 order — the
 * two differ when a character outside the BMP meets one in U+E000..U+FFFF.
 */
import type { CompareOp } from '../../base/frameExpr.js';
import { compareCodePoints } from '../../base/frame.js';


/** -1, 0 or 1 by Unicode code point order (base/frame.ts). */
export const compareStrings = compareCodePoints;

/** Whether `cmp` (a compareStrings result) satisfies `op`. */
export function compareHolds(op: CompareOp, cmp: number): boolean {
  switch (op) {
    case 'eq':
      return cmp === 0;
    case 'ne':
      return cmp !== 0;
    case 'lt':
      return cmp < 0;
    case 'le':
      return cmp <= 0;
    case 'gt':
      return cmp > 0;
    case 'ge':
      return cmp >= 0;
  }
}

/** `x op y` is `y flip(op) x`. */
export function flipCompare(op: CompareOp): CompareOp {
  switch (op) {
    case 'lt':
      return 'gt';
    case 'le':
      return 'ge';
    case 'gt':
      return 'lt';
    case 'ge':
      return 'le';
    default:
      return op;
  }
}

/** Length in code points (Python's `len`, pandas' `str.len`), not UTF-16 units. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const u = s.charCodeAt(k);
    // A low surrogate after a high one is the second half of one code point.
    if (u >= 0xdc00 && u <= 0xdfff && k > 0) {
      const p = s.charCodeAt(k - 1);
      if (p >= 0xd800 && p <= 0xdbff) continue;
    }
    n++;
  }
  return n;
}

/** A per-code boolean table (slot 0 is the null code): `pred` of every dictionary entry. */
export function boolTable(dict: readonly string[], pred: (s: string) => boolean, ifNull = false): Uint8Array {
  const t = new Uint8Array(dict.length + 1);
  t[0] = ifNull ? 1 : 0;
  for (let k = 0; k < dict.length; k++) t[k + 1] = pred(dict[k]!) ? 1 : 0;
  return t;
}

/** A per-code int32 table (slot 0, the null code, holds 0). */
export function intTable(dict: readonly string[], f: (s: string) => number): Int32Array {
  const t = new Int32Array(dict.length + 1);
  for (let k = 0; k < dict.length; k++) t[k + 1] = f(dict[k]!);
  return t;
}

/**
 * A string transform of a dictionary: the new dictionary (equal results merged, first-seen order) and
 * the code remapping `remap[code + 1]` (slot 0 maps null to null).
 */
export function remapDict(dict: readonly string[], f: (s: string) => string): { dict: string[]; remap: Int32Array } {
  const out: string[] = [];
  const codeOf = new Map<string, number>();
  const remap = new Int32Array(dict.length + 1);
  remap[0] = -1;
  for (let k = 0; k < dict.length; k++) {
    const s = f(dict[k]!);
    let code = codeOf.get(s);
    if (code === undefined) {
      code = out.length;
      out.push(s);
      codeOf.set(s, code);
    }
    remap[k + 1] = code;
  }
  return { dict: out, remap };
}
