/**
 * The kernel pool's thread lifecycle: no thread starts before a task needs one (not even when a session
 * leases the shared pool), the shared pool is one for the process and lets the process exit once no
 * lease holds it, and destroying a pool never terminates a thread that is still loading its module (that can abort the process with a V8
 * fatal error). A thread's first message to its parent is Piscina's "ready" (tasks use a port), so
 * "a message came before exit" means the thread was up when it was terminated.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createPool, leasePool, machineWorkers, sharedPoolState } from '../../../src/executors/pool.js';

describe('createPool', () => {
  it('starts no thread until a task needs one', async () => {
    const pool = createPool({ workers: 4 });
    expect(pool.threads).toHaveLength(0);
    await pool.destroy();
  });

  it('destroy waits until every thread it started is up', async () => {
    const pool = createPool({ workers: 3 });
    const tasks = [0, 1, 2].map(() => pool.run([]).then(() => 'done', () => 'rejected'));
    const threads = pool.threads;
    expect(threads).toHaveLength(3);
    const states = threads.map((t) => {
      let up = false;
      t.once('message', () => (up = true));
      return new Promise<string>((resolve) => t.once('exit', () => resolve(up ? 'up' : 'loading')));
    });
    await pool.destroy();
    expect(await Promise.all(states)).toEqual(['up', 'up', 'up']);
    await Promise.all(tasks);
  });
});

describe('leasePool', () => {
  const src = (path: string): string => JSON.stringify(new URL(`../../../src/${path}`, import.meta.url).href);
  /** Runs `script` (an ES module) in a fresh process: its exit status and what it printed. */
  const child = (script: string) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/FATAL|Check failed/);
    return { status: r.status, signal: r.signal, out: r.stdout.trim() };
  };

  it('every shared lease is a lane of one pool the size of the machine; its threads outlive a lease', async () => {
    const a = leasePool({ workers: 1 });
    const b = leasePool({ workers: 3 });
    const big = leasePool({ workers: 64 });
    const { pool, dispatcher } = sharedPoolState()!;
    expect(new Set([a.pool, b.pool, big.pool, pool]).size).toBe(1);
    expect(pool.options.maxThreads).toBe(machineWorkers());
    expect([a.workers, b.workers, big.workers]).toEqual([1, Math.min(3, machineWorkers()), machineWorkers()]);
    await Promise.all([a, b, big].flatMap((l) => [l.lane.run([]), l.lane.run([])]));
    const threads = pool.threads.length;
    expect(threads).toBeGreaterThan(0);
    await a.release();
    await a.release();
    await expect(a.lane.run([])).rejects.toThrow(/closed/);
    const c = leasePool({ workers: 2 });
    expect(sharedPoolState()!.dispatcher).toBe(dispatcher);
    expect(pool.threads).toHaveLength(threads);
    expect(await c.lane.run([])).toEqual([]);
    await Promise.all([b.release(), big.release(), c.release()]);
  });

  it("a private lease has a pool of its own, of `workers` threads, ended at release", async () => {
    const lease = leasePool({ workers: 3, pool: 'private' });
    expect(lease.workers).toBe(3);
    await Promise.all([0, 1, 2].map(() => lease.lane.run([])));
    expect(lease.pool).not.toBe(sharedPoolState()?.pool);
    const threads = lease.pool.threads;
    expect(threads).toHaveLength(3);
    await Promise.all([lease.release(), lease.release()]);
    expect(threads.map((t) => t.threadId)).toEqual([-1, -1, -1]);
    await expect(lease.lane.run([])).rejects.toThrow(/closed/);
  });

  it('a lease starts no thread; a process whose leases are released exits, though the shared pool keeps its threads', () => {
    const script = `
      import { leasePool, sharedPoolState } from ${src('executors/pool.ts')};
      const lease = leasePool({ workers: 2 });
      const before = sharedPoolState().pool.threads.length;
      await Promise.all([lease.lane.run([]), lease.lane.run([])]);
      await lease.release();
      console.log('threads at lease', before, 'after release', sharedPoolState().pool.threads.length, 'loading', sharedPoolState().pool.starting().length);
    `;
    expect(child(script)).toEqual({ status: 0, signal: null, out: 'threads at lease 0 after release 2 loading 0' });
  }, 70_000);

  it('a lease released at once, while threads are still starting, lets the process exit cleanly', () => {
    const script = `
      import { leasePool } from ${src('executors/pool.ts')};
      const lease = leasePool({ workers: 2 });
      const tasks = [lease.lane.run([]), lease.lane.run([])];
      await lease.release();
      console.log((await Promise.all(tasks)).length);
    `;
    for (let i = 0; i < 3; i++) expect(child(script)).toEqual({ status: 0, signal: null, out: '2' });
  }, 120_000);

  it('an exitWhenIdle lease (the implicit session) keeps the process alive only while its tasks run', () => {
    const script = `
      import { leasePool } from ${src('executors/pool.ts')};
      const lease = leasePool({ workers: 2, exitWhenIdle: true });
      const out = await Promise.all([lease.lane.run([]), lease.lane.run([])]);
      console.log('ran', out.length);
    `;
    expect(child(script)).toEqual({ status: 0, signal: null, out: 'ran 2' });
  }, 70_000);
});
