/**
 * Why the generated loops count down (kernels/tensor/codegen.ts): the same sum of x*2+y over 50M float64
 * in 2M-element chunks, on one thread, with the chunks passed as arguments counting up, counting down,
 * and with the arrays known to the loop as constants (what V8 compiles best), against two threads
 * summing contiguous halves with the arrays as constants (the machine's ceiling for the workload).
 *
 *   npx tsx bench/tensor/loopDirection.ts
 */
import { Worker } from 'node:worker_threads';

const N = 50_000_000;
const CHUNK = 2_000_000;

function up(x: Float64Array, y: Float64Array): number {
  let a = 0, b = 0, c = 0, d = 0;
  const m = x.length;
  let i = 0;
  for (; i + 3 < m; i += 4) { a += x[i]! * 2 + y[i]!; b += x[i + 1]! * 2 + y[i + 1]!; c += x[i + 2]! * 2 + y[i + 2]!; d += x[i + 3]! * 2 + y[i + 3]!; }
  for (; i < m; i++) a += x[i]! * 2 + y[i]!;
  return a + b + c + d;
}

function down(x: Float64Array, y: Float64Array): number {
  let a = 0, b = 0, c = 0, d = 0;
  const r = x.length & 3;
  for (let i = x.length - 4; i >= r; i -= 4) { a += x[i]! * 2 + y[i]!; b += x[i + 1]! * 2 + y[i + 1]!; c += x[i + 2]! * 2 + y[i + 2]!; d += x[i + 3]! * 2 + y[i + 3]!; }
  for (let i = r - 1; i >= 0; i--) a += x[i]! * 2 + y[i]!;
  return a + b + c + d;
}

/** Sums [lo, hi) of X and Y, which this module's loop knows as constants. */
function constants(X: Float64Array, Y: Float64Array): (lo: number, hi: number) => number {
  return (lo, hi) => {
    let a = 0, b = 0, c = 0, d = 0;
    let i = lo;
    for (; i + 3 < hi; i += 4) { a += X[i]! * 2 + Y[i]!; b += X[i + 1]! * 2 + Y[i + 1]!; c += X[i + 2]! * 2 + Y[i + 2]!; d += X[i + 3]! * 2 + Y[i + 3]!; }
    for (; i < hi; i++) a += X[i]! * 2 + Y[i]!;
    return a + b + c + d;
  };
}

function median(fn: () => void, runs = 7): number {
  fn();
  const t: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[runs >> 1]!;
}

// The two-thread baseline's worker, as plain JavaScript (a worker thread cannot load TypeScript source).
const HALF_SUMMER = `
const { workerData } = require('node:worker_threads');
const { X, Y, control, half, n } = workerData;
function sum(lo, hi) {
  let a = 0, b = 0, c = 0, d = 0, i = lo;
  for (; i + 3 < hi; i += 4) { a += X[i] * 2 + Y[i]; b += X[i + 1] * 2 + Y[i + 1]; c += X[i + 2] * 2 + Y[i + 2]; d += X[i + 3] * 2 + Y[i + 3]; }
  for (; i < hi; i++) a += X[i] * 2 + Y[i];
  return a + b + c + d;
}
for (let seen = 0; ; ) {
  Atomics.wait(control, 0, seen);
  seen = Atomics.load(control, 0);
  if (seen < 0) break;
  sum((half * n) / 2, ((half + 1) * n) / 2);
  Atomics.add(control, 1, 1);
  Atomics.notify(control, 1);
}`;

const X = new Float64Array(new SharedArrayBuffer(8 * N));
const Y = new Float64Array(new SharedArrayBuffer(8 * N));
for (let i = 0; i < N; i++) [X[i], Y[i]] = [(i % 7) / 7, (i % 5) / 5];
const xs: Float64Array[] = [];
const ys: Float64Array[] = [];
for (let k = 0; k < N; k += CHUNK) (xs.push(X.subarray(k, k + CHUNK)), ys.push(Y.subarray(k, k + CHUNK)));
const sumConst = constants(X, Y);
console.log(`one thread, chunks as arguments, counting up:   ${median(() => xs.forEach((x, k) => up(x, ys[k]!))).toFixed(1)} ms`);
console.log(`one thread, chunks as arguments, counting down: ${median(() => xs.forEach((x, k) => down(x, ys[k]!))).toFixed(1)} ms`);
console.log(`one thread, arrays as constants, counting up:   ${median(() => xs.forEach((_, k) => sumConst(k * CHUNK, (k + 1) * CHUNK))).toFixed(1)} ms`);
const control = new Int32Array(new SharedArrayBuffer(8));
const workers = [0, 1].map((half) => new Worker(HALF_SUMMER, { eval: true, workerData: { X, Y, control, half, n: N } }));
await new Promise((r) => setTimeout(r, 1000));
const twoThreads = median(() => {
  Atomics.store(control, 1, 0);
  Atomics.add(control, 0, 1);
  Atomics.notify(control, 0);
  while (Atomics.load(control, 1) < 2) Atomics.wait(control, 1, Atomics.load(control, 1), 5);
});
console.log(`two threads, contiguous halves, constants:      ${twoThreads.toFixed(1)} ms`);
Atomics.store(control, 0, -1);
Atomics.notify(control, 0);
await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
