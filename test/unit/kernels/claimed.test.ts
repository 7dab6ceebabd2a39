/**
 * A claimed batch on the worker side (kernels/claimed.ts), run on this thread: tasks are taken one at a
 * time from the shared counter until none is left, every task by exactly one taker, a raised STOP ends
 * the taking at the next task boundary, and an asynchronous kernel's outcome is awaited before the next
 * claim.
 */
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { CLAIMED_CONTROL_SLOTS, type ClaimedFlush, type ClaimedResult, FLUSH_MS, NEXT, runClaimed, STOP } from '../../../src/kernels/claimed.js';
import { registerKernel } from '../../../src/kernels/registry.js';
import type { TaskMessage } from '../../../src/kernels/task.js';

const order: number[] = [];
registerKernel('test.claimed_echo', (_inputs, p: { readonly k: number; readonly stopAfter?: Int32Array }) => {
  order.push(p.k);
  if (p.stopAfter) Atomics.store(p.stopAfter, STOP, 1);
  if (p.k === 3) throw new Error('task 3 fails');
  return p.k * 10;
});
registerKernel('test.claimed_sleep', (_inputs, p: { readonly k: number; readonly ms: number }) => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, p.ms);
  return p.k;
});
registerKernel('test.claimed_async', async (_inputs, p: { readonly k: number }) => {
  order.push(p.k);
  await new Promise((r) => setTimeout(r, 1));
  order.push(-p.k);
  return p.k;
});

const control = (): Int32Array => new Int32Array(new SharedArrayBuffer(CLAIMED_CONTROL_SLOTS * 4));
const tasks = (kernel: string, n: number, extra: (k: number) => object = () => ({})): TaskMessage[] =>
  Array.from({ length: n }, (_, k) => ({ key: `t${k}`, kernel, params: { k, ...extra(k) }, inputs: [] }));

describe('runClaimed', () => {
  it('takes the tasks in order until none is left; a failing kernel is an outcome, and later takers find nothing', () => {
    order.length = 0;
    const c = control();
    const batch = { control: c, tasks: tasks('test.claimed_echo', 5) };
    const first = runClaimed(batch) as ClaimedResult;
    expect(first.ran).toEqual([0, 1, 2, 3, 4]);
    expect(first.outcomes.map((o) => (o.ok ? o.value : o.error.message))).toEqual([0, 10, 20, 'task 3 fails', 40]);
    expect(runClaimed(batch)).toEqual({ ran: [], outcomes: [], portHeld: false });
    expect(Atomics.load(c, NEXT)).toBeGreaterThanOrEqual(5);
  });

  it('two takers share the counter: every task runs once', () => {
    order.length = 0;
    const c = control();
    Atomics.store(c, NEXT, 2); // another taker already has 0 and 1
    const batch = { control: c, tasks: tasks('test.claimed_echo', 4) };
    expect((runClaimed(batch) as ClaimedResult).ran).toEqual([2, 3]);
    expect(order).toEqual([2, 3]);
  });

  it('stops at the next task boundary once STOP is raised, leaving the rest unclaimed', () => {
    order.length = 0;
    const c = control();
    const batch = { control: c, tasks: tasks('test.claimed_echo', 6, (k) => (k === 1 ? { stopAfter: c } : {})) };
    expect((runClaimed(batch) as ClaimedResult).ran).toEqual([0, 1]);
    expect(Atomics.load(c, NEXT)).toBe(2);
  });

  it('awaits an asynchronous kernel before taking the next task', async () => {
    order.length = 0;
    const result = await runClaimed({ control: control(), tasks: tasks('test.claimed_async', 3) });
    expect(result.ran).toEqual([0, 1, 2]);
    expect(result.outcomes.map((o) => (o.ok ? o.value : null))).toEqual([0, 1, 2]);
    expect(order).toEqual([0, -0, 1, -1, 2, -2]);
  });

  it('keeps the first flush port it is offered for later batches, and leaves the ones offered after alone', () => {
    const first = new MessageChannel();
    const second = new MessageChannel();
    // Entry 7: task 0 sleeps past FLUSH_MS, so its outcome is flushed, tagged with the entry, before task 1 runs.
    const sleepy = tasks('test.claimed_sleep', 2, (k) => ({ ms: k === 0 ? FLUSH_MS + 5 : 0 }));
    const a = runClaimed({ control: control(), tasks: sleepy, entry: 7, port: first.port2 }) as ClaimedResult & { portHeld: boolean };
    expect(a.portHeld).toBe(false);
    expect(a.ran).toEqual([1]);
    expect((receiveMessageOnPort(first.port1)?.message as ClaimedFlush).entry).toBe(7);
    // A later batch offered another port still flushes on the first; the one offered carries nothing.
    const b = runClaimed({ control: control(), tasks: tasks('test.claimed_sleep', 2, (k) => ({ ms: k === 0 ? FLUSH_MS + 5 : 0 })), entry: 8, port: second.port2 }) as ClaimedResult & { portHeld: boolean };
    expect(b.portHeld).toBe(true);
    const flushed = receiveMessageOnPort(first.port1)?.message as ClaimedFlush;
    expect([flushed.entry, flushed.ran]).toEqual([8, [0]]);
    expect(receiveMessageOnPort(second.port1)).toBeUndefined();
    second.port1.close();
    // Without an entry id nothing is flushed: every outcome comes back at the end.
    const c = runClaimed({ control: control(), tasks: tasks('test.claimed_sleep', 2, (k) => ({ ms: k === 0 ? FLUSH_MS + 5 : 0 })) }) as ClaimedResult;
    expect(c.ran).toEqual([0, 1]);
    expect(receiveMessageOnPort(first.port1)).toBeUndefined();
    first.port1.close();
  });
});
