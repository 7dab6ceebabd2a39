/**
 * The fast path for LDBC edge and vertex files: one tight loop over the bytes with everything in
 * local variables, for the lines that are what the format says (integer ids of at most 15 digits,
 * decimals, blanks between them, LF or CRLF line ends). It returns undefined at the first thing it does
 * not expect, and the caller parses the whole input again with the careful Scanner, which accepts
 * ids beyond 2^53 as BigInts and otherwise reports exactly what is wrong on which line. Well-formed
 * files, whatever their size, never leave this loop.
 */
import { scanDecimal, scannedEnd } from './scan.js';
import { ZERO, MINUS, PLUS, NEWLINE, SPACE, TAB, RETURN } from './bytes.js';

export interface FastColumns {
  readonly first: Float64Array;
  readonly second: Float64Array | undefined;
  /** The kept decimal column, or undefined. */
  readonly kept: Float64Array | undefined;
}

/**
 * Lines of `ids` integer ids (1 or 2) followed by `decimals` decimal columns, of which the one at
 * index `keep` is returned (-1: none); with `rest` true anything after the ids is ignored (vertex
 * files may carry properties). `lines` bounds the number of records.
 */
export function fastLines(
  bytes: Uint8Array,
  lines: number,
  ids: 1 | 2,
  decimals: number,
  keep: number,
  rest: boolean,
): FastColumns | undefined {
  const first = new Float64Array(lines);
  const second = ids === 2 ? new Float64Array(lines) : undefined;
  const kept = keep >= 0 ? new Float64Array(lines) : undefined;
  const end = bytes.length;
  let p = 0;
  let count = 0;
  while (p < end) {
    // Reads past the end see a newline, so every byte read is an integer (no `undefined` in the loop).
    let b = bytes[p]!;
    if (b === NEWLINE || b === SPACE || b === TAB || b === RETURN) {
      p++;
      continue;
    }
    for (let k = 0; k < ids; k++) {
      if (k > 0) {
        if (b !== SPACE && b !== TAB) return undefined;
        while (b === SPACE || b === TAB) b = ++p < end ? bytes[p]! : NEWLINE;
      }
      let negative = false;
      if (b === MINUS || b === PLUS) {
        negative = b === MINUS;
        b = ++p < end ? bytes[p]! : NEWLINE;
      }
      // Nine digits always fit int32, whose multiply-add is shorter than a double's: accumulate those
      // as integers (the digit loop is a chain of dependent multiply-adds), the rest as doubles.
      let x = 0;
      let digits = 0;
      while (b >= ZERO && b <= ZERO + 9 && digits < 9) {
        x = (x * 10 + (b - ZERO)) | 0;
        digits++;
        b = ++p < end ? bytes[p]! : NEWLINE;
      }
      while (b >= ZERO && b <= ZERO + 9) {
        x = x * 10 + (b - ZERO);
        digits++;
        b = ++p < end ? bytes[p]! : NEWLINE;
      }
      // 15 digits always fit a double exactly; longer ids go to the careful parser (maybe BigInt).
      if (digits === 0 || digits > 15) return undefined;
      if (k === 0) first[count] = negative ? -x + 0 : x;
      else second![count] = negative ? -x + 0 : x;
    }
    if (rest) {
      if (p < end && b !== SPACE && b !== TAB && b !== RETURN && b !== NEWLINE) return undefined;
      while (p < end && bytes[p] !== NEWLINE) p++;
    } else {
      for (let c = 0; c < decimals; c++) {
        if (b !== SPACE && b !== TAB) return undefined;
        while (b === SPACE || b === TAB) b = ++p < end ? bytes[p]! : NEWLINE;
        const value = decimalAt(bytes, p, end);
        if (Number.isNaN(value)) return undefined;
        if (c === keep) kept![count] = value;
        p = tokenEnd;
        b = p < end ? bytes[p]! : NEWLINE;
      }
      while (b === SPACE || b === TAB) b = ++p < end ? bytes[p]! : NEWLINE;
      if (b === RETURN) b = ++p < end ? bytes[p]! : NEWLINE;
      if (p < end && b !== NEWLINE) return undefined;
    }
    p++;
    count++;
  }
  return {
    first: first.subarray(0, count),
    second: second?.subarray(0, count),
    kept: kept?.subarray(0, count),
  };
}

/** Where the last decimal read by `decimalAt` ended (a module variable keeps the return value unboxed). */
let tokenEnd = 0;

/** The decimal starting at `start`, or NaN; sets `tokenEnd`. */
function decimalAt(bytes: Uint8Array, start: number, end: number): number {
  const value = scanDecimal(bytes, start, end);
  tokenEnd = scannedEnd;
  return value;
}
