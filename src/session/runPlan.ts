/**
 * One run of a tiled plan, from the session's queue: fuse, order, hand the chunk graph to the executor,
 * then register what succeeded. Whatever happens — the executor rejects, a listener throws, a result
 * cannot be registered — the run's store is disposed last, so its pins are undone, its intermediates
 * freed and every target no result took over deleted: a failed run leaves the session as it was, with
 * its other results intact.
 */
import { CancelledError } from '../base/errors.js';
import { ExecutorError } from '../base/runErrors.js';
import type { ChunkGraph } from '../dag/chunkGraph.js';
import type { TileableNode } from '../dag/nodes.js';
import { depthFirstPriority } from '../dag/topo.js';
import type { ExecEvent, Executor, RunReport } from '../executors/executor.js';
import { chainProducers } from '../ops/tensor/chain.js';
import { fuseElementwise } from '../ops/tensor/fuse.js';
import type { ObjectStore } from '../store/objectStore.js';
import type { HolderTracker } from './holders.js';
import type { ResolvedOptions } from './options.js';
import type { ResultRegistry } from './results.js';
import { RunStore } from './runStore.js';
import type { PlanDecisions, TilePlan } from './tiler.js';

/** Emitted as `'run'` after every run: the shape of the DAG it ran. */
export interface RunStats {
  readonly run: number;
  /** Tileables that had to be tiled (not already cached). */
  readonly tileables: number;
  /** Chunks in the planned graph, and how many of them were already stored (fetch chunks). */
  readonly chunks: number;
  readonly reused: number;
  /** Chunks fused away into their consumers. */
  readonly fused: number;
  /** Chunks run inside their consumer's task, their output never stored (ops/tensor/chain.ts). */
  readonly chained: number;
  /** Tasks actually run. */
  readonly executed: number;
  readonly durationMs: number;
  readonly peakBytes: number;
  /** Pre-runs iterative tiles needed before this run's graph was complete (their tasks count in `executed`). */
  readonly preRuns: number;
  /** The strategies ops chose while tiling this run (`ctx.plan`), per tileable. */
  readonly plans: readonly PlanDecisions[];
}

/**
 * Emitted as `'chunks'`, only while someone listens (the dashboard): the graph a run hands to its
 * executor (after fusion; fetch chunks stand for results already stored), then each chunk as it settles,
 * then the run's end — with the index of the chunk whose failure stopped it, when one did.
 */
export type ChunkRunEvent =
  | {
      readonly type: 'planned';
      readonly run: number;
      readonly graph: ChunkGraph;
      /** The tileable that emitted chunk `index` (undefined for fetch chunks); call it during the event. */
      readonly ownerOf: (index: number) => TileableNode | undefined;
    }
  | { readonly type: 'finished' | 'failed'; readonly run: number; readonly index: number }
  | { readonly type: 'ended'; readonly run: number; readonly ok: boolean; readonly failedIndex?: number };

/** What a run needs of its session. */
export interface RunContext {
  readonly config: ResolvedOptions;
  readonly executor: Executor;
  readonly objects: ObjectStore;
  readonly results: ResultRegistry;
  readonly holders: HolderTracker;
  /** Aborts when the session closes. */
  readonly closing: AbortSignal;
  /** Reports progress; may throw (a listener's error), which stops the run. */
  progress(run: number, done: number, total: number): void;
  /** Emits the run's stats; may throw like `progress`. */
  finished(stats: RunStats): void;
  /** Set only while someone listens for chunk events, so an unobserved run pays nothing; may throw like `progress`. */
  readonly chunks?: ((event: ChunkRunEvent) => void) | undefined;
}

export interface RunRequest {
  readonly signal?: AbortSignal | undefined;
  /** Report per-node errors instead of rejecting (eager batches). */
  readonly continueOnError?: boolean;
  /** Tasks the plan's pre-runs executed (preRuns.ts), counted in the run's stats. */
  readonly preRunTasks?: number;
}

