/**
 * Byte-level scanning shared by the LDBC and delimited-text parsers. Parsing works on the bytes of a
 * file, never on a string per line: integers are accumulated digit by digit (switching to BigInt only
 * for an id beyond 2^53, so no digit is lost), and decimals of up to 19 significant digits become the
 * nearest double without a string (decimal.ts: Clinger's fast path, else Eisel–Lemire), falling back to
 * `Number()` on the token's text beyond. Every error names the file and the line.
 */
import { decimalToDouble } from './decimal.js';
import { GraphFormatError } from './errors.js';
import type { IdColumn } from './idColumns.js';
import { ZERO, NINE, MINUS, PLUS, DOT, LOWER_E, UPPER_E, NEWLINE, RETURN, SPACE, TAB } from './bytes.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const POWERS = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** An integer too large for a double but syntactically fine: parse it again as a BigInt. */
export const BIG_INTEGER = Infinity;

/** The integer in bytes[start..end): a safe integer, BIG_INTEGER, or NaN when it is not an integer. */
export function parseIntegerSpan(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (i < end && (bytes[i] === MINUS || bytes[i] === PLUS)) negative = bytes[i++] === MINUS;
  if (i === end) return NaN;
  let x = 0;
  for (; i < end; i++) {
    const d = bytes[i]! - ZERO;
    if (d < 0 || d > 9) return NaN;
    x = x * 10 + d;
  }
  if (x > MAX_SAFE) return BIG_INTEGER;
  return negative ? -x + 0 : x;
}

/** The decimal in bytes[start..end), or NaN when it is not one (no hex, no blanks, no 'Infinity'). */
export function parseDecimalSpan(bytes: Uint8Array, start: number, end: number): number {
  const value = scanDecimal(bytes, start, end);
  return scannedEnd === end ? value : NaN;
}

/** Where the last `scanDecimal` stopped (a module variable holding a small integer: no allocation). */
export let scannedEnd = 0;

/**
 * The decimal starting at `start`, read up to the first byte that cannot continue it (then at
 * `scannedEnd`), or NaN when there is no number there (no digits, an exponent without digits). Up to 19
 * significant digits become the nearest double here (decimal.ts); a longer token's text goes to Number().
 * One pass, locals only (see decimal.ts's `product`).
 */
export function scanDecimal(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (i < end && (bytes[i] === MINUS || bytes[i] === PLUS)) negative = bytes[i++] === MINUS;
  // The significant digits (leading zeros skipped) make w: the first 15 in `head` (exact in a double),
  // up to 4 more in `tail`; more send the text to Number().
  let head = 0;
  let tail = 0;
  let tailDigits = 0;
  let significant = 0;
  let digits = 0;
  let scale = 0;
  while (i < end && bytes[i] === ZERO) {
    i++;
    digits++;
  }
  for (; i < end; i++) {
    const d = bytes[i]! - ZERO;
    if (d < 0 || d > 9) break;
    digits++;
    if (++significant <= HEAD_DIGITS) head = head * 10 + d;
    else if (significant <= MAX_DIGITS) {
      tail = tail * 10 + d;
      tailDigits++;
    }
  }
  if (i < end && bytes[i] === DOT) {
    i++;
    if (significant === 0) {
      while (i < end && bytes[i] === ZERO) {
        i++;
        digits++;
        scale--;
      }
    }
    for (; i < end; i++) {
      const d = bytes[i]! - ZERO;
      if (d < 0 || d > 9) break;
      digits++;
      scale--;
      if (++significant <= HEAD_DIGITS) head = head * 10 + d;
      else if (significant <= MAX_DIGITS) {
        tail = tail * 10 + d;
        tailDigits++;
      }
    }
  }
  scannedEnd = i;
  if (digits === 0) return NaN;
  if (i < end && (bytes[i] === LOWER_E || bytes[i] === UPPER_E)) {
    i++;
    let expNegative = false;
    if (i < end && (bytes[i] === MINUS || bytes[i] === PLUS)) expNegative = bytes[i++] === MINUS;
    let exponent = 0;
    const first = i;
    for (; i < end; i++) {
      const d = bytes[i]! - ZERO;
      if (d < 0 || d > 9) break;
      // Capped: any exponent this large over- or underflows whatever the digits (and stays exact).
      if (exponent < 1e6) exponent = exponent * 10 + d;
    }
    scannedEnd = i;
    if (i === first) return NaN;
    scale += expNegative ? -exponent : exponent;
  }
  if (significant > MAX_DIGITS) return Number(latin1Slice(bytes, start, i));
  let value: number;
  if (tailDigits === 0) value = decimalToDouble(negative, Math.floor(head / TWO_32), head >>> 0, scale);
  else {
    // w = head * 10^k + tail as two uint32 halves: head's low half times 10^k stays below 2^46.
    const power = POWERS[tailDigits]!;
    const high = Math.floor(head / TWO_32);
    const low = (head - high * TWO_32) * power + tail;
    const carry = Math.floor(low / TWO_32);
    value = decimalToDouble(negative, high * power + carry, low - carry * TWO_32, scale);
  }
  return value === value ? value : Number(latin1Slice(bytes, start, i));
}

