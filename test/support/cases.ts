/**
 * Glue the property tests share: a generated case as a chunked tensor, as a reference array, and the
 * sessions each property file runs its cases through — one lazy session per executor, opened once for
 * the whole file: `local`, and `threads` on a pool of two workers that also gets the tiny tasks the
 * executor would otherwise run on the calling thread, so every case's kernels run in the workers on
 * chunks that cross as shared memory.
 */
import { afterAll, beforeAll } from 'vitest';
import { newSession, Session, tensor as tt, type Tensor } from '../../src/index.js';
import type { NdArray } from '../../src/base/ndarray.js';
import { ThreadsExecutor } from '../../src/executors/threads.js';
import type { TensorCase } from './arbitraries.js';
import * as R from './reference.js';

export const build = (c: TensorCase): Tensor => tt.array(Float64Array.from(c.data), { shape: c.shape, chunkSize: c.chunks });
export const refOf = (c: TensorCase): R.Ref => R.ref(c.shape, c.data);

export const EXECUTORS = ['local', 'threads'] as const;
export type Executor = (typeof EXECUTORS)[number];

/** Cases per property on `threads`, where each case pays pool round trips. */
export const THREADS_RUNS = 100;

export interface PropertySession {
  readonly run: (t: Tensor) => Promise<NdArray>;
  readonly session: () => Session;
  /** fast-check's numRuns: the file's own count locally, THREADS_RUNS on threads. */
  readonly numRuns: (local: number) => number;
}

/** Opens the calling file's sessions (closed after it); call the result with an executor inside a describe. */
export function propertySessions(): (kind: Executor) => PropertySession {
  const sessions = new Map<Executor, Session>();
  beforeAll(() => {
    sessions.set('local', newSession({ mode: 'lazy', executor: 'local', default: false }));
    const threads = new ThreadsExecutor({ workers: 2, inlineTinyTasks: false });
    sessions.set('threads', new Session({ mode: 'lazy', default: false }, { executor: threads }));
  });
  afterAll(() => Promise.all([...sessions.values()].map((s) => s.close())));
  return (kind) => ({
    run: async (t) => (await sessions.get(kind)!.run(t)) as NdArray,
    session: () => sessions.get(kind)!,
    numRuns: (local) => (kind === 'threads' ? THREADS_RUNS : local),
  });
}
