/**
 * The worker-thread entry point (Piscina loads this file and nothing else of the engine). A job is a
 * batch of independent tasks; each outcome, success or failure, comes back as data. Chunk data lives
 * in SharedArrayBuffers, so inputs and outputs cross without a copy.
 */
import './index.js';
import { runTask, type TaskMessage, type TaskOutcome } from './task.js';

export default function runBatch(batch: readonly TaskMessage[]): TaskOutcome[] | Promise<TaskOutcome[]> {
  const out: (TaskOutcome | Promise<TaskOutcome>)[] = batch.map(runTask);
  return out.some((o) => o instanceof Promise) ? Promise.all(out) : (out as TaskOutcome[]);
}

/** Gang members (kernels/gang.ts), called by name (Piscina's `name` run option). */
export { helpGang, leadGang } from './gang.js';
