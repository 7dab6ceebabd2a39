/**
 * Errors raised by the graph library. Each has a stable `code` and carries the facts a caller needs to
 * act on it as properties (file and line of a malformed record, the missing vertex, the offending edge),
 * and each is registered so a worker thread can send it back as data and the pool rebuilds it into the
 * same class with the same properties.
 *
 * Messages quote file contents only as short excerpts (`excerpt`: at most EXCERPT_CHARS characters,
 * control and bidirectional-format characters escaped), so a file that is not what it claims to be
 * (a binary, /etc/passwd, a line of megabytes) cannot pour itself into logs, terminals or the replies a
 * server sends to remote clients. The constructors below enforce it on whatever text they are given:
 * a quoted span or an unbroken run longer than an excerpt is cut, and a whole problem text is bounded.
 */
import { TesseraError, registerErrorClass } from '../base/errors.js';

/** The most characters of a file's content an error message quotes in one place. */
export const EXCERPT_CHARS = 60;
/** The most characters a problem description (file contents and all) may have. */
const PROBLEM_CHARS = 300;

/** C0 and C1 controls, DEL, and the invisible or bidirectional format characters that can disguise text. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]/gu;
const LONG_RUN = new RegExp(`[^\\s']{${EXCERPT_CHARS + 1},}`, 'gu');
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0)!;
    return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max).join('')}…`;
}

/**
 * A piece of a file's content as an error message may quote it: backslashes and unsafe characters
 * escaped, then at most EXCERPT_CHARS characters (and `…` when cut).
 */
export function excerpt(text: string): string {
  return cut(escapeUnsafe(text.replace(/\\/g, '\\\\')), EXCERPT_CHARS);
}

/**
 * The safety net for problem texts that embed file contents: unsafe characters escaped, every quoted
 * span ('...') and every unbroken run of characters cut to an excerpt, and the whole text bounded.
 */
export function boundedProblem(problem: string): string {
  const quotedCut = escapeUnsafe(problem).replace(/(^|[\s(])'(.*?)'(?=$|[\s,.;:)])/gsu, (_, before: string, inner: string) => `${before}'${cut(inner, EXCERPT_CHARS)}'`);
  return cut(quotedCut.replace(LONG_RUN, (run) => cut(run, EXCERPT_CHARS)), PROBLEM_CHARS);
}

/** Where in an input a problem is: the caller-supplied file name and a 1-based line number (0: the whole file). */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
}

/** A record of a graph file (LDBC `.v`/`.e`/`.properties`, delimited text) cannot be read. */
export class GraphFormatError extends TesseraError {
  readonly file: string;
  readonly line: number;
  readonly column: string | undefined;

  constructor(at: SourcePosition, problem: string, column?: string) {
    super('GraphFormat', `${at.file}${at.line > 0 ? `:${at.line}` : ''}: ${boundedProblem(problem)}`);
    this.file = at.file;
    this.line = at.line;
    this.column = column;
  }
}

/** A column the caller asked for (by name or index) is not in the input. */
export class MissingColumnError extends TesseraError {
  readonly file: string;
  readonly column: string;

  constructor(file: string, column: string, available: readonly string[]) {
    super(
      'MissingColumn',
      `${file}: there is no column ${column}` +
        (available.length > 0 ? `; the columns are ${boundedProblem(available.map((c) => `'${excerpt(c)}'`).join(', '))}.` : '.'),
    );
    this.file = file;
    this.column = column;
  }
}

/** A vertex id (a source vertex, an edge endpoint) is not a vertex of the graph. */
export class VertexNotFoundError extends TesseraError {
  readonly vertex: string;
  readonly file: string | undefined;
  readonly line: number | undefined;

  constructor(vertex: string, where?: string, at?: SourcePosition) {
    super(
      'VertexNotFound',
      `${at ? `${at.file}:${at.line}: ` : ''}vertex ${excerpt(vertex)} is not in the graph${where ? ` (${boundedProblem(where)})` : ''}.`,
    );
    this.vertex = vertex;
    this.file = at?.file;
    this.line = at?.line;
  }
}

/** Dijkstra and delta-stepping need non-negative weights; this names one edge that breaks the rule. */
export class NegativeWeightError extends TesseraError {
  readonly source: string;
  readonly target: string;
  readonly weight: number;

  constructor(source: string, target: string, weight: number) {
    super(
      'NegativeWeight',
      `edge ${source} -> ${target} has weight ${weight}; shortest paths need weights >= 0 ` +
        `(NaN is not a weight either).`,
    );
    this.source = source;
    this.target = target;
    this.weight = weight;
  }
}

/** An algorithm that needs at least one vertex was given a graph without any. */
export class EmptyGraphError extends TesseraError {
  constructor(what: string) {
    super('EmptyGraph', `${what} needs a graph with at least one vertex; this graph has none.`);
  }
}

/** The graph is too large for the library's typed-array layout (vertex count >= 2^31). */
export class GraphTooLargeError extends TesseraError {
  constructor(what: string) {
    super('GraphTooLarge', `${what}; vertex ids are held in Int32Array, so a graph has at most 2^31 - 1 vertices.`);
  }
}

/**
 * A dataset description names a file outside the dataset's folder (`../`, an absolute path, or a link
 * leading out). Refused before anything is read: a description must not turn a loader into a reader
 * of arbitrary files, least of all on a server that loads datasets for remote clients.
 */
export class DatasetPathError extends TesseraError {
  readonly file: string;
  readonly key: string;
  readonly folder: string;

  constructor(file: string, key: string, folder: string, problem: string) {
    super('OutsideDataset', `${file}: ${key} ${boundedProblem(problem)}; a dataset's files must be inside its folder ${folder}.`);
    this.file = file;
    this.key = key;
    this.folder = folder;
  }
}

/** A result file cannot be written (its directory is gone, not writable, or the path is a directory). */
export class OutputFileError extends TesseraError {
  readonly path: string;

  constructor(path: string, reason: string) {
    super('OutputFailed', `cannot write ${path}: ${reason}`);
    this.path = path;
  }
}

for (const cls of [
  GraphFormatError,
  MissingColumnError,
  VertexNotFoundError,
  NegativeWeightError,
  EmptyGraphError,
  GraphTooLargeError,
  OutputFileError,
  DatasetPathError,
]) {
  registerErrorClass(cls as unknown as new (...args: never[]) => Error);
}
