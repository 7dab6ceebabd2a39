/**
 * `sortValues` and `sortValues(...).head(n)` (pandas `sort_values(by, ascending, kind='stable',
 * na_position='last')`; key order in kernels/dataframe/compareRows.ts).
 *
 * sortValues tiles as PSRS, parallel sorting by regular sampling (Mars's `DataFrameSortValues`), with
 * P = the number of input chunks and plain (non-iterative) tiling — nothing needs measuring first:
 *   1. sort every chunk locally (`frame.sort`) and take P regular samples of it (`frame.sort.sample`);
 *   2. sort all samples and pick P-1 pivots (`frame.sort.pivots`, one small chunk);
 *   3. cut each sorted chunk at the pivots into P pieces (`frame.sort.piece`, binary searches);
 *   4. output chunk p merges piece p of every chunk, in chunk order (`frame.sort.merge`).
 * A key equal to a pivot lands in the same partition from every chunk, so ties never straddle two
 * output chunks and the merge keeps them in chunk order: the whole sort is stable. Output row counts
 * are unknown until run (skewed keys make uneven partitions, as in Mars). One chunk: just the local sort.
 *
 * topN tiles as a tree: every chunk keeps its top n (a bounded heap, not a sort), then groups of four
 * neighbouring results are merged to their top n until one chunk is left.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import { show } from '../../base/show.js';
import { makeTileable, type TileableNode } from '../../dag/nodes.js';
import type { SortKeys } from '../../kernels/dataframe/compareRows.js';
import { chunkKey, registerOp, type TileContext, type Tiled } from '../op.js';
import { fieldsOfNames, frameMeta, isFrameNode, type FrameNode } from './meta.js';

/** Neighbouring top-n results merged per tree level. */
export const TOPN_FAN_IN = 4;

export function checkFrame(frame: unknown, where: string): FrameNode {
  const meta = typeof frame === 'object' && frame !== null ? (frame as { meta?: unknown }).meta : undefined;
  if (typeof meta !== 'object' || meta === null || !isFrameNode(frame as TileableNode)) {
    throw new InvalidArgumentError(`${where} needs a dataframe node, got ${show(frame)}.`);
  }
  return frame as FrameNode;
}

function checkKeys(frame: FrameNode, by: unknown, ascending: unknown, where: string): SortKeys {
  const fields = fieldsOfNames(frame.meta, by, where);
  if (!Array.isArray(ascending) || ascending.length !== fields.length || !ascending.every((a) => typeof a === 'boolean')) {
    throw new InvalidArgumentError(
      `${where}: ascending must be one boolean per sort column (${fields.length}), got ${show(ascending)}.`,
    );
  }
  return { by: fields.map((f) => f.name), ascending: [...(ascending as boolean[])] };
}

/** The frame's rows in the order of the `by` columns (stable; nulls and NaN last in both directions). */
export function sortValuesNode(frame: FrameNode, by: readonly string[], ascending: readonly boolean[]): FrameNode {
  const f = checkFrame(frame, 'sortValues');
  const keys = checkKeys(f, by, ascending, 'sortValues');
  return makeTileable('frame.sortValues', { ...keys }, [f], frameMeta(f.meta.fields, f.meta.rows));
}

/** The first n rows of `sortValuesNode(frame, by, ascending)`, without sorting the whole frame. */
export function topNNode(frame: FrameNode, by: readonly string[], ascending: readonly boolean[], n: number): FrameNode {
  const f = checkFrame(frame, 'topN');
  const keys = checkKeys(f, by, ascending, 'topN');
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgumentError(`topN: n must be a non-negative integer, got ${show(n)}.`);
  }
  return makeTileable('frame.topN', { ...keys, n }, [f], frameMeta(f.meta.fields, Math.min(n, f.meta.rows)));
}

function rowsOf(input: Tiled): number[] {
  return input.nsplits[0] ? [...input.nsplits[0]] : input.chunks.map(() => Number.NaN);
}

