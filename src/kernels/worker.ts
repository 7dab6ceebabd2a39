/**
 * The worker-thread entry point (Piscina loads this file and nothing else of the engine). A job is a
 * batch of independent tasks; each outcome, success or failure, comes back as data. Chunk data lives
 * in SharedArrayBuffers, so inputs and outputs cross without a copy.
 */
import { nudgeCollection } from '../base/gcNudge.js';
import './index.js';
import { runTask, type TaskMessage, type TaskOutcome } from './task.js';

/**
 * Shared buffers that arrive from other threads are not counted against this thread's heap, so V8
 * would keep the dead ones' memory mapped until its JS heap alone asks for a collection; the worker
 * nudges one per 64 MB of tensor chunk data it has read (the input bytes are its "allocation").
 */
const NUDGE_EVERY_BYTES = 64 * 2 ** 20;
let bytesRead = 0;

function tensorBytes(v: unknown): number {
  const data = (v as { data?: unknown } | null)?.data;
  return ArrayBuffer.isView(data) ? data.byteLength : 0;
}

export default function runBatch(batch: readonly TaskMessage[]): TaskOutcome[] | Promise<TaskOutcome[]> {
  for (const task of batch) for (const input of task.inputs) bytesRead += tensorBytes(input);
  if (bytesRead >= NUDGE_EVERY_BYTES) {
    bytesRead = 0;
    nudgeCollection();
  }
  const out: (TaskOutcome | Promise<TaskOutcome>)[] = batch.map(runTask);
  return out.some((o) => o instanceof Promise) ? Promise.all(out) : (out as TaskOutcome[]);
}

/** Gang members (kernels/gang.ts), called by name (Piscina's `name` run option). */
export { helpGang, leadGang } from './gang.js';
