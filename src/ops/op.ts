/**
 * What an op is: a named definition that knows how to *tile* a tileable node into chunks. Meta
 * (shape, dtype, schema) is inferred and validated when the node is built — by the builder functions
 * next to each op — so bad input fails at the user's line, before anything runs. Tiling runs inside
 * the session, against a context that hands out the already-tiled inputs and collects chunk specs.
 */
import type { ChunkSpec } from '../dag/chunkGraph.js';
import type { TileableNode } from '../dag/nodes.js';

/** A tiled tileable: the chunk grid (extents per axis) and the chunk keys in row-major grid order. */
export interface Tiled {
  readonly nsplits: readonly (readonly number[])[];
  readonly chunks: readonly string[];
}

export interface TileContext {
  /** The tiled form of the node's i-th input. */
  input(i: number): Tiled;
  /** Adds a chunk (deduplicated by key) and returns its key. */
  add(spec: ChunkSpec): string;
  /** The meta of a chunk already added (or of a stored chunk). */
  chunkMeta(key: string): unknown;
}

export interface OpDef {
  readonly name: string;
  /**
   * Keep this op's results in the session even when it is only an intermediate of a run (Mars's
   * `cache`): expensive, reusable structure — a projected graph with its CSR — is built once per session.
   */
  readonly cache?: boolean;
  tile(node: TileableNode, ctx: TileContext): Tiled;
}

const ops = new Map<string, OpDef>();

export function registerOp(def: OpDef): void {
  if (ops.has(def.name)) throw new Error(`Op ${def.name} is registered twice.`);
  ops.set(def.name, def);
}

export function getOp(name: string): OpDef {
  const op = ops.get(name);
  if (!op) throw new Error(`No op named '${name}' is registered.`);
  return op;
}

/** Chunk key for grid position `index` of a tileable (or of one of its intermediate stages). */
export function chunkKey(base: string, index: readonly number[], stage?: string): string {
  return `${base}${stage ? `:${stage}` : ''}:${index.length === 0 ? '0' : index.join('.')}`;
}
