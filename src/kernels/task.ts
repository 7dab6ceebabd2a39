/**
 * One task as it crosses a thread boundary, and the code that runs it. A failing kernel is caught
 * here and its error returned as data (class name, code, message, stack, properties), because a
 * thrown error loses its class and custom properties on the way back from a worker.
 */
import { type ErrorData, errorToData } from '../base/errors.js';
import { getKernel } from './registry.js';

export interface TaskMessage {
  readonly key: string;
  readonly kernel: string;
  readonly params: unknown;
  readonly inputs: readonly unknown[];
}

export type TaskOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: ErrorData };

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Runs one task; never throws. Synchronous kernels stay synchronous (no promise per task). */
export function runTask(task: TaskMessage): TaskOutcome | Promise<TaskOutcome> {
  try {
    const value = getKernel(task.kernel)(task.inputs, task.params as never);
    if (isThenable(value)) {
      return Promise.resolve(value).then(
        (v) => ({ ok: true, value: v }) as const,
        (e: unknown) => ({ ok: false, error: errorToData(e) }) as const,
      );
    }
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: errorToData(e) };
  }
}
