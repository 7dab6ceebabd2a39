/**
 * Fetching a slice of an executed tensor without running it (Mars reads such a slice from the cached
 * chunks too): nothing is added to the session's store or cache.
 *
 * A slice of stored chunks is assembled straight from them — one copy into the user's array. Anything
 * else (a slice of a slice of a result, say) is computed in a scratch layer over the store first, then
 * assembled.
 */
import { readPrivately } from '../base/bufferHolds.js';
import type { ArrayData } from '../base/ndarray.js';
import type { TileableNode } from '../dag/nodes.js';
import { LocalExecutor } from '../executors/local.js';
import { assemble, type AssembleOptions } from '../ops/assemble.js';
import type { Tiled } from '../ops/op.js';
import { assembleSliceOfStored, storedSliceSources } from '../ops/tensor/assemble.js';
import type { TensorNode } from '../ops/tensor/meta.js';
import type { ChunkStore } from '../store/chunkStore.js';
import { OverlayStore } from '../store/overlayStore.js';
import { tileTargets } from './tiler.js';

export async function fetchSliceOfExecuted(node: TileableNode, chunks: ChunkStore, executed: (key: string) => Tiled | undefined, options: AssembleOptions): Promise<unknown> {
  const stored = (key: string): boolean => chunks.has(key);
  const plan = tileTargets([node], { executed, stored });
  const tiled = plan.tiled.get(node.key)!;
  const sources = storedSliceSources(plan.graph, tiled.chunks, stored);
  if (sources) {
    // Pinned while read (restoring one from disk must not evict another) and read privately: every
    // element read is copied before anyone else sees it.
    for (const s of sources) chunks.pin(s.key);
    try {
      return readPrivately(() =>
        assembleSliceOfStored(node as TensorNode, tiled.nsplits, sources.map((s) => ({ value: chunks.get(s.key) as ArrayData, read: s.read })), options.into),
      );
    } finally {
      for (const s of sources) chunks.unpin(s.key);
    }
  }
  const scratch = new OverlayStore(chunks);
  await new LocalExecutor().run(plan.graph, scratch, { targets: plan.targets });
  return assemble(node, tiled, tiled.chunks.map((k) => scratch.get(k)), options);
}
