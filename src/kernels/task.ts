/**
 * One task as it crosses a thread boundary, and the code that runs it. A failing kernel is caught
 * here and its error returned as data (class name, code, message, stack, properties), because a
 * thrown error loses its class and custom properties on the way back from a worker.
 */
import { type ErrorData, errorToData } from '../base/errors.js';
import { adopt, memoriesIn } from '../base/wasmMemory.js';
import { type DriverContext, getDriver, getKernel, readsInPlace, STEP_KERNEL, type StepRequest, type StepResult } from './registry.js';

export interface TaskMessage {
  readonly key: string;
  readonly kernel: string;
  readonly params: unknown;
  readonly inputs: readonly unknown[];
  /** The WebAssembly memories the inputs' buffers are, sent beside them (base/wasmMemory.ts). */
  readonly memories?: readonly WebAssembly.Memory[];
}

export type TaskOutcome =
  | { readonly ok: true; readonly value: unknown; readonly memories?: readonly WebAssembly.Memory[] }
  | { readonly ok: false; readonly error: ErrorData };

/**
 * A task for another thread: with the memories of its inputs' buffers when its kernel reads them in
 * place (registry.ts `registerInPlaceReader`) and any are WebAssembly memories.
 */
export function withInputMemories(task: TaskMessage): TaskMessage {
  if (!readsInPlace(task.kernel, task.params)) return task;
  const memories = memoriesIn(task.inputs);
  return memories ? { ...task, memories } : task;
}

/** An outcome going back to the thread that sent the task: with the memories of its value's buffers. */
export function withValueMemories(outcome: TaskOutcome): TaskOutcome {
  if (!outcome.ok) return outcome;
  const memories = memoriesIn(outcome.value);
  return memories ? { ...outcome, memories } : outcome;
}

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Runs one task; never throws. Synchronous kernels stay synchronous (no promise per task). */
export function runTask(task: TaskMessage): TaskOutcome | Promise<TaskOutcome> {
  try {
    adopt(task.memories);
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

/** Runs a request's step messages somewhere (this thread, a gang of workers) and returns their outcomes in order. */
export type StepRunner = (steps: readonly TaskMessage[]) => Promise<readonly TaskOutcome[]> | readonly TaskOutcome[];

export function isDriverTask(kernel: string): boolean {
  return getDriver(kernel) !== undefined;
}

/**
 * A driver kernel's run as a generator of its step messages: every range of every request becomes a
 * step task, resumed with their outcomes; it returns the task's outcome. A failing step fails the task
 * with the step's error; a throw into it (a step runner that failed) fails it with that error.
 */
function* driverSteps(task: TaskMessage, ctx: DriverContext): Generator<TaskMessage[], TaskOutcome, readonly TaskOutcome[]> {
  let driver: Generator<StepRequest, unknown, readonly StepResult[]>;
  try {
    driver = getDriver(task.kernel)!(task.inputs, task.params as never, ctx);
  } catch (e) {
    return { ok: false, error: errorToData(e) };
  }
  try {
    let next = driver.next();
    while (!next.done) {
      const request = next.value;
      const outcomes = yield request.ranges.map(([lo, hi]) => ({
        key: `${task.key}#${request.step}[${lo},${hi})`,
        kernel: STEP_KERNEL,
        params: { step: request.step, args: request.args, lo, hi },
        inputs: [],
      }));
      const failed = outcomes.find((o) => !o.ok);
      if (failed) {
        driver.return(undefined);
        return failed;
      }
      next = driver.next(outcomes.map((o) => (o as { value: StepResult }).value));
    }
    return { ok: true, value: next.value };
  } catch (e) {
    return { ok: false, error: errorToData(e) };
  }
}

/** Runs a driver kernel to completion: the driver runs here, between steps, and `runSteps` runs its steps. */
export async function runDriverTask(task: TaskMessage, ctx: DriverContext, runSteps: StepRunner): Promise<TaskOutcome> {
  const run = driverSteps(task, ctx);
  let at = run.next();
  while (!at.done) {
    let outcomes: readonly TaskOutcome[];
    try {
      outcomes = await runSteps(at.value);
    } catch (e) {
      at = run.throw(e);
      continue;
    }
    at = run.next(outcomes);
  }
  return at.value;
}

/** `runDriverTask` with its steps run here and now, one after another: done when it returns. */
export function runDriverTaskNow(task: TaskMessage, ctx: DriverContext): TaskOutcome {
  const run = driverSteps(task, ctx);
  let at = run.next();
  while (!at.done) at = run.next(at.value.map((step) => runTask(step) as TaskOutcome));
  return at.value;
}
