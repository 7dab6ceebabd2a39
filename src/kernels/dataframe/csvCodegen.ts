/**
 * The CSV parser specialised to a chunk's schema: generated JavaScript for one record, unrolled over the
 * file's columns in order, each column's code inlined for its dtype and writing to its own local typed
 * array (monomorphic loads and stores, no per-field dispatch on the column kind). It is optimistic: it
 * takes only the plain record — no quote, no CR except a CRLF line end, every field non-empty, numbers
 * as `-?digits` (floats `-?digits[.digits]`, at most 15 digits), the exact number of fields — and on
 * anything else stops at that record and hands it, from its first byte, to the general loop of
 * csvParse.ts, which reads it (nulls, quotes, exponents, nan, ...) or raises the error, exactly as if the
 * generated code did not exist. Whatever the generated code stored for the record is overwritten, and
 * the strings it looked up are looked up again in the same order, so their codes do not change.
 *
 * Each scan stops at a newline, and the generated loop only starts records at or before the buffer's
 * last newline, so it never reads past the buffer.
 *
 * Numbers: an integer of at most 9 digits fits int32 without a range check (10 digits go the general
 * way). A decimal of at most 15 digits is its digits as an integer m < 2^53 over 10^k with k <= 15: both
 * exact in a double, so m / 10^k is the correctly rounded value (Clinger's fast path) — the very
 * computation graph/decimal.ts makes for such a decimal, so the result is the same double, -0 included.
 *
 * Strings: a key of up to 12 bytes is packed into three int32 words (three DataView loads, not a shift
 * per byte) and probed in the column's short-key table (csvDict.ts); a miss, or a longer key, asks the
 * ByteDict (which adds a new string, checking its UTF-8). The probes are deferred: the record loop only
 * notes each string field (its words, length and start) and `flush` looks a batch of up to
 * LOOKUP_BATCH rows up column by column, in row order, so codes come out in first-seen order as before.
 * A high-cardinality column's table (h2o's id3: 1e5 keys, 4 MiB) misses the cache on nearly every
 * probe; in the record loop each miss stalled the parse (a third of its time), in the tight lookup loop
 * the misses of consecutive rows overlap. The batch is flushed before a record goes to the general loop
 * (which looks its strings up itself), before the columns grow, and before returning. A key that is
 * not UTF-8 shows up in the flush: the general loop then parses that record again and raises the error
 * (the dictionaries' `invalid` flags cleared first), so the error is the one it always gave.
 *
 * Compiled functions are cached by their source, which depends only on the delimiter and on the file
 * columns' kinds (read or not, and as what).
 */
import { BoundedCache } from '../../base/boundedCache.js';
import { SHORT_HASH, SHORT_KEY_BYTES } from './csvDict.js';
import type { ParseState } from './csvParse.js';

/** Per file column, what the generated code does with it. */
export const SKIP = 0;
export const INT = 1;
export const FLOAT = 2;
export const BOOL = 3;
export const STRING = 4;

const NL = 10;
const CR = 13;
const QUOTE = 34;
const MINUS = 45;
const DOT = 46;

/**
 * Runs the plain records from `from` while they start before `until` and at or before `last` (the
 * buffer's last newline); returns where it stopped. `slow(p)` parses the one record at p the general way
 * (updating `S.rows`) and returns the position after it; `grow()` doubles the columns' room.
 */
export type FastParse = (
  bytes: Uint8Array, from: number, until: number, last: number, S: ParseState,
  slow: (p: number) => number, grow: () => void, H: typeof FAST_HELPERS,
) => number;

const POW = Float64Array.from({ length: 16 }, (_, k) => 10 ** k);

