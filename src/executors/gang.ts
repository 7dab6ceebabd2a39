/**
 * Starting and supervising a gang (kernels/gang.ts): one driver task run by a leader worker, with
 * helper workers that take ranges of its steps through shared memory instead of one pool round trip
 * per step. The main thread's part is small: it creates the control block and the channels, starts
 * the leader and the helpers, tells the helpers to leave when another task waits for their places,
 * and ends the gang — FINISHED when the leader returns, CANCELLED when a member dies (Piscina rejects
 * its task) or the run is aborted.
 *
 * Why helpers leave for a waiting task: a helper waits for the driver's next request as long as the
 * driver runs its own code (a big graph's setup takes seconds), so while it waits its place in the
 * pool is idle. That costs nothing while nobody else wants the place; once a task waits for it —
 * another session's (fairPool.ts gives places to the session with the least pool time, but cannot
 * take one back from a gang) or the same run's next chunk — the helpers leave at their next range
 * boundary and the leader finishes the driver alone. So a gang uses its helpers only on places nobody
 * else is waiting for, and a waiting task waits at most one range, as for any other task.
 */
import { MessageChannel } from 'node:worker_threads';
import {
  announce,
  CANCELLED,
  DONE,
  FINISHED,
  GANG_CONTROL_SLOTS,
  type GangHelpTask,
  type GangLeadTask,
  RUNNING,
  STATE,
  YIELD,
} from '../kernels/gang.js';
import { membersFor } from '../kernels/registry.js';
import type { TaskMessage, TaskOutcome } from '../kernels/task.js';
import { Lane, type TaskRunner } from './fairPool.js';

export interface GangResult {
  /** The leader's outcome, unless a member died first. */
  readonly outcome?: TaskOutcome;
  /** Why the gang was cut short when a member died (its task's rejection). */
  readonly crashed?: string;
}

/**
 * Calls `release` once a task waits for a place this gang's helpers hold: an entry of the gang's own
 * lane that is not a member of it, or another lane's while the pool is full. Only a lane of a
 * FairDispatcher can tell; on a bare Piscina pool (tests) helpers leave by the kernel side's rules
 * alone. Returns the function that stops watching.
 */
function watchDemand(runner: TaskRunner, members: ReadonlySet<unknown>, release: () => void): () => void {
  if (!(runner instanceof Lane)) return () => {};
  const dispatcher = runner.dispatcher;
  // Checked a microtask after the event, once the dispatcher has handed out every place it could.
  let scheduled = false;
  const check = (): void => {
    scheduled = false;
    if (dispatcher.placeWanted(runner)) release();
  };
  const later = (): void => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(check);
  };
  const onQueued = (lane: Lane, task: unknown): void => {
    if (lane === runner && !members.has(task)) release();
    else later();
  };
  // Every gang in flight listens: more than Node's default of 10 on a server with many sessions.
  dispatcher.setMaxListeners(0);
  dispatcher.on('queued', onQueued);
  // A place handed out may leave another lane waiting (this gang's helper got it first).
  dispatcher.on('dispatch', later);
  later();
  return () => {
    dispatcher.off('queued', onQueued);
    dispatcher.off('dispatch', later);
  };
}

/**
 * Runs a driver task on a gang of up to `workers` workers of `pool` (fewer when the driver says its run
 * is too small to share: kernels/registry.ts `membersFor`). Never rejects.
 */
export async function runGang(pool: TaskRunner, task: TaskMessage, workers: number, signal: AbortSignal): Promise<GangResult> {
  const size = membersFor(task.kernel, task.inputs, task.params, workers);
  const control = new Int32Array(new SharedArrayBuffer(GANG_CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  const channels = Array.from({ length: Math.max(0, size - 1) }, () => new MessageChannel());
  let crashed: string | undefined;
  const end = (state: number): void => {
    Atomics.compareExchange(control, STATE, RUNNING, state);
    announce(control);
    Atomics.notify(control, DONE);
  };
  const died = (e: unknown): void => {
    crashed ??= (e as Error)?.message ?? String(e);
    end(CANCELLED);
  };
  const lead: GangLeadTask = { task, parallelism: size, control, ports: channels.map((c) => c.port1) };
  const helpers: GangHelpTask[] = channels.map(({ port2 }) => ({ control, port: port2 }));
  const stopWatching =
    helpers.length === 0
      ? () => {}
      : watchDemand(pool, new Set<unknown>([lead, ...helpers]), () => {
          if (Atomics.compareExchange(control, YIELD, 0, 1) === 0) announce(control);
        });
  // The leader is queued first, so it is the first to get a worker.
  const leading = pool.run(lead, { name: 'leadGang', transferList: [...lead.ports], signal });
  for (const help of helpers) {
    // A helper's rejection is handled here (`died`); nothing awaits its result.
    pool.run(help, { name: 'helpGang', transferList: [help.port], signal }).catch(died);
  }
  try {
    const outcome = (await leading) as TaskOutcome;
    end(FINISHED);
    return crashed !== undefined && !outcome.ok ? { crashed } : { outcome };
  } catch (e) {
    died(e);
    return { crashed: crashed! };
  } finally {
    stopWatching();
  }
}
