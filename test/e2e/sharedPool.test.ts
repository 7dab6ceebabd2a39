/**
 * Sessions of one process on one shared worker pool (issue 10 §5): opening a session starts no thread;
 * many sessions at once get exact results; one session's long run does not starve another's small one
 * (turns recorded from the pool's dispatch events, never timed); `workers` caps a session's share;
 * closing, aborting or crashing one session's work leaves the others' alone; `pool: 'private'` still
 * gives a session threads of its own.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { ChunkGraphBuilder } from '../../src/dag/chunkGraph.js';
import type { DispatchEvent } from '../../src/executors/fairPool.js';
import { machineWorkers, sharedPoolState } from '../../src/executors/pool.js';
import { ThreadsExecutor } from '../../src/executors/threads.js';
import { CancelledError, type NdArray, newSession, type Session, tensor as tt } from '../../src/index.js';
import { MemoryChunkStore } from '../../src/store/chunkStore.js';
import { settles } from '../support/events.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';

failOnUnhandledRejections();

const opened: Session[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
const open = (opts: Parameters<typeof newSession>[0] = {}): Session => {
  const s = newSession({ mode: 'lazy', default: false, ...opts });
  opened.push(s);
  return s;
};

const item = (v: unknown): number => (v as NdArray).item() as number;
/** 0 + 1 + ... + (n - 1). */
const triangle = (n: number): number => (n * (n - 1)) / 2;

/**
 * `chunks` chunks of `size` elements each, each through a user function (which always runs on a pool
 * worker) that works a while and returns its input, summed: exactly triangle(chunks * size).
 */
function work(chunks: number, size: number, rounds: number) {
  const fn = new Function('x', `let s = 0; for (let k = 0; k < ${rounds}; k++) s += Math.sqrt(x + k); return s >= 0 ? x : -1;`) as (x: number) => number;
  return tt.arange(0, chunks * size, 1, { chunkSize: size }).map(fn).sum();
}

/** The pool's dispatches from now on, by owner (session id). */
function recordDispatches(): { readonly owners: string[]; stop(): void } {
  const { dispatcher } = sharedPoolState()!;
  const owners: string[] = [];
  const listener = (e: DispatchEvent): void => void owners.push(e.owner);
  dispatcher.on('dispatch', listener);
  return { owners, stop: () => dispatcher.off('dispatch', listener) };
}

/** Resolves when a task of `session` is next handed to the shared pool. */
function firstDispatchOf(session: Session): Promise<void> {
  const { dispatcher } = sharedPoolState()!;
  return new Promise((resolve) => {
    const listener = (e: DispatchEvent): void => {
      if (e.owner !== session.id) return;
      dispatcher.off('dispatch', listener);
      resolve();
    };
    dispatcher.on('dispatch', listener);
  });
}

