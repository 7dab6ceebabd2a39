/**
 * Pre-runs: how the session drives an iterative tile (Mars's generator tiling). The tiler
 * (`planTiles`) yields the part of the plan an op needs run before it can go on — how many rows a
 * filter kept, how many groups a pre-aggregation found; this runs it on the session's executor, keeps
 * the yielded chunks in the store, and resumes the tiler, whose `ctx.chunkInfo` then measures them.
 *
 * Invariants:
 * - A pre-run writes through its own `RunStore` (runPlan.ts), so its intermediates are freed as their
 *   consumers finish and everything it pinned is unpinned when it ends, however it ends.
 * - Every yielded chunk is held and pinned from the moment its pre-run succeeds until `release()`,
 *   which the session calls once the whole plan has run (or failed, or was cancelled): the final graph
 *   reads them as fetch chunks, so none may be evicted in between, and the ones no result took over are
 *   deleted then. A failure or a cancellation anywhere therefore leaves the store as it was.
 * - Every other chunk a pre-run computed (the parsed CSV ranges under a group-by's first partials,
 *   say) is held but not pinned until `release()`: later pre-runs and the final graph find it stored and
 *   read it instead of computing it again, and under memory pressure it is evicted like any unpinned
 *   result (and then recomputed if still needed) — so a lazy plan with several iterative ops over one
 *   source parses each range once, not once per op.
 * - Progress counts pre-run tasks with the final run's (`planAndRun` adds them to both figures), so
 *   `done` never goes back and the run's last event is still exactly 1; `total` grows as pre-runs
 *   discover work, and the fraction is kept from going back when it does.
 * - Pre-runs emit no 'chunks' events: those describe the one graph the run hands to its executor.
 */
import { CancelledError } from '../base/errors.js';
import { isFrameChunk } from '../base/frame.js';
import { nbytesOf } from '../base/nbytes.js';
import { isArrayData } from '../base/ndarray.js';
import type { TileableNode } from '../dag/nodes.js';
import { depthFirstPriority } from '../dag/topo.js';
import type { ExecEvent } from '../executors/executor.js';
import type { ChunkInfo } from '../ops/op.js';
import { fuseElementwise } from '../ops/tensor/fuse.js';
import type { ChunkView } from '../store/chunkView.js';
import { type RunContext, type RunRequest, runError, runPlan } from './runPlan.js';
import { RunStore } from './runStore.js';
import { type PlanDecisions, planTiles, type PreRun, type TilePlan, type TileSource } from './tiler.js';

/** What a stored chunk value measures: its bytes, and its rows when it is a frame or an array. */
export function measureChunk(value: unknown): ChunkInfo {
  const rows = isFrameChunk(value) ? value.rows : isArrayData(value) ? value.shape[0] : undefined;
  return { nbytes: nbytesOf(value), rows };
}

export class PreRunner {
  readonly #ctx: RunContext;
  readonly #run: number;
  readonly #signal: AbortSignal;
  readonly #chunks: ChunkView;
  /** Yielded chunks held (and pinned) until the plan is over. */
  readonly #kept = new Set<string>();
  /** Other chunks the pre-runs computed, held (not pinned) until the plan is over. */
  readonly #cached = new Set<string>();
  readonly #measured = new Map<string, ChunkInfo>();
  #executed = 0;

  constructor(ctx: RunContext, run: number, signal: AbortSignal) {
    this.#ctx = ctx;
    this.#run = run;
    this.#signal = signal;
    this.#chunks = ctx.objects.chunks;
  }

  /** Tasks the pre-runs have executed so far. */
  get executed(): number {
    return this.#executed;
  }

  /** Tiles `targets`, running each pre-run the tiler asks for; the caller must `release()` in any case. */
  async plan(targets: readonly TileableNode[], executed: TileSource['executed']): Promise<TilePlan> {
    const chunks = this.#chunks;
    const source: TileSource = {
      executed,
      stored: (k) => chunks.has(k),
      info: (k) => this.#info(k),
    };
    const steps = planTiles(targets, source);
    try {
      let step = steps.next();
      while (!step.done) {
        await this.#preRun(step.value);
        step = steps.next();
      }
      return step.value;
    } finally {
      // Closes an abandoned tiler (its op's generator's `finally` blocks run); a no-op once it returned.
      steps.return(undefined as never);
    }
  }

