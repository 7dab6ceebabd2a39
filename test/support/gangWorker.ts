/**
 * A worker for the gang tests: the gang members of kernels/gang.ts plus a test driver whose steps can
 * be told to sleep, throw, kill their thread, or wait for an event another thread signals through
 * shared memory, and whose own code can keep the leader busy between requests (a serial phase) or wait
 * for such an event before making any — so the tests assert what happened (who ran what, what ran while a step waited), never
 * how long anything took. Waits on events have a generous safety bound after which the step fails with
 * a message saying which event never came, instead of hanging the test.
 */
import { threadId, workerData } from 'node:worker_threads';
import { InvalidArgumentError } from '../../src/base/errors.js';
import { type GangHelpTask, helpGang as joinGang } from '../../src/kernels/gang.js';
import { registerDriver, registerKernel, STEP_KERNEL } from '../../src/kernels/registry.js';
import { EVENT_SAFETY_MS } from './events.js';

export { leadGang } from '../../src/kernels/gang.js';

/** The pool's `workerData`: `joined[0]` counts the helpers that have started, in every gang. */
export interface GangWorkerData {
  readonly joined: Int32Array;
}

/** An Int32Array over shared memory: a flag or counter the main thread and the workers all see. */
export function sharedInts(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));
}

export interface SquaresParams {
  readonly n: number;
  readonly requests: number;
  readonly parts: number;
  /** Each range sleeps this long. */
  readonly sleepMs?: number;
  /** A range starting here throws InvalidArgumentError. */
  readonly throwAt?: number;
  /** A range starting here ends the thread that runs it. */
  readonly exitAt?: number;
  /**
   * [first, second] per request, for as many requests as it has pairs: the ranges of those requests
   * each record their thread here and wait until two different threads have taken one, so those
   * requests are shared by construction, not by timing.
   */
  readonly rendezvous?: Int32Array;
  /** Every range waits until `waitFor[0]` is non-zero (set by another task, e.g. `ping`). */
  readonly waitFor?: Int32Array;
  /**
   * The driver's own serial phase before each request: it first waits until `joined[0]` (the pool's
   * count of started helpers) reaches `atLeast`, so a helper is there, then keeps its thread for `ms`.
   */
  readonly serial?: { readonly joined: Int32Array; readonly atLeast: number; readonly ms: number };
  /** The driver, before any request (or its result if it makes none), waits until `driverWaitsFor[0]` is non-zero. */
  readonly driverWaitsFor?: Int32Array;
  /**
   * [started, finished, never set]: every range counts itself started, then blocks with no time limit
   * — only terminating its thread ends it — and would count itself finished if it ever got past that.
   */
  readonly block?: Int32Array;
  /** What the driver's `members` says it wants (registry.ts), unless absent: every worker. */
  readonly members?: number;
}

interface SquaresArgs extends SquaresParams {
  readonly out: Float64Array;
  /** The thread that ran each range (by lo / n * parts), per request. */
  readonly threads: Int32Array;
  /** How many times each range ran, per request. */
  readonly runs: Int32Array;
  readonly request: number;
}

/** Waits while `flags[slot] === value`; false if that outlasted EVENT_SAFETY_MS. */
function awaitChange(flags: Int32Array, slot: number, value: number): boolean {
  const deadline = performance.now() + EVENT_SAFETY_MS;
  while (Atomics.load(flags, slot) === value) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(flags, slot, value, left);
  }
  return true;
}

/** Marks a rendezvous that timed out, so the other ranges of the request fail at once instead of waiting too. */
const MISSED = -1;

