/**
 * Starting and supervising a gang (kernels/gang.ts): one driver task run by a leader worker, with
 * helper workers that take ranges of its steps through shared memory instead of one pool round trip
 * per step. The main thread's part is small: it creates the control block and the channels, starts
 * the leader and the helpers, and ends the gang — FINISHED when the
 * leader returns, CANCELLED when a member dies (Piscina rejects its task) or the run is aborted.
 */
import { MessageChannel } from 'node:worker_threads';
import {
  CANCELLED,
  CLAIM,
  DONE,
  FINISHED,
  GANG_CONTROL_SLOTS,
  type GangHelpTask,
  type GangLeadTask,
  RUNNING,
  STATE,
} from '../kernels/gang.js';
import type { TaskMessage, TaskOutcome } from '../kernels/task.js';
import type { TaskRunner } from './fairPool.js';

export interface GangResult {
  /** The leader's outcome, unless a member died first. */
  readonly outcome?: TaskOutcome;
  /** Why the gang was cut short when a member died (its task's rejection). */
  readonly crashed?: string;
}

/** Runs a driver task on a gang of up to `size` workers of `pool`. Never rejects. */
export async function runGang(pool: TaskRunner, task: TaskMessage, size: number, signal: AbortSignal): Promise<GangResult> {
  const control = new Int32Array(new SharedArrayBuffer(GANG_CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  const channels = Array.from({ length: Math.max(0, size - 1) }, () => new MessageChannel());
  let crashed: string | undefined;
  const end = (state: number): void => {
    Atomics.compareExchange(control, STATE, RUNNING, state);
    Atomics.notify(control, CLAIM);
    Atomics.notify(control, DONE);
  };
  const died = (e: unknown): void => {
    crashed ??= (e as Error)?.message ?? String(e);
    end(CANCELLED);
  };
  const lead: GangLeadTask = { task, parallelism: size, control, ports: channels.map((c) => c.port1) };
  // The leader is queued first, so it is the first to get a worker.
  const leading = pool.run(lead, { name: 'leadGang', transferList: [...lead.ports], signal });
  for (const { port2 } of channels) {
    const help: GangHelpTask = { control, port: port2 };
    // A helper's rejection is handled here (`died`); nothing awaits its result.
    pool.run(help, { name: 'helpGang', transferList: [port2], signal }).catch(died);
  }
  try {
    const outcome = (await leading) as TaskOutcome;
    end(FINISHED);
    return crashed !== undefined && !outcome.ok ? { crashed } : { outcome };
  } catch (e) {
    died(e);
    return { crashed: crashed! };
  }
}
