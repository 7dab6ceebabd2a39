/**
 * Creating the worker pool. Workers run `kernels/worker` — from the TypeScript source under tests and
 * tsx (with tsx's loader registered in the worker), or from the built JavaScript in `dist` — chosen by
 * where this module itself was loaded from (js-stack.md §3).
 *
 * The shared pool of a machine-sized worker count starts its threads in the background when the first
 * session leases it; other pools start threads when tasks need them, so 64 workers cost nothing until a
 * run asks for them (Piscina spawns up to `maxThreads` while tasks are queued). Terminating a thread that is still loading
 * its module can abort the whole process with a V8 fatal error (seen 3 times in 13 closes of a
 * 64-worker session), so `destroy` — and `close`, which ends in it — first waits until every thread
 * that has been started is up (Piscina reports a thread started on demand as created only once it is
 * ready) or has exited.
 */
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { logEngine } from '../base/log.js';

const fromSource = import.meta.url.endsWith('.ts');

export function kernelWorkerUrl(): string {
  return new URL(`../kernels/worker.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;
}

export interface PoolOptions {
  readonly workers: number;
  /** Let idle threads exit so a process that never closes its (implicit) session can still end. */
  readonly exitWhenIdle?: boolean;
  /** Heap limit per worker, so a runaway kernel kills its worker instead of the process. */
  readonly maxOldGenerationSizeMb?: number;
  /** Start every thread with the pool instead of when tasks need them. */
  readonly prestart?: boolean;
}

/** A Piscina pool whose `destroy` never terminates a thread while it is loading its module. */
export class KernelPool extends Piscina {
  /** Threads that finished loading, by thread id. */
  readonly #up = new Set<number>();

  /** Threads the pool started with: Piscina reports them created at once, not when they are up. */
  readonly #prestarting = new Set<number>();

  constructor(options: ConstructorParameters<typeof Piscina>[0]) {
    super(options);
    for (const thread of this.threads) {
      const id = thread.threadId;
      this.#prestarting.add(id);
      // A thread's first message to its parent is Piscina's "ready".
      thread.once('message', () => {
        this.#prestarting.delete(id);
        this.#up.add(id);
      });
    }
    this.on('workerCreate', (worker: { readonly id: number }) => {
      if (!this.#prestarting.has(worker.id)) this.#up.add(worker.id);
    });
  }

  /** Threads started and neither up nor gone (an exited thread's id is -1). */
  starting(): Worker[] {
    return this.threads.filter((t) => t.threadId !== -1 && !this.#up.has(t.threadId));
  }

  /**
   * Every task given an abort signal adds a listener to it, and a run passes its one signal to all of
   * its tasks (up to 2 * workers in flight): past Node's default of 10 that printed a
   * MaxListenersExceededWarning on every run of a session with 6 or more workers.
   */
  override run(task: unknown, options: Parameters<Piscina['run']>[1] = {}): Promise<unknown> {
    if (options.signal instanceof EventTarget) setMaxListeners(0, options.signal);
    return super.run(task, options);
  }

  override async destroy(): Promise<void> {
    await this.whenStarted();
    return super.destroy();
  }

  /** Resolves once no thread is still loading its module. */
  async whenStarted(): Promise<void> {
    // Another thread may start while we wait (a task queued by a run that is being aborted): look again.
    for (let starting = this.starting(); starting.length > 0; starting = this.starting()) {
      await Promise.all(starting.map((t) => this.#untilUp(t)));
    }
  }

  #untilUp(thread: Worker): Promise<void> {
    const id = thread.threadId;
    return new Promise((resolve) => {
      const onCreate = (worker: { readonly id: number }): void => {
        if (worker.id === id) done();
      };
      const done = (): void => {
        this.off('workerCreate', onCreate);
        thread.off('exit', done);
        thread.off('message', done);
        resolve();
      };
      this.on('workerCreate', onCreate);
      thread.once('exit', done);
      thread.once('message', done);
    });
  }
}

/** A session's use of a pool: `release` ends it (a private pool is destroyed, a shared one kept). */
export interface PoolLease {
  readonly pool: KernelPool;
  release(): Promise<void>;
}

/**
 * The process's shared pools, one per worker count. Sessions of one process share their pool (DESIGN
 * §8): a second session's first run finds its threads up and its kernels compiled and optimised, and
 * sessions do not multiply threads. Isolation is by store and keys, not by thread. While no session
 * holds a lease the pool's threads are unreferenced, so a script that closes its sessions still exits
 * (Node ends unreferenced threads with the process) — after every thread that was starting is up,
 * since ending a thread while it loads its module can abort the process.
 */
const shared = new Map<number, { readonly pool: KernelPool; leases: number }>();

export function leasePool(o: PoolOptions): PoolLease {
  if (o.exitWhenIdle || o.maxOldGenerationSizeMb !== undefined) {
    const pool = createPool(o);
    return { pool, release: () => pool.destroy() };
  }
  let entry = shared.get(o.workers);
  if (!entry) {
    // A pool the machine's size starts its threads now, in the background, so the first run of the
    // first session does not wait for them to load (50-100 ms); a bigger one starts them on demand.
    const pool = createPool({ ...o, prestart: o.workers <= availableParallelism() });
    entry = { pool, leases: 0 };
    shared.set(o.workers, entry);
    // A thread started while the pool is leased keeps the process alive like any other; see above.
    pool.on('workerCreate', () => {
      if (entry!.leases === 0) for (const t of pool.threads) t.unref();
    });
  }
  const held = entry;
  if (held.leases++ === 0) for (const t of held.pool.threads) t.ref();
  let released = false;
  return {
    pool: held.pool,
    async release() {
      if (released) return;
      released = true;
      if (--held.leases > 0) return;
      await held.pool.whenStarted();
      if (held.leases === 0) for (const t of held.pool.threads) t.unref();
    },
  };
}

export function createPool(o: PoolOptions): KernelPool {
  const pool = new KernelPool({
    filename: kernelWorkerUrl(),
    minThreads: o.prestart ? o.workers : 0,
    maxThreads: o.workers,
    idleTimeout: o.exitWhenIdle ? 200 : Infinity,
    // No queue limit: the executor bounds what it sends (2 * workers entries in flight; an entry is one
    // task, a gang of `workers` tasks for a graph app, or the tasks of a crashed batch retried one by
    // one), and a task Piscina refused for a full queue would be taken for a crashed worker.
    maxQueue: Infinity,
    ...(fromSource ? { execArgv: ['--import', 'tsx'] } : {}),
    resourceLimits: { maxOldGenerationSizeMb: o.maxOldGenerationSizeMb ?? 4096 },
  });
  // Piscina reports pool-level trouble as 'error' events; unlistened, they would crash the process.
  // A worker whose task was just aborted may still deliver that task's result ("Unexpected message
  // from Worker"): harmless, since the run that owned the task has already settled.
  pool.on('error', (err: Error) => {
    if (/^Unexpected message from Worker/.test(err.message)) return;
    logEngine('error', `worker pool: ${err.message}`, { code: 'TESSERA_POOL_ERROR' });
  });
  return pool;
}
