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

/** What the session measured of a chunk that has run (its value is in the store). */
export interface ChunkInfo {
  readonly nbytes: number;
  /** Rows of a dataframe chunk (or length along axis 0 of an array); undefined for other values. */
  readonly rows: number | undefined;
}

export interface TileContext {
  /** The tiled form of the node's i-th input. */
  input(i: number): Tiled;
  /** Adds a chunk (deduplicated by key) and returns its key. */
  add(spec: ChunkSpec): string;
  /** The meta of a chunk already added (or of a stored chunk). */
  chunkMeta(key: string): unknown;
  /**
   * What a chunk that has run turned out to be — defined for chunks in the store, which is every chunk
   * an iterative tile asked to run (see `TileResult`) once the generator is resumed.
   */
  chunkInfo(key: string): ChunkInfo | undefined;
  /**
   * Records how this node was tiled — the strategy an op chose and what it measured to choose it
   * ("tree combine: 12 groups per chunk", "broadcast right: 1.2 MB") — for `sess.info` and `toDot`.
   */
  plan(decision: string): void;
}

/**
 * A tile is plain (returns the chunks) or *iterative* (Mars's generator tiling): a generator that
 * yields the keys of chunks it already added and needs to have run before it can go on — because the
 * next chunks depend on sizes only a run can tell (how many rows a filter kept, how many groups a
 * pre-aggregation found). The session runs those chunks (and what they need), keeps their results,
 * and resumes the generator, which reads them with `ctx.chunkInfo`; it returns the tiled form.
 */
export type TileResult = Tiled | Generator<readonly string[], Tiled, void>;

export interface OpDef {
  readonly name: string;
  /**
   * Keep this op's results in the session even when it is only an intermediate of a run (Mars's
   * `cache`): expensive, reusable structure — a projected graph with its CSR — is built once per session.
   */
  readonly cache?: boolean;
  tile(node: TileableNode, ctx: TileContext): TileResult;
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
