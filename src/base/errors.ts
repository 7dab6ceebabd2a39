/**
 * Error classes with stable codes. Every error Tessera raises is a `TesseraError` whose `code` never
 * changes between releases, so callers (and tests) branch on class and code, not on message text.
 * Errors also cross thread and process boundaries as plain data (`errorToData` / `errorFromData`),
 * because structured clone drops custom names and properties; the registry below rebuilds them into
 * their own class on the other side.
 */

export interface ErrorData {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
  readonly stack?: string;
  readonly props?: Readonly<Record<string, unknown>>;
}

export class TesseraError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A value or argument the caller passed is not acceptable. */
export class InvalidArgumentError extends TesseraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidArgument', message, options);
  }
}
/** Shapes that must agree (broadcasting, matmul, concatenate, reshape) do not. */
export class ShapeError extends TesseraError {
  constructor(message: string) {
    super('ShapeMismatch', message);
  }
}
export class AxisError extends TesseraError {
  constructor(message: string) {
    super('AxisOutOfRange', message);
  }
}
export class DTypeError extends TesseraError {
  constructor(message: string) {
    super('DTypeMismatch', message);
  }
}
export class ChunkSizeError extends TesseraError {
  constructor(message: string) {
    super('InvalidChunkSize', message);
  }
}
export class TokenizeError extends TesseraError {
  constructor(message: string) {
    super('Untokenizable', message);
  }
}
export class CycleError extends TesseraError {
  readonly path: readonly string[];
  constructor(path: readonly string[]) {
    super('CyclicGraph', `The graph has a cycle: ${path.join(' -> ')}. A DAG cannot depend on its own output.`);
    this.path = path;
  }
}
export class UnexecutedError extends TesseraError {
  constructor(repr: string) {
    super('Unexecuted', `Cannot fetch unexecuted tileable: ${repr}`);
  }
}
export class SessionClosedError extends TesseraError {
  constructor() {
    super('SessionClosed', 'Attempted to use a closed Session.');
  }
}
export class NoSessionError extends TesseraError {
  constructor(message = 'No session found') {
    super('NoSession', message);
  }
}
export class UnknownOptionError extends TesseraError {
  readonly keys: readonly string[];
  constructor(keys: readonly string[], where: string, known: readonly string[]) {
    super(
      'UnknownOption',
      `Unknown option${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')} in ${where}. ` +
        `Known options: ${known.join(', ')}.`,
    );
    this.keys = keys;
  }
}
export class OptionError extends TesseraError {
  constructor(message: string) {
    super('InvalidOption', message);
  }
}
export class CancelledError extends TesseraError {
  constructor(message = 'The run was cancelled; nothing was marked executed and the session is still usable.') {
    super('Cancelled', message);
  }
}
/** A pool worker died (exit, crash, out of memory) while running a task, twice. */
export class WorkerCrashedError extends TesseraError {
  readonly chunkKey: string;
  constructor(chunkKey: string, detail: string) {
    super(
      'WorkerCrashed',
      `A worker thread died while running chunk ${chunkKey} (${detail}); it was replaced and the task retried ` +
        `once, and it died again. The session is still usable; look for process.exit, unbounded memory or ` +
        `native crashes in the kernel.`,
    );
    this.chunkKey = chunkKey;
  }
}
/** A user function (`t.map(fn)`) cannot be shipped to a worker. */
export class UserFunctionError extends TesseraError {
  constructor(message: string) {
    super('InvalidUserFunction', message);
  }
}
export class SliceError extends TesseraError {
  constructor(message: string) {
    super('InvalidSlice', message);
  }
}
export class IndexError extends TesseraError {
  constructor(message: string) {
    super('IndexOutOfRange', message);
  }
}
export class NotImplementedYetError extends TesseraError {
  constructor(message: string) {
    super('NotSupported', message);
  }
}

