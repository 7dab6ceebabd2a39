/**
 * What every executor does around a task: pinning a run's inputs, storing outputs under a memory
 * limit, freeing chunks once consumed, and cleaning up after a failed run.
 *
 * When the store refuses an output (`NotEnoughMemory`), the inputs this task was the last consumer of
 * are freed first — they are garbage the moment it finishes — and the put is retried. Only when that
 * is not enough is the refusal reported to the executor, which can wait for other in-flight tasks to
 * free memory or fail the run.
 */
import { attachBuildSite, errorFromData } from '../base/errors.js';
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

export function kernelError(outcome: Extract<TaskOutcome, { ok: false }>, graph: ChunkGraph, i: number, options: RunOptions): Error {
  return attachBuildSite(errorFromData(outcome.error), graph.keys[i], options.buildStackOf?.(i));
}

export function isNotEnoughMemory(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'NotEnoughMemory';
}

/**
 * Puts and pins chunk i's value. Returns undefined on success, or the store's `NotEnoughMemory` error
 * when it stays full (the chunk is then not stored; other errors are thrown).
 */
export function storeOutput(graph: ChunkGraph, store: ChunkStore, state: SchedulerState, i: number, value: unknown): Error | undefined {
  const key = graph.keys[i]!;
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
