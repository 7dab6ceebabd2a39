/**
 * One byte range of a delimited edge file, parsed on whichever worker runs it: the file tiles into
 * ranges that run in parallel on the pool, and `graph.add_edges` takes their columns as the label's
 * edge tables (no copy). A range owns the lines that *start* in it: it begins after the first newline
 * at or after its first byte - 1, and ends with the newline of the line that crosses its end, so every
 * line belongs to exactly one range whatever the boundaries cut. Errors give the line number in the
 * whole file (the lines before the range are counted only then).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { InvalidArgumentError } from '../../base/errors.js';
import type { ColumnRef } from '../../graph/delimited.js';
import { type EdgeColumns, parseEdgeLines } from '../../graph/edgeLines.js';
import { GraphFormatError, MissingColumnError } from '../../graph/errors.js';
import { NEWLINE } from '../../graph/bytes.js';
import { type PresentIds, presentIds } from '../../graph/presentIds.js';
import { registerKernel } from '../registry.js';
import type { DelimitedSource } from './load.js';

export interface ParseRangeParams {
  readonly source: DelimitedSource;
  readonly src: ColumnRef;
  readonly dst: ColumnRef;
  readonly weight?: ColumnRef;
  readonly idType: 'int' | 'string';
  readonly part: number;
  readonly parts: number;
}

/** A range's columns, tagged for `graph.add_edges`, with the ids they hold when they are int32 (presentIds.ts). */
export interface EdgePart extends EdgeColumns {
  readonly kind: 'edge-part';
  readonly present?: PresentIds;
}

const BLOCK = 1 << 16;

/** The position of the first newline at or after `from`, or `size`. */
function newlineFrom(fd: number, from: number, size: number): number {
  const block = Buffer.allocUnsafe(BLOCK);
  for (let at = from; at < size; at += BLOCK) {
    const read = readSync(fd, block, 0, Math.min(BLOCK, size - at), at);
    const i = block.subarray(0, read).indexOf(NEWLINE);
    if (i >= 0) return at + i;
  }
  return size;
}

/** Lines in the file before byte `end` (for error messages only). */
function linesBefore(fd: number, end: number): number {
  const block = Buffer.allocUnsafe(BLOCK);
  let lines = 0;
  for (let at = 0; at < end; at += BLOCK) {
    const read = readSync(fd, block, 0, Math.min(BLOCK, end - at), at);
    for (let i = block.indexOf(NEWLINE); i !== -1 && i < read; i = block.indexOf(NEWLINE, i + 1)) lines++;
  }
  return lines;
}

/** Column indices for the references (names are looked up in the header line). */
function columnIndices(fd: number, size: number, p: ParseRangeParams): [number, number, number | undefined] {
  const refs = [p.src, p.dst, ...(p.weight !== undefined ? [p.weight] : [])];
  let names: string[] | undefined;
  const indices = refs.map((ref) => {
    if (typeof ref === 'number') {
      if (!Number.isInteger(ref) || ref < 0) throw new InvalidArgumentError(`column index must be an integer >= 0, got ${ref}`);
      return ref;
    }
    if (!p.source.header) throw new InvalidArgumentError(`column '${ref}' is named, but the file has no header; use an index`);
    if (!names) {
      const end = newlineFrom(fd, 0, size);
      const line = Buffer.allocUnsafe(end);
      readSync(fd, line, 0, end, 0);
      names = new TextDecoder().decode(line).replace(/\r$/, '').split(p.source.delimiter).map((n) => n.trim().replace(/^"(.*)"$/, '$1'));
    }
    const at = names.indexOf(ref);
    if (at < 0) throw new MissingColumnError(p.source.file.path, `'${ref}'`, names);
    return at;
  });
  return [indices[0]!, indices[1]!, indices[2]];
}

/** The read buffer of integer-id ranges, reused by the ranges this thread parses (their columns are copies). */
let scratch: Uint8Array | undefined;

/**
 * A buffer for a range's bytes. String ids are spans into these bytes, so they get shared memory of
 * their own (the next worker reads them without a copy); integer ids are parsed out of them, so one
 * buffer per thread serves every range: 16 fresh 32 MiB buffers for a 512 MB file cost as many page
 * faults to fill and as many frees later, on the way to the first app.
 */
function rangeBytes(length: number, idType: ParseRangeParams['idType']): Uint8Array {
  if (idType === 'string' || length > 4 * RANGE_SCRATCH_BYTES) return new Uint8Array(new SharedArrayBuffer(length));
  if (!scratch || scratch.length < length) scratch = new Uint8Array(Math.max(length, RANGE_SCRATCH_BYTES));
  return scratch.subarray(0, length);
}

/** The scratch buffer's usual size: the builder's range (32 MiB) and the line it may end inside. */
const RANGE_SCRATCH_BYTES = 33 * 2 ** 20;

function parseRange(fd: number, p: ParseRangeParams): EdgePart {
  const { size, path } = p.source.file;
  const begin = Math.floor((size * p.part) / p.parts);
  const end = Math.floor((size * (p.part + 1)) / p.parts);
  // A range owns the lines that start in it: from the first line start at or after `begin` to the first
  // at or after `end`. Byte 0 starts a line (reading from -1 would read from the file's current
  // position instead: a range ending at 0 — a file smaller than its number of ranges — owned line one twice).
  const lineStartFrom = (at: number): number => (at === 0 ? 0 : at >= size ? size : Math.min(size, newlineFrom(fd, at - 1, size) + 1));
  const start = lineStartFrom(begin);
  const stop = lineStartFrom(end);
  const length = Math.max(0, stop - start);
  const bytes = rangeBytes(length, p.idType);
  for (let at = 0; at < length; ) at += readSync(fd, bytes, at, length - at, start + at);
  const [src, dst, weight] = columnIndices(fd, size, p);
  const header = p.source.header && start === 0;
  try {
    const columns = parseEdgeLines(bytes, {
      file: path,
      delimiter: p.source.delimiter,
      header,
      idType: p.idType,
      src,
      dst,
      ...(weight !== undefined ? { weight } : {}),
      ...(p.source.comment !== undefined ? { comment: p.source.comment } : {}),
    });
    const { src: s, dst: d } = columns;
    const present = s.values instanceof Int32Array && d.values instanceof Int32Array ? presentIds([s.values, d.values]) : undefined;
    return { kind: 'edge-part', ...columns, ...(present ? { present } : {}) };
  } catch (e) {
    if (!(e instanceof GraphFormatError) || start === 0) throw e;
    const line = e.line + linesBefore(fd, start);
    const problem = e.message.startsWith(`${e.file}:${e.line}: `) ? e.message.slice(`${e.file}:${e.line}: `.length) : e.message;
    throw new GraphFormatError({ file: e.file, line }, problem, e.column);
  }
}

registerKernel('graph.parse_edges', (_inputs, p: ParseRangeParams): EdgePart => {
  let fd: number;
  try {
    fd = openSync(p.source.file.path, 'r');
  } catch (e) {
    throw new GraphFormatError({ file: p.source.file.path, line: 0 }, `cannot read the file: ${(e as Error).message}`);
  }
  try {
    return parseRange(fd, p);
  } finally {
    closeSync(fd);
  }
});
