/**
 * The contract that lets one algorithm run on one thread or split across a worker pool.
 *
 * Every parallel-ready algorithm (BFS, SSSP delta-stepping, PageRank, WCC, CDLP, LCC, triangles, HITS)
 * is two pieces:
 *
 * - **Range steps**: pure functions `step(args, lo, hi) => number[]`, registered by name in a step
 *   table. `args` is plain data: typed arrays over SharedArrayBuffers (the CSR, the algorithm state)
 *   and numbers. A step reads anything in `args` but writes only elements lo..hi-1 of the per-vertex
 *   arrays it updates (the vertices it *owns*); where a step must touch an element outside its range
 *   (WCC's union-find links), it does so only with `Atomics` operations on an Int32Array, and says so.
 *   Two steps of one request may therefore run at the same time on different threads. A step returns a
 *   few numbers (counts, and float partial sums per REDUCE_BLOCK of vertices, see below) that the
 *   driver combines. Steps keep no state between calls and close over nothing: a worker calls
 *   `table[request.step](request.args, lo, hi)` on the buffers it was sent and gets the same answer.
 * - **A driver**: a generator that owns the iteration (supersteps, frontier exchange, convergence). It
 *   yields a `StepRequest` (a step name, its args, the vertex ranges to run it on) and is resumed with
 *   the results, one array per range in range order. The driver runs only between steps, never
 *   concurrently with them, so it may freely read and rearrange the shared state.
 *
 * `runDriver` runs a driver on the calling thread, one range after another; the sequential API of each
 * algorithm is literally its driver run this way over the single range [0, n). A pool runs the same
 * driver with `runDriverAsync`, sending each range of a request to a worker.
 *
 * Determinism: ranges start at multiples of REDUCE_BLOCK, and float reductions are returned as one
 * partial per REDUCE_BLOCK-sized block and added by the driver in block order. The sum, and therefore
 * every result, is bit-for-bit the same whether a request ran as 1 range or 16.
 */
import { InvalidArgumentError } from '../base/errors.js';
import type { Offsets } from './shared.js';

export type Range = readonly [lo: number, hi: number];

/** What a range step returns: a few numbers the driver reduces. */
export type StepResult = readonly number[];

// `args` is typed by each step's own module; a table holds steps of many argument types, so at the
// table level the type is erased (`any`, because function parameters are contravariant).
export type StepFn<A = any> = (args: A, lo: number, hi: number) => StepResult;
export type StepTable = Readonly<Record<string, StepFn>>;

export interface StepRequest<A = object> {
  readonly step: string;
  readonly args: A;
  readonly ranges: readonly Range[];
}

export type Driver<R> = Generator<StepRequest, R, readonly StepResult[]>;

/** Float reductions are returned per block of this many vertices, so their sum ignores the range split. */
export const REDUCE_BLOCK = 1024;

/**
 * Splits [0, n) into at most `parts` ranges whose boundaries are multiples of REDUCE_BLOCK. With
 * `cost` (prefix sums over vertices, e.g. CSR offsets) each range gets about the same cost plus
 * vertex count; otherwise the same number of vertices.
 */
export function splitRange(n: number, parts: number, cost?: Offsets): Range[] {
  if (!Number.isInteger(parts) || parts < 1) {
    throw new InvalidArgumentError(`parts must be an integer >= 1, got ${parts}`);
  }
  const blocks = Math.ceil(n / REDUCE_BLOCK);
  const count = Math.max(1, Math.min(parts, blocks));
  const total = n + (cost ? cost[n]! - cost[0]! : 0);
  const weightAt = (v: number): number => v + (cost ? cost[v]! - cost[0]! : 0);
  const ranges: Range[] = [];
  let lo = 0;
  for (let i = 1; i <= count; i++) {
    let hi = n;
    if (i < count) {
      const goal = (total * i) / count;
      // The first block boundary whose cumulative weight reaches the goal.
      let a = Math.ceil(lo / REDUCE_BLOCK) + 1;
      let b = blocks;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (weightAt(Math.min(n, mid * REDUCE_BLOCK)) < goal) a = mid + 1;
        else b = mid;
      }
      hi = Math.min(n, a * REDUCE_BLOCK);
    }
    if (hi > lo || (n === 0 && ranges.length === 0)) ranges.push([lo, hi]);
    lo = hi;
  }
  return ranges;
}

/** Runs a driver on this thread: each requested range in order, with steps from `table`. */
export function runDriver<R>(driver: Driver<R>, table: StepTable): R {
  let next = driver.next();
  while (!next.done) {
    const request = next.value;
    const step = lookupStep(table, request.step);
    next = driver.next(request.ranges.map(([lo, hi]) => step(request.args, lo, hi)));
  }
  return next.value;
}

/** Runs a driver whose requests are executed elsewhere (a worker pool); results in range order. */
export async function runDriverAsync<R>(
  driver: Driver<R>,
  execute: (request: StepRequest) => Promise<readonly StepResult[]>,
): Promise<R> {
  let next = driver.next();
  while (!next.done) next = driver.next(await execute(next.value));
  return next.value;
}

export function lookupStep(table: StepTable, name: string): StepFn {
  const step = table[name];
  if (!step) throw new InvalidArgumentError(`unknown graph step '${name}'`);
  return step;
}

/** Adds per-block partials returned by every range (the whole result arrays), in order. */
export function sumInOrder(results: readonly StepResult[], skip = 0): number {
  let sum = 0;
  for (const r of results) for (let i = skip; i < r.length; i++) sum += r[i]!;
  return sum;
}

/** Adds element `index` of every range's result (integer counts: order does not matter). */
export function sumAt(results: readonly StepResult[], index: number): number {
  let sum = 0;
  for (const r of results) sum += r[index]!;
  return sum;
}