describe('sessions of a process share one pool', () => {
  it('opening sessions starts no thread; 40 sessions at once get exact sums; closed, the process exits', () => {
    const script = `
      import { newSession, tensor as tt } from ${JSON.stringify(new URL('../../src/index.ts', import.meta.url).href)};
      import { sharedPoolState } from ${JSON.stringify(new URL('../../src/executors/pool.ts', import.meta.url).href)};
      const sessions = Array.from({ length: 40 }, () => newSession({ mode: 'lazy', default: false }));
      const threadsAtOpen = sharedPoolState().pool.threads.length;
      const sums = await Promise.all(sessions.map((s, i) => s.run(tt.arange(0, 100000, 1, { chunkSize: 10000 }).add(i).sum())));
      const exact = sums.every((v, i) => v.item() === 4999950000 + 100000 * i);
      await Promise.all(sessions.map((s) => s.close()));
      console.log('threads at open', threadsAtOpen, 'exact', exact, 'threads', sharedPoolState().pool.threads.length);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).not.toMatch(/FATAL|Check failed|Error/);
    expect({ status: r.status, out: r.stdout.trim() }).toEqual({ status: 0, out: `threads at open 0 exact true threads ${machineWorkers()}` });
  }, 130_000);

  it("a session's small run is served while another's long run still has most of its backlog", async () => {
    const a = open();
    const b = open();
    const log = recordDispatches();
    try {
      const finished: string[] = [];
      const firstOfA = firstDispatchOf(a);
      // 240 chunks of 40,000 elements: heavy tasks, which share entries only while A has the pool to
      // itself (threads.ts), so A keeps the pool busy with 60 to 240 entries.
      const long = a.run(work(240, 40_000, 20)).then((v) => (finished.push('A'), item(v)));
      await settles(firstOfA, "A's first task to reach the pool");
      const small = b.run(work(10, 1_000, 1)).then((v) => (finished.push('B'), item(v)));
      expect(await settles(Promise.all([long, small]), 'both runs')).toEqual([triangle(240 * 40_000), triangle(10_000)]);
      expect(finished).toEqual(['B', 'A']);
      const fromA = log.owners.filter((o) => o === a.id).length;
      const fromAAfterB = log.owners.slice(log.owners.lastIndexOf(b.id)).filter((o) => o === a.id).length;
      expect(fromA).toBeGreaterThanOrEqual(60);
      // B's tasks took turns with A's instead of waiting for A's backlog to drain.
      expect(fromAAfterB).toBeGreaterThan(fromA / 2);
    } finally {
      log.stop();
    }
  }, 60_000);

  it("`workers` caps a session's tasks in the pool; above the machine's cores it gets the cores", async () => {
    const one = open({ workers: 1 });
    const many = open({ workers: 256 });
    expect(one.info.workers).toBe(1);
    expect(many.info.workers).toBe(machineWorkers());
    expect(many.config.workers).toBe(256);
    const { dispatcher } = sharedPoolState()!;
    const most = new Map<string, number>();
    const listener = (e: DispatchEvent): void => void most.set(e.owner, Math.max(most.get(e.owner) ?? 0, e.handed));
    dispatcher.on('dispatch', listener);
    try {
      const sums = await Promise.all([one.run(work(12, 40_000, 2)), many.run(work(12, 40_000, 2))]);
      expect(sums.map(item)).toEqual([triangle(480_000), triangle(480_000)]);
      expect(most.get(one.id)).toBe(1);
      expect(most.get(many.id)).toBeLessThanOrEqual(machineWorkers());
    } finally {
      dispatcher.off('dispatch', listener);
    }
  }, 60_000);

  it("closing a session, idle or mid-run, ends none of the pool's threads another session's run uses", async () => {
    const idle = open();
    const busy = open();
    const other = open();
    expect(item(await idle.run(work(4, 40_000, 1)))).toBe(triangle(160_000));
    const { pool } = sharedPoolState()!;
    let exits = 0;
    const watched = pool.threads;
    for (const t of watched) t.once('exit', () => exits++);
    const running = other.run(work(60, 40_000, 10));
    await idle.close();
    expect(exits).toBe(0);
    const busyDispatched = firstDispatchOf(busy);
    const cut = busy.run(work(60, 40_000, 10));
    await settles(busyDispatched, "the closing session's first task to reach the pool");
    await busy.close();
    await expect(cut).rejects.toBeInstanceOf(CancelledError);
    expect(item(await settles(running, "the other session's run"))).toBe(triangle(60 * 40_000));
    expect(item(await other.run(work(4, 40_000, 1)))).toBe(triangle(160_000));
  }, 60_000);

  it('aborting a run empties its queue at once; the other session is undisturbed and the aborted one runs again', async () => {
    const a = open({ workers: 1 });
    const b = open();
    const log = recordDispatches();
    try {
      const ctl = new AbortController();
      const firstOfA = firstDispatchOf(a);
      const aborted = a.run(work(200, 40_000, 20), { signal: ctl.signal });
      const small = b.run(work(20, 40_000, 1));
      await settles(firstOfA, "A's first task to reach the pool");
      ctl.abort();
      await expect(aborted).rejects.toBeInstanceOf(CancelledError);
      const fromAAtAbort = log.owners.filter((o) => o === a.id).length;
      expect(item(await settles(small, "B's run"))).toBe(triangle(20 * 40_000));
      // Nothing of A's went to the pool after its abort.
      expect(log.owners.filter((o) => o === a.id)).toHaveLength(fromAAtAbort);
      expect(sharedPoolState()!.dispatcher.handed).toBe(0);
      expect(item(await a.run(work(4, 40_000, 1)))).toBe(triangle(160_000));
    } finally {
      log.stop();
    }
  }, 60_000);

  it("an executor whose task kills its worker fails alone; a session's run on the same pool is exact", async () => {
    // The purity check keeps `process` out of a session's user functions, so the crash comes from a
    // chunk graph run on an executor of its own, leasing the shared pool as a session's does.
    const crashing = new ThreadsExecutor({ workers: 2 });
    const other = open();
    try {
      const b = new ChunkGraphBuilder();
      b.add({ key: 'a', kernel: 'tensor.full', params: { shape: [4], dtype: 'float64', value: 1 }, inputs: [], meta: { shape: [4], dtype: 'float64' } });
      const expr = { t: 'fn', f: 0, a: { t: 'in', i: 0, dtype: 'float64' }, dtype: 'float64' };
      b.add({ key: 'crash', kernel: 'tensor.ew', params: { expr, shape: [4], dtype: 'float64', fns: ['(x) => { process.exit(3); }'] }, inputs: ['a'], meta: { shape: [4], dtype: 'float64' } });
      const g = b.build();
      const exact = other.run(work(40, 40_000, 5));
      await expect(settles(crashing.run(g, new MemoryChunkStore(), { targets: [g.indexOf('crash')] }), 'the crashing run')).rejects.toMatchObject({
        code: 'WorkerCrashed',
      });
      expect(item(await settles(exact, "the other session's run"))).toBe(triangle(40 * 40_000));
    } finally {
      await crashing.close();
    }
  }, 60_000);

  it("`pool: 'private'` runs a session on threads of its own, not the shared pool's", async () => {
    const mine = open({ pool: 'private', workers: 3 });
    expect(mine.config.pool).toBe('private');
    expect(mine.info.workers).toBe(3);
    const log = recordDispatches();
    try {
      expect(item(await mine.run(work(6, 40_000, 1)))).toBe(triangle(240_000));
      expect(log.owners).not.toContain(mine.id);
    } finally {
      log.stop();
    }
  }, 60_000);
});
