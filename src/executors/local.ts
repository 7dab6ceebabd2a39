/**
 * The `local` executor: runs every kernel on the calling thread, in scheduler order. It is the
 * debugging path (stack traces point straight into kernels) and the fastest for tiny graphs, since a
 * task costs a function call. It yields to the event loop every few milliseconds so cancellation,
 * timers and progress listeners stay responsive during long runs. Anything that throws outside a
 * kernel fails the run with a typed error (`runError`), as in the threads executor.
 */
import { CancelledError } from '../base/errors.js';
import type { ChunkGraph } from '../dag/chunkGraph.js';
import { runTask, type TaskOutcome } from '../kernels/index.js';
import { isDriverTask, runDriverTask } from '../kernels/task.js';
import type { ChunkStore } from '../store/chunkStore.js';
import type { ChunkFailure, Executor, RunOptions, RunReport } from './executor.js';
import { SchedulerState } from './schedulerState.js';
import { discardProduced, kernelError, pinInputs, releaseChunks, runError, storeOutput } from './runChunks.js';

const YIELD_EVERY_MS = 8;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly workers = 0;

  async run(graph: ChunkGraph, store: ChunkStore, options: RunOptions): Promise<RunReport> {
    const started = performance.now();
    const state = new SchedulerState(graph, options.targets, options.priority);
    const unpinInputs = pinInputs(graph, store);
    const produced = new Set<number>();
    const failures: ChunkFailure[] = [];
    let peak = store.usedBytes;
    let executed = 0;
    let lastYield = performance.now();
    try {
      for (;;) {
        const i = state.next();
        if (i < 0) break;
        if (options.signal?.aborted) throw new CancelledError();
        const inputs = Array.from(graph.inputsOf(i), (d) => store.get(graph.keys[d]!));
        const task = { key: graph.keys[i]!, kernel: graph.kernels[i]!, params: graph.params[i], inputs };
        let outcome = isDriverTask(task.kernel)
          ? await runDriverTask(task, { parallelism: 1 }, (steps) => Promise.all(steps.map(runTask)))
          : runTask(task);
        if (outcome instanceof Promise) outcome = await outcome;
        if (!outcome.ok) {
          const error = kernelError(outcome, graph, i, options);
          if (!options.continueOnError) throw error;
          failures.push({ index: i, key: graph.keys[i]!, error });
          releaseChunks(graph, store, state.fail(i));
          options.onEvent?.({ type: 'failed', index: i, error });
          continue;
        }
        const full = storeOutput(graph, store, state, i, outcome.value);
        if (full) throw full;
        produced.add(i);
        executed++;
        peak = Math.max(peak, store.usedBytes);
        const release = state.complete(i);
        for (const d of release) produced.delete(d);
        releaseChunks(graph, store, release);
        options.onEvent?.({ type: 'finished', index: i, done: state.settled, total: state.total });
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
    } catch (e) {
      try {
        discardProduced(graph, store, state, produced);
      } catch {
        // As in the threads executor: the session's run store undoes what is left; report the run's error.
      }
      throw runError('local', e);
    } finally {
      unpinInputs();
    }
    for (const i of produced) store.unpin(graph.keys[i]!);
    return {
      executed,
      failures,
      blockedBy: state.blockedBy,
      durationMs: performance.now() - started,
      peakBytes: peak,
    };
  }

  async close(): Promise<void> {}
}