/**
 * A dataframe source file (CSV, Parquet, Arrow IPC) is malformed or disagrees with its schema; names the
 * file, the 1-based line (0 when the format has none) and the column where known, and what to do.
 */
export class FileFormatError extends TesseraError {
  readonly file: string;
  readonly line: number;
  readonly column: string | undefined;
  constructor(file: string, line: number, problem: string, column?: string) {
    super('FileFormat', `${file}${line > 0 ? `:${line}` : ''}: ${column !== undefined ? `column '${column}': ` : ''}${problem}`);
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

const registry = new Map<string, new (...args: never[]) => Error>();
const builtins: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Makes an error class rebuildable from `ErrorData` (it must accept being created bare). */
export function registerErrorClass(cls: new (...args: never[]) => Error): void {
  registry.set(cls.name, cls);
}

for (const cls of [
  TesseraError,
  InvalidArgumentError,
  ShapeError,
  AxisError,
  DTypeError,
  ChunkSizeError,
  TokenizeError,
  CycleError,
  UnexecutedError,
  SessionClosedError,
  NoSessionError,
  UnknownOptionError,
  OptionError,
  CancelledError,
  WorkerCrashedError,
  UserFunctionError,
  SliceError,
  IndexError,
  NotImplementedYetError,
  FileFormatError,
]) {
  registerErrorClass(cls as unknown as new (...args: never[]) => Error);
}

const SKIP = new Set(['name', 'message', 'stack', 'code', 'cause']);

/** Flattens any thrown value into plain data that survives structured clone or JSON. */
export function errorToData(err: unknown): ErrorData {
  if (!(err instanceof Error)) {
    return { name: 'Error', message: `Non-error value thrown: ${String(err)}` };
  }
  const props: Record<string, unknown> = {};
  for (const k of Object.keys(err)) {
    if (SKIP.has(k)) continue;
    const v = (err as unknown as Record<string, unknown>)[k];
    if (v === undefined || typeof v === 'function') continue;
    props[k] = v;
  }
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: err.message,
    ...(err.stack !== undefined ? { stack: err.stack } : {}),
    props,
  };
}

/** Rebuilds an error into its own class (registered Tessera classes and JS built-ins). */
export function errorFromData(data: ErrorData): Error {
  const cls = registry.get(data.name) ?? builtins[data.name];
  let err: Error;
  if (cls) {
    err = Object.create(cls.prototype) as Error;
    Object.defineProperty(err, 'message', { value: data.message, writable: true, configurable: true });
  } else {
    // Unknown user class: keep its name and code so the caller can still tell what happened.
    err = new Error(data.message);
    Object.defineProperty(err, 'name', { value: data.name, writable: true, configurable: true });
  }
  if (data.code !== undefined) (err as { code?: string }).code = data.code;
  if (data.stack !== undefined) {
    Object.defineProperty(err, 'stack', { value: data.stack, writable: true, configurable: true });
  }
  if (cls && !builtins[data.name]) {
    Object.defineProperty(err, 'name', { value: data.name, writable: true, configurable: true });
  }
  for (const [k, v] of Object.entries(data.props ?? {})) {
    (err as unknown as Record<string, unknown>)[k] = v;
  }
  return err;
}

/** Appends the stack of the line that built an op to an error raised while running it. */
export function attachBuildSite(err: Error, chunkKey: string | undefined, buildStack: string | undefined): Error {
  const e = err as Error & { chunkKey?: string; buildStack?: string };
  if (chunkKey !== undefined && e.chunkKey === undefined) e.chunkKey = chunkKey;
  if (buildStack !== undefined && e.buildStack === undefined) {
    e.buildStack = buildStack;
    const at = buildStack.split('\n').slice(1).join('\n');
    Object.defineProperty(e, 'stack', {
      value: `${e.stack ?? `${e.name}: ${e.message}`}\n    --- the failing op was built at ---\n${at}`,
      writable: true,
      configurable: true,
    });
  }
  return e;
}
