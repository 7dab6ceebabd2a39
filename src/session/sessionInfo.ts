/** What `Session.info` and the 'progress' event report (kept apart so session.ts stays about the session's work). */
import type { RemoteWorker } from '../executors/executor.js';
import type { PlanDecisions } from './tiler.js';

export interface ProgressEvent {
  readonly run: number;
  readonly progress: number;
  readonly done: number;
  readonly total: number;
}

export interface SessionInfo {
  readonly id: string;
  readonly name: string | undefined;
  readonly mode: 'eager' | 'lazy';
  readonly status: 'active' | 'closed';
  readonly executor: string;
  readonly workers: number;
  readonly results: number;
  readonly memory: { readonly used: number; readonly limit: number };
  /**
   * What ops decided while tiling (`ctx.plan`: "tree combine", "broadcast right: 1.2 MB"), per tileable
   * key, oldest first; the last 256 tileables that recorded any. Each run's own are in its 'run' event.
   */
  readonly plans: readonly PlanDecisions[];
  /** With executor 'distributed': the `tessera worker` processes seen alive lately (id, host, threads, load). */
  readonly remoteWorkers?: readonly RemoteWorker[];
}
