/**
 * A driver kernel run by a gang of workers (the worker side; executors/gang.ts starts the gang).
 *
 * Sending every range of every step to the pool costs a message round trip through the main thread
 * per step: 60-250 µs, as much as a PageRank step on a 64k-vertex graph. In a gang, the driver runs
 * on one worker (the leader) and the other workers (helpers) wait for steps in shared memory:
 *
 * - The leader posts each multi-range request to every helper's MessagePort (the step messages carry
 *   SharedArrayBuffers, so nothing big is copied), then publishes it in the control block's CLAIM
 *   word: the request's sequence number and the next unclaimed range. Everyone, the leader included,
 *   claims ranges by compare-and-swap on that word, runs them, and counts them in DONE; helpers send
 *   their outcomes back on their port. The leader resumes the driver when DONE reaches the range count.
 * - Helpers read their port synchronously (`receiveMessageOnPort`), so a waiting helper needs no event
 *   loop: it spins briefly on CLAIM, then sleeps in `Atomics.wait` until the leader notifies it.
 * - The leader never waits for a helper to join, only for ranges that were claimed, so a helper that
 *   starts late (or never) cannot stall the gang: the leader then runs every range itself. That also
 *   lets an idle helper leave: one that found nothing to claim for HELPER_IDLE_MS, or for as long as
 *   its longest range took if that is longer (a driver busy with
 *   one long whole-graph step, like Dijkstra) returns its worker to the pool.
 * - STATE ends the gang: FINISHED when the leader is done, CANCELLED when the main thread saw a gang
 *   member die or the run was aborted; every wait also wakes on it.
 *
 * Results are the same as on the main-thread path: the same step messages run through `runTask`.
 */
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { errorToData, TesseraError } from '../base/errors.js';
import { runDriverTask, runTask, type TaskMessage, type TaskOutcome } from './task.js';

/** Slots of the control block (an Int32Array over a SharedArrayBuffer of GANG_CONTROL_SLOTS). */
export const CLAIM = 0;
export const DONE = 1;
export const STATE = 2;
export const GANG_CONTROL_SLOTS = 4;

export const RUNNING = 0;
export const FINISHED = 1;
export const CANCELLED = 2;

/** CLAIM = sequence << INDEX_BITS | next range; a request has at most MAX_RANGES ranges. */
const INDEX_BITS = 10;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
const MAX_RANGES = INDEX_MASK;
/** 21 bits of sequence: CLAIM stays a positive int32, and wraps only after 2M requests. */
const SEQUENCE_MASK = (1 << (31 - INDEX_BITS)) - 1;
/** How long a waiting gang member spins before it sleeps: about one driver turn between two steps. */
const SPIN_MS = 0.2;
/** Sleeps are bounded anyway, so a lost wake-up costs at most this long. */
const SLEEP_MS = 5;
/**
 * A helper with nothing to claim for this long gives its worker back to the pool: longer before the
 * first request (the leader may still be setting up a big graph's state) than between requests, and
 * between requests at least as long as its longest range took.
 */
const HELPER_FIRST_WAIT_MS = 50;
const HELPER_IDLE_MS = 10;

export interface GangLeadTask {
  readonly task: TaskMessage;
  readonly parallelism: number;
  readonly control: Int32Array;
  /** The leader's ends of the helpers' channels (helpers may come late, or never). */
  readonly ports: readonly MessagePort[];
}

export interface GangHelpTask {
  readonly control: Int32Array;
  readonly port: MessagePort;
}

interface Published {
  readonly sequence: number;
  readonly steps: readonly TaskMessage[];
}

interface HelperOutcome {
  readonly sequence: number;
  readonly index: number;
  readonly outcome: TaskOutcome;
}

export class GangCancelledError extends TesseraError {
  constructor() {
    super('GangCancelled', 'A worker of this gang died or the run was aborted; the main thread decides what follows.');
  }
}

/** Claims the next range of request `sequence` (-1 when none is left or the request is over). */
function claim(control: Int32Array, sequence: number, count: number): number {
  for (;;) {
    const word = Atomics.load(control, CLAIM);
    const index = word & INDEX_MASK;
    if (word >>> INDEX_BITS !== sequence || index >= count) return -1;
    if (Atomics.compareExchange(control, CLAIM, word, word + 1) === word) return index;
  }
}

