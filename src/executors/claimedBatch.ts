/**
 * Sending a claimed batch (kernels/claimed.ts): one list of tasks as `entries` pool entries that share a
 * counter, so each worker takes the next task as soon as it finishes one, with no round trip through
 * this thread between them. The caller hears each entry's outcomes as it ends, then, once every entry
 * has ended, which tasks no worker claimed (they go back to the ready set: a STOP, or a worker that
 * came late) and which were claimed by a worker that died or was aborted (their outcomes are lost).
 *
 * On a shared pool, a claimed batch gives its places up to other sessions as a gang's helpers do
 * (executors/gang.ts): once another lane's entry waits for a place, STOP is raised and every worker
 * returns after the task it is running.
 */
import { CLAIMED_CONTROL_SLOTS, type ClaimedBatch, type ClaimedResult, NEXT, STOP } from '../kernels/claimed.js';
import type { TaskMessage, TaskOutcome } from '../kernels/task.js';
import { Lane, type TaskRunner } from './fairPool.js';

export interface ClaimedEnd {
  /** Indices (into the batch) of the tasks no worker took. */
  readonly unclaimed: number[];
  /** Indices of the tasks a worker took whose entry failed (a worker died, or the run was aborted). */
  readonly lost: number[];
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

/**
 * Runs `tasks` on `entries` workers of `pool` claiming them one at a time. `onEntry` gets each entry's
 * tasks (indices) and outcomes as it ends; the promise resolves once every entry has ended (after the
 * last `onEntry`) and never rejects, provided `onEntry` does not throw (ThreadRun's are guarded).
 */
export function runClaimedBatch(
  pool: TaskRunner,
  tasks: readonly TaskMessage[],
  entries: number,
  signal: AbortSignal,
  onEntry: (ran: readonly number[], outcomes: readonly TaskOutcome[]) => void,
): Promise<ClaimedEnd> {
  const control = new Int32Array(new SharedArrayBuffer(CLAIMED_CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  const batch: ClaimedBatch = { control, tasks };
  const reported = new Uint8Array(tasks.length);
  const stopWatching = yieldToOthers(pool, () => Atomics.store(control, STOP, 1));
  const one = (): Promise<void> =>
    pool.run(batch, { name: 'runClaimed', signal }).then(
      (value) => {
        const { ran, outcomes } = value as ClaimedResult;
        for (const k of ran) reported[k] = 1;
        onEntry(ran, outcomes);
      },
      // Its tasks show up as lost below; the caller retries them.
      () => {},
    );
  return Promise.all(Array.from({ length: entries }, one)).then(() => {
    stopWatching();
    const claimed = Math.min(Atomics.load(control, NEXT), tasks.length);
    const unclaimed: number[] = [];
    const lost: number[] = [];
    for (let k = 0; k < tasks.length; k++) {
      if (k >= claimed) unclaimed.push(k);
      else if (reported[k] === 0) lost.push(k);
    }
    return { unclaimed, lost };
  });
}
