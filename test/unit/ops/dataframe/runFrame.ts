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

/** Like runChunks, awaiting kernels that return promises (file readers and writers). */
export async function runChunksAsync(specs: Map<string, ChunkSpec>, keys: readonly string[]): Promise<unknown[]> {
  const values = new Map<string, Promise<unknown>>();
  const value = (key: string): Promise<unknown> => {
    let v = values.get(key);
    if (!v) {
      const spec = specs.get(key)!;
      v = Promise.all(spec.inputs.map(value)).then(async (inputs) => structuredClone(await getKernel(spec.kernel!)(inputs, spec.params as never)));
      values.set(key, v);
    }
    return v;
  };
  return Promise.all(keys.map(value));
}

export async function runFrameAsync(node: TileableNode<FrameMeta>): Promise<{ frame: FrameChunk; chunks: FrameChunk[]; tiled: Tiled }> {
  const { tiled, specs } = tileNode(node);
  const chunks = (await runChunksAsync(specs, tiled.chunks)) as FrameChunk[];
  return { frame: concatFrames(chunks, node.meta.fields), chunks, tiled };
}

/** Runs a one-input node (a sink) over a source frame node: both tiled, every chunk run. */
export async function runOnFrame(node: TileableNode, frame: TileableNode): Promise<unknown[]> {
  const source = tileNode(frame);
  const { tiled, specs } = tileNode(node, [source.tiled]);
  for (const [k, s] of source.specs) specs.set(k, s);
  return runChunksAsync(specs, tiled.chunks);
}
