/**
 * The tiler: turns the tileable DAG behind a set of targets into one chunk graph ready to run.
 *
 * Invariants:
 * - Tileables are tiled in topological order, each exactly once per plan, so shared ancestors of
 *   several targets produce one set of chunks (one submission graph per run, as in Mars).
 * - A tileable the session already executed (with every chunk still in the store) is not tiled and
 *   nothing upstream of it is visited: its chunks enter the graph as fetch chunks.
 * - Any chunk an op emits whose key is already in the store also becomes a fetch chunk — reuse by
 *   key, below the tileable level, which Mars does not do — so an intermediate computed by an earlier
 *   run (or a sub-expression equal to one) is never recomputed.
 * - The graph is culled to what the targets need: a fetch chunk cuts off everything behind it.
 * - Every compute chunk remembers the tileable that emitted it, so a failure can name the user's line.
 * - Tileables whose op is marked `cache` (a projected graph, say) are kept like targets: built once per
 *   session, not once per run. Every cached tileable the plan touches — tiled now or already executed —
 *   is listed with the nearest uncached nodes it derives from, which hold it in the session: it lives
 *   as long as the graph it was made from can ask for it again.
 * - Iterative tiles (Mars's generator tiling) are driven here but never run anything: `planTiles` is
 *   itself a generator that hands the driver (the session) a *pre-run* — the part of the plan the
 *   yielded chunks need, culled at stored chunks — and resumes once the driver has run it and keeps its
 *   yielded chunks stored until the plan ends. Those chunks then become fetch chunks of the plan (their
 *   ancestors are culled unless something else needs them), so the final graph never recomputes what
 *   a pre-run measured. `tileTargets` is the synchronous driver for plans with no iterative tile.
 * - What an op records with `ctx.plan` is kept per tileable, in tiling order, in `decisions`.
 * - Before tiling, columns are pruned (prune.ts): a source whose consumers in this plan use some of its
 *   columns is tiled as a narrower source, and the nodes reading it as rebuilt ones; where a rebuilt
 *   node has the original's columns again it is tiled in the original's place (an alias), so targets
 *   keep their keys and executed nodes are reused as they are. Decisions of rebuilt nodes are filed
 *   under the keys of the nodes they replace.
 */
import { type ChunkGraph, ChunkGraphBuilder, cull } from '../dag/chunkGraph.js';
import type { TileableNode } from '../dag/nodes.js';
import { type ChunkInfo, getOp, type TileContext, type TileResult, type Tiled } from '../ops/op.js';
import { pruneColumns } from './prune.js';

export interface TileSource {
  /** The tiled form of a tileable this session executed, when all of its chunks are still stored. */
  executed(key: string): Tiled | undefined;
  /** Whether a chunk's result is in the store. */
  stored(chunkKey: string): boolean;
  /** What a stored chunk measures (for iterative tiles); undefined when it is not stored. */
  info?(chunkKey: string): ChunkInfo | undefined;
}

/** The strategy an op recorded for one tileable (`ctx.plan`), in the order it recorded them. */
export interface PlanDecisions {
  readonly key: string;
  readonly op: string;
  readonly decisions: readonly string[];
}

/** Part of a plan an iterative tile needs run before it can go on. */
export interface PreRun {
  /** What the yielded chunks need, culled at stored chunks (fetch chunks). */
  readonly graph: ChunkGraph;
  /** The yielded chunks: the driver keeps them stored until the whole plan has run. */
  readonly keys: readonly string[];
  /** Indices (in `graph`) of `keys`. */
  readonly targets: readonly number[];
  /** The tileable that emitted a chunk, by chunk key (absent for fetch chunks). */
  readonly ownerOf: ReadonlyMap<string, TileableNode>;
}

export interface TilePlan {
  readonly graph: ChunkGraph;
  /** The tiled form of every target, by tileable key. */
  readonly tiled: ReadonlyMap<string, Tiled>;
  /** Indices (in `graph`) of every chunk of every target. */
  readonly targets: readonly number[];
  /** The tileable that emitted a chunk, by chunk key (absent for fetch chunks). */
  readonly ownerOf: ReadonlyMap<string, TileableNode>;
  /** Intermediates whose op asks to be cached: their chunks are targets too, and they become results. */
  readonly cached: readonly TileableNode[];
  /** Every cached tileable in the plan (tiled now or executed before), with the nodes that hold it. */
  readonly cacheHolders: readonly { readonly node: TileableNode; readonly holders: readonly TileableNode[] }[];
  /** Tileables tiled by this plan (not already executed). */
  readonly tileables: number;
  /** The decisions ops recorded, per tileable, in tiling order (only tileables that recorded any). */
  readonly decisions: readonly PlanDecisions[];
  /** Pre-runs the plan needed (iterative tiles). */
  readonly preRuns: number;
}

