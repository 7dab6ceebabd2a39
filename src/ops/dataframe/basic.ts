/**
 * The basic dataframe ops — `select`, `rename`, `head` — and the 'dataframe' assembler (chunks → one
 * Arrow table). `head` is the simplest iterative tile: it takes whole input chunks (their keys, no copy)
 * until it has `n` rows and slices the last one, so it must know rows per chunk; where the plan does not
 * (after a filter, say) it asks for the next chunks to run, one, then two, then four…, and stops as soon
 * as it has enough — a head of a long filtered frame runs only the chunks it needs.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import type { FrameChunk } from '../../base/frame.js';
import { show } from '../../base/show.js';
import { makeTileable } from '../../dag/nodes.js';
import { registerAssembler } from '../assemble.js';
import { chunkKey, registerOp, type TileContext, type Tiled } from '../op.js';
import { framesToTable } from './arrow.js';
import { knownRows, tileChunkwise } from './chunkwise.js';
import { fieldOf, fieldsOfNames, frameMeta, type FrameMeta, type FrameNode } from './meta.js';

registerAssembler('dataframe', (node, _tiled, chunks) => framesToTable(chunks as FrameChunk[], (node.meta as FrameMeta).fields));

/** `d.select(names)`: those columns, in that order. */
export function selectNode(frame: FrameNode, names: readonly string[]): FrameNode {
  const fields = fieldsOfNames(frame.meta, names, 'select');
  return makeTileable('frame.select', { names: fields.map((f) => f.name) }, [frame], frameMeta(fields, frame.meta.rows));
}

registerOp({
  name: 'frame.select',
  tile: (node, ctx) => tileChunkwise(node, ctx, ctx.input(0), 'frame.select', { params: { names: node.params.names }, keepsRows: true }),
});

/** `d.rename({old: 'new'})`: every old name must exist, and the new names must stay unique. */
export function renameNode(frame: FrameNode, mapping: Readonly<Record<string, string>>): FrameNode {
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) {
    throw new InvalidArgumentError(`rename takes an object of old name → new name, got ${show(mapping)}.`);
  }
  for (const [from, to] of Object.entries(mapping)) {
    fieldOf(frame.meta, from, 'rename');
    if (typeof to !== 'string' || to.length === 0) throw new InvalidArgumentError(`rename: the new name of ${show(from)} must be a non-empty string, got ${show(to)}.`);
  }
  const fields = frame.meta.fields.map((f) => ({ name: Object.hasOwn(mapping, f.name) ? mapping[f.name]! : f.name, dtype: f.dtype }));
  const seen = new Map<string, string>();
  frame.meta.fields.forEach((f, j) => {
    const name = fields[j]!.name;
    const other = seen.get(name);
    if (other !== undefined) throw new InvalidArgumentError(`rename: columns ${show(other)} and ${show(f.name)} would both be named ${show(name)}.`);
    seen.set(name, f.name);
  });
  return makeTileable('frame.rename', { names: fields.map((f) => f.name) }, [frame], frameMeta(fields, frame.meta.rows));
}

registerOp({
  name: 'frame.rename',
  tile: (node, ctx) => tileChunkwise(node, ctx, ctx.input(0), 'frame.rename', { params: { names: node.params.names }, keepsRows: true }),
});

/** `d.head(n)`: the first `n` rows (all of them when there are fewer). */
export function headNode(frame: FrameNode, n: number): FrameNode {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError(`head(n) needs a non-negative integer, got ${show(n)}.`);
  }
  const rows = Number.isNaN(frame.meta.rows) ? Number.NaN : Math.min(n, frame.meta.rows);
  return makeTileable('frame.head', { n }, [frame], frameMeta(frame.meta.fields, rows));
}

registerOp({
  name: 'frame.head',
  *tile(node, ctx): Generator<readonly string[], Tiled, void> {
    const n = node.params.n as number;
    const input = ctx.input(0);
    const rows = knownRows(input, ctx);
    const chunks: string[] = [];
    const split: number[] = [];
    let have = 0;
    let probe = 1;
    let measured = 0;
    for (let i = 0; i < input.chunks.length && (have < n || chunks.length === 0); i++) {
      if (Number.isNaN(rows[i]!)) {
        // Run this chunk and the next few whose rows are unknown; the batch doubles each time.
        const range = input.chunks.slice(i, i + probe);
        const ask = range.filter((_, j) => Number.isNaN(rows[i + j]!));
        yield ask;
        measured += ask.length;
        probe *= 2;
        range.forEach((k, j) => {
          if (Number.isNaN(rows[i + j]!)) rows[i + j] = ctx.chunkInfo(k)?.rows ?? Number.NaN;
        });
        if (Number.isNaN(rows[i]!)) throw new Error(`head: chunk ${input.chunks[i]} ran but its rows are unknown (a tiling bug).`);
      }
      const r = rows[i]!;
      const take = Math.min(r, n - have);
      if (take === r) chunks.push(input.chunks[i]!);
      else chunks.push(slice(node.key, ctx, input.chunks[i]!, chunks.length, take));
      split.push(take);
      have += take;
    }
    ctx.plan(`head ${n}: ${chunks.length} of ${input.chunks.length} chunks${measured > 0 ? `, ${measured} run to measure their rows` : ''}`);
    return { nsplits: [split], chunks };
  },
});

function slice(base: string, ctx: TileContext, input: string, i: number, rows: number): string {
  return ctx.add({ key: chunkKey(base, [i]), kernel: 'frame.slice', params: { lo: 0, hi: rows }, inputs: [input], meta: { rows } });
}
