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
 *   loop: it spins briefly (not while the leader runs a step alone), then sleeps in `Atomics.wait` on
 *   EPOCH, a counter every change of the control block (a request published, a phase, the gang's end,
 *   a call to leave) bumps after making it, so no wake-up is lost and a sleep needs no time limit.
 * - The leader never waits for a helper to join, only for ranges that were claimed, so a helper that
 *   starts late (or never) cannot stall the gang: the leader then runs every range itself. That also
 *   lets a helper leave whenever holding its worker is a waste:
 *   - While the leader runs its driver's own code (reading inputs, allocating, a serial pass between
 *     two steps: PHASE = DRIVING), a helper stays however long that takes: a request may follow at
 *     any moment. A fixed wait here lost every range of a graph projection whose first request came
 *     after more than 50 ms of setting up under load.
 *   - While the leader runs a step alone (a single-range request, like Dijkstra's whole-graph step:
 *     PHASE = ALONE), a helper stays HELPER_IDLE_MS, or as long as its longest range took if that is
 *     longer, then returns its worker to the pool.
 *   - When a task waits for the place a helper holds, the main thread raises YIELD (executors/gang.ts):
 *     helpers leave at their next range boundary, so a parked or busy helper never starves another
 *     session's task (or its own run's) for longer than one range.
 * - STATE ends the gang: FINISHED when the leader is done, CANCELLED when the main thread saw a gang
 *   member die or the run was aborted.
 *
 * Results are the same as on the main-thread path: the same step messages run through `runTask`.
 */
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { errorToData, TesseraError } from '../base/errors.js';
import { runDriverTask, runTask, type TaskMessage, type TaskOutcome } from './task.js';
import { handled, sharedBytesIn } from './workerCollection.js';

/** Slots of the control block (an Int32Array over a SharedArrayBuffer of GANG_CONTROL_SLOTS). */
export const CLAIM = 0;
export const DONE = 1;
export const STATE = 2;
/** Bumped after every change helpers wait for (see the file's comment). */
export const EPOCH = 3;
/** What the leader is doing between requests: DRIVING or ALONE. */
export const PHASE = 4;
/** Non-zero once a task waits for a place the helpers hold: they leave. */
export const YIELD = 5;
export const GANG_CONTROL_SLOTS = 6;

/** STATE values. */
export const RUNNING = 0;
export const FINISHED = 1;
export const CANCELLED = 2;

/** PHASE values: the leader runs its driver's code (a request may follow), or runs a step alone. */
export const DRIVING = 0;
export const ALONE = 1;

/** CLAIM = sequence << INDEX_BITS | next range; a request has at most MAX_RANGES ranges. */
const INDEX_BITS = 10;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
const MAX_RANGES = INDEX_MASK;
/** 21 bits of sequence: CLAIM stays a positive int32, and wraps only after 2M requests. */
const SEQUENCE_MASK = (1 << (31 - INDEX_BITS)) - 1;
/**
 * How long a waiting gang member spins before it sleeps (a helper only while the leader drives): about
 * one driver turn between two steps.
 */
const SPIN_MS = 0.2;
/** The leader's sleeps while helpers finish their ranges are bounded, so a missed cancellation costs at most this long. */
const SLEEP_MS = 5;
/**
 * A helper that watched the leader run a step alone for this long, or for as long as its own longest
 * range took if that is longer, gives its worker back to the pool.
 */
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

/** The leader's wait while control[slot] === value and the gang runs: spins first, then sleeps. */
function waitWhile(control: Int32Array, slot: number, value: number): void {
  const start = performance.now();
  while (Atomics.load(control, slot) === value && Atomics.load(control, STATE) === RUNNING) {
    if (performance.now() - start > SPIN_MS) Atomics.wait(control, slot, value, SLEEP_MS);
  }
}

/** Bumps EPOCH after a change to the control block, waking the helpers that sleep on it. */
export function announce(control: Int32Array): void {
  Atomics.add(control, EPOCH, 1);
  Atomics.notify(control, EPOCH);
}

/**
 * Waits until EPOCH differs from `epoch`, or until `deadline`: spins first when `spin` (a request may
 * follow at once), then sleeps. Atomics.wait returns at once if EPOCH changed since it was read, so a
 * sleep loses no wake-up.
 */
function awaitChange(control: Int32Array, epoch: number, deadline: number, spin: boolean): void {
  const start = performance.now();
  for (;;) {
    if (Atomics.load(control, EPOCH) !== epoch) return;
    const now = performance.now();
    if (now >= deadline) return;
    if (!spin || now - start > SPIN_MS) Atomics.wait(control, EPOCH, epoch, deadline - now);
  }
}

