/**
 * The check that refuses a result bigger than its session can hold, before any work starts. The bound
 * is the memory limit alone, spill directory or not: a run keeps every chunk of its targets in memory
 * until it ends, so spilling can make room by moving *other* results out, never by moving part of the
 * result being computed (a 24 MB `ones` under a 16 MiB limit with a spillDir fails with NotEnoughMemory
 * after computing most of it). A tensor over the limit could only fail late — `ones([1e12])` tiled
 * 476,838 chunks and grew to 12 GB before NotEnoughMemory — so it is refused:
 * - when it is built, if the default session is eager (it would be materialised at once);
 * - when it is a target of a run (`execute`, `run`), before tiling.
 * An intermediate of a lazy run is not refused: its chunks are consumed and freed as the run goes, so
 * `rand([1e10]).sum()` streams through a small limit.
 */
import { formatBytes } from '../base/size.js';
import { reprNode } from '../dag/repr.js';
import type { TileableNode } from '../dag/nodes.js';
import { materialisedBytes } from '../ops/tensor/meta.js';
import { NotEnoughMemoryError } from '../store/errors.js';

export interface CapacitySource {
  readonly config: { readonly memoryLimit: number };
  readonly info: { readonly memory: { readonly used: number } };
}

/**
 * Throws `NotEnoughMemoryError` (Vineyard's code, as when a put does not fit) for the first node that
 * cannot fit; `when` says where in the user's code we are.
 */
export function refuseOversized(nodes: readonly TileableNode[], session: CapacitySource, when: 'built' | 'run'): void {
  const limit = session.config.memoryLimit;
  for (const node of nodes) {
    const nbytes = materialisedBytes(node);
    if (nbytes === undefined || nbytes <= limit) continue;
    const used = session.info.memory.used;
    throw new NotEnoughMemoryError(
      `${reprNode(node)} needs ${formatBytes(nbytes)} (${nbytes} bytes), more than the session's memory limit of ` +
        `${formatBytes(limit)} (${limit} bytes), so it is refused ${when === 'built' ? 'when built in an eager session' : 'before it is run'}. ` +
        `Reduce it first (sum, mean, a slice) or raise memoryLimit; a spillDir does not help, since a run keeps ` +
        `its results in memory until it ends.`,
      // Freeing everything the session holds would still not make room.
      { requested: nbytes, memoryUsage: used, memoryLimit: limit, freeable: used },
    );
  }
}
