/**
 * A worker for the claimed-batch tests: kernels/claimed.ts's `runClaimed` plus a test kernel that
 * records which thread ran each task and how often, and can be told to sleep, to wait at a gate the
 * main thread opens, or to end its thread — so the tests assert who ran what, never how long anything took. A gate
 * has the events helpers' safety bound, after which the task fails naming the gate.
 */
import { threadId } from 'node:worker_threads';
import { registerKernel } from '../../src/kernels/registry.js';
import { EVENT_SAFETY_MS } from './events.js';

export { runClaimed } from '../../src/kernels/claimed.js';

export interface MarkParams {
  readonly k: number;
  /** runs[k] counts the task's runs; threads[k] is the thread that ran it last. */
  readonly runs: Int32Array;
  readonly threads: Int32Array;
  /** started[0] counts tasks that started; a task with `gated` then waits until gate[0] is not 0. */
  readonly started: Int32Array;
  readonly gate?: Int32Array;
  readonly gated?: boolean;
  /** This task ends its thread. */
  readonly exit?: boolean;
  /** This task sleeps this long first (Atomics.wait on a private flag). */
  readonly sleepMs?: number;
}

registerKernel('test.mark', (_inputs, p: MarkParams) => {
  Atomics.add(p.runs, p.k, 1);
  Atomics.store(p.threads, p.k, threadId);
  Atomics.add(p.started, 0, 1);
  Atomics.notify(p.started, 0);
  if (p.exit) process.exit(7);
  if (p.sleepMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, p.sleepMs);
  if (p.gated && p.gate) {
    if (Atomics.wait(p.gate, 0, 0, EVENT_SAFETY_MS) === 'timed-out') throw new Error(`task ${p.k}: the gate never opened`);
  }
  return p.k;
});

/** Piscina loads a worker file by its default export first; the tests call runClaimed by name. */
export default function unused(): never {
  throw new Error('call runClaimed by name');
}
