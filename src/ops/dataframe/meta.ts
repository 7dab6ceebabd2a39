/**
 * Metas of the dataframe op family. A dataframe tileable is row-chunked: its schema (column names and
 * dtypes) is known when the node is built, so a wrong column name or dtype fails at the user's line;
 * its row count is known only after a run (`NaN` until then, as in Mars) unless a source knows it.
 *
 * Tiled form of a dataframe: one axis of row chunks. `nsplits[0]` holds each chunk's rows (`NaN` where
 * not known at tile time) and `chunks` the chunk keys in row order; every chunk's value is a
 * `FrameChunk` (base/frame.ts) with exactly the node's fields, in order.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import { FRAME_DTYPES, type FrameDtype, type FrameField } from '../../base/frame.js';
import { show } from '../../base/show.js';
import type { NodeMeta, TileableNode } from '../../dag/nodes.js';

export type { FrameDtype, FrameField } from '../../base/frame.js';

export interface FrameMeta extends NodeMeta {
  readonly type: 'dataframe';
  readonly fields: readonly FrameField[];
  /** Total rows when known at build time, else NaN. */
  readonly rows: number;
}

export type FrameNode = TileableNode<FrameMeta>;

export function isFrameNode(n: TileableNode): n is FrameNode {
  return n.meta.type === 'dataframe';
}

export function frameMeta(fields: readonly FrameField[], rows = Number.NaN): FrameMeta {
  return { type: 'dataframe', fields: fields.map((f) => Object.freeze({ name: f.name, dtype: f.dtype })), rows };
}

/** The field named `name`, or an error at the caller's line listing the columns there are. */
export function fieldOf(meta: FrameMeta, name: unknown, where: string): FrameField {
  const f = typeof name === 'string' ? meta.fields.find((x) => x.name === name) : undefined;
  if (!f) {
    throw new InvalidArgumentError(`${where}: no column named ${show(name)}; the columns are ${show(meta.fields.map((x) => x.name))}.`);
  }
  return f;
}

/** Checks a list of column names (non-empty strings, each once, each present) and returns their fields. */
export function fieldsOfNames(meta: FrameMeta, names: unknown, where: string): FrameField[] {
  const list = typeof names === 'string' ? [names] : names;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidArgumentError(`${where} needs a column name or a non-empty array of them, got ${show(names)}.`);
  }
  const seen = new Set<string>();
  return list.map((n) => {
    const f = fieldOf(meta, n, where);
    if (seen.has(f.name)) throw new InvalidArgumentError(`${where}: column ${show(f.name)} is named twice.`);
    seen.add(f.name);
    return f;
  });
}

export function checkDtype(dtype: unknown, where: string): FrameDtype {
  if (typeof dtype === 'string' && (FRAME_DTYPES as readonly string[]).includes(dtype)) return dtype as FrameDtype;
  throw new InvalidArgumentError(`${where}: unknown dtype ${show(dtype)}; the dtypes are ${show(FRAME_DTYPES)}.`);
}
