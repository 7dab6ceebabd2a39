/**
 * Errors raised by the graph library. Each has a stable `code` and carries the facts a caller needs to
 * act on it as properties (file and line of a malformed record, the missing vertex, the offending edge),
 * and each is registered so a worker thread can send it back as data and the pool rebuilds it into the
 * same class with the same properties.
 */
import { TesseraError, registerErrorClass } from '../base/errors.js';

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
    super('GraphFormat', `${at.file}${at.line > 0 ? `:${at.line}` : ''}: ${problem}`);
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
        (available.length > 0 ? `; the columns are ${available.map((c) => `'${c}'`).join(', ')}.` : '.'),
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
      `${at ? `${at.file}:${at.line}: ` : ''}vertex ${vertex} is not in the graph${where ? ` (${where})` : ''}.`,
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
]) {
  registerErrorClass(cls as unknown as new (...args: never[]) => Error);
}
