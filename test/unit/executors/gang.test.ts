/**
 * The gang protocol (kernels/gang.ts, executors/gang.ts) on a real two-thread pool, with a test driver
 * (test/support/gangWorker.ts): results, sharing of ranges, a failing step, a dying member, an abort.
 */
import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import { runGang } from '../../../src/executors/gang.js';
import type { TaskMessage } from '../../../src/kernels/task.js';
import type { SquaresParams } from '../../support/gangWorker.js';

const pool = new Piscina({
  filename: new URL('../../support/gangWorker.ts', import.meta.url).href,
  minThreads: 2,
  maxThreads: 2,
  execArgv: ['--import', 'tsx'],
});
afterAll(() => pool.destroy());

const task = (params: SquaresParams): TaskMessage => ({ key: 'squares-chunk', kernel: 'test.squares', params, inputs: [] });
const never = new AbortController().signal;

interface Squares {
  readonly total: number;
  readonly out: Float64Array;
  readonly threads: Int32Array;
}

describe('a gang of workers', () => {
  it('runs every range of every request once and shares them between its members', async () => {
    const n = 64;
    const { outcome, crashed } = await runGang(pool, task({ n, requests: 6, parts: 4, sleepMs: 4 }), 2, never);
    expect(crashed).toBeUndefined();
    expect(outcome?.ok).toBe(true);
    const value = (outcome as { value: Squares }).value;
    let expected = 0;
    for (let i = 0; i < n; i++) expected += i * i;
    expect(value.total).toBe(6 * expected);
    expect(Array.from(value.out)).toEqual(Array.from({ length: n }, (_, i) => i * i));
    // 24 ranges of 4 ms: the helper, sleeping at most a few ms between requests, claims some of them.
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
    // The step takes 1 s; a helper that stayed would hold the other worker all that time. (Slack for a
    // worker the pool may still be starting after the crash test.)
    const gang = runGang(pool, task({ n: 8, requests: 1, parts: 1, sleepMs: 1000 }), 2, never).then(() => Date.now());
    await new Promise((r) => setTimeout(r, 100));
    const pinged = await pool.run({}, { name: 'ping' });
    expect(pinged).toBeLessThan((await gang) - 300);
  });

  it('ends at once when the run is aborted, and never rejects', async () => {
    const abort = new AbortController();
    const started = performance.now();
    const running = runGang(pool, task({ n: 64, requests: 1000, parts: 4, sleepMs: 5 }), 2, abort.signal);
    setTimeout(() => abort.abort(), 30);
    const { outcome, crashed } = await running;
    expect(outcome).toBeUndefined();
    expect(crashed).toMatch(/abort/i);
    expect(performance.now() - started).toBeLessThan(2000);
    const next = await runGang(pool, task({ n: 64, requests: 2, parts: 4 }), 2, never);
    expect(next.outcome?.ok).toBe(true);
  });
});
