/**
 * A worker for the gang tests: the gang members of kernels/gang.ts plus a test driver whose steps can
 * be told to sleep, throw or kill their thread, so the protocol is tested without graph algorithms.
 */
import { threadId } from 'node:worker_threads';
import { InvalidArgumentError } from '../../src/base/errors.js';
import { registerDriver, registerKernel, STEP_KERNEL } from '../../src/kernels/registry.js';

export { helpGang, leadGang } from '../../src/kernels/gang.js';

export interface SquaresParams {
  readonly n: number;
  readonly requests: number;
  readonly parts: number;
  /** Each range sleeps this long, so every member gets to claim some. */
  readonly sleepMs?: number;
  /** A range starting here throws InvalidArgumentError. */
  readonly throwAt?: number;
  /** A range starting here ends the thread that runs it. */
  readonly exitAt?: number;
}

interface SquaresArgs extends SquaresParams {
  readonly out: Float64Array;
  /** The thread that ran each range (by lo / n * parts), per request. */
  readonly threads: Int32Array;
  readonly request: number;
}

registerKernel(STEP_KERNEL, (_inputs, p: { args: SquaresArgs; lo: number; hi: number }) => {
  const { args, lo, hi } = p;
  if (args.sleepMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, args.sleepMs);
  if (lo === args.throwAt) throw new InvalidArgumentError(`range ${lo} refuses`);
  if (lo === args.exitAt) process.exit(3);
  let sum = 0;
  for (let i = lo; i < hi; i++) {
    args.out[i] = i * i;
    sum += i * i;
  }
  args.threads[args.request * args.parts + Math.floor((lo * args.parts) / args.n)] = threadId;
  return [sum];
});

registerDriver('test.squares', function* (_inputs, p: SquaresParams) {
  const out = new Float64Array(new SharedArrayBuffer(8 * p.n));
  const threads = new Int32Array(new SharedArrayBuffer(4 * p.requests * p.parts));
  const step = p.n / p.parts;
  const ranges = Array.from({ length: p.parts }, (_, k) => [k * step, (k + 1) * step] as const);
  let total = 0;
  for (let request = 0; request < p.requests; request++) {
    const results = yield { step: 'squares', args: { ...p, out, threads, request }, ranges };
    total += results.reduce((s, r) => s + r[0]!, 0);
  }
  return { total, out, threads };
});

/** A trivial task: when it runs tells whether a worker was free. */
export function ping(): number {
  return performance.timeOrigin + performance.now();
}

/** Piscina loads a worker file by its default export first; the tests call the gang members by name. */
export default function unused(): never {
  throw new Error('call helpGang or leadGang by name');
}
