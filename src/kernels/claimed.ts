/**
 * A claimed batch (the worker side; executors/claimedBatch.ts sends it): the same list of tasks goes
 * to several workers at once, and each takes the next unclaimed task from a shared counter until none
 * is left. A worker that finishes a task starts the next one at once, instead of sending its result
 * to the main thread and waiting for the next task to come back — 0.3-0.5 ms a task on this project's
 * VMs, about what the task itself takes when it is a strided max over a 419x5000 chunk (0.55-0.6 ms) —
 * and the workers still finish together, since a slow one simply claims fewer tasks. Outcomes go back
 * on the entry's own port every FLUSH_MS, and the rest when the worker runs out of tasks; a worker that
 * dies loses the tasks it ran since it last sent.
 *
 * The main thread raises STOP when another session's task waits for a place these entries hold; the
 * workers then return at their next task boundary and leave the rest unclaimed, so a waiting task waits
 * one task, as for any entry (executors/fairPool.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import { runTask, type TaskMessage, type TaskOutcome, withValueMemories } from './task.js';
import { tasksHandled } from './workerCollection.js';

/** Slots of the control block (an Int32Array over a SharedArrayBuffer of CLAIMED_CONTROL_SLOTS). */
export const NEXT = 0;
export const STOP = 1;
export const CLAIMED_CONTROL_SLOTS = 2;

export interface ClaimedBatch {
  readonly control: Int32Array;
  readonly tasks: readonly TaskMessage[];
  /** Where outcomes go as they pile up (see FLUSH_MS); without one, all come back at the end. */
  readonly port?: MessagePort;
}

/** Tasks a worker ran (their indices in the batch) and their outcomes, in the same order. */
export interface ClaimedResult {
  readonly ran: number[];
  readonly outcomes: TaskOutcome[];
}

/**
 * A worker sends the outcomes it holds once this long has passed since it last sent any (or began),
 * at the end of a task: the main thread settles them — dependants become ready, progress is reported,
 * and a worker that dies later loses only what came after — while batches of short tasks (a 5000-wide
 * strided max of 12 chunks takes 3-4 ms) still come back in one message.
 */
export const FLUSH_MS = 20;

/** The next task this thread takes, or -1 when there is none or it is told to stop. */
export function claim(control: Int32Array, count: number): number {
  if (Atomics.load(control, STOP) !== 0) return -1;
  const k = Atomics.add(control, NEXT, 1);
  return k < count ? k : -1;
}

/** Outcomes a worker holds, and when it last sent any. */
class Held {
  result: ClaimedResult = { ran: [], outcomes: [] };
  #since = performance.now();

  constructor(readonly batch: ClaimedBatch) {}

  add(k: number, outcome: TaskOutcome): void {
    this.result.ran.push(k);
    this.result.outcomes.push(withValueMemories(outcome));
    if (this.batch.port && performance.now() - this.#since >= FLUSH_MS) this.batch.port.postMessage(this.take());
  }

  /** What it holds, counted as handled (kernels/workerCollection.ts), and nothing held after. */
  take(): ClaimedResult {
    const taken = this.result;
    tasksHandled(taken.ran.map((k) => this.batch.tasks[k]!), taken.outcomes);
    this.result = { ran: [], outcomes: [] };
    this.#since = performance.now();
    return taken;
  }
}

/**
 * Runs claimed tasks until none is left; an asynchronous kernel's outcome is awaited before the next
 * claim. Returns the outcomes not sent on the batch's port yet.
 */
export function runClaimed(batch: ClaimedBatch): ClaimedResult | Promise<ClaimedResult> {
  const { control, tasks } = batch;
  const held = new Held(batch);
  for (let k = claim(control, tasks.length); k >= 0; k = claim(control, tasks.length)) {
    const outcome = runTask(tasks[k]!);
    if (outcome instanceof Promise) return finishAsync(held, k, outcome);
    held.add(k, outcome);
  }
  return held.take();
}

async function finishAsync(held: Held, k: number, pending: Promise<TaskOutcome>): Promise<ClaimedResult> {
  const { control, tasks } = held.batch;
  for (let next = k; next >= 0; next = claim(control, tasks.length)) held.add(next, next === k ? await pending : await runTask(tasks[next]!));
  return held.take();
}
