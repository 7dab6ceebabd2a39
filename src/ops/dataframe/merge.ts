/**
 * `merge(left, right, { on, how })` as a node, and its tiling.
 *
 * Meta at build time: every `on` column exists on both sides with the same dtype, except that an int32
 * key may meet a float64 key — they compare numerically and the output key is float64 (a bool or
 * string key meets only its own dtype). Output columns: the keys, left's other columns, right's other
 * columns; a name on both sides gets '_x' (left) and '_y' (right), and a clash that the suffixes would
 * create is refused. Null keys never match (SQL). Row order: left's order for a broadcast of the right
 * side or a single chunk; otherwise unspecified (as pandas without `sort`).
 *
 * Tiling (iterative, Mars's merge): one join when both sides are one chunk; otherwise run both sides
 * and measure them, then **broadcast** the smaller side when it is under `broadcastMaxBytes` and the
 * join allows it (right for inner/left, left for inner/right) — one join per chunk of the other side —
 * else **hash-shuffle** both sides into P partitions and join partition by partition.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import type { FrameField } from '../../base/frame.js';
import { show } from '../../base/show.js';
import { makeTileable } from '../../dag/nodes.js';
import type { JoinHow, JoinParams } from '../../kernels/dataframe/join.js';
import { chunkKey, registerOp, type TileContext, type Tiled } from '../op.js';
import { partitionsFor, shuffleMappers } from './hashTiling.js';
import { fieldsOfNames, frameMeta, type FrameNode } from './meta.js';
import type { TileableNode } from '../../dag/nodes.js';

export type { JoinHow } from '../../kernels/dataframe/join.js';

export interface MergeOptions {
  readonly on: readonly string[];
  readonly how: JoinHow;
  /** 'auto' (the default) measures both sides; 'broadcast' and 'shuffle' force a strategy. */
  readonly method?: 'auto' | 'broadcast' | 'shuffle';
  /** Largest side 'auto' broadcasts (default 64 MiB). */
  readonly broadcastMaxBytes?: number;
  /** Reducers of a shuffle (default: the larger side's chunk count, at most 32). */
  readonly partitions?: number;
}

export const DEFAULT_BROADCAST_MAX_BYTES = 64 * 1024 * 1024;
const HOWS: readonly JoinHow[] = ['inner', 'left', 'right', 'outer'];

function keyDtype(l: FrameField, r: FrameField): FrameField['dtype'] {
  if (l.dtype === r.dtype) return l.dtype;
  const nums = ['int32', 'float64'];
  if (nums.includes(l.dtype) && nums.includes(r.dtype)) return 'float64';
  throw new InvalidArgumentError(
    `merge: key ${show(l.name)} is ${l.dtype} on the left and ${r.dtype} on the right; cast one side so they match (int32 and float64 may meet).`,
  );
}

export function mergeNode(left: FrameNode, right: FrameNode, options: MergeOptions): FrameNode {
  const where = 'merge';
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(`${where} needs options { on, how }, got ${show(options)}.`);
  const { on, how } = options;
  if (!HOWS.includes(how)) throw new InvalidArgumentError(`${where}: how must be one of ${show(HOWS)}, got ${show(how)}.`);
  const lk = fieldsOfNames(left.meta, on, `${where} (left side)`);
  const rk = fieldsOfNames(right.meta, on, `${where} (right side)`);
  const keys = lk.map((f) => f.name);
  const keyFields = lk.map((l, i) => ({ name: l.name, dtype: keyDtype(l, rk[i]!) }));
  const leftOthers = left.meta.fields.filter((f) => !keys.includes(f.name));
  const rightOthers = right.meta.fields.filter((f) => !keys.includes(f.name));
  const rightNames = new Set(rightOthers.map((f) => f.name));
  const leftNames = new Set(leftOthers.map((f) => f.name));
  const fields: FrameField[] = [
    ...keyFields,
    ...leftOthers.map((f) => ({ name: rightNames.has(f.name) ? `${f.name}_x` : f.name, dtype: f.dtype })),
    ...rightOthers.map((f) => ({ name: leftNames.has(f.name) ? `${f.name}_y` : f.name, dtype: f.dtype })),
  ];
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.name)) throw new InvalidArgumentError(`${where}: the output would have two columns named ${show(f.name)} (after the '_x'/'_y' suffixes); rename one first.`);
    seen.add(f.name);
  }
  const method = options.method ?? 'auto';
  if (!['auto', 'broadcast', 'shuffle'].includes(method)) {
    throw new InvalidArgumentError(`${where}: method must be 'auto', 'broadcast' or 'shuffle', got ${show(method)}.`);
  }
  if (method === 'broadcast' && how === 'outer') {
    throw new InvalidArgumentError(`${where}: an outer join cannot broadcast a side (each chunk would repeat the other side's unmatched rows); use 'auto' or 'shuffle'.`);
  }
  const { broadcastMaxBytes, partitions } = options;
  if (broadcastMaxBytes !== undefined && !(typeof broadcastMaxBytes === 'number' && broadcastMaxBytes >= 0)) {
    throw new InvalidArgumentError(`${where}: broadcastMaxBytes must be a number ≥ 0, got ${show(broadcastMaxBytes)}.`);
  }
  if (partitions !== undefined && !(Number.isInteger(partitions) && partitions >= 1)) {
    throw new InvalidArgumentError(`${where}: partitions must be an integer ≥ 1, got ${show(partitions)}.`);
  }
  const join: Omit<JoinParams, 'nLeft' | 'part'> = {
    on: keys, how, leftOthers: leftOthers.map((f) => f.name), rightOthers: rightOthers.map((f) => f.name), names: fields.map((f) => f.name),
  };
  const params = { join, method, broadcastMaxBytes: broadcastMaxBytes ?? DEFAULT_BROADCAST_MAX_BYTES, partitions: partitions ?? null };
  return makeTileable('frame.merge', params, [left, right], frameMeta(fields));
}

