/**
 * Second entries in line (executors/fairPool.ts `secondInLine`, pool.ts `idleFirst`): a lane alone in a
 * full pool may put one more entry per thread into it, behind a running one, so the thread starts it
 * without a round trip through the main thread — never while another lane is in the pool or waits,
 * never for a lane capped below the pool's size, never for or while a gang member is in it. Decided by
 * the order things happen in (a runner whose tasks finish when the test says), not by time.
 */
import { describe, expect, it } from 'vitest';
import { FairDispatcher, type TaskOptions } from '../../../src/executors/fairPool.js';
import { idleFirst } from '../../../src/executors/pool.js';

class HeldRunner {
  readonly started: string[] = [];
  readonly #pending = new Map<string, (v: unknown) => void>();

  run(task: unknown, _options?: TaskOptions): Promise<unknown> {
    this.started.push(task as string);
    return new Promise((resolve) => this.#pending.set(task as string, resolve));
  }

  finish(name: string): void {
    this.#pending.get(name)!(name);
    this.#pending.delete(name);
  }
}

const turns = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('second entries in line', () => {
  it('a lane alone in a full pool gets one more entry per thread in it, not more', async () => {
    const runner = new HeldRunner();
    const d = new FairDispatcher(runner, { limit: 2, secondInLine: true });
    const a = d.lane(2, 'a');
    for (const t of ['a0', 'a1', 'a2', 'a3', 'a4']) void a.run(t);
    expect(runner.started).toEqual(['a0', 'a1', 'a2', 'a3']);
    runner.finish('a0');
    await turns();
    expect(runner.started).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
  });

  it('without the option, or for a lane capped below the pool, entries wait for a free thread', () => {
    const plain = new HeldRunner();
    const a = new FairDispatcher(plain, { limit: 2 }).lane(2, 'a');
    for (const t of ['a0', 'a1', 'a2']) void a.run(t);
    expect(plain.started).toEqual(['a0', 'a1']);
    const capped = new HeldRunner();
    const d = new FairDispatcher(capped, { limit: 2, secondInLine: true });
    const small = d.lane(1, 'small');
    for (const t of ['s0', 's1']) void small.run(t);
    expect(capped.started).toEqual(['s0']);
  });

  it('no second entry while another lane is in the pool or waits, and other lanes wait only for those already in', async () => {
    const runner = new HeldRunner();
    const d = new FairDispatcher(runner, { limit: 2, secondInLine: true });
    const a = d.lane(2, 'a');
    const b = d.lane(2, 'b');
    void b.run('b0');
    for (const t of ['a0', 'a1', 'a2']) void a.run(t);
    // b is in the pool: a gets the free thread and waits for the rest.
    expect(runner.started).toEqual(['b0', 'a0']);
    runner.finish('b0');
    await turns();
    // Alone again: the freed thread takes a1 and a2 waits behind it, second in line.
    expect(runner.started).toEqual(['b0', 'a0', 'a1', 'a2']);
    void a.run('a3');
    expect(runner.started).toEqual(['b0', 'a0', 'a1', 'a2', 'a3']);
    void b.run('b1');
    // b waits; a gets no more second entries while it does, and b's turn comes once a thread is free:
    // after the entries already second in line, at most one per thread.
    void a.run('a4');
    for (const done of ['a0', 'a1']) {
      runner.finish(done);
      await turns();
      expect(runner.started).toEqual(['b0', 'a0', 'a1', 'a2', 'a3']);
    }
    runner.finish('a2');
    await turns();
    expect(runner.started).toEqual(['b0', 'a0', 'a1', 'a2', 'a3', 'b1']);
  });

  it('never queues a gang member behind an entry, nor anything behind entries while a gang member is in the pool', async () => {
    const runner = new HeldRunner();
    const d = new FairDispatcher(runner, { limit: 2, secondInLine: true });
    const a = d.lane(2, 'a');
    void a.run('lead', { name: 'leadGang' });
    void a.run('a0');
    void a.run('a1');
    expect(runner.started).toEqual(['lead', 'a0']);
    runner.finish('lead');
    await turns();
    expect(runner.started).toEqual(['lead', 'a0', 'a1']);
    void a.run('a2'); // the gang is gone: second in line
    expect(runner.started).toEqual(['lead', 'a0', 'a1', 'a2']);
    void a.run('help', { name: 'helpGang' });
    expect(runner.started).toEqual(['lead', 'a0', 'a1', 'a2']);
  });
});

describe('idleFirst', () => {
  type W = { currentUsage: number; isRunningAbortableTask: boolean; terminating: boolean; destroyed: boolean; id: number };
  const worker = (id: number, usage: number, abortable = false, terminating = false): W => ({
    id,
    currentUsage: abortable && usage === 1 ? Infinity : usage,
    isRunningAbortableTask: abortable && usage === 1,
    terminating,
    destroyed: false,
  });
  const pick = (threads: number, workers: W[]): number | undefined => (idleFirst(threads)({} as never, workers as never) as W | null)?.id;

  it('takes an idle thread first, then one running exactly one entry, never a third or a dying thread', () => {
    expect(pick(2, [worker(1, 1, true), worker(2, 0)])).toBe(2);
    expect(pick(2, [worker(1, 2), worker(2, 1, true)])).toBe(2);
    expect(pick(2, [worker(1, 1), worker(2, 2)])).toBe(1);
    expect(pick(2, [worker(1, 2), worker(2, 2)])).toBeUndefined();
    expect(pick(2, [worker(1, 0, false, true), worker(2, 1, true)])).toBe(2);
  });

  it('while threads are still starting, an entry waits for one instead of doubling up', () => {
    expect(pick(2, [worker(1, 1, true)])).toBeUndefined();
    expect(pick(2, [worker(1, 0)])).toBe(1);
  });
});
