/**
 * Claimed batches on a real two-thread pool (executors/claimedBatch.ts, kernels/claimed.ts, with the
 * test worker test/support/claimedWorker.ts): every task runs once, shared between the workers; another
 * lane's waiting entry makes the workers stop at their next task boundary and leaves the rest
 * unclaimed; outcomes come back while a worker still runs; a worker that dies loses only what it had not sent. Events, not time: tasks wait at
 * gates the test opens once it has seen what it needs.
 */
import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import { flushPortState, runClaimedBatch } from '../../../src/executors/claimedBatch.js';
import { FLUSH_MS } from '../../../src/kernels/claimed.js';
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
    let ended = 0;
    const running = runClaimedBatch(pool, m.tasks, 2, never, (ran, outcomes) => {
      reported.push(...ran);
      expect(outcomes.map((o) => (o as { value: number }).value)).toEqual(ran);
    }, () => ended++);
    await until(() => Atomics.load(m.started, 0) >= 2, 'both gated tasks to start');
    open(m.gate);
    const end = await settles(running.ended, 'the batch to end');
    expect(end).toEqual({ unclaimed: [], lost: [] });
    expect(reported.sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    expect(Array.from(m.runs)).toEqual(new Array(12).fill(1));
    expect(new Set(Array.from(m.threads.subarray(0, 2))).size).toBe(2);
    expect(ended).toBe(2);
  });

  it("lets the sending thread claim from the same counter: what it takes is neither a worker's nor lost, and nothing once the batch has ended", async () => {
    const m = marks(6, () => ({ gated: true }));
    const reported: number[] = [];
    const running = runClaimedBatch(pool, m.tasks, 1, never, (ran) => reported.push(...ran), () => {});
    // Taken here (and not run: the test only claims it); the worker holds another at the gate.
    const mine = running.claimHere();
    expect(mine).toBeGreaterThanOrEqual(0);
    await until(() => Atomics.load(m.started, 0) >= 1, 'the worker to hold a task');
    open(m.gate);
    expect(await settles(running.ended, 'the batch to end')).toEqual({ unclaimed: [], lost: [] });
    expect(reported.sort((a, b) => a - b)).toEqual([...Array(6).keys()].filter((k) => k !== mine));
    expect(m.runs[mine]).toBe(0);
    expect(running.claimHere()).toBe(-1);
  });

  it('sends outcomes while its worker is still running tasks, once FLUSH_MS have passed', async () => {
    // Task 0 takes longer than FLUSH_MS; task 1 then waits at a gate the test opens only once it has
    // task 0's outcome: a worker that sent nothing before its entry ended would never get there.
    const m = marks(3, (k) => ({ gated: k === 1, sleepMs: k === 0 ? FLUSH_MS + 5 : 0 }));
    const reported: number[] = [];
    const running = runClaimedBatch(pool, m.tasks, 1, never, (ran) => reported.push(...ran), () => {});
    await until(() => reported.includes(0), "task 0's outcome, sent while task 1 waits");
    expect(reported).toEqual([0]);
    open(m.gate);
    expect(await settles(running.ended, 'the batch to end')).toEqual({ unclaimed: [], lost: [] });
    expect(reported).toEqual([0, 1, 2]);
  });

  it("stops at the next task boundary once another lane's entry waits, leaving the rest unclaimed", async () => {
    const dispatcher = new FairDispatcher(pool, { limit: 2 });
    const mine = dispatcher.lane(2, 'batch');
    const other = dispatcher.lane(2, 'other');
    const m = marks(10, (k) => ({ gated: k < 2 }));
    const outcomes: TaskOutcome[] = [];
    const running = runClaimedBatch(mine, m.tasks, 2, never, (_ran, o) => outcomes.push(...o), () => {});
    await until(() => Atomics.load(m.started, 0) >= 2, 'both workers to hold a gated task');
    // The pool is full: the other lane's entry waits, and the batch is told to stop.
    const waiting = marks(1);
    const otherEntry = other.run({ control: sharedInts(2), tasks: waiting.tasks }, { name: 'runClaimed' });
    // The batch hears of the waiting entry a microtask later.
    await new Promise((r) => setImmediate(r));
    open(m.gate);
    const end = await settles(running.ended, 'the batch to end');
    expect(end.lost).toEqual([]);
    expect(end.unclaimed).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(m.runs)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(outcomes).toHaveLength(2);
    await settles(otherEntry, "the other lane's entry");
    expect(Array.from(waiting.runs)).toEqual([1]);
  });

  it('loses only tasks a dying worker took and had not sent; the other worker takes the rest', async () => {
    const m = marks(8, (k) => ({ exit: k === 1 }));
    const reported: number[] = [];
    const end = await settles(runClaimedBatch(pool, m.tasks, 2, never, (ran) => reported.push(...ran), () => {}).ended, 'the batch to end');
    const died = m.threads[1];
    expect(end.unclaimed).toEqual([]);
    expect(end.lost).toContain(1);
    for (const k of end.lost) expect(m.threads[k]).toBe(died);
    expect([...reported, ...end.lost].sort((a, b) => a - b)).toEqual([...Array(8).keys()]);
    expect(Array.from(m.runs)).toEqual(new Array(8).fill(1));
  });

  it("offers flush ports only until its workers hold one, and flushes on the kept ones after", async () => {
    // A runner that notes whether each entry was sent with a port.
    const offered: boolean[] = [];
    const noting = { run: (task: unknown, options?: object) => (offered.push((task as { port?: unknown }).port !== undefined), pool.run(task, options)) };
    for (let i = 0; i < 8; i++) {
      const m = marks(4);
      await settles(runClaimedBatch(noting, m.tasks, 2, never, () => {}, () => {}).ended, `batch ${i}`);
    }
    // Both threads hold a port by now (the pool keeps its two), so the last batches were sent without one.
    expect(offered.slice(-4)).toEqual([false, false, false, false]);
    expect(flushPortState()).toMatchObject({ ends: 2, offer: false });
    // A long task's outcome still comes while its entry runs: on the worker's kept port.
    const m = marks(3, (k) => ({ gated: k === 1, sleepMs: k === 0 ? FLUSH_MS + 5 : 0 }));
    const reported: number[] = [];
    const running = runClaimedBatch(noting, m.tasks, 1, never, (ran) => reported.push(...ran), () => {});
    await until(() => reported.includes(0), "task 0's outcome, flushed on a kept port while task 1 waits");
    open(m.gate);
    expect(await settles(running.ended, 'the batch to end')).toEqual({ unclaimed: [], lost: [] });
    expect(offered.at(-1)).toBe(false);
  });

  it('offers a port again once a thread ended, and its replacement flushes on it', async () => {
    // One thread, so which worker runs an entry is never in doubt.
    const solo = new Piscina({ filename: pool.options.filename, minThreads: 1, maxThreads: 1, execArgv: ['--import', 'tsx'] });
    try {
      const plain = (label: string) => settles(runClaimedBatch(solo, marks(2).tasks, 1, never, () => {}, () => {}).ended, label);
      /** A batch whose task 0 outlasts FLUSH_MS and whose task 1 waits for task 0's outcome to be heard. */
      const flushedEarly = async (label: string) => {
        const g = marks(3, (k) => ({ gated: k === 1, sleepMs: k === 0 ? FLUSH_MS + 5 : 0 }));
        const reported: number[] = [];
        const running = runClaimedBatch(solo, g.tasks, 1, never, (ran) => reported.push(...ran), () => {});
        await until(() => reported.includes(0), `task 0's outcome, flushed while task 1 waits (${label})`);
        open(g.gate);
        expect(await settles(running.ended, label)).toEqual({ unclaimed: [], lost: [] });
      };
      // Its thread answers that it ran without a port (if none was offered), and the next entry offers one.
      await plain('a first batch');
      await plain('a second batch');
      await flushedEarly('the first thread');
      const dying = marks(2, (k) => ({ exit: k === 0 }));
      const end = await settles(runClaimedBatch(solo, dying.tasks, 1, never, () => {}, () => {}).ended, 'the batch whose thread ends');
      expect(end.lost).toEqual([0]);
      expect(flushPortState().offer).toBe(true);
      await plain('a batch on the new thread');
      await flushedEarly('the new thread');
    } finally {
      await solo.destroy();
    }
  });
});
