/**
 * Turning a result's chunks back into one user-facing value, per kind of tileable (a tensor's chunks
 * become one NdArray; other families register their own). Lives with the ops because only the op
 * family knows how its chunks fit together.
 */
import type { TypedArray } from '../base/dtypes.js';
import type { TileableNode } from '../dag/nodes.js';
import type { Tiled } from './op.js';

export interface AssembleOptions {
  /** A tensor's caller-owned destination (`Tensor.fetch({ into })`, checked there for its type). */
  readonly into?: TypedArray;
}

export type Assembler = (node: TileableNode, tiled: Tiled, chunks: readonly unknown[], options: AssembleOptions) => unknown;

const assemblers = new Map<string, Assembler>();
/** Result types whose assembler copies every array it reads (or keeps none): nothing of the chunks reaches the user. */
const copying = new Set<string>();

/**
 * `copies`: the assembled value shares no memory with the chunks (a tensor's fresh array, a selection's
 * copy, a summary), so a fetch need not expose the chunks' buffers (base/bufferHolds.ts).
 */
export function registerAssembler(metaType: string, fn: Assembler, options: { readonly copies?: boolean } = {}): void {
  assemblers.set(metaType, fn);
  if (options.copies === true) copying.add(metaType);
  else copying.delete(metaType);
}

/** Whether assembling `node`'s result copies what it reads of the chunks (see `registerAssembler`). */
export function assemblyCopies(node: TileableNode): boolean {
  return copying.has(node.meta.type);
}

export function assemble(node: TileableNode, tiled: Tiled, chunks: readonly unknown[], options: AssembleOptions = {}): unknown {
  const fn = assemblers.get(node.meta.type);
  if (!fn) throw new Error(`No assembler for results of type '${node.meta.type}'.`);
  return fn(node, tiled, chunks, options);
}
