/**
 * What `readCsv` learns at build time, on the main thread, from a few samples of the file: the header,
 * where the data starts, and each column's dtype. Samples are small (64 KiB from the start, the middle
 * and the end of the file) and parsed as text here — the byte parser of the workers lives in kernels/,
 * which ops may not call. The start sample begins at a record boundary and is parsed strictly (a bad
 * line there fails at the user's line); the middle and end samples start at an unknown quote state, so
 * they are used only when they parse cleanly with the header's width.
 *
 * Inference over a column's sampled values (nulls — '' and `nullValues` — left out): bool if all are
 * true/false, int32 if all are integers in int32 range, float64 if all are numbers, else string; a
 * column with no values is string. A sample can miss a later value (a 1.5 in an int32 column, text in a
 * number column); the workers then fail with the file, line and column and say which dtype to pass.
 */
import { closeSync, openSync } from 'node:fs';
import { FileFormatError } from '../../base/errors.js';
import type { FrameDtype } from '../../base/frame.js';
import { readAt } from '../../base/fileRange.js';

export const SAMPLE_BYTES = 1 << 16;
const MAX_HEADER_BYTES = 1 << 24;
const QUOTE = 34;
const NL = 10;

export interface CsvSample {
  /** The header's fields (or `column0..` without a header); empty for an empty file. */
  readonly names: readonly string[];
  /** Byte where the data records start (after a BOM and the header line). */
  readonly dataStart: number;
  /** Inferred dtype per file column. */
  readonly dtypes: readonly FrameDtype[];
  /** Average bytes per record in the samples (sizes the workers' column buffers). */
  readonly lineBytes: number;
}

/**
 * Splits text into records of fields (RFC 4180); `lines` gets each record's 1-based line in the text.
 * Throws a SampleError with the line on bad quoting.
 */
export function splitRecords(text: string, delimiter: string, lines: number[] = []): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let i = 0;
  const n = text.length;
  let line = 1;
  let counted = 0;
  const lineAt = (at: number): number => {
    for (; counted < at; counted++) if (text.charCodeAt(counted) === 10) line++;
    return line;
  };
  while (i < n) {
    if (fields.length === 0) lines[records.length] = lineAt(i);
    if (fields.length === 0 && (text[i] === '\n' || (text[i] === '\r' && (i + 1 === n || text[i + 1] === '\n')))) {
      i += text[i] === '\r' ? 2 : 1;
      continue;
    }
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new SampleError(lines[records.length]!, 'a quoted field is not closed');
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < n && text[i] !== delimiter && text[i] !== '\n' && !(text[i] === '\r' && (i + 1 === n || text[i + 1] === '\n'))) {
        throw new SampleError(lines[records.length]!, 'text after a closing quote');
      }
    } else {
      let j = i;
      while (j < n && text[j] !== delimiter && text[j] !== '\n') j++;
      value = text.slice(i, j);
      if (value.includes('"')) throw new SampleError(lines[records.length]!, 'a quote inside an unquoted field');
      if (value.endsWith('\r') && (j === n || text[j] === '\n')) value = value.slice(0, -1);
      i = j;
    }
    if (text[i] === '\r') i++;
    fields.push(value);
    if (i < n && text[i] === delimiter) {
      i++;
      if (i === n) fields.push('');
      continue;
    }
    records.push(fields);
    fields = [];
    i++;
  }
  if (fields.length > 0) records.push(fields);
  return records;
}

class SampleError extends Error {
  constructor(readonly line: number, problem: string) {
    super(problem);
  }
}

/** Index just past the first newline outside quotes in bytes[from..), or -1. */
function recordEnd(bytes: Uint8Array, from: number, inQuotes = 0): number {
  for (let k = from; k < bytes.length; k++) {
    const b = bytes[k]!;
    if (b === QUOTE) inQuotes ^= 1;
    else if (b === NL && inQuotes === 0) return k + 1;
  }
  return -1;
}

