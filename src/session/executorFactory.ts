/** Builds the executor a session's options ask for. */
import type { Executor } from '../executors/executor.js';
import { LocalExecutor } from '../executors/local.js';
import { ThreadsExecutor } from '../executors/threads.js';
import type { ResolvedOptions } from './options.js';

export function createExecutor(o: ResolvedOptions, extra: { readonly exitWhenIdle?: boolean } = {}): Executor {
  switch (o.executor) {
    case 'local':
      return new LocalExecutor();
    case 'threads':
      return new ThreadsExecutor({ workers: o.workers, ...extra });
  }
}
