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
 */
import { type ChunkGraph, ChunkGraphBuilder, cull } from '../dag/chunkGraph.js';
import type { TileableNode } from '../dag/nodes.js';
import { topoSortTileables } from '../dag/walk.js';
import { getOp, type TileContext, type Tiled } from '../ops/op.js';

export interface TileSource {
  /** The tiled form of a tileable this session executed, when all of its chunks are still stored. */
  executed(key: string): Tiled | undefined;
  /** Whether a chunk's result is in the store. */
  stored(chunkKey: string): boolean;
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

export function tileTargets(targets: readonly TileableNode[], source: TileSource): TilePlan {
  const builder = new ChunkGraphBuilder();
  const tiledOf = new Map<string, Tiled>();
  const ownerOf = new Map<string, TileableNode>();
  const order = topoSortTileables(targets, { stopAt: (n) => source.executed(n.key) !== undefined });
  const cached: TileableNode[] = [];
  const cacheHolders: { node: TileableNode; holders: TileableNode[] }[] = [];
  for (const node of order) {
    if (getOp(node.op).cache) cacheHolders.push({ node, holders: uncachedRoots(node) });
    const done = source.executed(node.key);
    if (done) {
      for (const k of done.chunks) builder.addFetch(k, null);
      tiledOf.set(node.key, done);
      continue;
    }
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
      chunkInfo: () => undefined,
      plan: () => undefined,
    };
    const op = getOp(node.op);
    const result = op.tile(node, ctx);
    if (!('chunks' in result)) throw new Error(`${node.op} tiles iteratively, which this tiler cannot run yet.`);
    tiledOf.set(node.key, result);
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
  return { graph, tiled, targets: [...targetKeys].map((k) => graph.indexOf(k)), ownerOf, cached, cacheHolders };
}
