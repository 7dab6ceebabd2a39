/**
 * Sending a claimed batch (kernels/claimed.ts): one list of tasks as `entries` pool entries that share a
 * counter, so each worker takes the next task as soon as it finishes one, with no round trip through
 * this thread between them. The caller hears outcomes as workers send them (at least every FLUSH_MS,
 * and at each entry's end), then, once every entry has ended, which tasks no worker claimed (they go
 * back to the ready set: a STOP, or a worker that came late) and which were claimed by a worker that
 * died or was aborted before it sent their outcomes (lost).
 *
 * On a shared pool, a claimed batch gives its places up to other sessions as a gang's helpers do
 * (executors/gang.ts): once another lane's entry waits for a place, STOP is raised and every worker
 * returns after the task it is running.
 *
 * The sending thread may take tasks from the same counter too (`claimHere`), running them itself while
 * the workers run theirs (executors/threads.ts says when and why).
 */
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { claim, CLAIMED_CONTROL_SLOTS, type ClaimedBatch, type ClaimedResult, NEXT, STOP } from '../kernels/claimed.js';
import type { TaskMessage, TaskOutcome } from '../kernels/task.js';
import { Lane, type TaskRunner } from './fairPool.js';

export interface ClaimedEnd {
  /** Indices (into the batch) of the tasks no worker took. */
  readonly unclaimed: number[];
  /** Indices of the tasks a worker took whose entry failed (a worker died, or the run was aborted). */
  readonly lost: number[];
}

export interface ClaimedBatchRun {
  /** Resolves once every entry has ended (after the last `onEntryEnd`); never rejects, provided the callbacks do not throw. */
  readonly ended: Promise<ClaimedEnd>;
  /**
   * The next task for the sending thread to run itself, or -1 when none is left, STOP is raised or
   * the batch has ended. The caller runs and settles it; it is never reported as unclaimed or lost.
   */
  claimHere(): number;
}

/** Raises `stop` once another lane's entry waits for a place in the pool; returns the function that stops watching. */
function yieldToOthers(runner: TaskRunner, stop: () => void): () => void {
  if (!(runner instanceof Lane)) return () => {};
  const dispatcher = runner.dispatcher;
  const check = (): void => {
    if (dispatcher.placeWanted(runner)) stop();
  };
  const onQueued = (lane: Lane): void => {
    if (lane !== runner) queueMicrotask(check);
  };
  dispatcher.setMaxListeners(0);
  dispatcher.on('queued', onQueued);
  return () => dispatcher.off('queued', onQueued);
}

/** Hands a group of outcomes on (each group arrives once: on the port, drained from it, or as the reply). */
type Deliver = (group: ClaimedResult) => void;

/**
 * One entry: its own port for the outcomes its worker sends as they pile up (kernels/claimed.ts
 * FLUSH_MS). When the entry ends — its last outcomes, or a rejection — whatever the port still holds is
 * read at once (the pool's reply and the port's messages travel on different channels, so the reply
 * may come first), then the port is closed.
 */
function runEntry(pool: TaskRunner, control: Int32Array, tasks: readonly TaskMessage[], signal: AbortSignal, deliver: Deliver): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', deliver);
  const drain = (): void => {
    for (let m = receiveMessageOnPort(port1); m !== undefined; m = receiveMessageOnPort(port1)) deliver(m.message as ClaimedResult);
    port1.close();
  };
  const batch: ClaimedBatch = { control, tasks, port: port2 };
  return pool.run(batch, { name: 'runClaimed', signal, transferList: [port2] }).then(
    (last) => {
      drain();
      deliver(last as ClaimedResult);
    },
    // Its tasks without an outcome show up as lost; the caller retries them.
    drain,
  );
}

/**
 * Runs `tasks` on `entries` workers of `pool` claiming them one at a time (and on this thread, as far
 * as the caller takes tasks with `claimHere`). `onOutcomes` gets outcomes (with their tasks' indices)
 * as workers send them, `onEntryEnd` each entry's end after its last outcomes (ThreadRun's callbacks
 * are guarded).
 */
export function runClaimedBatch(
  pool: TaskRunner,
  tasks: readonly TaskMessage[],
  entries: number,
  signal: AbortSignal,
  onOutcomes: (ran: readonly number[], outcomes: readonly TaskOutcome[]) => void,
  onEntryEnd: () => void,
): ClaimedBatchRun {
  const control = new Int32Array(new SharedArrayBuffer(CLAIMED_CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  const reported = new Uint8Array(tasks.length);
  const stopWatching = yieldToOthers(pool, () => Atomics.store(control, STOP, 1));
  const deliver: Deliver = ({ ran, outcomes }) => {
    for (const k of ran) reported[k] = 1;
    if (ran.length > 0) onOutcomes(ran, outcomes);
  };
  const one = (): Promise<void> => runEntry(pool, control, tasks, signal, deliver).then(onEntryEnd);
  const ended = Promise.all(Array.from({ length: entries }, one)).then(() => {
    stopWatching();
    // This thread takes nothing more either: what is unclaimed now goes back to the caller.
    Atomics.store(control, STOP, 1);
    const claimed = Math.min(Atomics.load(control, NEXT), tasks.length);
    const unclaimed: number[] = [];
    const lost: number[] = [];
    for (let k = 0; k < tasks.length; k++) {
      if (k >= claimed) unclaimed.push(k);
      else if (reported[k] === 0) lost.push(k);
    }
    return { unclaimed, lost };
  });
  const claimHere = (): number => {
    const k = claim(control, tasks.length);
    if (k >= 0) reported[k] = 1;
    return k;
  };
  return { ended, claimHere };
}