/** Significant digits decimalToDouble takes (w < 10^19 < 2^64); beyond, Number() reads the text. */
const MAX_DIGITS = 19;
/** Digits of w held in one double (exact below 2^53); the rest, up to MAX_DIGITS, apart. */
const HEAD_DIGITS = 15;
const TWO_32 = 2 ** 32;

const latin1Of = Buffer.prototype.latin1Slice;

/** The bytes as a one-byte-per-character string (Node's native slice; no per-byte JS work). */
export function latin1Slice(bytes: Uint8Array, start: number, end: number): string {
  return latin1Of.call(bytes, start, end);
}

const excerptDecoder = new TextDecoder();

/** A short excerpt of the bytes for an error message, decoded as UTF-8 (so 'α' is not shown as 'Î±'). */
export function excerpt(bytes: Uint8Array, start: number, end: number): string {
  return excerptDecoder.decode(bytes.subarray(start, Math.min(end, start + 60)));
}

/** The exact int64 in the text of an integer token, or undefined when it is outside int64. */
export function parseBigIntSpan(bytes: Uint8Array, start: number, end: number): bigint | undefined {
  const big = BigInt(latin1Slice(bytes, start, end));
  return big < INT64_MIN || big > INT64_MAX ? undefined : big;
}

/** Number of lines (a last line without newline counts). */
export function countLines(bytes: Uint8Array): number {
  let lines = 0;
  let at = bytes.indexOf(NEWLINE);
  while (at !== -1) {
    lines++;
    at = bytes.indexOf(NEWLINE, at + 1);
  }
  const last = bytes.length > 0 && bytes[bytes.length - 1] !== NEWLINE ? 1 : 0;
  return lines + last;
}

/** Grows a column of integer ids, switching to BigInt64Array at the first id beyond 2^53. */
export class IntegerIdsBuilder {
  #numbers: Float64Array;
  #bigints: BigInt64Array | undefined;
  length = 0;

  constructor(capacity: number) {
    this.#numbers = new Float64Array(Math.max(16, capacity));
  }

