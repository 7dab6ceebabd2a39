/**
 * Tiling shared by the hash ops (group-by, value counts, drop-duplicates, merge), after Mars's
 * groupby/merge tiling (reference/mars.md §3):
 *
 * - `chooseMethod` decides between a **tree** combine and a **shuffle** from measured sizes: with few
 *   pre-aggregated chunks it takes the tree outright; otherwise it runs the first `combineSize`
 *   pre-aggregated chunks (an iterative tile's yield), and projects the combined size as their average
 *   bytes times the number of chunks — the size a tree's last stage would hold if no group repeated
 *   across chunks. Under `treeMaxBytes` the tree is safe; above it the groups are many, and a shuffle
 *   spreads them over P reducers.
 * - `treeCombine` adds the combine levels (fan-in `combineSize`) and returns the last level's keys.
 * - `shuffleMappers` adds the mapper stage: hash (any balanced split) or key range (pivots from a
 *   regular sample of every chunk, so partition r holds keys below partition r+1's — group-by's sorted
 *   answer is then its partitions in order).
 */
import { InvalidArgumentError } from '../../base/errors.js';
import { show } from '../../base/show.js';
import type { TileableNode } from '../../dag/nodes.js';
import { chunkKey, type TileContext } from '../op.js';

export type HashMethod = 'auto' | 'tree' | 'shuffle';

/** Strategy options of the hash ops (plain data: they are part of the node's key). */
export interface HashOptions {
  /** 'auto' (the default) measures; 'tree' and 'shuffle' force a strategy. */
  readonly method?: HashMethod;
  /** Fan-in of a tree combine, and how many chunks 'auto' measures (default 4). */
  readonly combineSize?: number;
  /** Largest projected combined size a tree may hold (default 64 MiB). */
  readonly treeMaxBytes?: number;
  /** Reducers of a shuffle (default: the number of input chunks, at most 32). */
  readonly partitions?: number;
}

export const DEFAULT_COMBINE_SIZE = 4;
/**
 * Most reducers a shuffle gets by default: every reducer reads every mapper, so the chunk graph grows
 * with chunks × reducers; past a few dozen reducers more only adds edges on a machine's workers.
 */
export const MAX_DEFAULT_PARTITIONS = 32;

/** The reducers of a shuffle over `chunks` mapper chunks: as asked, else one per chunk up to the cap. */
export function partitionsFor(asked: number | null | undefined, chunks: number): number {
  return asked ?? Math.max(1, Math.min(chunks, MAX_DEFAULT_PARTITIONS));
}
export const DEFAULT_TREE_MAX_BYTES = 64 * 1024 * 1024;

function positiveInt(v: unknown, min: number, name: string, where: string): void {
  if (v !== undefined && (!Number.isInteger(v) || (v as number) < min)) {
    throw new InvalidArgumentError(`${where}: ${name} must be an integer ≥ ${min}, got ${show(v)}.`);
  }
}

/** Checks hash options at build time and returns them as plain data (undefined fields dropped). */
export function checkHashOptions(o: HashOptions | undefined, where: string): HashOptions {
  if (o === undefined) return {};
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError(`${where}: options must be an object, got ${show(o)}.`);
  if (o.method !== undefined && !['auto', 'tree', 'shuffle'].includes(o.method)) {
    throw new InvalidArgumentError(`${where}: method must be 'auto', 'tree' or 'shuffle', got ${show(o.method)}.`);
  }
  positiveInt(o.combineSize, 2, 'combineSize', where);
  positiveInt(o.partitions, 1, 'partitions', where);
  if (o.treeMaxBytes !== undefined && !(typeof o.treeMaxBytes === 'number' && o.treeMaxBytes >= 0)) {
    throw new InvalidArgumentError(`${where}: treeMaxBytes must be a number ≥ 0, got ${show(o.treeMaxBytes)}.`);
  }
  const out: Record<string, unknown> = {};
  for (const k of ['method', 'combineSize', 'treeMaxBytes', 'partitions'] as const) if (o[k] !== undefined) out[k] = o[k];
  return out as HashOptions;
}

const mib = (b: number): string => `${(b / (1024 * 1024)).toFixed(1)} MiB`;

/** How a tree would combine the pre-aggregated chunks: what `chooseMethod` runs to measure overlap. */
export interface CombineProbe {
  readonly node: TileableNode;
  readonly kernel: string;
  readonly params: unknown;
}

/**
 * Distinct groups in `chunks` chunks, extrapolated from `perChunk` groups in one chunk and `combined`
 * in `fanIn` chunks: groups grow as chunks^e, e = log(combined/perChunk) / log(fanIn) — 0 when every
 * chunk holds the same groups (h2o's id3: 1e5 keys, ~96% of them in every chunk), 1 when none repeat.
 */
export function projectGroups(perChunk: number, combined: number, fanIn: number, chunks: number): number {
  if (perChunk <= 0) return 0;
  const e = Math.min(1, Math.max(0, Math.log(Math.max(combined, perChunk) / perChunk) / Math.log(fanIn)));
  return perChunk * chunks ** e;
}