/** The nearest ancestors of a cached node whose ops are not cached (a layout's graph, not its projection). */
function uncachedRoots(node: TileableNode): TileableNode[] {
  const roots: TileableNode[] = [];
  const stack = [...node.inputs];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (getOp(n.op).cache) stack.push(...n.inputs);
    else roots.push(n);
  }
  return roots.length > 0 ? roots : [node];
}

function isIterative(r: TileResult): r is Exclude<TileResult, Tiled> {
  return typeof (r as { next?: unknown }).next === 'function';
}

/**
 * Tiles the DAG behind `targets`; yields a pre-run each time an iterative tile needs chunks run, and
 * must be resumed only once the driver has run it (and keeps `keys` stored until the plan is over).
 */
export function* planTiles(targets: readonly TileableNode[], source: TileSource): Generator<PreRun, TilePlan, void> {
  const builder = new ChunkGraphBuilder();
  const tiledOf = new Map<string, Tiled>();
  const ownerOf = new Map<string, TileableNode>();
  // Column pruning (prune.ts): narrower sources tiled in place of the originals, by their aliases.
  const pruned = pruneColumns(targets, (n) => source.executed(n.key) !== undefined);
  const order = pruned.order;
  const cached: TileableNode[] = [];
  const cacheHolders: { node: TileableNode; holders: TileableNode[] }[] = [];
  const decisions: PlanDecisions[] = [];
  let tileables = 0;
  let preRuns = 0;
  for (const node of order) {
    const alias = pruned.alias.get(node.key);
    if (alias) {
      tiledOf.set(node.key, tiledOf.get(alias.key)!);
      continue;
    }
    if (getOp(node.op).cache) cacheHolders.push({ node, holders: uncachedRoots(node) });
    const done = source.executed(node.key);
    if (done) {
      for (const k of done.chunks) builder.addFetch(k, null);
      tiledOf.set(node.key, done);
      continue;
    }
    tileables++;
    let recorded: string[] | undefined;
    const ctx: TileContext = {
      input: (i) => {
        const t = tiledOf.get(node.inputs[i]!.key);
        if (!t) throw new Error(`input ${i} of ${node.key} was not tiled before it (a tiler bug).`);
        return t;
      },
      add: (spec) => {
        if (builder.has(spec.key)) return spec.key;
        if (source.stored(spec.key)) builder.addFetch(spec.key, spec.meta);
        else {
          builder.addNew(spec);
          ownerOf.set(spec.key, node);
        }
        return spec.key;
      },
      chunkMeta: (key) => builder.metaOf(key),
      chunkInfo: (key) => source.info?.(key),
      plan: (decision) => {
        if (recorded === undefined) {
          recorded = [];
          decisions.push({ key: pruned.originalOf.get(node.key)?.key ?? node.key, op: node.op, decisions: recorded });
        }
        recorded.push(String(decision));
      },
    };
    const note = pruned.notes.get(node.key);
    if (note !== undefined) ctx.plan(note);
    const op = getOp(node.op);
    const result: TileResult = op.tile(node, ctx);
    let tiled: Tiled;
    if (!isIterative(result)) tiled = result;
    else {
      let step = result.next();
      while (!step.done) {
        const keys = [...new Set(step.value)];
        const graph = builder.buildFor(keys);
        preRuns++;
        yield { graph, keys, targets: keys.map((k) => graph.indexOf(k)), ownerOf };
        // The driver ran them and keeps them stored: from here on they are results, not computations.
        for (const k of keys) {
          builder.markFetch(k);
          ownerOf.delete(k);
        }
        step = result.next();
      }
      tiled = step.value;
    }
    tiledOf.set(node.key, tiled);
    if (op.cache) cached.push(node);
  }
  const full = builder.build();
  const targetKeys = new Set<string>();
  const tiled = new Map<string, Tiled>();
  for (const t of [...targets, ...cached]) {
    const tt = tiledOf.get(t.key)!;
    tiled.set(t.key, tt);
    for (const k of tt.chunks) targetKeys.add(k);
  }
  const graph = cull(full, [...targetKeys].map((k) => full.indexOf(k)));
  return { graph, tiled, targets: [...targetKeys].map((k) => graph.indexOf(k)), ownerOf, cached, cacheHolders, tileables, decisions, preRuns };
}

/** Tiles a plan that needs no pre-run (a slice of an executed tensor, say); throws at an iterative tile. */
export function tileTargets(targets: readonly TileableNode[], source: TileSource): TilePlan {
  const steps = planTiles(targets, source);
  const step = steps.next();
  if (!step.done) {
    steps.return(undefined as never);
    throw new Error('this plan tiles iteratively and needs a session to run its pre-runs (a tiler bug: use planTiles).');
  }
  return step.value;
}
