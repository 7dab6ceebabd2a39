/**
 * The kernel pool's thread lifecycle: no thread starts before a task needs one, and destroying the pool
 * never terminates a thread that is still loading its module (that can abort the process with a V8
 * fatal error). A thread's first message to its parent is Piscina's "ready" (tasks use a port), so
 * "a message came before exit" means the thread was up when it was terminated.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createPool, leasePool } from '../../../src/executors/pool.js';

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
  it('sessions asking for the same worker count share one pool; its threads outlive a lease', async () => {
    const a = leasePool({ workers: 3 });
    const b = leasePool({ workers: 3 });
    const other = leasePool({ workers: 5 });
    expect(b.pool).toBe(a.pool);
    expect(other.pool).not.toBe(a.pool);
    await Promise.all([0, 1, 2].map(() => a.pool.run([])));
    const threads = a.pool.threads.length;
    await a.release();
    await a.release();
    const c = leasePool({ workers: 3 });
    expect(c.pool).toBe(b.pool);
    expect(c.pool.threads).toHaveLength(threads);
    await Promise.all([b.release(), c.release(), other.release()]);
  });

  it('a process whose sessions are closed exits, though the shared pool keeps its threads', () => {
    const script = `
      import { leasePool } from ${JSON.stringify(new URL('../../../src/executors/pool.ts', import.meta.url).href)};
      const lease = leasePool({ workers: 2 });
      await Promise.all([lease.pool.run([]), lease.pool.run([])]);
      await lease.release();
      console.log('released', lease.pool.threads.length);
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: child.status, signal: child.signal, out: child.stdout.trim() }).toEqual({ status: 0, signal: null, out: 'released 2' });
  }, 70_000);

  it('a machine-sized pool starts its threads with the first lease; released at once, the process still exits cleanly', () => {
    const script = `
      import { leasePool } from ${JSON.stringify(new URL('../../../src/executors/pool.ts', import.meta.url).href)};
      const lease = leasePool({ workers: 1 });
      const started = lease.pool.threads.length;
      await lease.release();
      console.log('started', started, 'loading after release', lease.pool.starting().length);
    `;
    for (let i = 0; i < 3; i++) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
      expect({ status: child.status, signal: child.signal, out: child.stdout.trim() }).toEqual({ status: 0, signal: null, out: 'started 1 loading after release 0' });
      expect(child.stderr).not.toMatch(/FATAL|Check failed/);
    }
  }, 120_000);
});