/** Waits while control[slot] === value and the gang runs, until `deadline` at most: spins first, then sleeps. */
function waitWhile(control: Int32Array, slot: number, value: number, deadline = Infinity): void {
  const start = performance.now();
  while (Atomics.load(control, slot) === value && Atomics.load(control, STATE) === RUNNING) {
    const now = performance.now();
    if (now >= deadline) return;
    if (now - start > SPIN_MS) Atomics.wait(control, slot, value, Math.min(SLEEP_MS, deadline - now));
  }
}

/** The leader: runs the driver here; multi-range requests are shared with whichever helpers joined. */
export async function leadGang(lead: GangLeadTask): Promise<TaskOutcome> {
  const { control, ports } = lead;
  let sequence = 0;
  const runShared = (steps: readonly TaskMessage[]): TaskOutcome[] => {
    const count = steps.length;
    if (count === 1 || ports.length === 0 || count > MAX_RANGES) return steps.map((s) => runTask(s) as TaskOutcome);
    sequence = (sequence % SEQUENCE_MASK) + 1;
    const message: Published = { sequence, steps };
    Atomics.store(control, DONE, 0);
    for (const port of ports) port.postMessage(message);
    Atomics.store(control, CLAIM, sequence << INDEX_BITS);
    Atomics.notify(control, CLAIM);
    const outcomes: TaskOutcome[] = new Array(count);
    for (let i = claim(control, sequence, count); i >= 0; i = claim(control, sequence, count)) {
      outcomes[i] = runTask(steps[i]!) as TaskOutcome;
      Atomics.add(control, DONE, 1);
    }
    for (let done = Atomics.load(control, DONE); done < count; done = Atomics.load(control, DONE)) {
      if (Atomics.load(control, STATE) !== RUNNING) throw new GangCancelledError();
      waitWhile(control, DONE, done);
    }
    // A helper posts its outcome before it counts the range done, so every outcome is queued by now.
    for (const port of ports) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const r = m.message as HelperOutcome;
        if (r.sequence === sequence) outcomes[r.index] = r.outcome;
      }
    }
    return outcomes;
  };
  try {
    return await runDriverTask(lead.task, { parallelism: lead.parallelism }, runShared);
  } catch (e) {
    return { ok: false, error: errorToData(e) };
  } finally {
    Atomics.compareExchange(control, STATE, RUNNING, FINISHED);
    Atomics.notify(control, CLAIM);
    for (const port of ports) port.close();
  }
}

/** A helper: runs ranges of the leader's requests until the gang ends. */
export function helpGang({ control, port }: GangHelpTask): void {
  let latest: Published | undefined;
  let lastWork = performance.now();
  let patience = HELPER_FIRST_WAIT_MS;
  let longestRange = 0;
  try {
    while (Atomics.load(control, STATE) === RUNNING && performance.now() - lastWork < patience) {
      const word = Atomics.load(control, CLAIM);
      const sequence = word >>> INDEX_BITS;
      if (sequence !== 0 && latest?.sequence !== sequence) {
        // Requests this helper slept through are over; only the newest can still have ranges left.
        for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) latest = m.message as Published;
      }
      if (latest?.sequence === sequence) {
        const index = claim(control, sequence, latest.steps.length);
        if (index >= 0) {
          const started = performance.now();
          const outcome = runTask(latest.steps[index]!) as TaskOutcome;
          port.postMessage({ sequence, index, outcome } satisfies HelperOutcome);
          Atomics.add(control, DONE, 1);
          Atomics.notify(control, DONE);
          lastWork = performance.now();
          // A gang of long ranges keeps its helper as long as its longest range took: the leader may
          // still be finishing a range as big, or preparing the next request over as much data (on a
          // loaded machine the two ends of a step lie apart by as much as a range takes).
          longestRange = Math.max(longestRange, lastWork - started);
          patience = Math.max(HELPER_IDLE_MS, longestRange);
          continue;
        }
      }
      waitWhile(control, CLAIM, word, lastWork + patience);
    }
  } finally {
    port.close();
  }
}
