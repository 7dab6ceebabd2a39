/**
 * The gang protocol (kernels/gang.ts, executors/gang.ts) on a real two-thread pool, with a test driver
 * (test/support/gangWorker.ts): results, sharing of ranges, a failing step, a dying member, an abort.
 */
import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import { type GangResult, runGang } from '../../../src/executors/gang.js';
import type { TaskMessage } from '../../../src/kernels/task.js';
import { settles, signalled } from '../../support/events.js';
import { type GangWorkerData, sharedInts, type SquaresParams } from '../../support/gangWorker.js';

const workerData: GangWorkerData = { holdHelpers: sharedInts(1) };
const pool = new Piscina({
  filename: new URL('../../support/gangWorker.ts', import.meta.url).href,
  minThreads: 2,
  maxThreads: 2,
  execArgv: ['--import', 'tsx'],
  workerData,
});
afterAll(() => pool.destroy());

const task = (params: SquaresParams): TaskMessage => ({ key: 'squares-chunk', kernel: 'test.squares', params, inputs: [] });
const never = new AbortController().signal;

interface Squares {
  readonly total: number;
  readonly out: Float64Array;
  readonly threads: Int32Array;
  readonly runs: Int32Array;
}

/** Fails with the leader's error message when the gang did not succeed. */
function expectSucceeded({ outcome, crashed }: GangResult): void {
  expect(crashed).toBeUndefined();
  expect(outcome?.ok ? 'succeeded' : (outcome as { error: { message: string } }).error.message).toBe('succeeded');
}

/** Runs a gang whose helpers join only after the leader published its first request (see gangWorker.ts). */
async function withHeldHelpers<T>(run: () => Promise<T>): Promise<T> {
  Atomics.store(workerData.holdHelpers, 0, 1);
  try {
    return await run();
  } finally {
    Atomics.store(workerData.holdHelpers, 0, 0);
  }
}

describe('a gang of workers', () => {
  it('runs every range of every request once and shares them between its members', async () => {
    const n = 64;
    // The first request's ranges wait until two different members have taken one: sharing is forced.
    const params = { n, requests: 6, parts: 4, sleepMs: 1, rendezvous: sharedInts(2) };
    const result = await withHeldHelpers(() => runGang(pool, task(params), 2, never));
    expectSucceeded(result);
    const value = (result.outcome as { value: Squares }).value;
    let expected = 0;
    for (let i = 0; i < n; i++) expected += i * i;
    expect(value.total).toBe(6 * expected);
    expect(Array.from(value.out)).toEqual(Array.from({ length: n }, (_, i) => i * i));
    expect(Array.from(value.runs)).toEqual(new Array(6 * 4).fill(1));
    expect(new Set(value.threads).size).toBe(2);
    expect(value.threads).not.toContain(0);
  });

  it('is correct with one member (the leader runs every range)', async () => {
    const { outcome } = await runGang(pool, task({ n: 32, requests: 3, parts: 4 }), 1, never);
    expect(outcome?.ok).toBe(true);
    expect(new Set((outcome as { value: Squares }).value.threads).size).toBe(1);
  });

  it('fails with the step error, class and code kept, whichever member ran the range', async () => {
    for (const throwAt of [0, 48]) {
      const { outcome, crashed } = await runGang(pool, task({ n: 64, requests: 2, parts: 4, sleepMs: 2, throwAt }), 2, never);
      expect(crashed).toBeUndefined();
      expect(outcome?.ok).toBe(false);
      const error = (outcome as { error: { name: string; code: string; message: string } }).error;
      expect(error.name).toBe('InvalidArgumentError');
      expect(error.code).toBe('InvalidArgument');
      expect(error.message).toContain(`range ${throwAt} refuses`);
    }
  });

  it('reports a member that dies as a crash, and the pool runs the next gang', async () => {
    const { outcome, crashed } = await runGang(pool, task({ n: 64, requests: 4, parts: 4, sleepMs: 2, exitAt: 16 }), 2, never);
    expect(outcome).toBeUndefined();
    expect(crashed).toMatch(/exit|terminated|code 3/i);
    const next = await runGang(pool, task({ n: 64, requests: 2, parts: 4 }), 2, never);
    expect(next.outcome?.ok).toBe(true);
  });

  it('lets an idle helper give its worker back while the leader runs a long single-range step', async () => {
    // The step waits until another task has run on the pool. With two workers, that task gets one only
    // if the idle helper left; a helper that stayed would hold it until the step gave up.
    const pinged = sharedInts(1);
    const gang = runGang(pool, task({ n: 8, requests: 1, parts: 1, waitFor: pinged }), 2, never);
    const ping = pool.run(pinged, { name: 'ping' });
    const [result] = await Promise.all([gang, ping]);
    expectSucceeded(result);
  });

  it('ends when the run is aborted without waiting for its steps, never rejects, and frees both workers', async () => {
    // Every range blocks until its thread is terminated; the abort comes once one of them is running.
    const block = sharedInts(3);
    const abort = new AbortController();
    const running = runGang(pool, task({ n: 64, requests: 1, parts: 4, block }), 2, abort.signal);
    await signalled(block, 0, 'a step to start');
    abort.abort();
    const { outcome, crashed } = await settles(running, 'the aborted gang to settle');
    expect(outcome).toBeUndefined();
    expect(crashed).toMatch(/abort/i);
    expect(Atomics.load(block, 1)).toBe(0);
    // A gang that needs two members at once runs: neither worker is still held by a blocked step.
    const params = { n: 64, requests: 2, parts: 4, rendezvous: sharedInts(2) };
    expectSucceeded(await withHeldHelpers(() => runGang(pool, task(params), 2, never)));
  });
});