/** Records this thread in [first, second] (at `at`) and waits until a second thread has recorded itself. */
function meetAnotherMember(rendezvous: Int32Array, at: number): void {
  const first = Atomics.compareExchange(rendezvous, at, 0, threadId);
  if (first !== 0 && first !== threadId) Atomics.compareExchange(rendezvous, at + 1, 0, threadId);
  if (!awaitChange(rendezvous, at + 1, 0)) Atomics.compareExchange(rendezvous, at + 1, 0, MISSED);
  Atomics.notify(rendezvous, at + 1);
  if (Atomics.load(rendezvous, at + 1) === MISSED) {
    throw new Error(`no second gang member took a range of this request within ${EVENT_SAFETY_MS} ms (thread ${threadId} waited alone)`);
  }
}

/** Keeps this thread for `ms` (a driver's serial work, a long range). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

registerKernel(STEP_KERNEL, (_inputs, p: { args: SquaresArgs; lo: number; hi: number }) => {
  const { args, lo, hi } = p;
  const slot = args.request * args.parts + Math.floor((lo * args.parts) / args.n);
  Atomics.add(args.runs, slot, 1);
  if (args.rendezvous && 2 * args.request + 1 < args.rendezvous.length) meetAnotherMember(args.rendezvous, 2 * args.request);
  if (args.waitFor && !awaitChange(args.waitFor, 0, 0)) {
    throw new Error(`the event this step waits for did not happen within ${EVENT_SAFETY_MS} ms`);
  }
  if (args.block) {
    Atomics.add(args.block, 0, 1);
    Atomics.notify(args.block, 0);
    while (Atomics.load(args.block, 2) === 0) Atomics.wait(args.block, 2, 0);
    Atomics.add(args.block, 1, 1);
  }
  if (args.sleepMs) sleep(args.sleepMs);
  if (lo === args.throwAt) throw new InvalidArgumentError(`range ${lo} refuses`);
  if (lo === args.exitAt) process.exit(3);
  let sum = 0;
  for (let i = lo; i < hi; i++) {
    args.out[i] = i * i;
    sum += i * i;
  }
  args.threads[slot] = threadId;
  return [sum];
});

registerDriver('test.squares', function* (_inputs, p: SquaresParams, ctx) {
  const out = new Float64Array(new SharedArrayBuffer(8 * p.n));
  const threads = sharedInts(p.requests * p.parts);
  const runs = sharedInts(p.requests * p.parts);
  const step = p.n / p.parts;
  const ranges = Array.from({ length: p.parts }, (_, k) => [k * step, (k + 1) * step] as const);
  let total = 0;
  if (p.driverWaitsFor && !awaitChange(p.driverWaitsFor, 0, 0)) {
    throw new Error(`the event this driver waits for did not happen within ${EVENT_SAFETY_MS} ms`);
  }
  for (let request = 0; request < p.requests; request++) {
    if (p.serial) {
      const { joined, atLeast, ms } = p.serial;
      const deadline = performance.now() + EVENT_SAFETY_MS;
      for (let seen = Atomics.load(joined, 0); seen < atLeast; seen = Atomics.load(joined, 0)) {
        if (performance.now() > deadline) throw new Error(`no helper joined this gang within ${EVENT_SAFETY_MS} ms`);
        Atomics.wait(joined, 0, seen, 50);
      }
      sleep(ms);
    }
    const results = yield { step: 'squares', args: { ...p, out, threads, runs, request }, ranges };
    total += results.reduce((s, r) => s + r[0]!, 0);
  }
  return { total, out, threads, runs, parallelism: ctx.parallelism };
}, { members: (_inputs, p: SquaresParams, workers) => p.members ?? workers });

/** A helper member, counted in the pool's `joined` as it starts. */
export function helpGang(task: GangHelpTask): void {
  const joined = (workerData as GangWorkerData | null)?.joined;
  if (joined) {
    Atomics.add(joined, 0, 1);
    Atomics.notify(joined, 0);
  }
  joinGang(task);
}

/** A trivial task that raises `flag[0]`: it runs only when a pool worker is free. */
export function ping(flag: Int32Array): void {
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

/** Piscina loads a worker file by its default export first; the tests call the gang members by name. */
export default function unused(): never {
  throw new Error('call helpGang or leadGang by name');
}
