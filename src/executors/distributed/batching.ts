/**
 * Which ready tasks of a distributed run share a job. A job costs about a millisecond of CPU between
 * the driver, Redis and the worker's main thread (its queue round trips and events) whatever it
 * carries; on a small machine that CPU is the kernels' own. So when many tasks are ready, tasks that
 * prefer the same worker share a job, up to MAX_BATCH of them and a budget of elements made in all (a
 * chained task counts its producers' elements: kernels/chain.ts); heavier tasks, those of unknown size
 * and driver kernels go alone.
 *
 * The budget is guided (as in guided self-scheduling): a job takes about 1/GUIDE of a thread's share
 * of the work still to send, between MIN_ and MAX_JOB_ELEMENTS. Workers take jobs in the order they
 * were added, so the first jobs are big (few jobs in all) and the last ones small (the workers finish
 * together: a big job last would leave one worker running it while the others idle).
 */
import type { ChunkGraph } from '../../dag/chunkGraph.js';
import { isDriverTask } from '../../kernels/task.js';
import { madeElements } from '../taskSize.js';

export const MAX_JOB_ELEMENTS = 4 << 20;
export const MIN_JOB_ELEMENTS = 1 << 18;
const GUIDE = 4;
export const MAX_BATCH = 64;

/** Elements task `i` makes (Infinity when its meta does not say, or for a driver kernel). */
export function taskElements(graph: ChunkGraph, i: number): number {
  if (!Array.isArray((graph.metas[i] as { shape?: unknown } | null)?.shape) || isDriverTask(graph.kernels[i]!)) return Infinity;
  return madeElements(graph, i);
}

/** Groups the tasks of one pump into jobs, one open batch per preferred worker ('' for none). */
export class Batcher {
  readonly #open = new Map<string, { readonly tasks: number[]; elements: number }>();
  readonly #jobs: { readonly tasks: readonly number[]; readonly worker: string }[] = [];
  /** Tasks per job at most: with `ready` tasks and `threads` worker threads, about two jobs per thread (1: no batching). */
  readonly batchMax: number;

  constructor(
    readonly graph: ChunkGraph,
    ready: number,
    readonly threads: number,
  ) {
    this.batchMax = ready > 4 * threads ? Math.min(MAX_BATCH, Math.ceil(ready / (2 * threads))) : 1;
  }

  /** Adds task `i`, which prefers `worker`, with `left` more ready tasks to come after it in this pump. */
  add(i: number, worker: string, left: number): void {
    const elements = this.batchMax === 1 ? Infinity : taskElements(this.graph, i);
    // The work still to send, estimated as this task's times the tasks left (ready tasks are mostly alike).
    const budget = Math.min(MAX_JOB_ELEMENTS, Math.max(MIN_JOB_ELEMENTS, ((left + 1) * elements) / (GUIDE * this.threads)));
    if (elements >= budget) {
      this.#jobs.push({ tasks: [i], worker });
      return;
    }
    let batch = this.#open.get(worker);
    if (batch && batch.elements + elements > budget) {
      this.#jobs.push({ tasks: batch.tasks, worker });
      batch = undefined;
    }
    batch ??= { tasks: [], elements: 0 };
    batch.tasks.push(i);
    batch.elements += elements;
    this.#open.set(worker, batch);
    if (batch.tasks.length >= this.batchMax) {
      this.#jobs.push({ tasks: batch.tasks, worker });
      this.#open.delete(worker);
    }
  }

  /** The jobs, the batches still open included. */
  finish(): readonly { readonly tasks: readonly number[]; readonly worker: string }[] {
    for (const [worker, batch] of this.#open) this.#jobs.push({ tasks: batch.tasks, worker });
    this.#open.clear();
    return this.#jobs;
  }
}
