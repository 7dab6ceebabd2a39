/**
 * The engine's process-wide options (GraphScope's `set_option` / `get_option`): settings that belong to
 * no session because the code that reads them runs before any session is involved — building nodes,
 * choosing chunk grids — or on behalf of all of them. One registry holds their names, defaults and
 * validation, so an unknown name or a value of the wrong type is refused where it is set, with an error
 * naming the known options. Engine code reads the live values through `processOptions` (a plain field
 * read: build-site capture is consulted on every node built).
 */
import { totalmem } from 'node:os';
import { OptionError, UnknownOptionError } from './errors.js';
import { show } from './show.js';
import { parseSize } from './size.js';

/** Which of the engine's own messages reach `process.emitWarning`: all, only errors, or none. */
export type LogLevel = 'warn' | 'error' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['warn', 'error', 'silent'];

export interface ProcessOptions {
  /** The engine's messages: `'warn'` (default) emits warnings and errors, `'error'` only errors, `'silent'` none. */
  readonly logLevel: LogLevel;
  /** Bytes an automatically chunked tensor aims for per chunk (default 16 MiB). */
  readonly defaultChunkBytes: number;
  /**
   * Record the stack of the line that builds each op, so a failure at run time names it (default true;
   * it costs about a microsecond per op, which only benchmarks of pure graph building notice).
   */
  readonly buildSiteCapture: boolean;
  /**
   * Bytes that persisted objects (shared between the process's sessions, never evicted) may hold in
   * all; a persist past it fails with NotEnoughMemory. Default: half the machine's memory, like a
   * session's default memory limit.
   */
  readonly persistLimit: number;
  /**
   * Bytes of memory the main thread keeps to build the next graph's columns in (numeric and string)
   * once an earlier graph's are dead (base/recycledBuffers.ts): refilling warm pages is much cheaper
   * than faulting in fresh ones. Each of the pool's threads keeps as much again for CSR arrays, app
   * results and string id codes; nothing is kept past 30 s. An eighth of it (at most 32 MiB a thread)
   * bounds the spare arrays faulted in ahead for sizes a loop asks for again (base/warmSpares.ts).
   * 0 turns recycling and spares off. Default 512 MiB.
   */
  readonly recycledMemory: number;
  /**
   * Run big matrix products (from 2^26 multiply-adds per matrix) on ONNX Runtime's CPU GEMM when the
   * optional `onnxruntime-node` package loads (kernels/tensor/nativeGemm.ts); false, or the package
   * missing, keeps every product on the engine's WebAssembly SIMD kernel, a half to a third as fast on
   * one thread and with another summation order (results differ in the last bits). Default true.
   */
  readonly nativeMatmul: boolean;
}

export type OptionName = keyof ProcessOptions;

/** What `setOption` takes: the option's type, and for byte sizes also Vineyard's size strings ('16Mi'). */
export type OptionInput<K extends OptionName> = K extends 'defaultChunkBytes' | 'persistLimit' | 'recycledMemory' ? number | string : ProcessOptions[K];

const values: { -readonly [K in OptionName]: ProcessOptions[K] } = {
  logLevel: 'warn',
  defaultChunkBytes: 16 * 1024 * 1024,
  buildSiteCapture: true,
  persistLimit: Math.floor(totalmem() / 2),
  recycledMemory: 512 * 1024 * 1024,
  nativeMatmul: true,
};

/** The live values, for the engine's own reads; users call `getOption`. */
export const processOptions: ProcessOptions = values;

const PARSERS: { readonly [K in OptionName]: (value: unknown) => ProcessOptions[K] } = {
  logLevel(value) {
    if (typeof value !== 'string' || !(LOG_LEVELS as readonly string[]).includes(value)) {
      throw new OptionError(`option 'logLevel' must be one of ${LOG_LEVELS.map((l) => `'${l}'`).join(', ')}, got ${show(value)}.`);
    }
    return value as LogLevel;
  },
  defaultChunkBytes(value) {
    const bytes = typeof value === 'string' ? parseSize(value, "option 'defaultChunkBytes'") : value;
    if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes <= 0) {
      throw new OptionError(
        `option 'defaultChunkBytes' must be a positive integer number of bytes or a size like '16Mi', got ${show(value)}.`,
      );
    }
    return bytes;
  },
  persistLimit(value) {
    if (value === Number.POSITIVE_INFINITY) return value;
    const bytes = typeof value === 'string' ? parseSize(value, "option 'persistLimit'") : value;
    if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes <= 0) {
      throw new OptionError(`option 'persistLimit' must be a positive integer number of bytes, a size like '4Gi', or Infinity, got ${show(value)}.`);
    }
    return bytes;
  },
  buildSiteCapture(value) {
    if (typeof value !== 'boolean') throw new OptionError(`option 'buildSiteCapture' must be true or false, got ${show(value)}.`);
    return value;
  },
  recycledMemory(value) {
    const bytes = typeof value === 'string' ? parseSize(value, "option 'recycledMemory'") : value;
    if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) {
      throw new OptionError(`option 'recycledMemory' must be a non-negative integer number of bytes or a size like '512Mi' (0 turns recycling off), got ${show(value)}.`);
    }
    return bytes;
  },
  nativeMatmul(value) {
    if (typeof value !== 'boolean') throw new OptionError(`option 'nativeMatmul' must be true or false, got ${show(value)}.`);
    return value;
  },
};

const NAMES = Object.keys(PARSERS) as OptionName[];

function checkName(name: unknown, where: string): OptionName {
  if (typeof name !== 'string' || !Object.hasOwn(PARSERS, name)) throw new UnknownOptionError([String(name)], where, NAMES);
  return name as OptionName;
}

const watchers = new Map<OptionName, (() => void)[]>();

/**
 * Calls `fn` after every `setOption(name, …)`: for engine code that mirrors an option where a plain
 * read of `processOptions` does not reach (the pool's threads).
 */
export function watchOption(name: OptionName, fn: () => void): void {
  watchers.set(name, [...(watchers.get(name) ?? []), fn]);
}

/** Sets a process-wide option; affects everything built or run afterwards, in every session. */
export function setOption<K extends OptionName>(name: K, value: OptionInput<K>): void {
  const key = checkName(name, 'setOption');
  (values as Record<OptionName, unknown>)[key] = PARSERS[key](value);
  for (const fn of watchers.get(key) ?? []) fn();
}

export function getOption<K extends OptionName>(name: K): ProcessOptions[K] {
  return values[checkName(name, 'getOption') as K];
}
