/**
 * Edge and vertex lists in delimited text (CSV, TSV, ...): one record per line, fields separated by a
 * one-character delimiter, optionally quoted with double quotes (a quoted field may hold the delimiter;
 * an escaped quote `""` inside an id is not supported), an optional header naming the columns, and
 * columns chosen by 0-based index or by header name. Ids are integers (exact beyond 2^53) or strings
 * (kept as byte spans into the input); `idType: 'auto'` reads integers and falls back to strings when
 * a token is not one. Errors name the file, the line and the column.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { GraphFormatError, MissingColumnError } from './errors.js';
import type { IdColumn } from './idColumns.js';
import type { ParsedEdges } from './ldbc.js';
import {
  BIG_INTEGER,
  IntegerIdsBuilder,
  countLines,
  excerpt,
  parseBigIntSpan,
  parseDecimalSpan,
  parseIntegerSpan,
} from './scan.js';
import { NEWLINE, RETURN } from './bytes.js';

export type ColumnRef = number | string;

export interface DelimitedOptions {
  /** The file name used in error messages. */
  readonly file: string;
  readonly delimiter?: string;
  readonly header?: boolean;
  readonly idType?: 'int' | 'string' | 'auto';
  /** Lines starting with this text are skipped. */
  readonly comment?: string;
}

export interface DelimitedEdgeOptions extends DelimitedOptions {
  readonly src: ColumnRef;
  readonly dst: ColumnRef;
  readonly weight?: ColumnRef;
}

export interface DelimitedVertexOptions extends DelimitedOptions {
  readonly id: ColumnRef;
}

const QUOTE = 34;

/** Fields of one record: spans of bytes, quotes removed. */
interface Record {
  line: number;
  count: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

class RecordReader {
  readonly #bytes: Uint8Array;
  readonly #delimiter: number;
  readonly #comment: Uint8Array | undefined;
  readonly #file: string;
  #pos = 0;
  #line = 0;

  constructor(bytes: Uint8Array, options: DelimitedOptions) {
    const delimiter = options.delimiter ?? ',';
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new InvalidArgumentError(
        `delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`,
      );
    }
    this.#bytes = bytes;
    this.#delimiter = delimiter.charCodeAt(0);
    this.#comment = options.comment ? new TextEncoder().encode(options.comment) : undefined;
    this.#file = options.file;
  }

