/**
 * The gang protocol (kernels/gang.ts, executors/gang.ts) on a real two-thread pool, with a test driver
 * (test/support/gangWorker.ts): results, sharing of ranges, a helper that waits through the driver's
 * serial phases, helpers that give their places to waiting tasks, a failing step, a dying member, an abort.
 */
import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import { FairDispatcher } from '../../../src/executors/fairPool.js';
import { type GangResult, runGang } from '../../../src/executors/gang.js';
import type { TaskMessage } from '../../../src/kernels/task.js';
import { settles, signalled } from '../../support/events.js';
import { type GangWorkerData, sharedInts, type SquaresParams } from '../../support/gangWorker.js';

const workerData: GangWorkerData = { joined: sharedInts(1) };
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
  readonly parallelism: number;
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

/** How many ranges of request `request` each thread ran, by thread id. */
function rangesPerThread(value: Squares, request: number, parts: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const thread of value.threads.subarray(request * parts, (request + 1) * parts)) counts.set(thread, (counts.get(thread) ?? 0) + 1);
  return counts;
}

describe('a gang of workers', () => {
  it('runs every range of every request once and shares them between its members', async () => {
    const n = 64;
    // The first request's ranges wait until two different members have taken one: sharing is forced.
    const params = { n, requests: 6, parts: 4, sleepMs: 1, rendezvous: sharedInts(2) };
    const result = await runGang(pool, task(params), 2, never);
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

  it('runs on as few members as the driver asks for: one starts no helper and tells the driver so', async () => {
    const joined = Atomics.load(workerData.joined, 0);
    const { outcome } = await runGang(pool, task({ n: 64, requests: 3, parts: 4, members: 1 }), 2, never);
    expect(outcome?.ok).toBe(true);
    const value = (outcome as { value: Squares }).value;
    expect(value.parallelism).toBe(1);
    expect(new Set(value.threads).size).toBe(1);
    expect(Array.from(value.runs)).toEqual(new Array(3 * 4).fill(1));
    // No helper started for this gang (the count is the pool's, over every gang so far).
    expect(Atomics.load(workerData.joined, 0)).toBe(joined);
  });

  it('clamps what the driver asks for to between one member and the workers there are', async () => {
    for (const [members, expected] of [[0, 1], [7, 2], [1.5, 2]] as const) {
      const { outcome } = await runGang(pool, task({ n: 8, requests: 1, parts: 2, members }), 2, never);
      expect((outcome as { value: Squares }).value.parallelism).toBe(expected);
    }
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

  it('keeps its helper through the driver’s long serial phases: the helper runs ranges of every request', async () => {
    // Before each request the driver keeps its thread 300 ms, once the helper has joined (a fixed
    // first wait of 50 ms lost the helper here); each request's ranges then wait for two members.
    const parts = 4;
    const requests = 3;
    const serial = { joined: workerData.joined, atLeast: Atomics.load(workerData.joined, 0) + 1, ms: 300 };
    const params = { n: 64, requests, parts, serial, rendezvous: sharedInts(2 * requests) };
    const result = await runGang(pool, task(params), 2, never);
    expectSucceeded(result);
    const value = (result.outcome as { value: Squares }).value;
    expect(Array.from(value.runs)).toEqual(new Array(requests * parts).fill(1));
    for (let request = 0; request < requests; request++) {
      const counts = rangesPerThread(value, request, parts);
      expect(counts.size).toBe(2);
      for (const ranges of counts.values()) expect(ranges).toBeGreaterThanOrEqual(1);
    }
  });

  it('gives a parked helper’s worker to another session’s waiting task while the driver runs no step', async () => {
    // Two lanes of one dispatcher over the two threads: the gang takes both, the other lane's task
    // waits. The driver makes no request and finishes only once that task ran, so it can only
    // finish if its helper left for the waiting task.
    const dispatcher = new FairDispatcher(pool, { limit: 2 });
    const gangLane = dispatcher.lane(2, 'gang');
    const other = dispatcher.lane(2, 'other');
    const pinged = sharedInts(1);
    const gang = runGang(gangLane, task({ n: 8, requests: 0, parts: 1, driverWaitsFor: pinged }), 2, never);
    const ping = other.run(pinged, { name: 'ping' });
    const [result] = await settles(Promise.all([gang, ping]), 'the gang and the other lane’s task');
    expectSucceeded(result);
  });

  it('gives its helper’s worker to its own run’s next task the same way', async () => {
    const lane = new FairDispatcher(pool, { limit: 2 }).lane(2, 'run');
    const pinged = sharedInts(1);
    const gang = runGang(lane, task({ n: 8, requests: 0, parts: 1, driverWaitsFor: pinged }), 2, never);
    const ping = lane.run(pinged, { name: 'ping' });
    const [result] = await settles(Promise.all([gang, ping]), 'the gang and the run’s next task');
    expectSucceeded(result);
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
    expectSucceeded(await runGang(pool, task(params), 2, never));
  });
});
