/**
 * The worker-thread entry point (Piscina loads this file and nothing else of the engine). A job is a
 * batch of independent tasks; each outcome, success or failure, comes back as data. Chunk data lives
 * in SharedArrayBuffers, so inputs and outputs cross without a copy (with the WebAssembly memories
 * of those that are one: base/wasmMemory.ts).
 */
import './index.js';
import { runTask, type TaskMessage, type TaskOutcome, withValueMemories } from './task.js';
import { tasksHandled } from './workerCollection.js';

export default function runBatch(batch: readonly TaskMessage[]): TaskOutcome[] | Promise<TaskOutcome[]> {
  const out: (TaskOutcome | Promise<TaskOutcome>)[] = batch.map(runTask);
  if (!out.some((o) => o instanceof Promise)) return done(batch, out as TaskOutcome[]);
  return Promise.all(out).then((outcomes) => done(batch, outcomes));
}

/** Counts the shared bytes a batch handled (kernels/workerCollection.ts) and passes its outcomes on. */
function done(batch: readonly TaskMessage[], outcomes: TaskOutcome[]): TaskOutcome[] {
  tasksHandled(batch, outcomes);
  return outcomes.map(withValueMemories);
}

/** Gang members (kernels/gang.ts) and claimed batches (kernels/claimed.ts), called by name (Piscina's `name` run option). */
export { runClaimed } from './claimed.js';
export { helpGang, leadGang } from './gang.js';
