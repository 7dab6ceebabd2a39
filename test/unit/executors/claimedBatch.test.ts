/**
 * Claimed batches on a real two-thread pool (executors/claimedBatch.ts, kernels/claimed.ts, with the
 * test worker test/support/claimedWorker.ts): every task runs once, shared between the workers; another
 * lane's waiting entry makes the workers stop at their next task boundary and leaves the rest
 * unclaimed; a worker that dies loses the tasks it took, and only those. Events, not time: tasks wait at
 * gates the test opens once it has seen what it needs.
 */
import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import { runClaimedBatch } from '../../../src/executors/claimedBatch.js';
import { FairDispatcher } from '../../../src/executors/fairPool.js';
import type { TaskMessage, TaskOutcome } from '../../../src/kernels/task.js';
import type { MarkParams } from '../../support/claimedWorker.js';
import { settles, until } from '../../support/events.js';
import { sharedInts } from '../../support/gangWorker.js';

const pool = new Piscina({
  filename: new URL('../../support/claimedWorker.ts', import.meta.url).href,
  minThreads: 2,
  maxThreads: 2,
  execArgv: ['--import', 'tsx'],
});
afterAll(() => pool.destroy());
const never = new AbortController().signal;

interface Marks {
  readonly runs: Int32Array;
  readonly threads: Int32Array;
  readonly started: Int32Array;
  readonly gate: Int32Array;
  readonly tasks: TaskMessage[];
}

function marks(n: number, extra: (k: number) => Partial<MarkParams> = () => ({})): Marks {
  const shared = { runs: sharedInts(n), threads: sharedInts(n), started: sharedInts(1), gate: sharedInts(1) };
  const tasks = Array.from({ length: n }, (_, k): TaskMessage => ({ key: `t${k}`, kernel: 'test.mark', params: { k, ...shared, ...extra(k) }, inputs: [] }));
  return { ...shared, tasks };
}

function open(gate: Int32Array): void {
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
}

describe('a claimed batch', () => {
  it('runs every task once, on both workers, and reports each entry as it ends', async () => {
    // The first two tasks wait until both have started: two workers took one each, by construction.
    const m = marks(12, (k) => ({ gated: k < 2 }));
    const reported: number[] = [];
    const running = runClaimedBatch(pool, m.tasks, 2, never, (ran, outcomes) => {
      reported.push(...ran);
      expect(outcomes.map((o) => (o as { value: number }).value)).toEqual(ran);
    });
    await until(() => Atomics.load(m.started, 0) >= 2, 'both gated tasks to start');
    open(m.gate);
    const end = await settles(running, 'the batch to end');
    expect(end).toEqual({ unclaimed: [], lost: [] });
    expect(reported.sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    expect(Array.from(m.runs)).toEqual(new Array(12).fill(1));
    expect(new Set(Array.from(m.threads.subarray(0, 2))).size).toBe(2);
  });

  it("stops at the next task boundary once another lane's entry waits, leaving the rest unclaimed", async () => {
    const dispatcher = new FairDispatcher(pool, { limit: 2 });
    const mine = dispatcher.lane(2, 'batch');
    const other = dispatcher.lane(2, 'other');
    const m = marks(10, (k) => ({ gated: k < 2 }));
    const outcomes: TaskOutcome[] = [];
    const running = runClaimedBatch(mine, m.tasks, 2, never, (_ran, o) => outcomes.push(...o));
    await until(() => Atomics.load(m.started, 0) >= 2, 'both workers to hold a gated task');
    // The pool is full: the other lane's entry waits, and the batch is told to stop.
    const waiting = marks(1);
    const otherEntry = other.run({ control: sharedInts(2), tasks: waiting.tasks }, { name: 'runClaimed' });
    // The batch hears of the waiting entry a microtask later.
    await new Promise((r) => setImmediate(r));
    open(m.gate);
    const end = await settles(running, 'the batch to end');
    expect(end.lost).toEqual([]);
    expect(end.unclaimed).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(m.runs)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(outcomes).toHaveLength(2);
    await settles(otherEntry, "the other lane's entry");
    expect(Array.from(waiting.runs)).toEqual([1]);
  });

  it('loses the tasks a dying worker took (their outcomes die with it); the other worker takes the rest', async () => {
    const m = marks(8, (k) => ({ exit: k === 1 }));
    const reported: number[] = [];
    const end = await settles(runClaimedBatch(pool, m.tasks, 2, never, (ran) => reported.push(...ran)), 'the batch to end');
    const died = m.threads[1];
    const tookByDead = [...Array(8).keys()].filter((k) => m.threads[k] === died);
    expect(end).toEqual({ unclaimed: [], lost: tookByDead });
    expect(tookByDead).toContain(1);
    expect(reported.sort((a, b) => a - b)).toEqual([...Array(8).keys()].filter((k) => !tookByDead.includes(k)));
    expect(Array.from(m.runs)).toEqual(new Array(8).fill(1));
  });
});
