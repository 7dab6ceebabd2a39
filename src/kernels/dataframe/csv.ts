/**
 * CSV byte-range chunks, read and parsed on the worker that runs them: a chunk reads only its own range
 * of the file (plus the end of its last line), never the whole file.
 *
 * Which range owns which line: a range owns the records that *start* in it. A newline ends a record
 * only outside quotes, and whether a byte is inside quotes depends on every quote before it, so
 * the op tiles in two stages: `frame.csv_quotes` counts the quotes of each range (a memchr pass, no
 * parsing) and the parse chunk of range i takes the counts of ranges 0..i-1 as inputs, which gives the
 * quote parity at its first byte exactly. (RFC 4180 quoting keeps parity meaningful: `""` is two
 * quotes, and a quote anywhere but around a field is an error in csvParse.ts.) The ranges counted are
 * shifted one byte back, [b_i - 1, b_(i+1) - 1), so the parity is known at the byte before the range's
 * start — the newline that may end the previous record.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { FileFormatError } from '../../base/errors.js';
import { type FrameChunk } from '../../base/frame.js';
import { registerKernel } from '../registry.js';
import { CsvParser, type CsvLayout } from './csvParse.js';
import { readInto } from '../../base/fileRange.js';

export interface CsvFileRef {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface CsvQuotesParams {
  readonly file: CsvFileRef;
  /** The byte range counted: [lo, hi). */
  readonly lo: number;
  readonly hi: number;
}

export interface CsvChunkParams {
  readonly file: CsvFileRef;
  readonly layout: CsvLayout;
  /** The first data byte of the file (after a BOM and the header). */
  readonly dataStart: number;
  /** The range whose records this chunk owns: [begin, end). */
  readonly begin: number;
  readonly end: number;
  /** Bytes per record in the build-time sample (sizes the column buffers). */
  readonly lineBytes: number;
}

const QUOTE = 34;
const NL = 10;
const BLOCK = 1 << 20;

export function openChecked(file: CsvFileRef): number {
  let fd: number;
  try {
    fd = openSync(file.path, 'r');
  } catch (e) {
    throw new FileFormatError(file.path, 0, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  const st = fstatSync(fd);
  if (st.size !== file.size || st.mtimeMs !== file.mtimeMs) {
    closeSync(fd);
    throw new FileFormatError(file.path, 0, `the file changed after the dataframe was built (${file.size} bytes then, ${st.size} now); build it again.`);
  }
  return fd;
}

function readFully(fd: number, into: Uint8Array, at: number, length: number, position: number): void {
  const done = readInto(fd, into, at, length, position);
  if (done < length) throw new Error(`unexpected end of file at byte ${position + done}`);
}

/** Quotes in bytes[from..to) (Buffer.indexOf is memchr). */
function countQuotes(bytes: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = bytes.indexOf(QUOTE, from); i !== -1 && i < to; i = bytes.indexOf(QUOTE, i + 1)) n++;
  return n;
}

registerKernel('frame.csv_quotes', (_inputs, p: CsvQuotesParams): number => {
  const fd = openChecked(p.file);
  try {
    const block = Buffer.allocUnsafe(Math.min(BLOCK, Math.max(1, p.hi - p.lo)));
    let parity = 0;
    for (let at = p.lo; at < p.hi; at += block.length) {
      const n = Math.min(block.length, p.hi - at);
      readFully(fd, block, 0, n, at);
      parity ^= countQuotes(block, 0, n) & 1;
    }
    return parity;
  } finally {
    closeSync(fd);
  }
});

/** Newlines in the file before byte `end` (error messages only). */
function linesBefore(fd: number, end: number): number {
  const block = Buffer.allocUnsafe(BLOCK);
  let lines = 0;
  for (let at = 0; at < end; at += BLOCK) {
    const n = Math.min(BLOCK, end - at);
    readFully(fd, block, 0, n, at);
    for (let i = block.indexOf(NL); i !== -1 && i < n; i = block.indexOf(NL, i + 1)) lines++;
  }
  return lines;
}

/**
 * The bytes [lo, stop) where stop is the first record start at or after `hi` (a newline at even quote
 * parity), reading past `hi` in blocks; `parity` is the quote parity at `hi`.
 */
function readThroughRecord(fd: number, lo: number, hi: number, parity: number, size: number, head: Buffer): Buffer {
  let buf = head;
  let used = hi - lo;
  let inQuotes = parity;
  for (let at = hi; at < size; ) {
    const n = Math.min(1 << 16, size - at);
    if (used + n > buf.length) {
      const next = Buffer.allocUnsafe(Math.max(2 * buf.length, used + n));
      buf.copy(next, 0, 0, used);
      buf = next;
    }
    readFully(fd, buf, used, n, at);
    for (let k = used; k < used + n; k++) {
      const b = buf[k]!;
      if (b === QUOTE) inQuotes ^= 1;
      else if (b === NL && inQuotes === 0) return buf.subarray(0, k + 1);
    }
    used += n;
    at += n;
  }
  return buf.subarray(0, used);
}

function readChunk(fd: number, p: CsvChunkParams, parityBefore: number): FrameChunk {
  const { size } = p.file;
  const first = p.begin === p.dataStart;
  // Counted from one byte back (see the header), so the newline before `begin` is seen.
  const lo = first ? p.begin : p.begin - 1;
  const hi = p.end >= size ? size : p.end - 1;
  const head = Buffer.allocUnsafe(Math.max(1, hi - lo + (1 << 16)));
  readFully(fd, head, 0, hi - lo, lo);
  // The first record start in [begin, end): right after a newline at even parity in [lo, hi).
  let start = 0;
  let inQuotes = parityBefore;
  if (!first) {
    start = -1;
    for (let k = 0; k < hi - lo; k++) {
      const b = head[k]!;
      if (b === QUOTE) inQuotes ^= 1;
      else if (b === NL && inQuotes === 0) {
        start = k + 1;
        inQuotes ^= countQuotes(head, start, hi - lo) & 1;
        break;
      }
    }
  } else inQuotes ^= countQuotes(head, 0, hi - lo) & 1;
  const parser = new CsvParser(p.layout);
  if (start < 0) return parser.parse(head.subarray(0, 0), 0, 0, 0, () => 0);
  // A plain Uint8Array view: the parser's loads then see one map (not Buffer's and Uint8Array's).
  const buf = readThroughRecord(fd, lo, hi, inQuotes, size, head);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  const rowsHint = Math.ceil(((bytes.length - start) / Math.max(1, p.lineBytes)) * 1.1) + 16;
  return parser.parse(bytes, start, bytes.length, rowsHint, (pos) => {
    let n = linesBefore(fd, lo) + 1;
    for (let i = bytes.indexOf(NL); i !== -1 && i < pos; i = bytes.indexOf(NL, i + 1)) n++;
    return n;
  });
}

registerKernel('frame.read_csv', (inputs, p: CsvChunkParams): FrameChunk => {
  let parity = 0;
  for (const q of inputs) parity ^= (q as number) & 1;
  const fd = openChecked(p.file);
  try {
    return readChunk(fd, p, parity);
  } finally {
    closeSync(fd);
  }
});
