/**
 * Delimited edge lines into shared columns, for one byte range of a file (the file is parsed range by
 * range on the workers, then the ranges' columns are the edge tables of the graph). The fast path reads
 * the common case in one loop over the bytes — integer ids that fit an int32, a decimal weight, one
 * delimiter between fields, LF or CRLF line ends, comment lines — straight into shared Int32 and Float64
 * arrays. Anything else (quotes, string or huge ids, a malformed line) makes it give up, and the
 * careful parser of delimited.ts reads the range again and reports exactly what is wrong on which line.
 */
import { parseDelimitedEdges, type DelimitedEdgeOptions } from './delimited.js';
import { MINUS, NEWLINE, RETURN, ZERO } from './bytes.js';
import type { IdColumn } from './idColumns.js';
import { scanDecimal, scannedEnd } from './scan.js';
import { sharedFloat64, sharedInt32 } from './shared.js';

export interface EdgeColumns {
  readonly src: IdColumn;
  readonly dst: IdColumn;
  readonly weights: Float64Array | undefined;
}

export interface EdgeLineOptions extends DelimitedEdgeOptions {
  readonly src: number;
  readonly dst: number;
  readonly weight?: number;
}

const QUOTE = 34;
const INT32_MAX = 2 ** 31 - 1;

/** The edges of `bytes` (whole lines), every array shared. */
export function parseEdgeLines(bytes: Uint8Array, options: EdgeLineOptions): EdgeColumns {
  const fast = (options.idType ?? 'auto') !== 'string' ? fastEdgeLines(bytes, options) : undefined;
  return fast ?? shareColumns(parseDelimitedEdges(bytes, options));
}

function shareColumns(parsed: EdgeColumns): EdgeColumns {
  const share = (c: IdColumn): IdColumn => {
    if (c.kind === 'string' || c.kind === 'coded') return c;
    const out = c.kind === 'bigint' ? new BigInt64Array(new SharedArrayBuffer(8 * c.values.length)) : sharedFloat64(c.values.length);
    (out as Float64Array).set(c.values as Float64Array);
    return { kind: c.kind, values: out } as IdColumn;
  };
  const weights = parsed.weights ? sharedFloat64(parsed.weights.length) : undefined;
  weights?.set(parsed.weights!);
  return { src: share(parsed.src), dst: share(parsed.dst), weights };
}

/**
 * The fast path, or undefined when a line is not of the simple form. One pass over the bytes: digits
 * accumulate as they are met, and a field's end is found by the same loop (no search per line or field).
 */
function fastEdgeLines(bytes: Uint8Array, options: EdgeLineOptions): EdgeColumns | undefined {
  const delimiter = (options.delimiter ?? ',').charCodeAt(0);
  if (delimiter === QUOTE || delimiter === RETURN || delimiter === NEWLINE) return undefined;
  const comment = options.comment ? new TextEncoder().encode(options.comment) : undefined;
  const { src: srcAt, dst: dstAt } = options;
  const weightAt = options.weight ?? -1;
  const lastField = Math.max(srcAt, dstAt, weightAt);
  // Sized from an estimate, not a count: a counting pass cost ~40 of a 32 MiB range's ~210 ms. Bounding by
  // the bytes instead (a record takes at least ~6) left shared arrays five times too big, and the first WCC
  // after the load took 2.7-2.9 s instead of 1.1-1.8 s (V8 counts their whole size): so the estimate is
  // close, grows when a range has more records, and `fitted` trims what it overshot.
  let capacity = estimateRecords(bytes);
  let src = sharedInt32(capacity);
  let dst = sharedInt32(capacity);
  let weights = weightAt >= 0 ? sharedFloat64(capacity) : undefined;
  const end = bytes.length;
  /** Where the field starting at q ends: a delimiter, a line end (LF, or CR before LF or the end), or the end. */
  const fieldEnd = (q: number): number => {
    while (q < end) {
      const b = bytes[q]!;
      if (b === delimiter || b === NEWLINE || (b === RETURN && (q + 1 === end || bytes[q + 1] === NEWLINE))) return q;
      if (b === QUOTE) return -1;
      q++;
    }
    return end;
  };
  let count = 0;
  let p = 0;
  if (options.header ?? true) {
    // The careful parser takes the first non-blank, non-comment line as the header: leave such files to it.
    const first = bytes.indexOf(NEWLINE);
    if (first === 0 || (first === 1 && bytes[0] === RETURN) || (comment && startsWith(bytes, 0, end, comment))) return undefined;
    p = first === -1 ? end : first + 1;
  }
  while (p < end) {
    const b = bytes[p]!;
    if (b === NEWLINE || (b === RETURN && (p + 1 === end || bytes[p + 1] === NEWLINE))) {
      p += b === NEWLINE ? 1 : 2;
      continue;
    }
    if (comment && startsWith(bytes, p, end, comment)) {
      const next = bytes.indexOf(NEWLINE, p);
      p = next === -1 ? end : next + 1;
      continue;
    }
    if (count === capacity) {
      capacity = Math.ceil(capacity * 1.25) + 1024;
      src = grown(src, capacity, sharedInt32);
      dst = grown(dst, capacity, sharedInt32);
      weights = weights && grown(weights, capacity, sharedFloat64);
    }
    let s = 0;
    let d = 0;
    for (let field = 0; ; field++) {
      let q = p;
      if (field === srcAt || field === dstAt) {
        const negative = bytes[q] === MINUS;
        if (negative) q++;
        let x = 0;
        const first = q;
        for (; q < end; q++) {
          const digit = bytes[q]! - ZERO;
          if (digit < 0 || digit > 9) break;
          x = x * 10 + digit;
        }
        if (q === first || q - first > 10 || x > INT32_MAX) return undefined;
        if (negative) x = -x | 0;
        if (field === srcAt) s = x;
        else d = x;
        if (fieldEnd(q) !== q) return undefined;
      } else if (field === weightAt) {
        // Read where it stands (no search for the field's end first), then it must end the field.
        const w = scanDecimal(bytes, p, end);
        q = scannedEnd;
        if (w !== w || fieldEnd(q) !== q) return undefined;
        weights![count] = w;
      } else {
        q = fieldEnd(p);
        if (q < 0) return undefined;
      }
      // q is at the field's delimiter or at its line's end.
      const lineEnds = q === end || bytes[q] !== delimiter;
      if (field === lastField) {
        if (!lineEnds) {
          const rest = fieldEndOfLine(bytes, q, end);
          if (rest < 0) return undefined;
          q = rest;
        }
        p = q === end ? end : bytes[q] === RETURN ? q + 2 : q + 1;
        break;
      }
      if (lineEnds) return undefined;
      p = q + 1;
    }
    src[count] = s;
    dst[count] = d;
    count++;
  }
  return {
    src: { kind: 'number', values: fitted(src, count, sharedInt32) },
    dst: { kind: 'number', values: fitted(dst, count, sharedInt32) },
    weights: weights && fitted(weights, count, sharedFloat64),
  };
}