/** The leader: runs the driver here; multi-range requests are shared with whichever helpers joined. */
export async function leadGang(lead: GangLeadTask): Promise<TaskOutcome> {
  const { control, ports } = lead;
  let sequence = 0;
  const runShared = (steps: readonly TaskMessage[]): TaskOutcome[] => {
    const count = steps.length;
    if (ports.length === 0) return steps.map((s) => runTask(s) as TaskOutcome);
    if (count === 1 || count > MAX_RANGES) {
      // Helpers have nothing to do while this runs: after a while they leave (see the file's comment).
      Atomics.store(control, PHASE, ALONE);
      announce(control);
      try {
        return steps.map((s) => runTask(s) as TaskOutcome);
      } finally {
        Atomics.store(control, PHASE, DRIVING);
        announce(control);
      }
    }
    sequence = (sequence % SEQUENCE_MASK) + 1;
    const message: Published = { sequence, steps };
    Atomics.store(control, DONE, 0);
    for (const port of ports) port.postMessage(message);
    Atomics.store(control, CLAIM, sequence << INDEX_BITS);
    announce(control);
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
  let outcome: TaskOutcome | undefined;
  try {
    outcome = await runDriverTask(lead.task, { parallelism: lead.parallelism }, runShared);
    return outcome;
  } catch (e) {
    return { ok: false, error: errorToData(e) };
  } finally {
    Atomics.compareExchange(control, STATE, RUNNING, FINISHED);
    announce(control);
    for (const port of ports) port.close();
    // What the driver received and returned (its scratch dies with it: any of these arms the collection).
    const seen = new Set<ArrayBufferLike>();
    handled(sharedBytesIn(lead.task, seen) + sharedBytesIn(outcome, seen));
  }
}

/** A helper: runs ranges of the leader's requests until the gang ends or it has reason to leave (see the file's comment). */
export function helpGang({ control, port }: GangHelpTask): void {
  let latest: Published | undefined;
  let longestRange = 0;
  /**
   * When this helper first saw the leader run a step alone since the last request it saw (undefined:
   * not since then). Driving phases in between do not reset it, so a driver of many single-range
   * steps with short turns between them lets its helper go as one long step does.
   */
  let aloneSince: number | undefined;
  let received = 0;
  const seen = new Set<ArrayBufferLike>();
  try {
    for (;;) {
      // EPOCH is read before what it guards: a change made after this read makes the wait below return at once.
      const epoch = Atomics.load(control, EPOCH);
      if (Atomics.load(control, STATE) !== RUNNING || Atomics.load(control, YIELD) !== 0) return;
      const sequence = Atomics.load(control, CLAIM) >>> INDEX_BITS;
      if (sequence !== 0 && latest?.sequence !== sequence) {
        // Requests this helper slept through are over; only the newest can still have ranges left.
        for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
          latest = m.message as Published;
          received += sharedBytesIn(latest.steps, seen);
        }
        aloneSince = undefined;
      }
      if (latest?.sequence === sequence) {
        const index = claim(control, sequence, latest.steps.length);
        if (index >= 0) {
          const started = performance.now();
          const outcome = runTask(latest.steps[index]!) as TaskOutcome;
          port.postMessage({ sequence, index, outcome } satisfies HelperOutcome);
          Atomics.add(control, DONE, 1);
          Atomics.notify(control, DONE);
          // A gang of long ranges keeps its helper as long as its longest range took while the leader
          // runs a step alone: on a loaded machine the two ends of a step lie apart by as much.
          longestRange = Math.max(longestRange, performance.now() - started);
          continue;
        }
      }
      let deadline = Infinity;
      // While the leader runs a step alone, the next request is at least that step away: spinning then
      // only takes a CPU from the leader (or anyone else) on a small machine, so the helper sleeps at once.
      let spin = true;
      if (sequence !== 0 && latest?.sequence !== sequence) {
        // The leader posts a request before it publishes it, so this does not happen; if it ever did,
        // looking again soon beats sleeping until the next change.
        deadline = performance.now() + SLEEP_MS;
      } else if (Atomics.load(control, PHASE) === ALONE) {
        aloneSince ??= performance.now();
        deadline = aloneSince + Math.max(HELPER_IDLE_MS, longestRange);
        if (performance.now() >= deadline) return;
        spin = false;
      }
      awaitChange(control, epoch, deadline, spin);
    }
  } finally {
    port.close();
    handled(received);
  }
}