/** Runs a plan; returns the error of every node that failed (only with `continueOnError`). */
export async function runPlan(ctx: RunContext, runId: number, todo: readonly TileableNode[], plan: TilePlan, req: RunRequest): Promise<ReadonlyMap<string, Error>> {
  const targetKeys = new Set(plan.targets.map((i) => plan.graph.keys[i]!));
  const isTarget = (g: ChunkGraph) => (i: number): boolean => targetKeys.has(g.keys[i]!);
  const fused = ctx.config.fuse ? fuseElementwise(plan.graph, isTarget(plan.graph)) : plan.graph;
  const graph = ctx.config.fuse ? chainProducers(fused, isTarget(fused)) : fused;
  const targets = [...targetKeys].map((k) => graph.indexOf(k));
  const signal = req.signal ? AbortSignal.any([req.signal, ctx.closing]) : ctx.closing;
  for (const { node, holders } of plan.cacheHolders) for (const h of holders) ctx.holders.hold(h, node.key);
  const runStore = new RunStore(ctx.objects.chunks, targetKeys);
  const chunks = ctx.chunks;
  let planned = false;
  try {
    let lastDone = -1;
    const onEvent = (e: ExecEvent): void => {
      if (chunks) chunks({ type: e.type, run: runId, index: e.index });
      if (e.type === 'finished' && e.done !== lastDone) {
        lastDone = e.done;
        if (e.done < e.total) ctx.progress(runId, e.done, e.total);
      }
    };
    if (chunks) {
      chunks({ type: 'planned', run: runId, graph, ownerOf: (i) => plan.ownerOf.get(graph.keys[i]!) });
      planned = true;
    }
    ctx.progress(runId, 0, graph.kernels.filter((k) => k !== null).length);
    let report: RunReport;
    try {
      // Executors reject with the kernel's own error (class, code, build site) or a typed error of theirs.
      report = await ctx.executor.run(graph, runStore, {
        targets,
        signal,
        onEvent,
        priority: depthFirstPriority(graph, targets),
        memoryLimit: ctx.config.memoryLimit,
        ...(req.continueOnError ? { continueOnError: true } : {}),
        buildStackOf: (i) => plan.ownerOf.get(graph.keys[i]!)?.origin?.stack,
      });
    } catch (e) {
      throw runError(e, signal);
    }
    const errors = register(ctx, graph, report, todo, plan, req);
    ctx.finished({
      run: runId,
      tileables: plan.tileables,
      chunks: plan.graph.size,
      reused: plan.graph.kernels.filter((k) => k === null).length,
      fused: plan.graph.size - fused.size,
      chained: fused.size - graph.size,
      executed: report.executed + (req.preRunTasks ?? 0),
      durationMs: report.durationMs,
      peakBytes: report.peakBytes,
      preRuns: plan.preRuns,
      plans: plan.decisions,
    });
    ctx.progress(runId, report.executed, report.executed);
    if (chunks) {
      planned = false;
      chunks({ type: 'ended', run: runId, ok: errors.size === 0 });
    }
    return errors;
  } catch (e) {
    if (planned) endFailed(chunks!, runId, graph, e);
    throw e;
  } finally {
    runStore.dispose();
  }
}

/** What a run's executor rejected with, as the run reports it: a cancellation says why it was aborted. */
export function runError(e: unknown, signal: AbortSignal): unknown {
  // The abort's own reason says why (the session closing); executors only know that it aborted.
  if (signal.aborted && signal.reason instanceof CancelledError) return signal.reason;
  if (e instanceof CancelledError || signal.aborted) return e instanceof CancelledError ? e : new CancelledError();
  return e;
}

/** Tells chunk listeners the run failed, and at which chunk when the error says (kernel errors carry `chunkKey`). */
function endFailed(chunks: (event: ChunkRunEvent) => void, run: number, graph: ChunkGraph, error: unknown): void {
  const key = (error as { chunkKey?: unknown } | null)?.chunkKey;
  const index = typeof key === 'string' ? graph.indexOf(key) : -1;
  try {
    chunks({ type: 'ended', run, ok: false, ...(index >= 0 ? { failedIndex: index } : {}) });
  } catch {
    // The run already failed: its own error is the one to report, not a listener's.
  }
}

/** Registers every node whose chunks all succeeded; returns the others' errors (or throws the first). */
function register(ctx: RunContext, graph: TilePlan['graph'], report: RunReport, todo: readonly TileableNode[], plan: TilePlan, req: RunRequest): Map<string, Error> {
  const failureOf = new Map(report.failures.map((f) => [f.index, f.error] as const));
  // A failure is reported as its op's: the op's first failed chunk in chunk order. Which of a failing
  // op's chunks blocked a dependent first is timing, so every handle built on it reports what its own
  // handle reports (a sum over a map failing in three chunks named chunk 1 while the map named chunk 0).
  const opFailure = (root: number): Error | undefined => {
    const owner = plan.ownerOf.get(graph.keys[root]!);
    const chunks = owner ? plan.tiled.get(owner.key)?.chunks : undefined;
    return chunks?.map((k) => failureOf.get(graph.indexOf(k))).find((e) => e !== undefined) ?? failureOf.get(root);
  };
  const failedAt = (k: string): Error | undefined => {
    const i = graph.indexOf(k);
    const root = report.blockedBy.get(i) ?? i;
    return failureOf.has(root) ? opFailure(root) : undefined;
  };
  const errors = new Map<string, Error>();
  for (const node of [...todo, ...plan.cached]) {
    const tiled = plan.tiled.get(node.key)!;
    let error = tiled.chunks.map(failedAt).find((e) => e !== undefined);
    if (!error) {
      try {
        ctx.results.register(node, tiled);
      } catch (e) {
        // A chunk deleted from the store by id while the run was finishing: this result is lost, not the run.
        error = e instanceof Error ? e : new ExecutorError(ctx.executor.name, e);
      }
    }
    if (!error) continue;
    if (!req.continueOnError) throw error;
    errors.set(node.key, error);
  }
  return errors;
}