/** Windows sampled by `estimateRecords`, and their bytes: ~0.3 ms of searching for a 32 MiB range. */
const SAMPLES = 16;
const SAMPLE_BYTES = 1 << 15;

/**
 * The records in `bytes`, counted when it is small, else estimated from the newlines of SAMPLES windows
 * spread over it (so a file whose lines lengthen as it goes is sampled along its length), plus 3%.
 */
function estimateRecords(bytes: Uint8Array): number {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const newlines = (from: number, to: number): number => {
    let n = 0;
    for (let at = text.indexOf(NEWLINE, from); at !== -1 && at < to; at = text.indexOf(NEWLINE, at + 1)) n++;
    return n;
  };
  if (bytes.length <= SAMPLES * SAMPLE_BYTES * 2) return newlines(0, bytes.length) + 1;
  const stride = Math.floor((bytes.length - SAMPLE_BYTES) / (SAMPLES - 1));
  let seen = 0;
  for (let k = 0; k < SAMPLES; k++) seen += newlines(k * stride, k * stride + SAMPLE_BYTES);
  return Math.ceil(((seen + 1) / (SAMPLES * SAMPLE_BYTES)) * bytes.length * 1.03) + 64;
}

type Alloc<T> = (length: number) => T;

/** `a` copied into a fresh array of `length` (a range with more records than estimated). */
function grown<T extends Int32Array | Float64Array>(a: T, length: number, alloc: Alloc<T>): T {
  const b = alloc(length);
  b.set(a);
  return b;
}

/** The first `count` of `a`: a view when the estimate was close, else an exact copy (see the estimate). */
function fitted<T extends Int32Array | Float64Array>(a: T, count: number, alloc: Alloc<T>): T {
  if (a.length <= count * 1.1 + 1024) return a.subarray(0, count) as T;
  const b = alloc(count);
  b.set(a.subarray(0, count));
  return b;
}

/** The end of the line from q (its LF, or the CR before it), or -1 when the rest holds a quote. */
function fieldEndOfLine(bytes: Uint8Array, q: number, end: number): number {
  for (; q < end; q++) {
    const b = bytes[q]!;
    if (b === QUOTE) return -1;
    if (b === NEWLINE) return q > 0 && bytes[q - 1] === RETURN ? q - 1 : q;
  }
  return end > 0 && bytes[end - 1] === RETURN ? end - 1 : end;
}

function startsWith(bytes: Uint8Array, start: number, stop: number, prefix: Uint8Array): boolean {
  if (stop - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[start + i] !== prefix[i]) return false;
  return true;
}