/** Helpers the generated code calls as `H.*` (off the hot path, or small enough to be inlined). */
export const FAST_HELPERS = Object.freeze({
  POW,
  /** 1 for true, 0 for false (any ASCII case), -1 for anything else. */
  bool(bytes: Uint8Array, s: number, e: number): number {
    const n = e - s;
    if (n === 4 && (bytes[s]! | 0x20) === 116 && (bytes[s + 1]! | 0x20) === 114 && (bytes[s + 2]! | 0x20) === 117 && (bytes[s + 3]! | 0x20) === 101) return 1;
    if (n === 5 && (bytes[s]! | 0x20) === 102 && (bytes[s + 1]! | 0x20) === 97 && (bytes[s + 2]! | 0x20) === 108 && (bytes[s + 3]! | 0x20) === 115 && (bytes[s + 4]! | 0x20) === 101) return 0;
    return -1;
  },
});

const cache = new BoundedCache<string, FastParse>(64);

/** String fields are guessed at their last length (see generate) only when no byte that ends a field is this big. */
const GUESS_BELOW = 64;
const BELOW_ONES = 0x01010101;
const HIGH_BITS = 0x80808080 | 0;

/** Rows whose string lookups are deferred and done together (see the header). */
export const LOOKUP_BATCH = 512;

/**
 * The generated parser for a file of `kinds.length` columns (SKIP or a kind per file column, `slots[c]`
 * its output column) separated by `delimiter` (an ASCII byte other than a quote, CR or LF).
 */
export function fastParser(delimiter: number, kinds: readonly number[], slots: readonly number[], batch = LOOKUP_BATCH): FastParse {
  const src = generate(delimiter, kinds, slots, batch);
  let fn = cache.get(src);
  if (!fn) {
    fn = new Function(src)() as FastParse;
    cache.set(src, fn);
  }
  return fn;
}

