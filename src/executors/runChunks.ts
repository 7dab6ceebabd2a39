/**
 * What every executor does around a task: pinning a run's inputs, storing outputs under a memory
 * limit, freeing chunks once consumed, and cleaning up after a failed run.
 *
 * When the store refuses an output (`NotEnoughMemory`), the inputs this task was the last consumer of
 * are freed first — they are garbage the moment it finishes — and the put is retried. Only when that
 * is not enough is the refusal reported to the executor, which can wait for other in-flight tasks to
 * free memory or fail the run.
 */
import { noteStored } from '../base/recycledBuffers.js';
import { attachBuildSite, errorFromData, TesseraError } from '../base/errors.js';
import { ExecutorError, KernelOutputError } from '../base/runErrors.js';
import type { ChunkGraph } from '../dag/chunkGraph.js';
import type { TaskOutcome } from '../kernels/task.js';
import type { ChunkStore } from '../store/chunkStore.js';
import type { RunOptions } from './executor.js';
import type { SchedulerState } from './schedulerState.js';

/** Pins the fetch chunks a run reads, so a memory limit cannot evict them mid-run. */
export function pinInputs(graph: ChunkGraph, store: ChunkStore): () => void {
  const pinned: string[] = [];
  for (let i = 0; i < graph.size; i++) {
    if (graph.kernels[i] === null) {
      store.pin(graph.keys[i]!);
      pinned.push(graph.keys[i]!);
    }
  }
  return () => {
    for (const k of pinned) store.unpin(k);
  };
}

export function releaseChunks(graph: ChunkGraph, store: ChunkStore, indices: readonly number[]): void {
  for (const d of indices) {
    store.unpin(graph.keys[d]!);
    store.delete(graph.keys[d]!);
  }
}

/** Removes what a failed or cancelled run computed but nobody will own (targets stay for the caller). */
export function discardProduced(graph: ChunkGraph, store: ChunkStore, state: SchedulerState, produced: ReadonlySet<number>): void {
  for (const i of produced) {
    store.unpin(graph.keys[i]!);
    if (!state.isTarget(i)) store.delete(graph.keys[i]!);
  }
}

/** Errors kernels threw (rebuilt in their own class): a run rejects with them unchanged. */
const kernelErrors = new WeakSet<Error>();

export function kernelError(outcome: Extract<TaskOutcome, { ok: false }>, graph: ChunkGraph, i: number, options: RunOptions): Error {
  const error = attachBuildSite(errorFromData(outcome.error), graph.keys[i], options.buildStackOf?.(i));
  kernelErrors.add(error);
  return error;
}

/**
 * What a run rejects with when something throws outside a kernel: typed errors (a chunk deleted from
 * the store, a listener that threw, a bad kernel output) and kernels' own errors as they are, anything
 * else — a bug in the engine — as an `ExecutorError` carrying it as its cause.
 */
export function runError(executor: string, e: unknown): Error {
  if (e instanceof TesseraError || (e instanceof Error && kernelErrors.has(e))) return e;
  return new ExecutorError(executor, e);
}

/**
 * Checks a kernel's output against what its chunk's meta promised (shape and dtype, where both say):
 * a wrong value must fail the run at the chunk that produced it, not corrupt what consumes it.
 */
export function checkOutput(graph: ChunkGraph, i: number, value: unknown): void {
  const meta = graph.metas[i] as { shape?: unknown; dtype?: unknown } | null | undefined;
  if (typeof value !== 'object' || value === null || !meta) return;
  const out = value as { shape?: unknown; dtype?: unknown; data?: { length?: unknown } };
  const fail = (detail: string): never => {
    throw new KernelOutputError(graph.keys[i]!, graph.kernels[i] ?? '(fetch)', detail);
  };
  if (Array.isArray(meta.shape) && Array.isArray(out.shape)) {
    const same = meta.shape.length === out.shape.length && meta.shape.every((d, k) => d === (out.shape as unknown[])[k]);
    if (!same) fail(`shape [${out.shape.join(', ')}], expected [${meta.shape.join(', ')}]`);
    const size = (out.shape as number[]).reduce((a, b) => a * b, 1);
    if (typeof out.data?.length === 'number' && out.data.length !== size) fail(`${out.data.length} elements for shape [${out.shape.join(', ')}]`);
  }
  if (typeof meta.dtype === 'string' && typeof out.dtype === 'string' && meta.dtype !== out.dtype) fail(`dtype ${out.dtype}, expected ${meta.dtype}`);
}

export function isNotEnoughMemory(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'NotEnoughMemory';
}

/**
 * Checks and stores chunk i's value, and pins it. Returns undefined on success, or the store's
 * `NotEnoughMemory` error when it stays full (the chunk is then not stored); a wrong value
 * (`KernelOutputError`) and other store errors are thrown.
 */
export function storeOutput(graph: ChunkGraph, store: ChunkStore, state: SchedulerState, i: number, value: unknown): Error | undefined {
  const key = graph.keys[i]!;
  checkOutput(graph, i, value);
  // A worker's output may view a recycled column through its own handle: one more reader of it.
  noteStored(value);
  try {
    store.put(key, value);
  } catch (e) {
    if (!isNotEnoughMemory(e)) throw e;
    const freed = state.releasedBy(i);
    if (freed.length === 0) return e as Error;
    releaseChunks(graph, store, freed);
    try {
      store.put(key, value);
    } catch (again) {
      if (!isNotEnoughMemory(again)) throw again;
      return again as Error;
    }
  }
  store.pin(key);
  return undefined;
}
