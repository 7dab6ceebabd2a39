/**
 * Storing a task's output under a memory limit. When the store refuses it (`NotEnoughMemory`), the
 * inputs this task was the last consumer of are freed first — they are garbage the moment it finishes
 * — and the put is retried. Only when that is not enough is the refusal reported to the executor,
 * which can wait for other in-flight tasks to free memory or fail the run.
 */
import type { ChunkGraph } from '../dag/chunkGraph.js';
import type { ChunkStore } from '../store/chunkStore.js';
import type { SchedulerState } from './schedulerState.js';

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
    for (const d of freed) {
      store.unpin(graph.keys[d]!);
      store.delete(graph.keys[d]!);
    }
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
