/** Builds the executor a session's options ask for. */
import type { Executor } from '../executors/executor.js';
import { DistributedExecutor } from '../executors/distributed/executor.js';
import { LocalExecutor } from '../executors/local.js';
import { ThreadsExecutor } from '../executors/threads.js';
import type { ResolvedOptions } from './options.js';

export interface ExecutorExtras {
  /** Do not keep the process alive while idle (the implicit session, which nobody closes). */
  readonly exitWhenIdle?: boolean;
  /** The session's id: its tasks' owner in the shared pool's dispatch events. */
  readonly owner?: string;
}

export function createExecutor(o: ResolvedOptions, extra: ExecutorExtras = {}): Executor {
  switch (o.executor) {
    case 'local':
      return new LocalExecutor();
    case 'threads':
      return new ThreadsExecutor({ workers: o.workers, pool: o.pool, ...extra });
    case 'distributed':
      return new DistributedExecutor({
        redis: o.redis!,
        queue: o.queue,
        session: extra.owner ?? 'anonymous',
        ...(o.driverTtl !== undefined ? { driverTtlSeconds: o.driverTtl } : {}),
        ...(o.s3 ? { s3: o.s3 } : {}),
      });
  }
}