interface MergeNodeParams {
  readonly join: Omit<JoinParams, 'nLeft' | 'part'>;
  readonly method: 'auto' | 'broadcast' | 'shuffle';
  readonly broadcastMaxBytes: number;
  readonly partitions: number | null;
}

const mib = (b: number): string => `${(b / (1024 * 1024)).toFixed(1)} MiB`;

function* tileMerge(node: TileableNode, ctx: TileContext): Generator<readonly string[], Tiled, void> {
  const p = node.params as unknown as MergeNodeParams;
  const L = ctx.input(0).chunks;
  const R = ctx.input(1).chunks;
  const join = (i: number, inputs: readonly string[], nLeft: number, stage: string, part?: number): string =>
    ctx.add({
      key: chunkKey(node.key, [i], stage), kernel: 'frame.join', params: { ...p.join, nLeft, ...(part === undefined ? {} : { part }) }, inputs, meta: { rows: Number.NaN },
    });
  const how = p.join.how;
  if (L.length === 1 && R.length === 1) {
    ctx.plan('merge: one chunk on each side, one join');
    return { nsplits: [[Number.NaN]], chunks: [join(0, [L[0]!, R[0]!], 1, 'join')] };
  }
  const canRight = how === 'inner' || how === 'left';
  const canLeft = how === 'inner' || how === 'right';
  let side: 'left' | 'right' | null = null;
  if (p.method === 'broadcast') {
    side = canRight ? 'right' : 'left';
    ctx.plan(`merge: broadcast ${side}, as asked`);
  } else if (p.method === 'auto') {
    yield [...L, ...R];
    const bytes = (keys: readonly string[]): number => keys.reduce((s, k) => s + (ctx.chunkInfo(k)?.nbytes ?? Number.POSITIVE_INFINITY), 0);
    const lb = bytes(L);
    const rb = bytes(R);
    const cands = [...(canRight ? [['right', rb] as const] : []), ...(canLeft ? [['left', lb] as const] : [])]
      .filter(([, b]) => b <= p.broadcastMaxBytes)
      .sort((a, b) => a[1] - b[1]);
    side = cands[0]?.[0] ?? null;
    const sizes = `left ${mib(lb)} in ${L.length} chunks, right ${mib(rb)} in ${R.length}`;
    ctx.plan(side ? `merge: broadcast ${side} (${sizes}; limit ${mib(p.broadcastMaxBytes)})` : `merge: hash shuffle into ${partitionsFor(p.partitions, Math.max(L.length, R.length))} partitions (${sizes})`);
  } else {
    ctx.plan(`merge: hash shuffle into ${partitionsFor(p.partitions, Math.max(L.length, R.length))} partitions, as asked`);
  }
  if (side === 'right') {
    const chunks = L.map((l, i) => join(i, [l, ...R], 1, 'join'));
    return { nsplits: [chunks.map(() => Number.NaN)], chunks };
  }
  if (side === 'left') {
    const chunks = R.map((r, j) => join(j, [...L, r], L.length, 'join'));
    return { nsplits: [chunks.map(() => Number.NaN)], chunks };
  }
  const parts = partitionsFor(p.partitions, Math.max(L.length, R.length));
  const lm = shuffleMappers(node, ctx, L, p.join.on, parts, 'hash', 'map-left');
  const rm = shuffleMappers(node, ctx, R, p.join.on, parts, 'hash', 'map-right');
  const chunks = Array.from({ length: parts }, (_, r) => join(r, [...lm, ...rm], lm.length, 'join', r));
  return { nsplits: [chunks.map(() => Number.NaN)], chunks };
}

registerOp({ name: 'frame.merge', tile: tileMerge });
