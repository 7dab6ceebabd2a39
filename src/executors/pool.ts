/**
 * The worker pools. Workers run `kernels/worker` — from the TypeScript source under tests and tsx (with
 * tsx's loader registered in the worker), or from the built JavaScript in `dist` — chosen by where this
 * module itself was loaded from (js-stack.md §3). From the source, a worker's modules are CommonJS:
 * Piscina require()s its file, and tsx's ESM hooks do not reach worker threads on Node 20 (an import()
 * of a .ts file there fails with ERR_UNKNOWN_FILE_EXTENSION), so tsx's require hook compiles them, and
 * that output reads every imported binding through a getter — a call per use inside hot loops (an
 * R-MAT s20 LDBC load: 13.6 s against 2.4 compiled; perf: 36% megamorphic keyed loads, 17% calls).
 * Figures are measured compiled (bench/), never through tsx.
 *
 * Sessions of a process share one pool sized to the machine (DESIGN §8): a session leases a lane of it
 * (fairPool.ts), with its `workers` as its concurrency cap, and opening a session starts no thread —
 * threads start when tasks need them, up to the machine's size, and then stay for every later session.
 * A session may ask for a private pool instead (`pool: 'private'`): `workers` threads of its own,
 * started on demand and ended when it closes.
 *
 * Terminating a thread that is still loading its module can abort the whole process with a V8 fatal
 * error (seen 3 times in 13 closes of a 64-worker session), so `destroy` — and unreferencing the
 * shared pool's threads — first waits until every thread that has been started is up (Piscina reports
 * a thread started on demand as created only once it is ready) or has exited.
 */
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { logEngine } from '../base/log.js';
import { recyclingSwitchForWorkers } from '../base/recycledBuffers.js';
import { nativeMatmulSwitchForWorkers } from '../kernels/tensor/nativeGemm.js';
import { FairDispatcher, type Lane } from './fairPool.js';

const fromSource = import.meta.url.endsWith('.ts');