/**
 * Tree or shuffle for the pre-aggregated chunks `pre` (may yield to measure them); records the plan.
 * With a `combine` probe it also runs the tree's first combine (the same chunk a tree then reuses, by
 * key) to see how much the first chunks' groups overlap, so many chunks of the same few-hundred-thousand
 * groups still combine in a tree; without one it assumes no overlap.
 */
export function* chooseMethod(
  ctx: TileContext,
  pre: readonly string[],
  o: HashOptions,
  what: string,
  combine?: CombineProbe,
): Generator<readonly string[], 'tree' | 'shuffle', void> {
  const fanIn = o.combineSize ?? DEFAULT_COMBINE_SIZE;
  const method = o.method ?? 'auto';
  if (method !== 'auto') {
    ctx.plan(`${what}: ${method === 'tree' ? `tree combine (fan-in ${fanIn})` : `shuffle into ${partitionsFor(o.partitions, pre.length)} partitions`}, as asked`);
    return method;
  }
  if (pre.length <= fanIn) {
    ctx.plan(`${what}: tree combine (fan-in ${fanIn}): ${pre.length} chunk(s), no more than the fan-in`);
    return 'tree';
  }
  const probe = pre.slice(0, fanIn);
  yield probe;
  const infos = probe.map((k) => ctx.chunkInfo(k));
  const bytes = infos.reduce((s, i) => s + (i?.nbytes ?? 0), 0) / probe.length;
  const groups = infos.reduce((s, i) => s + (i?.rows ?? 0), 0) / probe.length;
  let projectedGroups = groups * pre.length;
  let overlap = '';
  if (combine && groups > 0) {
    const first = ctx.add({ key: chunkKey(combine.node.key, [0], 'combine0'), kernel: combine.kernel, params: combine.params, inputs: probe, meta: { rows: Number.NaN } });
    yield [first];
    const combined = ctx.chunkInfo(first)?.rows ?? groups * fanIn;
    projectedGroups = projectGroups(groups, combined, fanIn, pre.length);
    overlap = `, ${combined} after combining ${fanIn}`;
  }
  const projected = groups > 0 ? (bytes / groups) * projectedGroups : bytes * pre.length;
  const limit = o.treeMaxBytes ?? DEFAULT_TREE_MAX_BYTES;
  const seen = `~${Math.round(groups)} pre-aggregated rows/chunk${overlap} (groups, plus distinct values for nunique), projected ${Math.round(projectedGroups)} rows, ${mib(projected)} against ${mib(limit)}`;
  if (projected <= limit) {
    ctx.plan(`${what}: tree combine (fan-in ${fanIn}), ${seen}`);
    return 'tree';
  }
  ctx.plan(`${what}: shuffle into ${partitionsFor(o.partitions, pre.length)} partitions, ${seen}`);
  return 'shuffle';
}

/** Adds combine levels of fan-in `fanIn` until at most `fanIn` chunks remain; returns their keys. */
export function treeCombine(
  node: TileableNode,
  ctx: TileContext,
  keys: readonly string[],
  kernel: string,
  params: unknown,
  fanIn: number,
): string[] {
  let level = [...keys];
  for (let depth = 0; level.length > fanIn; depth++) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += fanIn) {
      next.push(ctx.add({
        key: chunkKey(node.key, [next.length], `combine${depth}`),
        kernel,
        params,
        inputs: level.slice(i, i + fanIn),
        meta: { rows: Number.NaN },
      }));
    }
    level = next;
  }
  return level;
}

/**
 * Mapper chunks splitting each of `keys` (frame chunks) into `parts` frames by the key columns `by`:
 * by hash, or by key range (adding a sample per chunk and one pivots chunk).
 */
export function shuffleMappers(
  node: TileableNode,
  ctx: TileContext,
  keys: readonly string[],
  by: readonly string[],
  parts: number,
  kind: 'hash' | 'range',
  stage = 'map',
): string[] {
  if (kind === 'hash') {
    return keys.map((k, i) =>
      ctx.add({ key: chunkKey(node.key, [i], stage), kernel: 'frame.partition.hash', params: { keys: by, parts }, inputs: [k], meta: {} }),
    );
  }
  const samples = keys.map((k, i) =>
    ctx.add({ key: chunkKey(node.key, [i], `${stage}-sample`), kernel: 'frame.sample', params: { keys: by, size: Math.max(32, 4 * parts) }, inputs: [k], meta: { rows: Number.NaN } }),
  );
  const pivots = ctx.add({ key: chunkKey(node.key, [0], `${stage}-pivots`), kernel: 'frame.pivots', params: { keys: by, parts }, inputs: samples, meta: { rows: parts - 1 } });
  return keys.map((k, i) =>
    ctx.add({ key: chunkKey(node.key, [i], stage), kernel: 'frame.partition.range', params: { keys: by, parts }, inputs: [k, pivots], meta: {} }),
  );
}
