/**
 * Errors that end a run for a reason other than a kernel throwing: a session listener that threw, a
 * kernel whose output does not match what its chunk promised, and a failure inside the engine itself.
 * Each names what happened and what the session did about it (the run was stopped, what it held was
 * freed, the session is usable), so a caller can tell them apart by class and code.
 */
import { registerErrorClass, TesseraError } from './errors.js';

/** A listener of a session event (`'progress'`, `'run'`) threw while a run was in progress. */
export class ListenerError extends TesseraError {
  constructor(event: string, cause: unknown) {
    super(
      'ListenerFailed',
      `A '${event}' listener threw (${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}); the run was stopped ` +
        `and nothing it computed was kept. The session is still usable: fix or remove the listener and run again.`,
      { cause },
    );
  }
}

/** A kernel returned a value that does not fit its chunk (another shape or dtype than its meta says). */
export class KernelOutputError extends TesseraError {
  readonly chunkKey: string;
  constructor(chunkKey: string, kernel: string, detail: string) {
    super(
      'KernelOutput',
      `Kernel ${kernel} returned a wrong value for chunk ${chunkKey}: ${detail}. The run was stopped and the value ` +
        `was not stored; this is a bug in that kernel.`,
    );
    this.chunkKey = chunkKey;
  }
}

/** The engine itself failed while running (a bug, not the user's input); the run was stopped cleanly. */
export class ExecutorError extends TesseraError {
  constructor(executor: string, cause: unknown) {
    super(
      'ExecutorFailed',
      `The ${executor} executor failed while running (${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}); ` +
        `the run was stopped and what it held was freed. The session is still usable; please report this with its stack.`,
      { cause },
    );
  }
}

for (const cls of [ListenerError, KernelOutputError, ExecutorError]) registerErrorClass(cls as unknown as new (...args: never[]) => Error);