function generate(D: number, kinds: readonly number[], slots: readonly number[], batch: number): string {
  // Bytes at or below SP may end a field; the exact test runs only for them.
  const SP = Math.max(D, QUOTE, CR, NL);
  const special = `(t <= ${SP} && (t === ${D} || t === ${NL} || t === ${QUOTE} || t === ${CR}))`;
  const width = kinds.length;
  // A short key's words (csvDict.ts): three big-endian loads ending at e, the bytes before s masked
  // off; near the buffer's start, byte by byte.
  const pack = `  if (e >= 12) {
    w0 = dv.getInt32(e - 4); if (n < 4) w0 &= (1 << (n << 3)) - 1;
    if (n <= 4) { w1 = 0; w2 = 0; }
    else { w1 = dv.getInt32(e - 8); if (n < 8) { w1 &= (1 << ((n - 4) << 3)) - 1; w2 = 0; } else { w2 = dv.getInt32(e - 12); if (n < 12) w2 &= (1 << ((n - 8) << 3)) - 1; } }
  } else {
    w0 = 0; w1 = 0; w2 = 0;
    for (q = s; q < e; q++) { w2 = (w2 << 8) | (w1 >>> 24); w1 = (w1 << 8) | (w0 >>> 24); w0 = (w0 << 8) | bytes[q]; }
  }`;
  const head: string[] = [];
  const reload: string[] = [];
  // String columns: their output slots, and the flush code that looks their batch up.
  const strings: number[] = [];
  const flush: string[] = [];
  const body: string[] = [];
  for (let c = 0; c < width; c++) {
    const kind = kinds[c]!;
    const j = slots[c]!;
    const isLast = c === width - 1;
    // After a field's last byte (at i, t = bytes[i]): checks its terminator, sets e to its end and moves
    // i past the terminator.
    const end = isLast
      ? `e = i; if (t === ${CR}) { if (bytes[i + 1] !== ${NL}) break rec; i += 2; } else if (t === ${NL}) i++; else break rec;`
      : `if (t !== ${D}) break rec; e = i; i++;`;
    body.push(`// column ${c}`);
    if (kind === SKIP) {
      body.push(`t = bytes[i]; while (!${special}) t = bytes[++i];`, end);
    } else if (kind === INT) {
      reload.push(`A${j} = S.ints[${j}];`);
      body.push(
        `neg = false; t = bytes[i]; if (t === ${MINUS}) { neg = true; t = bytes[++i]; }`,
        `s = i; x = 0; while (t >= 48 && t <= 57) { x = (x * 10 + (t - 48)) | 0; t = bytes[++i]; }`,
        `if (i === s || i - s > 9) break rec;`,
        end,
        `A${j}[rows] = neg ? -x : x;`,
      );
    } else if (kind === FLOAT) {
      reload.push(`A${j} = S.floats[${j}];`);
      body.push(
        `neg = false; t = bytes[i]; if (t === ${MINUS}) { neg = true; t = bytes[++i]; }`,
        `s = i; m = 0; while (t >= 48 && t <= 57) { m = m * 10 + (t - 48); t = bytes[++i]; }`,
        `n = i - s; if (n === 0) break rec;`,
        `k = 0; if (t === ${DOT}) { f = ++i; t = bytes[i]; while (t >= 48 && t <= 57) { m = m * 10 + (t - 48); t = bytes[++i]; } k = i - f; if (k === 0) break rec; }`,
        `if (n + k > 15) break rec;`,
        end,
        `v = k === 0 ? m : m / POW[k]; A${j}[rows] = neg ? -v : v;`,
      );
    } else if (kind === BOOL) {
      reload.push(`A${j} = S.bools[${j}];`);
      body.push(`s = i; t = bytes[i]; while (!${special}) t = bytes[++i];`, end, `x = hbool(bytes, s, e); if (x < 0) break rec; A${j}[rows] = x;`);
    } else {
      strings.push(j);
      head.push(`const W${j} = new Int32Array(${4 * batch}), P${j} = new Int32Array(${batch});`);
      const scan = [
        `s = i; t = bytes[i]; while (!${special}) t = bytes[++i];`,
        end,
        `n = e - s;`,
        `if (n <= ${SHORT_KEY_BYTES}) {`,
        pack,
        `} else { w0 = 0; w1 = 0; w2 = 0; }`,
      ];
      if (isLast || SP >= GUESS_BELOW) body.push(...scan);
      else {
        // Guess the field is as long as this column's last one (ids often are): its words are loaded
        // at once, and the guess holds if the byte after it is the delimiter and none of its bytes is
        // below SP + 1 (so none can end a field) — then the byte loop would have stopped at that very
        // delimiter. The test is "hasless" per word ((w - 0x01010101 * b) & ~w & 0x80808080 is nonzero
        // iff some byte of w is below b, for b <= 128); bytes of a word before the field are set to
        // 0xff first, which it never flags. Any doubt goes the byte loop's way.
        const below = `${BELOW_ONES * (SP + 1)}`;
        body.push(
          `n = L${j}; e = i + n;`,
          `if (n !== 0 && n <= ${SHORT_KEY_BYTES} && e >= 12 && e < len && bytes[e] === ${D}) {`,
          `  w0 = dv.getInt32(e - 4); x = n < 4 ? (1 << (n << 3)) - 1 : -1; q = w0 | ~x; w0 &= x; k = (q - ${below}) & ~q;`,
          `  w1 = 0; w2 = 0;`,
          `  if (n > 4) {`,
          `    w1 = dv.getInt32(e - 8); x = n < 8 ? (1 << ((n - 4) << 3)) - 1 : -1; q = w1 | ~x; w1 &= x; k |= (q - ${below}) & ~q;`,
          `    if (n > 8) { w2 = dv.getInt32(e - 12); x = n < 12 ? (1 << ((n - 8) << 3)) - 1 : -1; q = w2 | ~x; w2 &= x; k |= (q - ${below}) & ~q; }`,
          `  }`,
          `  if ((k & ${HIGH_BITS}) !== 0) e = -1;`,
          `} else e = -1;`,
          `if (e >= 0) { s = i; i = e + 1; } else {`,
          ...scan,
          `}`,
          `L${j} = n;`,
        );
        head.push(`let L${j} = 0;`);
      }
      body.push(`q = r << 2; W${j}[q] = w0; W${j}[q + 1] = w1; W${j}[q + 2] = w2; W${j}[q + 3] = n; P${j}[r] = s;`);
      flush.push(`{
  const A = S.ints[${j}];
  let T = D${j}.short, M = D${j}.shortMask;
  for (let r = 0; r < count; r++) {
    const o = r << 2, w0 = W${j}[o], w1 = W${j}[o + 1], w2 = W${j}[o + 2], n = W${j}[o + 3];
    let code = -2;
    if (n <= ${SHORT_KEY_BYTES}) {
      let q = Math.imul(w0 ^ Math.imul(w1, ${SHORT_HASH[0]}) ^ Math.imul(w2 ^ n, ${SHORT_HASH[1]}), ${SHORT_HASH[2]});
      for (q = ((q ^ (q >>> 16)) & M) << 2; ; q = (q + 4) & ((M << 2) | 3)) {
        const meta = T[q + 3]; if (meta === 0) break;
        if (T[q] === w0 && T[q + 1] === w1 && T[q + 2] === w2 && (meta & 15) === n) { code = (meta >> 4) - 2; break; }
      }
    }
    if (code === -2) {
      const s = P${j}[r];
      code = n <= ${SHORT_KEY_BYTES} ? D${j}.codeShort(bytes, s, s + n, w0, w1, w2) : D${j}.code(bytes, s, s + n);
      if (D${j}.invalid) { if (r < bad) bad = r; break; }
      T = D${j}.short; M = D${j}.shortMask;
    }
    A[b0 + r] = code;
  }
}`);
    }
  }
  const decl = reload.map((r) => r.replace(/(\w+) = /g, 'let $1 = ')).join('\n');
  const deferred = strings.length > 0;
  const batchOf = `{ ${strings.map((j) => `W${j}, P${j}`).join(', ')} }`;
  // Looks the deferred strings of `count` rows from b0 up; gives the first batch row whose key is not UTF-8, or -1.
  const flushFn = `function flush(bytes, S, b0, count, B) {
${strings.map((j) => `const D${j} = S.builders[${j}].dict, W${j} = B.W${j}, P${j} = B.P${j};`).join('\n')}
let bad = count;
${flush.join('\n')}
return bad < count ? bad : -1;
}
// A key that is not UTF-8 in batch row \`bad\`: the general loop parses that record again and raises the error.
function fail(S, slow, RP, b0, bad) {
${strings.map((j) => `S.builders[${j}].dict.invalid = false;`).join(' ')}
S.rows = b0 + bad;
slow(RP[bad]);
throw new Error('internal error: a CSV string was not UTF-8, yet the general loop read its record');
}`;
  const flushNow = deferred ? `x = flush(bytes, S, b0, rows - b0, B); if (x >= 0) fail(S, slow, RP, b0, x); b0 = rows;` : '';
  return `"use strict";
${deferred ? flushFn : ''}
return function fastCsv(bytes, from, until, last, S, slow, grow, H) {
const POW = H.POW, hbool = H.bool;
const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), len = bytes.length;
${head.join('\n')}
${deferred ? `const B = ${batchOf}, RP = new Int32Array(${batch});` : ''}
${decl}
let rows = S.rows, cap = S.capacity, p = from, b0 = rows, r = 0;
let i = 0, t = 0, s = 0, e = 0, q = 0, f = 0, k = 0, n = 0, x = 0, m = 0, v = 0, code = 0, neg = false, w0 = 0, w1 = 0, w2 = 0;
while (p < until && p <= last) {
  t = bytes[p];
  if (t === ${NL}) { p++; continue; }
  if (rows === cap${deferred ? ` || rows - b0 === ${batch}` : ''}) {
    ${flushNow}
    if (rows === cap) { S.rows = rows; grow(); cap = S.capacity; ${reload.join(' ')} }
  }
  rec: {
    if (t === ${CR}) break rec;
    i = p;${deferred ? ' r = rows - b0; RP[r] = p;' : ''}
${body.join('\n')}
    rows++;
    p = i;
    continue;
  }
  ${flushNow}
  S.rows = rows;
  p = slow(p);
  rows = S.rows; cap = S.capacity; b0 = rows;
  ${reload.join(' ')}
}
${flushNow}
S.rows = rows;
return p;
};`;
}