/** Index just past the last newline outside quotes in bytes (which start at a record), or 0. */
function lastRecordEnd(bytes: Uint8Array): number {
  let inQuotes = 0;
  let last = 0;
  for (let k = 0; k < bytes.length; k++) {
    const b = bytes[k]!;
    if (b === QUOTE) inQuotes ^= 1;
    else if (b === NL && inQuotes === 0) last = k + 1;
  }
  return last;
}

const decoder = new TextDecoder();
const INT = /^[-+]?\d+$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(nan|inf|infinity)$/i;
const BOOL = /^(true|false)$/i;

/** The dtype the values call for (see the file header). */
export function inferDtype(values: readonly string[]): FrameDtype {
  if (values.length === 0) return 'string';
  if (values.every((v) => BOOL.test(v))) return 'bool';
  if (values.every((v) => INT.test(v) && Math.abs(Number(v)) <= 2147483647 + (v.startsWith('-') ? 1 : 0))) return 'int32';
  if (values.every((v) => NUMBER.test(v))) return 'float64';
  return 'string';
}

export function sampleCsv(path: string, size: number, delimiter: string, header: boolean, nullValues: readonly string[]): CsvSample {
  const fd = openSync(path, 'r');
  try {
    let head = readAt(fd, 0, Math.min(size, SAMPLE_BYTES));
    const bom = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    // The first record must be whole: read on (up to 16 MiB) until it ends.
    let firstEnd = recordEnd(head, bom);
    while (firstEnd < 0 && head.length < size && head.length < MAX_HEADER_BYTES) {
      head = readAt(fd, 0, Math.min(size, 2 * head.length));
      firstEnd = recordEnd(head, bom);
    }
    if (firstEnd < 0 && head.length < size) {
      throw new FileFormatError(path, 1, `the first line is longer than ${MAX_HEADER_BYTES} bytes; is the delimiter right?`);
    }
    if (firstEnd < 0) firstEnd = head.length;
    const cut = head.length === size ? head.length : Math.max(firstEnd, lastRecordEnd(head.subarray(0, head.length)));
    let records: string[][];
    const lines: number[] = [];
    try {
      records = splitRecords(decoder.decode(head.subarray(bom, cut)), delimiter, lines);
    } catch (e) {
      if (!(e instanceof SampleError)) throw e;
      throw new FileFormatError(path, e.line, e.message);
    }
    let names: string[];
    let dataStart = bom;
    if (header) {
      names = records.length === 0 ? [] : records.shift()!;
      dataStart = firstEnd;
    } else names = records.length === 0 ? [] : records[0]!.map((_, i) => `column${i}`);
    const width = names.length;
    records.forEach((r, k) => {
      if (r.length !== width) {
        const line = lines[k + (header ? 1 : 0)]!;
        throw new FileFormatError(path, line, `the line has ${r.length} field${r.length === 1 ? '' : 's'} where the ${header ? 'header' : 'first line'} has ${width}`);
      }
    });
    let sampledBytes = cut - dataStart;
    let sampledRecords = records.length;
    for (const at of size > 3 * SAMPLE_BYTES ? [Math.floor(size / 2), size - SAMPLE_BYTES] : []) {
      const bytes = readAt(fd, at, SAMPLE_BYTES);
      const from = bytes.indexOf(NL) + 1;
      const to = at + bytes.length === size ? bytes.length : lastRecordEnd(bytes.subarray(from)) + from;
      if (from <= 0 || to <= from) continue;
      try {
        const more = splitRecords(decoder.decode(bytes.subarray(from, to)), delimiter);
        if (more.every((r) => r.length === width)) {
          records = records.concat(more);
          sampledBytes += to - from;
          sampledRecords += more.length;
        }
      } catch (e) {
        if (!(e instanceof SampleError)) throw e;
      }
    }
    const nulls = new Set(['', ...nullValues]);
    const dtypes = names.map((_, j) => inferDtype(records.map((r) => r[j]!).filter((v) => !nulls.has(v))));
    return { names, dataStart, dtypes, lineBytes: sampledRecords > 0 ? sampledBytes / sampledRecords : 64 };
  } finally {
    closeSync(fd);
  }
}
