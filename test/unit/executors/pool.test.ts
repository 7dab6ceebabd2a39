/**
 * The kernel pool's thread lifecycle: no thread starts before a task needs one, and destroying the pool
 * never terminates a thread that is still loading its module (that can abort the process with a V8
 * fatal error). A thread's first message to its parent is Piscina's "ready" (tasks use a port), so
 * "a message came before exit" means the thread was up when it was terminated.
 */
import { describe, expect, it } from 'vitest';
import { createPool } from '../../../src/executors/pool.js';

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