  /** Reads the next non-blank, non-comment record into `into`; false at the end of the input. */
  next(into: Record): boolean {
    const bytes = this.#bytes;
    for (;;) {
      if (this.#pos >= bytes.length) return false;
      this.#line++;
      let end = bytes.indexOf(NEWLINE, this.#pos);
      if (end === -1) end = bytes.length;
      const start = this.#pos;
      this.#pos = end + 1;
      const stop = end > start && bytes[end - 1] === RETURN ? end - 1 : end;
      if (stop === start || this.#isComment(start, stop)) continue;
      into.line = this.#line;
      into.count = this.#split(start, stop, into);
      return true;
    }
  }

  #isComment(start: number, stop: number): boolean {
    const c = this.#comment;
    if (!c || stop - start < c.length) return false;
    for (let i = 0; i < c.length; i++) if (this.#bytes[start + i] !== c[i]) return false;
    return true;
  }

  #split(start: number, stop: number, into: Record): number {
    const bytes = this.#bytes;
    const limit = into.starts.length;
    let count = 0;
    let p = start;
    for (;;) {
      let fieldStart = p;
      let fieldEnd: number;
      if (bytes[p] === QUOTE) {
        const close = bytes.indexOf(QUOTE, p + 1);
        if (close === -1 || close >= stop) {
          throw this.#error('a quoted field is not closed on its line');
        }
        fieldStart = p + 1;
        fieldEnd = close;
        p = close + 1;
        if (p < stop && bytes[p] !== this.#delimiter) {
          throw this.#error('text after a closing quote (escaped quotes are not supported)');
        }
      } else {
        const d = bytes.indexOf(this.#delimiter, p);
        fieldEnd = d === -1 || d > stop ? stop : d;
        p = fieldEnd;
      }
      if (count < limit) {
        into.starts[count] = fieldStart;
        into.ends[count] = fieldEnd;
      }
      count++;
      if (p >= stop) return count;
      p++;
    }
  }

  #error(problem: string): GraphFormatError {
    return new GraphFormatError({ file: this.#file, line: this.#line }, problem);
  }
}

interface Resolved {
  readonly indices: readonly number[];
  readonly names: readonly string[];
  readonly reader: RecordReader;
  readonly record: Record;
}

/** Opens the input, reads the header if there is one, and turns column references into indices. */
function open(bytes: Uint8Array, options: DelimitedOptions, refs: readonly ColumnRef[]): Resolved {
  const reader = new RecordReader(bytes, options);
  const header = options.header ?? true;
  let names: string[] = [];
  if (header) {
    const probe: Record = { line: 0, count: 0, starts: new Int32Array(4096), ends: new Int32Array(4096) };
    if (reader.next(probe)) {
      const decoder = new TextDecoder();
      for (let i = 0; i < Math.min(probe.count, 4096); i++) {
        names.push(decoder.decode(bytes.subarray(probe.starts[i]!, probe.ends[i]!)).trim());
      }
    }
  }
  const indices = refs.map((ref) => {
    if (typeof ref === 'number') {
      if (!Number.isInteger(ref) || ref < 0) {
        throw new InvalidArgumentError(`column index must be an integer >= 0, got ${ref}`);
      }
      return ref;
    }
    if (!header) throw new InvalidArgumentError(`column '${ref}' is named, but the file has no header; use an index`);
    const at = names.indexOf(ref);
    if (at < 0) throw new MissingColumnError(options.file, `'${ref}'`, names);
    return at;
  });
  names = indices.map((i, k) => (typeof refs[k] === 'string' ? (refs[k] as string) : names[i] ?? `#${i}`));
  const width = Math.max(...indices) + 1;
  const record: Record = { line: 0, count: 0, starts: new Int32Array(width), ends: new Int32Array(width) };
  return { indices, names, reader, record };
}

function missing(file: string, record: Record, name: string, index: number): GraphFormatError {
  return new GraphFormatError(
    { file, line: record.line },
    `column ${name} (index ${index}) is missing: the line has ${record.count} field${record.count === 1 ? '' : 's'}`,
    name,
  );
}

interface Columns {
  readonly ids: IdColumn[];
  readonly weights: Float64Array | undefined;
}

/**
 * Reads the id columns (as integers, or as byte spans when `integers` is false) and the weight column.
 * In 'auto' mode returns undefined at the first id that is not an integer, so the caller can re-read.
 */
function readColumns(
  bytes: Uint8Array,
  options: DelimitedOptions,
  idRefs: readonly ColumnRef[],
  weightRef: ColumnRef | undefined,
  integers: boolean,
): Columns | undefined {
  const refs = weightRef === undefined ? idRefs : [...idRefs, weightRef];
  const { indices, names, reader, record } = open(bytes, options, refs);
  const { file } = options;
  const lines = countLines(bytes);
  const builders = idRefs.map(() => new IntegerIdsBuilder(integers ? lines : 0));
  const spanLength = integers ? 0 : lines;
  const spans = idRefs.map(() => ({ starts: new Int32Array(spanLength), ends: new Int32Array(spanLength) }));
  const weights = weightRef === undefined ? undefined : new Float64Array(lines);
  let count = 0;
  while (reader.next(record)) {
    for (let k = 0; k < refs.length; k++) {
      if (indices[k]! >= record.count) throw missing(file, record, names[k]!, indices[k]!);
    }
    for (let k = 0; k < idRefs.length; k++) {
      const s = record.starts[indices[k]!]!;
      const e = record.ends[indices[k]!]!;
      if (!integers) {
        spans[k]!.starts[count] = s;
        spans[k]!.ends[count] = e;
        continue;
      }
      const x = parseIntegerSpan(bytes, s, e);
      if (x === BIG_INTEGER) {
        const big = parseBigIntSpan(bytes, s, e);
        if (big === undefined) {
          const problem = `id ${excerpt(bytes, s, e)} is outside the int64 range`;
          throw new GraphFormatError({ file, line: record.line }, problem, names[k]);
        }
        builders[k]!.pushBig(big);
      } else if (Number.isNaN(x)) {
        if ((options.idType ?? 'auto') === 'auto') return undefined;
        const text = excerpt(bytes, s, e);
        const hint = "the graph's ids are int64 by default; for string ids pass oidType: 'string'";
        throw new GraphFormatError({ file, line: record.line }, `${names[k]} '${text}' is not an integer id (${hint})`, names[k]);
      } else builders[k]!.push(x);
    }
    if (weights) {
      const k = idRefs.length;
      const s = record.starts[indices[k]!]!;
      const e = record.ends[indices[k]!]!;
      const value = parseDecimalSpan(bytes, s, e);
      if (Number.isNaN(value)) {
        const text = excerpt(bytes, s, e);
        throw new GraphFormatError({ file, line: record.line }, `${names[k]} '${text}' is not a number`, names[k]);
      }
      weights[count] = value;
    }
    count++;
  }
  const ids: IdColumn[] = integers
    ? builders.map((b) => b.finish())
    : spans.map((sp) => ({
        kind: 'string',
        values: { bytes, starts: sp.starts.slice(0, count), ends: sp.ends.slice(0, count) },
      }));
  return { ids, weights: weights?.slice(0, count) };
}

function read(
  bytes: Uint8Array,
  options: DelimitedOptions,
  idRefs: readonly ColumnRef[],
  weightRef?: ColumnRef,
): Columns {
  const integers = options.idType !== 'string' ? readColumns(bytes, options, idRefs, weightRef, true) : undefined;
  return integers ?? readColumns(bytes, options, idRefs, weightRef, false)!;
}

export function parseDelimitedVertices(bytes: Uint8Array, options: DelimitedVertexOptions): IdColumn {
  return read(bytes, options, [options.id]).ids[0]!;
}

export function parseDelimitedEdges(bytes: Uint8Array, options: DelimitedEdgeOptions): ParsedEdges {
  const { ids, weights } = read(bytes, options, [options.src, options.dst], options.weight);
  return { src: ids[0]!, dst: ids[1]!, weights };
}
