/**
 * Test harness for dataframe tile functions without a session: a fake TileContext that records the
 * chunk specs a tile adds and computes any of them by calling the registered kernels recursively (what
 * a session would run), plus plain row-record helpers to build chunks and read them back. Shared by the
 * sort, top-n and describe tests.
 */
import '../../../../src/kernels/index.js';
import type { ChunkSpec } from '../../../../src/dag/chunkGraph.js';
import { makeTileable } from '../../../../src/dag/nodes.js';
import {
  makeFrame, valueAt, type FrameChunk, type FrameColumn, type FrameField,
} from '../../../../src/base/frame.js';
import { getKernel } from '../../../../src/kernels/registry.js';
import { getOp, type TileContext, type Tiled } from '../../../../src/ops/op.js';
import { frameMeta, type FrameNode } from '../../../../src/ops/dataframe/meta.js';
import { utf8DictOf } from '../../../../src/base/utf8Dict.js';

export type Cell = number | boolean | string | null;
export type Row = Record<string, Cell>;

let sources = 0;

/** A source node standing for chunks the test supplies (its op is never tiled). */
export function sourceNode(fields: readonly FrameField[], chunks: readonly FrameChunk[]): FrameNode {
  const rows = chunks.reduce((s, c) => s + c.rows, 0);
  return makeTileable('test.frameSource', { id: sources++ }, [], frameMeta(fields, rows)) as FrameNode;
}

export interface TileRun {
  readonly tiled: Tiled;
  readonly specs: ReadonlyMap<string, ChunkSpec>;
  readonly plans: readonly string[];
  /** The output chunks' values, in row order. */
  readonly outputs: readonly FrameChunk[];
}

/** Tiles `node` (whose input 0 is `input`, given as chunks) and computes every output chunk. */
export function runTile(node: FrameNode, input: readonly FrameChunk[]): TileRun {
  const values = new Map<string, unknown>();
  const inputKeys = input.map((c, i) => {
    const key = `input:${i}`;
    values.set(key, c);
    return key;
  });
  const inputTiled: Tiled = { nsplits: [input.map((c) => c.rows)], chunks: inputKeys };
  const specs = new Map<string, ChunkSpec>();
  const plans: string[] = [];
  const ctx: TileContext = {
    input: () => inputTiled,
    add: (spec) => {
      if (!specs.has(spec.key)) specs.set(spec.key, spec);
      return spec.key;
    },
    chunkMeta: (key) => specs.get(key)?.meta,
    chunkInfo: () => undefined,
    plan: (text) => plans.push(text),
  };
  const result = getOp(node.op).tile(node, ctx);
  if (!('chunks' in result)) throw new Error('these tiles are plain, not iterative');
  const evaluate = (key: string): unknown => {
    if (values.has(key)) return values.get(key);
    const spec = specs.get(key);
    if (!spec || spec.kernel === null) throw new Error(`no chunk ${key}`);
    const value = getKernel(spec.kernel)(spec.inputs.map(evaluate), spec.params as never);
    const planned = (spec.meta as { rows: number }).rows;
    if (!Number.isNaN(planned) && planned !== (value as FrameChunk).rows) {
      throw new Error(`chunk ${key} planned ${planned} rows and has ${(value as FrameChunk).rows}`);
    }
    values.set(key, value);
    return value;
  };
  const outputs = result.chunks.map((k) => evaluate(k) as FrameChunk);
  return { tiled: result, specs, plans, outputs };
}

/** A chunk from rows; string columns get a dictionary in the order `dictOrder` (a seed) shuffles. */
export function chunkOf(fields: readonly FrameField[], rows: readonly Row[], dictOrder = 0): FrameChunk {
  const columns = fields.map((f): FrameColumn => {
    const cells = rows.map((r) => r[f.name] ?? null);
    const valid = Uint8Array.from(cells.map((v) => (v === null ? 0 : 1)));
    switch (f.dtype) {
      case 'string': {
        const distinct = [...new Set(cells.filter((v): v is string => v !== null))];
        // A different order per chunk (and an unused entry), so chunks never share a dictionary.
        const dict = [...distinct, `unused-${dictOrder}`];
        for (let i = dict.length - 1; i > 0; i--) {
          const j = (i * 7 + dictOrder * 13) % (i + 1);
          [dict[i], dict[j]] = [dict[j]!, dict[i]!];
        }
        return { dtype: 'string', dict: utf8DictOf(dict), codes: Int32Array.from(cells.map((v) => (v === null ? -1 : dict.indexOf(v as string)))) };
      }
      case 'bool':
        return { dtype: 'bool', values: Uint8Array.from(cells.map((v) => (v === true ? 1 : 0))), valid };
      case 'int32':
        return { dtype: 'int32', values: Int32Array.from(cells.map((v) => (v === null ? 0 : (v as number)))), valid };
      case 'float64':
        return { dtype: 'float64', values: Float64Array.from(cells.map((v) => (v === null ? 0 : (v as number)))), valid };
    }
  });
  return makeFrame(fields.map((f) => f.name), columns);
}

/** The rows of chunks, in order, as records. */
export function rowsOf(chunks: readonly FrameChunk[]): Row[] {
  return chunks.flatMap((c) =>
    Array.from({ length: c.rows }, (_, i) => Object.fromEntries(c.names.map((n, j) => [n, valueAt(c.columns[j]!, i)]))),
  );
}

/** Splits rows into chunks of the given sizes (the rest, if any, in a last chunk). */
export function split<T>(rows: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(rows.slice(at, at + s));
    at += s;
  }
  if (at < rows.length || out.length === 0) out.push(rows.slice(at));
  return out;
}

/** Reference order: code point string compare written independently of the kernels'. */
function codePointCompare(a: string, b: string): number {
  const x = Array.from(a, (ch) => ch.codePointAt(0)!);
  const y = Array.from(b, (ch) => ch.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

const missing = (v: Cell): boolean => v === null || (typeof v === 'number' && Number.isNaN(v));

/** The pandas order: per key ascending or not, nulls and NaN last either way; 0 for ties. */
export function referenceCompare(by: readonly string[], ascending: readonly boolean[]): (a: Row, b: Row) => number {
  return (a, b) => {
    for (let j = 0; j < by.length; j++) {
      const va = a[by[j]!]!;
      const vb = b[by[j]!]!;
      const ma = missing(va);
      const mb = missing(vb);
      if (ma || mb) {
        if (ma && mb) continue;
        return ma ? 1 : -1;
      }
      const c = typeof va === 'string' ? codePointCompare(va, vb as string) : Number(va) < Number(vb) ? -1 : Number(va) > Number(vb) ? 1 : 0;
      if (c !== 0) return ascending[j] ? c : -c;
    }
    return 0;
  };
}
