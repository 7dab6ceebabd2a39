/**
 * Creating the worker pool. Workers run `kernels/worker` — from the TypeScript source under tests and
 * tsx (with tsx's loader registered in the worker), or from the built JavaScript in `dist` — chosen by
 * where this module itself was loaded from (js-stack.md §3).
 */
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
}

export function createPool(o: PoolOptions): Piscina {
  const pool = new Piscina({
    filename: kernelWorkerUrl(),
    minThreads: o.exitWhenIdle ? 0 : o.workers,
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
