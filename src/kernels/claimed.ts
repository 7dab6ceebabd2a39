/**
 * A claimed batch (the worker side; executors/claimedBatch.ts sends it): the same list of tasks goes
 * to several workers at once, and each takes the next unclaimed task from a shared counter until none
 * is left. A worker that finishes a task starts the next one at once, instead of sending its result
 * to the main thread and waiting for the next task to come back — 0.3-0.5 ms a task on this project's
 * VMs, about what the task itself takes when it is a strided max over a 419x5000 chunk (0.55-0.6 ms) —
 * and the workers still finish together, since a slow one simply claims fewer tasks. Outcomes go back
 * on the worker's flush port every FLUSH_MS, and the rest when the worker runs out of tasks; a worker that
 * dies loses the tasks it ran since it last sent.
 *
 * A worker's flush port is its own, kept from one batch to the next: the main thread offers a port with
 * an entry while it has no sign that every worker holds one (executors/claimedBatch.ts), and a worker
 * that already holds one leaves the offered one to the main thread to close. Most entries end before
 * they flush, and a port sent with every entry made that post slow now and then: 300 strided maxima of
 * a 5000x5000 x posted 0.34-0.49 ms a run on the main thread with one, 0.20-0.33 without (p90 of a
 * post up to 2.4 ms against at most 0.36).
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
  /** Which entry this is: flushed outcomes carry it, since a worker's flush port serves all its entries. */
  readonly entry?: number;
  /** A flush port offered to this worker, kept unless it holds one already. */
  readonly port?: MessagePort;
}

/** Tasks a worker ran (their indices in the batch) and their outcomes, in the same order. */
export interface ClaimedResult {
  readonly ran: number[];
  readonly outcomes: TaskOutcome[];
}

/** An entry's reply: its last outcomes, and whether its worker held a flush port before this entry. */
export interface ClaimedReply extends ClaimedResult {
  readonly portHeld: boolean;
}

/** What a flush port carries: outcomes of entry `entry`. */
export interface ClaimedFlush extends ClaimedResult {
  readonly entry: number;
}

/** This thread's flush port (kept across batches), if it was offered one. */
let flushPort: MessagePort | undefined;

/**
 * Takes the batch's offered port when this thread holds none; whether it held one before. One offered
 * to a thread that holds one is left alone: the main thread closes it on hearing `portHeld` (a close
 * from here takes effect only once this thread's event loop turns, which a pool whose threads block
 * between tasks may not do for long).
 */
function adoptPort(batch: ClaimedBatch): boolean {
  const held = flushPort !== undefined;
  if (batch.port && !held) {
    flushPort = batch.port;
    // A closed port (the main thread's end went away) is dropped; the next offer replaces it.
    flushPort.on('close', () => {
      if (flushPort === batch.port) flushPort = undefined;
    });
    flushPort.unref();
  }
  return held;
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
    const entry = this.batch.entry;
    if (flushPort && entry !== undefined && performance.now() - this.#since >= FLUSH_MS) flushPort.postMessage({ entry, ...this.take() } satisfies ClaimedFlush);
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
 * claim. Returns the outcomes not flushed yet.
 */
export function runClaimed(batch: ClaimedBatch): ClaimedReply | Promise<ClaimedReply> {
  const portHeld = adoptPort(batch);
  const { control, tasks } = batch;
  const held = new Held(batch);
  for (let k = claim(control, tasks.length); k >= 0; k = claim(control, tasks.length)) {
    const outcome = runTask(tasks[k]!);
    if (outcome instanceof Promise) return finishAsync(held, k, outcome, portHeld);
    held.add(k, outcome);
  }
  return { ...held.take(), portHeld };
}

async function finishAsync(held: Held, k: number, pending: Promise<TaskOutcome>, portHeld: boolean): Promise<ClaimedReply> {
  const { control, tasks } = held.batch;
  for (let next = k; next >= 0; next = claim(control, tasks.length)) held.add(next, next === k ? await pending : await runTask(tasks[next]!));
  return { ...held.take(), portHeld };
}