  /** Lets go of every chunk the pre-runs kept: those no result holds are deleted. Idempotent. */
  release(): void {
    for (const k of this.#kept) {
      this.#chunks.unpin(k);
      this.#chunks.release(k);
    }
    this.#kept.clear();
    for (const k of this.#cached) this.#chunks.release(k);
    this.#cached.clear();
  }

  #info(key: string): ChunkInfo | undefined {
    const known = this.#measured.get(key);
    if (known) return known;
    if (!this.#chunks.has(key)) return undefined;
    const info = measureChunk(this.#chunks.get(key));
    this.#measured.set(key, info);
    return info;
  }

  async #preRun(pre: PreRun): Promise<void> {
    const ctx = this.#ctx;
    const keys = new Set(pre.keys);
    const graph = ctx.config.fuse ? fuseElementwise(pre.graph, (i) => keys.has(pre.graph.keys[i]!)) : pre.graph;
    // Everything computed goes to the store (not the run's scratch), so it can be kept below.
    const computed = graph.keys.filter((k, i) => graph.kernels[i] !== null && !keys.has(k) && !this.#cached.has(k));
    const runStore = new RunStore(this.#chunks, new Set([...keys, ...computed]));
    try {
      if (graph.kernels.some((k) => k !== null)) {
        const targets = pre.keys.map((k) => graph.indexOf(k));
        const offset = this.#executed;
        let lastDone = -1;
        const onEvent = (e: ExecEvent): void => {
          if (e.type === 'finished' && e.done !== lastDone && e.done < e.total) {
            lastDone = e.done;
            ctx.progress(this.#run, offset + e.done, offset + e.total);
          }
        };
        try {
          const report = await ctx.executor.run(graph, runStore, {
            targets,
            signal: this.#signal,
            onEvent,
            priority: depthFirstPriority(graph, targets),
            memoryLimit: ctx.config.memoryLimit,
            buildStackOf: (i) => pre.ownerOf.get(graph.keys[i]!)?.origin?.stack,
          });
          this.#executed += report.executed;
        } catch (e) {
          throw runError(e, this.#signal);
        }
      }
      for (const k of pre.keys) {
        if (this.#kept.has(k)) continue;
        this.#chunks.retain(k);
        this.#chunks.pin(k);
        this.#kept.add(k);
      }
      for (const k of computed) {
        if (!this.#chunks.has(k)) continue;
        this.#chunks.retain(k);
        this.#cached.add(k);
      }
    } finally {
      runStore.dispose();
    }
  }
}

/** What `planAndRun` needs of its session besides the run context. */
export interface PlanHooks {
  readonly executed: TileSource['executed'];
  /** Emits a progress event with the fraction to report. */
  progress(run: number, done: number, total: number, progress: number): void;
  /** Called instead of failing when planning failed (an eager batch retries its nodes one by one). */
  readonly planFailed?: (() => Promise<ReadonlyMap<string, Error>>) | undefined;
}

/**
 * Tiles `todo` (running its pre-runs) and runs the plan (runPlan.ts). Pre-run tasks count in both
 * progress figures, so `done` never goes back and the run still ends at exactly 1; the total grows as
 * iterative tiles discover work, so the fraction is kept from going back.
 */
export async function planAndRun(
  context: Omit<RunContext, 'progress'>,
  run: number,
  todo: readonly TileableNode[],
  req: RunRequest,
  hooks: PlanHooks,
): Promise<ReadonlyMap<string, Error>> {
  let preRunTasks = 0;
  let floor = 0;
  const report = (r: number, done: number, total: number): void => {
    floor = Math.max(floor, total === 0 ? 1 : done / total);
    hooks.progress(r, done, total, floor);
  };
  const signal = req.signal ? AbortSignal.any([req.signal, context.closing]) : context.closing;
  const preRuns = new PreRunner({ ...context, progress: report }, run, signal);
  try {
    let plan: TilePlan;
    try {
      plan = await preRuns.plan(todo, hooks.executed);
    } catch (e) {
      if (!hooks.planFailed || e instanceof CancelledError) throw e;
      preRuns.release();
      return await hooks.planFailed();
    }
    preRunTasks = preRuns.executed;
    const ctx: RunContext = { ...context, progress: (r, done, total) => report(r, done + preRunTasks, total + preRunTasks) };
    return await runPlan(ctx, run, todo, plan, { ...req, preRunTasks });
  } finally {
    preRuns.release();
  }
}

/** Tileables whose tiling decisions `sess.info.plans` keeps. */
const PLANS_KEPT = 256;

/** What ops decided while tiling, per tileable, newest last; the last PLANS_KEPT tileables. */
export class PlanLog {
  readonly #plans = new Map<string, PlanDecisions>();

  record(plans: readonly PlanDecisions[]): void {
    for (const p of plans) {
      this.#plans.delete(p.key);
      this.#plans.set(p.key, p);
    }
    for (const k of this.#plans.keys()) {
      if (this.#plans.size <= PLANS_KEPT) break;
      this.#plans.delete(k);
    }
  }

  list(): PlanDecisions[] {
    return [...this.#plans.values()];
  }
}