function tileSort(node: TileableNode, ctx: TileContext): Tiled {
  const keys = node.params as unknown as SortKeys;
  const input = ctx.input(0);
  const rows = rowsOf(input);
  const p = input.chunks.length;
  const sortKeys = { by: keys.by, ascending: keys.ascending };
  if (p <= 1) {
    ctx.plan(p === 0 ? 'sort: no chunks' : 'sort: one chunk, local sort');
    const chunks = input.chunks.map((k, i) =>
      ctx.add({ key: chunkKey(node.key, [i]), kernel: 'frame.sort', params: sortKeys, inputs: [k], meta: { rows: rows[i]! } }),
    );
    return { nsplits: [rows], chunks };
  }
  ctx.plan(`sort: PSRS, ${p} partitions`);
  const sorted = input.chunks.map((k, i) =>
    ctx.add({ key: chunkKey(node.key, [i], 'local'), kernel: 'frame.sort', params: sortKeys, inputs: [k], meta: { rows: rows[i]! } }),
  );
  const samples = sorted.map((k, i) =>
    ctx.add({
      key: chunkKey(node.key, [i], 'sample'),
      kernel: 'frame.sort.sample',
      params: { by: keys.by, count: p },
      inputs: [k],
      meta: { rows: Math.min(p, rows[i]!) },
    }),
  );
  const pivots = ctx.add({
    key: chunkKey(node.key, [0], 'pivots'),
    kernel: 'frame.sort.pivots',
    params: { ...sortKeys, parts: p },
    inputs: samples,
    meta: { rows: Number.NaN },
  });
  const chunks: string[] = [];
  for (let part = 0; part < p; part++) {
    const pieces = sorted.map((k, i) =>
      ctx.add({
        key: chunkKey(node.key, [i, part], 'piece'),
        kernel: 'frame.sort.piece',
        params: { ...sortKeys, part },
        inputs: [k, pivots],
        meta: { rows: Number.NaN },
      }),
    );
    chunks.push(ctx.add({ key: chunkKey(node.key, [part]), kernel: 'frame.sort.merge', params: sortKeys, inputs: pieces, meta: { rows: Number.NaN } }));
  }
  return { nsplits: [chunks.map(() => Number.NaN)], chunks };
}

function tileTopN(node: TileableNode, ctx: TileContext): Tiled {
  const { by, ascending, n } = node.params as unknown as SortKeys & { n: number };
  const params = { by, ascending, n };
  const input = ctx.input(0);
  if (input.chunks.length === 0) {
    ctx.plan('top-n: no chunks');
    return { nsplits: [[]], chunks: [] };
  }
  const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);
  let level = input.chunks.map((k, i) => ({ key: k, rows: rowsOf(input)[i]!, leaf: true }));
  let depth = 0;
  // A leaf is a top-n of one chunk; each later level merges up to TOPN_FAN_IN neighbours.
  while (level.length > 1 || level[0]!.leaf) {
    const groupSize = level[0]!.leaf ? 1 : TOPN_FAN_IN;
    const groups = Math.ceil(level.length / groupSize);
    const next = [];
    for (let g = 0; g < groups; g++) {
      const members = level.slice(g * groupSize, (g + 1) * groupSize);
      const last = groups === 1 && (!level[0]!.leaf || level.length === 1);
      const rows = Math.min(n, sum(members.map((m) => m.rows)));
      const key = ctx.add({
        key: last ? chunkKey(node.key, [0]) : chunkKey(node.key, [depth, g], 'top'),
        kernel: 'frame.topn',
        params,
        inputs: members.map((m) => m.key),
        meta: { rows },
      });
      next.push({ key, rows, leaf: false });
    }
    level = next;
    depth++;
  }
  ctx.plan(`top-n: n=${n}, per-chunk top-n of ${input.chunks.length} chunks, then a merge tree of fan-in ${TOPN_FAN_IN} (${depth} levels)`);
  return { nsplits: [[level[0]!.rows]], chunks: [level[0]!.key] };
}

registerOp({ name: 'frame.sortValues', tile: tileSort });
registerOp({ name: 'frame.topN', tile: tileTopN });
