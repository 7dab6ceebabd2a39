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
import { latin1Slice, parseDecimalSpan } from './scan.js';
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
    if (c.kind === 'string') return c;
    const out = c.kind === 'bigint' ? new BigInt64Array(new SharedArrayBuffer(8 * c.values.length)) : sharedFloat64(c.values.length);
    (out as Float64Array).set(c.values as Float64Array);
    return { kind: c.kind, values: out } as IdColumn;
  };
  const weights = parsed.weights ? sharedFloat64(parsed.weights.length) : undefined;
  weights?.set(parsed.weights!);
  return { src: share(parsed.src), dst: share(parsed.dst), weights };
}

/**
 * The fast path, or undefined when a line is not of the simple form. A weight of more than 15
 * significant digits (the exact fast path's limit) is read by `Number` on the text of the range, which
 * is decoded once (a substring is a view, not a copy).
 */
function fastEdgeLines(bytes: Uint8Array, options: EdgeLineOptions): EdgeColumns | undefined {
  const delimiter = (options.delimiter ?? ',').charCodeAt(0);
  if (delimiter === QUOTE) return undefined;
  const comment = options.comment ? new TextEncoder().encode(options.comment) : undefined;
  const { src: srcAt, dst: dstAt } = options;
  const weightAt = options.weight ?? -1;
  const lastField = Math.max(srcAt, dstAt, weightAt);
  let capacity = 1;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) capacity++;
  const src = sharedInt32(capacity);
  const dst = sharedInt32(capacity);
  const weights = weightAt >= 0 ? sharedFloat64(capacity) : undefined;
  let text: string | undefined;
  const end = bytes.length;
  let count = 0;
  let p = 0;
  if (options.header ?? true) {
    // The careful parser takes the first non-blank, non-comment line as the header: leave such files to it.
    const first = bytes.indexOf(NEWLINE);
    if (first === 0 || (first === 1 && bytes[0] === RETURN) || (comment && startsWith(bytes, 0, end, comment))) return undefined;
    p = first === -1 ? end : first + 1;
  }
  while (p < end) {
    let lineEnd = bytes.indexOf(NEWLINE, p);
    if (lineEnd === -1) lineEnd = end;
    const next = lineEnd + 1;
    const stop = lineEnd > p && bytes[lineEnd - 1] === RETURN ? lineEnd - 1 : lineEnd;
    if (stop === p || (comment && startsWith(bytes, p, stop, comment))) {
      p = next;
      continue;
    }
    let field = 0;
    let s = -1;
    let d = -1;
    while (field <= lastField) {
      if (p > stop) return undefined;
      let fieldEnd = p;
      while (fieldEnd < stop && bytes[fieldEnd] !== delimiter) fieldEnd++;
      if (field === srcAt || field === dstAt) {
        const x = int32At(bytes, p, fieldEnd);
        if (x === undefined) return undefined;
        if (field === srcAt) s = x;
        else d = x;
      } else if (field === weightAt) {
        // Beyond 15 significant digits parseDecimalSpan reads the token's text with Number: one decoded
        // text of the range serves every such token (17-digit weights are what JS writes).
        text ??= latin1Slice(bytes, 0, bytes.length);
        const w = parseDecimalSpan(bytes, p, fieldEnd, text);
        if (Number.isNaN(w)) return undefined;
        weights![count] = w;
      } else {
        for (let q = p; q < fieldEnd; q++) if (bytes[q] === QUOTE) return undefined;
      }
      p = fieldEnd + 1;
      field++;
    }
    src[count] = s;
    dst[count] = d;
    count++;
    p = next;
  }
  return {
    src: { kind: 'number', values: src.subarray(0, count) },
    dst: { kind: 'number', values: dst.subarray(0, count) },
    weights: weights?.subarray(0, count),
  };
}

function startsWith(bytes: Uint8Array, start: number, stop: number, prefix: Uint8Array): boolean {
  if (stop - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[start + i] !== prefix[i]) return false;
  return true;
}

/** The int32 in bytes[start..end) (an optional minus, then digits), or undefined. */
function int32At(bytes: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  const negative = i < end && bytes[i] === MINUS;
  if (negative) i++;
  if (i === end || end - i > 10) return undefined;
  let x = 0;
  for (; i < end; i++) {
    const digit = bytes[i]! - ZERO;
    if (digit < 0 || digit > 9) return undefined;
    x = x * 10 + digit;
  }
  if (x > INT32_MAX) return undefined;
  return negative ? -x | 0 : x;
}
