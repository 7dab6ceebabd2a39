/**
 * The fair dispatcher (executors/fairPool.ts) over a runner whose tasks finish only when the test says
 * so, with a clock the test sets: turn order between lanes by pool time, each lane's cap, the pool-wide
 * limit, aborts and closes of queued entries — all by the order things happen in, never by real time.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../../src/base/errors.js';
import { type DispatchEvent, FairDispatcher, type TaskOptions } from '../../../src/executors/fairPool.js';

/** A runner that records what it was given and lets the test finish tasks one by one. */
class HeldRunner {
  readonly started: string[] = [];
  readonly #pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();

  run(task: unknown, _options?: TaskOptions): Promise<unknown> {
    const name = task as string;
    if (name === 'throws') throw new Error('refused at once');
    this.started.push(name);
    return new Promise((resolve, reject) => this.#pending.set(name, { resolve, reject }));
  }

  finish(name: string): void {
    const p = this.#pending.get(name);
    if (!p) throw new Error(`${name} is not running`);
    this.#pending.delete(name);
    p.resolve(`${name} done`);
  }

  fail(name: string): void {
    this.#pending.get(name)!.reject(new Error(`${name} failed`));
    this.#pending.delete(name);
  }

  get running(): string[] {
    return [...this.#pending.keys()];
  }
}

/** The dispatcher's clock, moved by the test. */
function testClock(): { now: () => number; set: (ms: number) => void } {
  let t = 0;
  return { now: () => t, set: (ms) => (t = ms) };
}

/** Lets every settled promise's callbacks run. */
const turns = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('FairDispatcher', () => {
  it('tells a lane whether it has the pool to itself: no other lane in it or waiting for it', async () => {
    const runner = new HeldRunner();
    const d = new FairDispatcher(runner, { limit: 2, now: testClock().now });
    const a = d.lane(2, 'a');
    const b = d.lane(2, 'b');
    expect(d.alone(a)).toBe(true);
    const aTasks = ['a0', 'a1', 'a2'].map((t) => a.run(t));
    expect(d.alone(a)).toBe(true); // a2 waits for a place, but only a's own entries are ahead of it
    const bTask = b.run('b0');
    expect(d.alone(a)).toBe(false); // b waits
    runner.finish('a0');
    await turns();
    expect(runner.running).toContain('b0');
    expect(d.alone(a)).toBe(false); // b is in the pool
    runner.finish('b0');
    await bTask;
    runner.finish('a1');
    await turns();
    runner.finish('a2');
    await Promise.all(aTasks);
    expect(d.alone(a)).toBe(true);
    expect(d.alone(b)).toBe(true);
  });

  it("gives each free place to the lane with the least pool time, so a long run's backlog does not keep the pool", async () => {
    const runner = new HeldRunner();
    const clock = testClock();
    const d = new FairDispatcher(runner, { limit: 2, now: clock.now });
    const big = d.lane(2, 'big');
    const small = d.lane(2, 'small');
    const done: string[] = [];
    const bigTasks = Array.from({ length: 6 }, (_, i) => big.run(`big${i}`).then((v) => done.push(v as string)));
    const smallTasks = ['small0', 'small1'].map((t) => small.run(t).then((v) => done.push(v as string)));
    expect(runner.started).toEqual(['big0', 'big1']);
    expect(big.stats).toEqual({ owner: 'big', cap: 2, poolTimeMs: 0, handed: 2, queued: 4 });
    expect(small.stats).toEqual({ owner: 'small', cap: 2, poolTimeMs: 0, handed: 0, queued: 2 });
    clock.set(10);
    runner.finish('big0');
    await turns();
    runner.finish('big1');
    await turns();
    // big has had 20 ms of the pool, small none: both places go to small, though big queued first.
    expect(runner.started).toEqual(['big0', 'big1', 'small0', 'small1']);
    clock.set(15);
    runner.finish('small0');
    runner.finish('small1');
    await Promise.all(smallTasks);
    expect(done).toEqual(['big0 done', 'big1 done', 'small0 done', 'small1 done']);
    expect(small.stats.poolTimeMs).toBe(10);
    for (let i = 2; i < 6; i++) {
      await turns();
      runner.finish(`big${i}`);
    }
    await Promise.all(bigTasks);
    expect(runner.started).toEqual(['big0', 'big1', 'small0', 'small1', 'big2', 'big3', 'big4', 'big5']);
    expect(d.handed).toBe(0);
  });

  it("a run's next step, sent when its last one finishes, gets the place back before a lane with more pool time", async () => {
    const runner = new HeldRunner();
    const clock = testClock();
    const d = new FairDispatcher(runner, { limit: 2, now: clock.now });
    const long = d.lane(2, 'long');
    const steps = d.lane(2, 'steps');
    const longTasks = Array.from({ length: 5 }, (_, i) => long.run(`long${i}`));
    // Each step is sent by the callback of the one before, as a run sends the chunks that depended on it.
    const stepped = new Promise((resolve) => {
      void steps.run('step0').then(() => steps.run('step1').then(() => steps.run('step2').then(resolve)));
    });
    expect(runner.running).toEqual(['long0', 'long1']);
    clock.set(10);
    runner.finish('long0');
    await turns();
    expect(runner.running).toEqual(['long1', 'step0']);
    for (const step of ['step0', 'step1']) {
      clock.set(clock.now() + 1);
      runner.finish(step);
      await turns();
    }
    expect(runner.running).toEqual(['long1', 'step2']);
    runner.finish('step2');
    expect(await stepped).toBe('step2 done');
    for (let i = 1; i < 5; i++) {
      await turns();
      runner.finish(`long${i}`);
    }
    await Promise.all(longTasks);
    expect(runner.started).toEqual(['long0', 'long1', 'step0', 'step1', 'step2', 'long2', 'long3', 'long4']);
  });

  it('a lane back from idle starts at most 20 ms of pool time below the clock: it cannot cash in a long idle spell', async () => {
    const runner = new HeldRunner();
    const clock = testClock();
    const d = new FairDispatcher(runner, { limit: 1, now: clock.now });
    const busy = d.lane(1, 'busy');
    const idle = d.lane(1, 'idle');
    for (let i = 0; i < 10; i++) {
      const t = busy.run(`warm${i}`);
      clock.set(clock.now() + 10);
      runner.finish(`warm${i}`);
      await t;
    }
    await turns();
    expect(busy.stats.poolTimeMs).toBe(100);
    const all = [...['b0', 'b1', 'b2', 'b3'].map((t) => busy.run(t)), ...['i0', 'i1', 'i2', 'i3'].map((t) => idle.run(t))];
    for (let n = 0; n < 8; n++) {
      await turns();
      clock.set(clock.now() + 10);
      runner.finish(runner.running[0]!);
    }
    await Promise.all(all);
    // idle starts at 80 (the clock, 100, less 20) against busy's 110 after b0: three turns, then they alternate.
    expect(runner.started.slice(10)).toEqual(['b0', 'i0', 'i1', 'i2', 'b1', 'i3', 'b2', 'b3']);
  });

  it("keeps a lane under its cap while the pool has room for more", async () => {
    const runner = new HeldRunner();
    const d = new FairDispatcher(runner, { limit: 4 });
    const one = d.lane(1, 'one');
    const seen: DispatchEvent[] = [];
    d.on('dispatch', (e: DispatchEvent) => seen.push(e));
    const tasks = ['a', 'b', 'c'].map((t) => one.run(t));
    expect(runner.running).toEqual(['a']);
    runner.finish('a');
    await turns();
    expect(runner.running).toEqual(['b']);
    runner.finish('b');
    await turns();
    runner.finish('c');
    expect(await Promise.all(tasks)).toEqual(['a done', 'b done', 'c done']);
    expect(seen.map(({ owner, handed }) => ({ owner, handed }))).toEqual([1, 1, 1].map((handed) => ({ owner: 'one', handed })));
    expect(seen[0]!.waitedMs).toBe(0);
    expect(seen[2]!.waitedMs).toBeGreaterThanOrEqual(0);
  });

  it('an aborted queued entry leaves its lane at once; entries in the pool are the runner\'s to abort', async () => {
    const runner = new HeldRunner();
    const d = new FairDispatcher(runner, { limit: 1 });
    const a = d.lane(1, 'a');
    const b = d.lane(1, 'b');
    const ctl = new AbortController();
    const first = a.run('a0', { signal: ctl.signal });
    const queued = [a.run('a1', { signal: ctl.signal }), a.run('a2', { signal: ctl.signal })];
    const other = b.run('b0');
    ctl.abort();
    for (const p of queued) await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(a.stats.queued).toBe(0);
    // The signal was given to the runner with a0, which (Piscina) rejects it; b0 goes next.
    runner.fail('a0');
    await expect(first).rejects.toThrow('a0 failed');
    await turns();
    expect(runner.running).toEqual(['b0']);
    runner.finish('b0');
    expect(await other).toBe('b0 done');
    await expect(a.run('late', { signal: ctl.signal })).rejects.toBeInstanceOf(CancelledError);
  });

  it("closing a lane rejects what it has queued and leaves other lanes' entries alone", async () => {
    const runner = new HeldRunner();
    const d = new FairDispatcher(runner, { limit: 2 });
    const a = d.lane(2, 'a');
    const b = d.lane(2, 'b');
    const running = a.run('a0');
    const aQueued = [a.run('a1'), a.run('a2')];
    const bTasks = [b.run('b0'), b.run('b1')];
    expect(runner.running).toEqual(['a0', 'a1']);
    a.close();
    await expect(aQueued[1]).rejects.toBeInstanceOf(CancelledError);
    await expect(a.run('after')).rejects.toThrow(/closed/);
    // a's tasks already in the pool finish as usual and hand their places to b.
    runner.finish('a0');
    runner.finish('a1');
    expect(await running).toBe('a0 done');
    expect(await aQueued[0]).toBe('a1 done');
    await turns();
    expect(runner.running).toEqual(['b0', 'b1']);
    runner.finish('b0');
    runner.finish('b1');
    expect(await Promise.all(bTasks)).toEqual(['b0 done', 'b1 done']);
  });

  it('a runner that throws at once rejects that entry only, and frees its place', async () => {
    const runner = new HeldRunner();
    const busy: boolean[] = [];
    const d = new FairDispatcher(runner, { limit: 1, onBusy: (b) => busy.push(b) });
    const lane = d.lane(1, 'x');
    await expect(lane.run('throws')).rejects.toThrow('refused at once');
    const next = lane.run('ok');
    runner.finish('ok');
    expect(await next).toBe('ok done');
    await turns();
    expect(d.handed).toBe(0);
    expect(busy).toEqual([true, false, true, false]);
  });
});
