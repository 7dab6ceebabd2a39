/**
 * How a headless run can fail, as stable codes: the server stores them on the session (`error`) and in
 * its events, and clients branch on them. A run's failure crosses the process boundary as plain data
 * (`{code, message}`), so the class exists for the child's own control flow and for callers that want
 * one to throw.
 */
import { TesseraError, registerErrorClass } from '../../base/errors.js';

export const HEADLESS_FAILURES = [
  /** The module path names no file. */
  'ModuleNotFound',
  /** The file is not a module we can run: wrong extension, does not load, no default export function. */
  'BadModule',
  /** The module threw or its promise rejected (also: an uncaught exception or rejection it caused). */
  'ModuleFailed',
  /** The module's process ended (process.exit, or its event loop emptied) before the module returned. */
  'ModuleExited',
  /** The module's process was killed by a signal nobody here sent (a native crash, the system's OOM killer). */
  'ModuleCrashed',
  /** The module outgrew its memory: the heap limit, the store's limit, or the process's resident size. */
  'OutOfMemory',
  /** The module returned something that cannot leave its process (a function, a class instance, ...). */
  'ResultNotCloneable',
  /** The run was stopped (session deleted or expired, server closing). */
  'Stopped',
  /** The child process could not be started or did not come up. */
  'HostFailed',
] as const;

export type HeadlessFailureCode = (typeof HEADLESS_FAILURES)[number];

export class HeadlessError extends TesseraError {
  declare readonly code: HeadlessFailureCode;
  constructor(code: HeadlessFailureCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
registerErrorClass(HeadlessError as unknown as new (...args: never[]) => Error);

export interface HeadlessFailure {
  readonly code: HeadlessFailureCode;
  readonly message: string;
}
