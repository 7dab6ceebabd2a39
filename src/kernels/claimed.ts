/**
 * A claimed batch (the worker side; executors/claimedBatch.ts sends it): the same list of tasks goes
 * to several workers at once, and each takes the next unclaimed task from a shared counter until none
 * is left. A worker that finishes a task starts the next one at once, instead of sending its result
 * to the main thread and waiting for the next task to come back — 0.3-0.5 ms a task on this project's
 * VMs, about what the task itself takes when it is a strided max over a 419x5000 chunk (0.55-0.6 ms) —
 * and the workers still finish together, since a slow one simply claims fewer tasks. Its outcomes go
 * back together when it runs out of tasks, so a worker that dies loses all the tasks it took.
 *
 * The main thread raises STOP when another session's task waits for a place these entries hold; the
 * workers then return at their next task boundary and leave the rest unclaimed, so a waiting task waits
 * one task, as for any entry (executors/fairPool.ts).
 */
import { runTask, type TaskMessage, type TaskOutcome } from './task.js';
import { tasksHandled } from './workerCollection.js';

/** Slots of the control block (an Int32Array over a SharedArrayBuffer of CLAIMED_CONTROL_SLOTS). */
export const NEXT = 0;
export const STOP = 1;
export const CLAIMED_CONTROL_SLOTS = 2;

export interface ClaimedBatch {
  readonly control: Int32Array;
  readonly tasks: readonly TaskMessage[];
}

/** The tasks one worker ran (their indices in the batch) and their outcomes, in the same order. */
export interface ClaimedResult {
  readonly ran: number[];
  readonly outcomes: TaskOutcome[];
}

/** The next task this worker takes, or -1 when there is none or it is told to stop. */
function claim(control: Int32Array, count: number): number {
  if (Atomics.load(control, STOP) !== 0) return -1;
  const k = Atomics.add(control, NEXT, 1);
  return k < count ? k : -1;
}

/** Runs claimed tasks until none is left; an asynchronous kernel's outcome is awaited before the next claim. */
export function runClaimed(batch: ClaimedBatch): ClaimedResult | Promise<ClaimedResult> {
  const { control, tasks } = batch;
  const result: ClaimedResult = { ran: [], outcomes: [] };
  for (let k = claim(control, tasks.length); k >= 0; k = claim(control, tasks.length)) {
    const outcome = runTask(tasks[k]!);
    if (outcome instanceof Promise) return finishAsync(batch, result, k, outcome);
    result.ran.push(k);
    result.outcomes.push(outcome);
  }
  return done(batch, result);
}

async function finishAsync(batch: ClaimedBatch, result: ClaimedResult, k: number, pending: Promise<TaskOutcome>): Promise<ClaimedResult> {
  const { control, tasks } = batch;
  for (let next = k; next >= 0; next = claim(control, tasks.length)) {
    result.ran.push(next);
    result.outcomes.push(next === k ? await pending : await runTask(tasks[next]!));
  }
  return done(batch, result);
}

/** Counts the shared bytes the tasks this worker ran handled (kernels/workerCollection.ts). */
function done(batch: ClaimedBatch, result: ClaimedResult): ClaimedResult {
  tasksHandled(result.ran.map((k) => batch.tasks[k]!), result.outcomes);
  return result;
}