export function kernelWorkerUrl(): string {
  return new URL(`../kernels/worker.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;
}

export interface PoolOptions {
  readonly workers: number;
  /** Let idle threads exit so a process that never closes its (implicit) session can still end. */
  readonly exitWhenIdle?: boolean;
}

/** A Piscina pool whose `destroy` never terminates a thread while it is loading its module. */
export class KernelPool extends Piscina {
  /** Threads that finished loading, by thread id. */
  readonly #up = new Set<number>();

  /** Only for pools that start threads on demand (minThreads 0): Piscina reports those created once up. */
  constructor(options: ConstructorParameters<typeof Piscina>[0]) {
    super(options);
    this.on('workerCreate', (worker: { readonly id: number }) => this.#up.add(worker.id));
  }

  /** Threads started and neither up nor gone (an exited thread's id is -1). */
  starting(): Worker[] {
    return this.threads.filter((t) => t.threadId !== -1 && !this.#up.has(t.threadId));
  }

  /**
   * Every task given an abort signal adds a listener to it, and a run passes its one signal to all of
   * its tasks (up to `workers` in flight): past Node's default of 10 that printed a
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

export type PoolKind = 'shared' | 'private';

export interface LeaseOptions {
  /** The session's concurrency: tasks of it the pool runs at once (and a private pool's size). */
  readonly workers: number;
  /** The process's shared pool (default), or one of the session's own. */
  readonly pool?: PoolKind;
  /**
   * Do not keep the process alive while no task runs (the implicit session, which a script never
   * closes): a shared lease does not count as holding the pool; a private pool's idle threads exit.
   */
  readonly exitWhenIdle?: boolean;
  /** Who the lane belongs to, in dispatch events (a session id). */
  readonly owner?: string;
}

/** A session's use of a pool: `release` ends it (a private pool is destroyed, a shared one kept). */
export interface PoolLease {
  /** The pool the lane sends to: the shared one, or the session's own. */
  readonly pool: KernelPool;
  readonly lane: Lane;
  /** The lane's concurrency cap: `workers`, at most the shared pool's size. */
  readonly workers: number;
  release(): Promise<void>;
}

/** The size of the shared pool: the machine's cores. */
export function machineWorkers(): number {
  return Math.max(1, availableParallelism());
}

interface Shared {
  readonly pool: KernelPool;
  readonly dispatcher: FairDispatcher;
  /** Leases that keep the process alive (all but exitWhenIdle ones). */
  holders: number;
  busy: boolean;
  /** Whether the threads are (or are about to be) referenced. */
  referenced: boolean;
}

let shared: Shared | undefined;

/**
 * The process's shared pool (created with its first lease, without threads). While no lease holds it
 * and no task is in it, its threads are unreferenced, so a script that closes its sessions still exits
 * (Node ends unreferenced threads with the process) — after every thread that was starting is up.
 */
function sharedPool(): Shared {
  if (shared) return shared;
  const size = machineWorkers();
  const pool = createPool({ workers: size });
  // No more entries than threads: Piscina's queue is on the main thread too, so an entry queued there
  // would reach a freed thread no sooner than the next lane's turn does (the dispatcher hands it over
  // as the finished entry settles), and it would make that turn wait behind it.
  const dispatcher = new FairDispatcher(pool, {
    limit: size,
    onBusy: (busy) => {
      entry.busy = busy;
      holdThreads(entry);
    },
  });
  const entry: Shared = { pool, dispatcher, holders: 0, busy: false, referenced: true };
  // A thread started while nobody holds the pool (a task of an exitWhenIdle session) is let go once up.
  pool.on('workerCreate', () => {
    if (!entry.referenced) for (const t of pool.threads) t.unref();
  });
  shared = entry;
  return entry;
}

/** References the shared pool's threads while a lease holds it or a task is in it; unreferences them after. */
function holdThreads(e: Shared): void {
  const want = e.holders > 0 || e.busy;
  if (want === e.referenced) return;
  e.referenced = want;
  if (want) {
    for (const t of e.pool.threads) t.ref();
    return;
  }
  void e.pool.whenStarted().then(() => {
    if (!e.referenced) for (const t of e.pool.threads) t.unref();
  });
}

/** The shared pool and its dispatcher, if a session has leased it yet (for stats and tests). */
export function sharedPoolState(): { readonly pool: KernelPool; readonly dispatcher: FairDispatcher } | undefined {
  return shared;
}

export function leasePool(o: LeaseOptions): PoolLease {
  const owner = o.owner ?? 'anonymous';
  if (o.pool === 'private') {
    const pool = createPool(o);
    const lane = new FairDispatcher(pool, { limit: o.workers }).lane(o.workers, owner);
    let ended: Promise<void> | undefined;
    return {
      pool,
      lane,
      workers: o.workers,
      release: () => {
        lane.close();
        ended ??= pool.destroy();
        return ended;
      },
    };
  }
  const held = sharedPool();
  // More concurrency than the pool has threads would only queue inside it.
  const workers = Math.min(o.workers, machineWorkers());
  const lane = held.dispatcher.lane(workers, owner);
  const holds = !o.exitWhenIdle;
  if (holds) {
    held.holders++;
    holdThreads(held);
  }
  let released = false;
  return {
    pool: held.pool,
    lane,
    workers,
    async release() {
      if (released) return;
      released = true;
      lane.close();
      if (!holds) return;
      held.holders--;
      holdThreads(held);
      // Resolve once the threads are let go, so a closed session leaves the process free to exit.
      if (!held.referenced) await held.pool.whenStarted();
    },
  };
}

export function createPool(o: PoolOptions): KernelPool {
  const pool = new KernelPool({
    filename: kernelWorkerUrl(),
    minThreads: 0,
    maxThreads: o.workers,
    idleTimeout: o.exitWhenIdle ? 200 : Infinity,
    // No queue limit: its dispatcher bounds what it sends (one entry per thread; an entry is a batch of
    // tasks, one task, or a gang member), and a task Piscina refused for a full queue would be
    // taken for a crashed worker.
    maxQueue: Infinity,
    atomics: 'async',
    // Whether the threads keep their arrays' memory for reuse (base/recycledBuffers.ts), and whether
    // big products may run on ONNX Runtime (kernels/tensor/nativeGemm.ts): the main thread's options.
    workerData: { recycling: recyclingSwitchForWorkers(), nativeMatmul: nativeMatmulSwitchForWorkers() },
    ...(fromSource ? { execArgv: ['--import', 'tsx'] } : {}),
    // A runaway kernel kills its worker instead of the process.
    resourceLimits: { maxOldGenerationSizeMb: 4096 },
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
