/**
 * CSV byte-range chunks, read and parsed on the worker that runs them: a chunk reads only its own range
 * of the file (plus the end of its last line), never the whole file, and that in blocks of at most
 * BLOCK_BYTES through one reused buffer per thread, each block cut at a record end and fed to the parser
 * (CsvParser.begin/feed/end), so a worker holds a block of the file, not its whole range.
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

/** The thread's block for counting passes (quotes, lines), reused: fresh memory is slow to touch here. */
let countBlock: Buffer | null = null;
function blockBuffer(): Buffer {
  countBlock ??= Buffer.allocUnsafeSlow(BLOCK);
  return countBlock;
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
    const block = blockBuffer();
    let parity = 0;
    for (let at = p.lo; at < p.hi; at += BLOCK) {
      const n = Math.min(BLOCK, p.hi - at);
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
  const block = blockBuffer();
  let lines = 0;
  for (let at = 0; at < end; at += BLOCK) {
    const n = Math.min(BLOCK, end - at);
    readFully(fd, block, 0, n, at);
    for (let i = block.indexOf(NL); i !== -1 && i < n; i = block.indexOf(NL, i + 1)) lines++;
  }
  return lines;
}

/**
 * A window onto the file, read block by block into one buffer per thread (a worker parses range after
 * range, so the buffer is reused rather than allocated per chunk): a range's bytes are never held
 * whole, only a block of them (more only while one record is longer than that). The block is
 * BLOCK_BYTES, or the range's length when that is smaller, so a small range reads little past its end.
 */
const BLOCK_BYTES = 4 << 20;
let spareWindow: Uint8Array | null = null;

const asBuffer = (a: Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.length);

class FileWindow {
  buf: Uint8Array;
  /**
   * The same bytes as a Buffer, for searching: Buffer's indexOf is memchr, a Uint8Array's a byte loop
   * (~20x slower here, and every block is searched for a quote and a newline).
   */
  text: Buffer;
  /** Bytes the window holds at most (the block; doubled while one record does not fit). */
  #cap: number;
  /** File position of buf[0]. */
  pos = 0;
  /** Valid bytes in buf. */
  n = 0;

  constructor(readonly fd: number, readonly size: number, block: number) {
    this.#cap = Math.max(1, Math.min(BLOCK_BYTES, block));
    const spare = spareWindow;
    this.buf = spare !== null && spare.length >= this.#cap ? spare : new Uint8Array(this.#cap);
    this.text = asBuffer(this.buf);
    spareWindow = null;
  }

  /** Whether the window reaches the end of the file. */
  get atEnd(): boolean {
    return this.pos + this.n >= this.size;
  }

  load(at: number): void {
    this.pos = at;
    this.n = 0;
    this.#fill();
  }

  /** Drops the first `k` bytes and reads on to fill the window. */
  advance(k: number): void {
    this.buf.copyWithin(0, k, this.n);
    this.pos += k;
    this.n -= k;
    this.#fill();
  }

  /** Doubles the window (one record is longer than it) and reads on. */
  grow(): void {
    this.#cap *= 2;
    if (this.buf.length < this.#cap) {
      const next = new Uint8Array(this.#cap);
      next.set(this.buf.subarray(0, this.n));
      this.buf = next;
      this.text = asBuffer(next);
    }
    this.#fill();
  }

  #fill(): void {
    const want = Math.min(this.#cap - this.n, this.size - this.pos - this.n);
    if (want > 0) readFully(this.fd, this.buf, this.n, want, this.pos + this.n);
    this.n += Math.max(0, want);
  }

  /** Keeps the buffer for the thread's next range (a grown one only if not much bigger than a block). */
  release(): void {
    if (this.buf.length <= 2 * BLOCK_BYTES && (spareWindow === null || spareWindow.length < this.buf.length)) spareWindow = this.buf;
  }
}

/**
 * The first record start in [lo, hi) of the file — just past a newline at even quote parity — given the
 * parity at lo; -1 when no record starts there. The window is left at lo's block or later.
 */
function firstRecordStart(w: FileWindow, lo: number, hi: number, parity: number): number {
  let inQuotes = parity;
  w.load(lo);
  for (;;) {
    const limit = Math.min(w.n, hi - w.pos);
    const buf = w.text.subarray(0, limit);
    if (buf.indexOf(QUOTE) < 0) {
      // No quote here: inside quotes nothing starts; outside, the first newline ends a record.
      if (inQuotes === 0) {
        const nl = buf.indexOf(NL);
        if (nl >= 0) return w.pos + nl + 1;
      }
    } else {
      for (let k = 0; k < limit; k++) {
        const b = buf[k]!;
        if (b === QUOTE) inQuotes ^= 1;
        else if (b === NL && inQuotes === 0) return w.pos + k + 1;
      }
    }
    if (w.pos + limit >= hi || w.atEnd) return -1;
    w.advance(limit);
  }
}

/**
 * Where the parser's next block ends in the window, which starts at a record start: after the first
 * record that ends at or past `end` (then `last` is true: the range's records are all there), else after
 * the window's last whole record; 0 when no record ends in the window (one is longer than it). At the end
 * of the file the last record needs no newline.
 */
function blockCut(w: FileWindow, end: number): { cut: number; last: boolean } {
  const n = w.n;
  const buf = w.text.subarray(0, n);
  const endAt = end - w.pos;
  if (buf.indexOf(QUOTE) < 0) {
    // No quotes (parity stays even): record ends are simply after newlines.
    if (endAt <= n) {
      const nl = buf.indexOf(NL, Math.max(0, endAt - 1));
      if (nl >= 0) return { cut: nl + 1, last: true };
    }
    if (w.atEnd) return { cut: n, last: true };
    return { cut: buf.lastIndexOf(NL) + 1, last: false };
  }
  let inQuotes = 0;
  let lastEnd = 0;
  for (let k = 0; k < n; k++) {
    const b = buf[k]!;
    if (b === QUOTE) inQuotes ^= 1;
    else if (b === NL && inQuotes === 0) {
      if (k + 1 >= endAt) return { cut: k + 1, last: true };
      lastEnd = k + 1;
    }
  }
  if (w.atEnd) return { cut: n, last: true };
  return { cut: lastEnd, last: false };
}

function readChunk(fd: number, p: CsvChunkParams, parityBefore: number): FrameChunk {
  const { size } = p.file;
  const first = p.begin === p.dataStart;
  // Counted from one byte back (see the header), so the newline before `begin` is seen.
  const lo = first ? p.begin : p.begin - 1;
  const hi = p.end >= size ? size : p.end - 1;
  const parser = new CsvParser(p.layout);
  const w = new FileWindow(fd, size, p.end - p.begin + 1);
  try {
    const start = first ? lo : firstRecordStart(w, lo, hi, parityBefore);
    if (start < 0 || start >= size) return parser.parse(new Uint8Array(0), 0, 0, 0, () => 0);
    if (first) w.load(start);
    else w.advance(start - w.pos);
    // The range owns the records that start before `end`: the last one is read through to its end.
    const end = p.end >= size ? size : p.end;
    const st = parser.begin(Math.ceil(((end - start) / Math.max(1, p.lineBytes)) * 1.1) + 16);
    // Lines before the block being parsed, counted only for an error message, once per block.
    let linesToBlock = 0;
    let linesAt = -1;
    for (;;) {
      const { cut, last } = blockCut(w, end);
      if (cut === 0) {
        w.grow();
        continue;
      }
      const block = w.buf.subarray(0, cut);
      const blockPos = w.pos;
      parser.feed(st, block, 0, cut, (pos) => {
        if (linesAt !== blockPos) {
          linesToBlock = linesBefore(fd, blockPos);
          linesAt = blockPos;
        }
        let n = linesToBlock + 1;
        for (let i = block.indexOf(NL); i !== -1 && i < pos; i = block.indexOf(NL, i + 1)) n++;
        return n;
      });
      if (last) break;
      w.advance(cut);
    }
    return parser.end(st);
  } finally {
    w.release();
  }
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
