/**
 * Tiling shared by every dataframe op that works chunk by chunk (select, assign, filter, dropna, a
 * Series expression, the per-chunk stage of a group-by): output chunk i is one kernel call on input
 * chunk i (plus, optionally, the same extra inputs for every chunk — a broadcast side). Ops that keep
 * every row keep the input's row counts; the others' rows are unknown (NaN) until they run.
 */
import { chunkKey, type TileContext, type Tiled } from '../op.js';
import type { TileableNode } from '../../dag/nodes.js';

export interface ChunkwiseOptions {
  /** The kernel's params (the same for every chunk); `chunk` is added when `withIndex` is set. */
  readonly params: unknown;
  /** Whether output chunk i has exactly as many rows as input chunk i. */
  readonly keepsRows: boolean;
  /** Keys of chunks passed to every call after the chunk itself (a broadcast table, say). */
  readonly extraInputs?: readonly string[];
  /** Stage name inside the key when one op emits several chunkwise stages. */
  readonly stage?: string;
  /** Passes `{...params, chunk: i}` so a kernel knows its chunk's position (a source's row offset, say). */
  readonly withIndex?: boolean;
}

/** One `kernel` call per chunk of `input`; returns the tiled output. */
export function tileChunkwise(node: TileableNode, ctx: TileContext, input: Tiled, kernel: string, options: ChunkwiseOptions): Tiled {
  const rows = input.nsplits[0] ?? input.chunks.map(() => Number.NaN);
  const chunks = input.chunks.map((inKey, i) =>
    ctx.add({
      key: chunkKey(node.key, [i], options.stage),
      kernel,
      params: options.withIndex ? { ...(options.params as object), chunk: i } : options.params,
      inputs: [inKey, ...(options.extraInputs ?? [])],
      meta: { rows: options.keepsRows ? rows[i]! : Number.NaN },
    }),
  );
  return { nsplits: [options.keepsRows ? [...rows] : chunks.map(() => Number.NaN)], chunks };
}

/** The rows of each chunk of a tiled frame as far as known: from the plan, else from what ran. */
export function knownRows(tiled: Tiled, ctx: TileContext): number[] {
  return tiled.chunks.map((k, i) => {
    const planned = tiled.nsplits[0]?.[i];
    if (planned !== undefined && !Number.isNaN(planned)) return planned;
    return ctx.chunkInfo(k)?.rows ?? Number.NaN;
  });
}
