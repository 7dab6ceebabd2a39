/**
 * Dataframe sinks (`toParquet`, `toArrowFile`): a node with one chunk that takes every chunk of the
 * frame, in row order, and writes them to a file as it goes (one row group or record batch per chunk,
 * so the writer never concatenates the frame). Its value, and what `fetch` gives, is `{ path, rows,
 * bytes }`; the meta type is 'dataframe_sink'. The target path is part of the params (and so of the key),
 * the frame's key too, so the same frame written to the same path again is served from the cache.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from '../../base/errors.js';
import { show } from '../../base/show.js';
import { makeTileable, type NodeMeta, type TileableNode } from '../../dag/nodes.js';
import { registerAssembler } from '../assemble.js';
import { chunkKey, registerOp, type Tiled } from '../op.js';
import type { FrameField, FrameNode } from './meta.js';

export interface SinkResult {
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
}

export interface SinkMeta extends NodeMeta {
  readonly type: 'dataframe_sink';
  readonly format: 'parquet' | 'arrow';
  readonly path: string;
}

export interface SinkParams {
  readonly path: string;
  readonly fields: readonly FrameField[];
}

/** The absolute target path, checked now: a string, in a folder that exists, not a folder itself. */
export function sinkPath(path: unknown, where: string): string {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(`${where} needs a file path, got ${show(path)}.`);
  const full = resolve(path);
  if (!existsSync(dirname(full)) || !statSync(dirname(full)).isDirectory()) {
    throw new InvalidArgumentError(`${where}: the folder of ${full} does not exist; create it first.`);
  }
  if (existsSync(full) && statSync(full).isDirectory()) throw new InvalidArgumentError(`${where}: ${full} is a folder; pass a file path.`);
  return full;
}

export function sinkNode(op: string, format: SinkMeta['format'], frame: FrameNode, path: string): TileableNode<SinkMeta> {
  const params: SinkParams = { path, fields: frame.meta.fields };
  return makeTileable(op, params as unknown as Record<string, unknown>, [frame], { type: 'dataframe_sink', format, path });
}

/** Registers a sink op whose one chunk runs `kernel` over all the frame's chunks. */
export function registerSinkOp(op: string, kernel: string): void {
  registerOp({
    name: op,
    tile(node, ctx): Tiled {
      const input = ctx.input(0);
      const key = ctx.add({ key: chunkKey(node.key, [0]), kernel, params: node.params, inputs: [...input.chunks], meta: {} });
      ctx.plan(`${kernel}: ${input.chunks.length} chunk${input.chunks.length === 1 ? '' : 's'} written in order`);
      return { nsplits: [[1]], chunks: [key] };
    },
  });
}

registerAssembler('dataframe_sink', (_node, _tiled, chunks) => chunks[0] as SinkResult);
