/**
 * The fast path for LDBC edge and vertex files: one tight loop over the bytes with everything in
 * local variables, for the lines that are what the format says (integer ids of at most 15 digits,
 * decimals, blanks between them, LF or CRLF line ends). It returns undefined at the first thing it does
 * not expect, and the caller parses the whole input again with the careful Scanner, which accepts
 * ids beyond 2^53 as BigInts and otherwise reports exactly what is wrong on which line. Well-formed
 * files, whatever their size, never leave this loop.
 */
import { latin1Slice } from './scan.js';
import { ZERO, MINUS, PLUS, DOT, LOWER_E, UPPER_E, NEWLINE, RETURN, SPACE, TAB } from './bytes.js';

const POWERS = Array.from({ length: 23 }, (_, i) => 10 ** i);

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

/** The decimal starting at `start`, or NaN; sets `tokenEnd`. Clinger's fast path, else Number(). */
function decimalAt(bytes: Uint8Array, start: number, end: number): number {
  let p = start;
  let b = p < end ? bytes[p]! : NEWLINE;
  let negative = false;
  if (b === MINUS || b === PLUS) {
    negative = b === MINUS;
    b = ++p < end ? bytes[p]! : NEWLINE;
  }
  // The digits, dot ignored, go into two int32 halves of up to nine digits each (see the ids above).
  let head = 0;
  let headDigits = 0;
  let tail = 0;
  let tailDigits = 0;
  let leadingZeros = 0;
  let digits = 0;
  let scale = 0;
  for (let fraction = false; ; ) {
    if (b >= ZERO && b <= ZERO + 9) {
      const d = b - ZERO;
      if (headDigits < 9) {
        if (head === 0 && d === 0) leadingZeros++;
        head = (head * 10 + d) | 0;
        headDigits++;
      } else if (tailDigits < 9) {
        tail = (tail * 10 + d) | 0;
        tailDigits++;
      }
      digits++;
      if (fraction) scale--;
    } else if (b === DOT && !fraction) fraction = true;
    else break;
    b = ++p < end ? bytes[p]! : NEWLINE;
  }
  if (digits === 0) return NaN;
  if (b === LOWER_E || b === UPPER_E) {
    b = ++p < end ? bytes[p]! : NEWLINE;
    let expNegative = false;
    if (b === MINUS || b === PLUS) {
      expNegative = b === MINUS;
      b = ++p < end ? bytes[p]! : NEWLINE;
    }
    let exponent = 0;
    let expDigits = 0;
    while (b >= ZERO && b <= ZERO + 9) {
      exponent = exponent * 10 + (b - ZERO);
      expDigits++;
      b = ++p < end ? bytes[p]! : NEWLINE;
    }
    if (expDigits === 0) return NaN;
    scale += expNegative ? -exponent : exponent;
  }
  tokenEnd = p;
  if (digits === headDigits + tailDigits && digits - leadingZeros <= 15 && scale >= -22 && scale <= 22) {
    const mantissa = head * POWERS[tailDigits]! + tail;
    const value = scale >= 0 ? mantissa * POWERS[scale]! : mantissa / POWERS[-scale]!;
    return negative ? -value : value;
  }
  // Too many digits for one exact operation: let the engine round the text (still a number token).
  return Number(latin1Slice(bytes, start, p));
}
