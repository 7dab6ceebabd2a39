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
  // Counted exactly: bounding the records by the bytes instead (a record takes at least ~6) saved this
  // pass (0.3 s of a worker's 2.2 s on the s20 file) but left shared arrays five times too big, and the
  // first WCC after the load took 2.7-2.9 s instead of 1.1-1.8 s (V8 counts their whole size).
  let capacity = 1;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) capacity++;
  const src = sharedInt32(capacity);
  const dst = sharedInt32(capacity);
  const weights = weightAt >= 0 ? sharedFloat64(capacity) : undefined;
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
    // Never reached (every record ends a line or the input); were it wrong, the careful parser would read the range.
    if (count === capacity) return undefined;
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
    src: { kind: 'number', values: src.subarray(0, count) },
    dst: { kind: 'number', values: dst.subarray(0, count) },
    weights: weights?.subarray(0, count),
  };
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
