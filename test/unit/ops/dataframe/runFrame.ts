/**
 * Runs a dataframe source node without a session: tiles it with a small TileContext that records the
 * chunk specs, then computes each chunk by calling its kernel (inputs first), as a worker would. The
 * chunks cross a structured clone, as they do between threads.
 */
import '../../../../src/kernels/index.js';
import { concatFrames, type FrameChunk } from '../../../../src/base/frame.js';
import type { ChunkSpec } from '../../../../src/dag/chunkGraph.js';
import type { TileableNode } from '../../../../src/dag/nodes.js';
import { getKernel } from '../../../../src/kernels/registry.js';
import { getOp, type TileContext, type Tiled } from '../../../../src/ops/op.js';
import type { FrameMeta } from '../../../../src/ops/dataframe/meta.js';

export interface Ran {
  readonly tiled: Tiled;
  readonly specs: Map<string, ChunkSpec>;
  readonly chunks: FrameChunk[];
  readonly plans: string[];
}

export function tileNode(node: TileableNode, inputs: readonly Tiled[] = []): { tiled: Tiled; specs: Map<string, ChunkSpec>; plans: string[] } {
  const specs = new Map<string, ChunkSpec>();
  const plans: string[] = [];
  const ctx: TileContext = {
    input: (i) => inputs[i]!,
    add: (spec) => {
      specs.set(spec.key, spec);
      return spec.key;
    },
    chunkMeta: (key) => specs.get(key)?.meta,
    chunkInfo: () => undefined,
    plan: (d) => plans.push(d),
  };
  const tiled = getOp(node.op).tile(node, ctx) as Tiled;
  return { tiled, specs, plans };
}

export function runChunks(specs: Map<string, ChunkSpec>, keys: readonly string[], values = new Map<string, unknown>()): unknown[] {
  const value = (key: string): unknown => {
    if (values.has(key)) return values.get(key);
    const spec = specs.get(key)!;
    const v = structuredClone(getKernel(spec.kernel!)(spec.inputs.map(value), spec.params as never));
    values.set(key, v);
    return v;
  };
  return keys.map(value);
}

export function runNode(node: TileableNode): Ran {
  const { tiled, specs, plans } = tileNode(node);
  const chunks = runChunks(specs, tiled.chunks) as FrameChunk[];
  return { tiled, specs, chunks, plans };
}

/** The whole frame as one chunk. */
export function runFrame(node: TileableNode<FrameMeta>): FrameChunk {
  return concatFrames(runNode(node).chunks, node.meta.fields);
}