  push(x: number): void {
    if (this.#bigints) {
      this.pushBig(BigInt(x));
      return;
    }
    if (this.length === this.#numbers.length) {
      const grown = new Float64Array(2 * this.length);
      grown.set(this.#numbers);
      this.#numbers = grown;
    }
    this.#numbers[this.length++] = x;
  }

  pushBig(x: bigint): void {
    if (!this.#bigints) {
      this.#bigints = new BigInt64Array(Math.max(this.#numbers.length, 16));
      for (let i = 0; i < this.length; i++) this.#bigints[i] = BigInt(this.#numbers[i]!);
    }
    if (this.length === this.#bigints.length) {
      const grown = new BigInt64Array(2 * this.length);
      grown.set(this.#bigints);
      this.#bigints = grown;
    }
    this.#bigints[this.length++] = x;
  }

  finish(): IdColumn {
    if (this.#bigints) return { kind: 'bigint', values: this.#bigints.slice(0, this.length) };
    return { kind: 'number', values: this.#numbers.slice(0, this.length) };
  }
}

/** A cursor over the bytes of one file that knows its line number for error messages. */
export class Scanner {
  readonly bytes: Uint8Array;
  readonly file: string;
  pos = 0;
  line = 1;

  constructor(bytes: Uint8Array, file: string) {
    this.bytes = bytes;
    this.file = file;
  }

  error(problem: string, column?: string): GraphFormatError {
    return new GraphFormatError({ file: this.file, line: this.line }, problem, column);
  }

  atEnd(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** Skips empty and blank lines (spaces, tabs, carriage returns only). */
  skipBlankLines(): void {
    const { bytes } = this;
    let p = this.pos;
    let lineStart = p;
    while (p < bytes.length) {
      const b = bytes[p]!;
      if (b === NEWLINE) {
        this.line++;
        lineStart = p + 1;
      } else if (b !== SPACE && b !== TAB && b !== RETURN) break;
      p++;
    }
    this.pos = p < bytes.length ? lineStart : p;
  }

  skipSpaces(): void {
    const { bytes } = this;
    let p = this.pos;
    while (p < bytes.length && (bytes[p] === SPACE || bytes[p] === TAB)) p++;
    this.pos = p;
  }

  /** End of the current token: the next space, tab, carriage return or newline. */
  tokenEnd(): number {
    const { bytes } = this;
    let p = this.pos;
    while (p < bytes.length) {
      const b = bytes[p]!;
      if (b === SPACE || b === TAB || b === NEWLINE || b === RETURN) break;
      p++;
    }
    return p;
  }

  /** Parses a space-separated integer id into `ids`; `what` names it in errors ('source vertex'). */
  integerId(ids: IntegerIdsBuilder, what: string): void {
    this.skipSpaces();
    const start = this.pos;
    const end = this.tokenEnd();
    if (end === start) throw this.error(`missing ${what}`);
    const x = parseIntegerSpan(this.bytes, start, end);
    if (x === BIG_INTEGER) {
      const big = parseBigIntSpan(this.bytes, start, end);
      if (big === undefined) throw this.error(`${what} ${excerpt(this.bytes, start, end)} is outside the int64 range`);
      ids.pushBig(big);
    } else if (Number.isNaN(x)) {
      throw this.error(`${what} '${excerpt(this.bytes, start, end)}' is not an integer`);
    } else ids.push(x);
    this.pos = end;
  }

  /** Parses a space-separated decimal; `column` names it in errors. */
  decimal(column: string): number {
    this.skipSpaces();
    const start = this.pos;
    const end = this.tokenEnd();
    if (end === start) throw this.error(`missing ${column} column`, column);
    const x = parseDecimalSpan(this.bytes, start, end);
    if (Number.isNaN(x)) {
      throw this.error(`${column} '${excerpt(this.bytes, start, end)}' is not a number`, column);
    }
    this.pos = end;
    return x;
  }

  /** True when only blanks remain on the line. */
  lineEnds(): boolean {
    this.skipSpaces();
    const b = this.bytes[this.pos];
    return b === undefined || b === NEWLINE || (b === RETURN && (this.bytes[this.pos + 1] ?? NEWLINE) === NEWLINE);
  }

  /** Consumes the rest of the line, which must be blank. */
  endLine(what: string): void {
    if (!this.lineEnds()) {
      throw this.error(`unexpected '${excerpt(this.bytes, this.pos, this.tokenEnd())}' after the ${what}`);
    }
    if (this.bytes[this.pos] === RETURN) this.pos++;
    if (this.pos < this.bytes.length) {
      this.pos++;
      this.line++;
    }
  }
}

/** The 1-based line of the `record`-th non-blank line (0-based), for errors found after parsing. */
export function lineOfRecord(bytes: Uint8Array, record: number): number {
  const scanner = new Scanner(bytes, '');
  let seen = 0;
  for (;;) {
    scanner.skipBlankLines();
    if (scanner.atEnd()) return scanner.line;
    if (seen === record) return scanner.line;
    seen++;
    const next = bytes.indexOf(NEWLINE, scanner.pos);
    if (next === -1) return scanner.line;
    scanner.pos = next + 1;
    scanner.line++;
  }
}
