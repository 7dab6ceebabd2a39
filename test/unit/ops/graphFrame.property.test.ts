/**
 * The frame kernels of graph sources (kernels/graph/frameLoad.ts), property-tested: a DataFrame's chunks
 * — any split, strings with per-chunk dictionaries holding entries no row uses (as after a filter) —
 * become the property graph a plain reference builds from the rows (edge ids and properties in row
 * order; a label without declared vertices has its endpoints' sorted distinct ids), and the very value
 * the column path (`graph.add_edges` / `graph.add_vertices` on typed columns) builds. Nulls and
 * fractional float64 ids are refused naming the column and the row across chunks. The op hands the
 * kernel the graph's chunk and every frame chunk in row order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FrameChunk, FrameColumn, FrameDtype } from '../../../src/base/frame.js';
import '../../../src/kernels/index.js';
import type { FrameEdgesParams, FrameVerticesParams } from '../../../src/kernels/graph/frameLoad.js';
import { getKernel as kernelOf } from '../../../src/kernels/registry.js';
import { idValues, type PropertyGraphValue } from '../../../src/kernels/graph/values.js';
import { addFrameEdgesNode, emptyGraphNode, toSource } from '../../../src/ops/graph/index.js';
import { fromColumnsNode } from '../../../src/ops/dataframe/index.js';
import { getOp, type TileContext } from '../../../src/ops/op.js';
import { utf8DictOf } from '../../../src/base/utf8Dict.js';

type Id = number | string;
type IdKind = 'int32' | 'float64' | 'string';
interface Row {
  readonly s: Id;
  readonly t: Id;
  readonly w: number;
  readonly f: boolean;
}

const ids: Record<IdKind, fc.Arbitrary<Id>> = {
  int32: fc.integer({ min: -20, max: 20 }),
  // Integers beyond int32 (int64 ids held exactly in doubles), and small ones.
  float64: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 40 }).map((k) => 2 ** 40 + k * 3)),
  string: fc.oneof(fc.constantFrom('a', 'é', 'Z', '\u{1f600}', '', 'ab'), fc.string({ unit: 'grapheme', maxLength: 3 })),
};

const rowsOf = (kind: IdKind) => fc.array(fc.record({ s: ids[kind], t: ids[kind], w: fc.double({ noNaN: true, min: -1e6, max: 1e6 }), f: fc.boolean() }), { maxLength: 40 });
/** Chunk boundaries: sorted cut points in 0..n (repeats give empty chunks). */
const cutsOf = fc.array(fc.nat({ max: 40 }), { maxLength: 5 });

function column(dtype: FrameDtype, values: readonly unknown[]): FrameColumn {
  switch (dtype) {
    case 'string': {
      // First-seen order, plus an entry no row uses, as a filtered chunk keeps its whole dictionary.
      const dict = [...new Set(values as string[]), 'unused-entry'];
      return { dtype, codes: Int32Array.from(values as string[], (v) => dict.indexOf(v)), dict: utf8DictOf(dict) };
    }
    case 'bool':
      return { dtype, values: Uint8Array.from(values as boolean[], (b) => (b ? 1 : 0)), valid: null };
    case 'int32':
      return { dtype, values: Int32Array.from(values as number[]), valid: null };
    case 'float64':
      return { dtype, values: Float64Array.from(values as number[]), valid: null };
  }
}

function chunked(rows: readonly Row[], cuts: readonly number[], kind: IdKind): FrameChunk[] {
  const bounds = [0, ...cuts.map((c) => Math.min(c, rows.length)).sort((a, b) => a - b), rows.length];
  const chunks: FrameChunk[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const part = rows.slice(bounds[k], bounds[k + 1]);
    chunks.push({
      kind: 'frame',
      rows: part.length,
      names: ['s', 't', 'w', 'f'],
      columns: [column(kind, part.map((r) => r.s)), column(kind, part.map((r) => r.t)), column('float64', part.map((r) => r.w)), column('bool', part.map((r) => r.f))],
    });
  }
  return chunks;
}

/** A kernel with its params typed loosely (the registry types them `never`). */
const getKernel = (name: string) => kernelOf(name) as (inputs: readonly unknown[], params: unknown) => unknown;

const oidOf = (kind: IdKind): 'int64' | 'string' => (kind === 'string' ? 'string' : 'int64');
const empty = (kind: IdKind): PropertyGraphValue => getKernel('graph.empty')([], { directed: true, oidType: oidOf(kind) }) as PropertyGraphValue;

/** A graph value as plain data: ids as text, property values as arrays. */
function plain(g: PropertyGraphValue): unknown {
  const props = (p: PropertyGraphValue['edges'][number]['props']) => Object.fromEntries(Object.entries(p).map(([k, c]) => [k, Array.from(c.values as ArrayLike<unknown>)]));
  return {
    vertices: g.vertices.map((t) => ({ label: t.label, ids: idValues(t.ids).map(String), props: props(t.props) })),
    edges: g.edges.map((t) => ({ label: t.label, src: idValues(t.src).map(String), dst: idValues(t.dst).map(String), props: props(t.props) })),
    implicit: Object.fromEntries(Object.entries(g.implicitVertices ?? {}).map(([l, c]) => [l, idValues(c).map(String)])),
  };
}

/** Ids in the graph's order: numbers ascending, strings in code point (UTF-8 byte) order. */
const sortIds = (xs: readonly Id[]): Id[] =>
  [...new Set(xs)].sort((a, b) => (typeof a === 'number' ? (a as number) - (b as number) : Buffer.compare(Buffer.from(a as string), Buffer.from(b as string))));

const edgeParams = (kind: IdKind, dtypes: Record<string, FrameDtype>): FrameEdgesParams => ({
  label: '_', srcLabel: '_', dstLabel: '_', src: 's', dst: 't', properties: { w: 'w', f: 'f' }, dtypes, oidType: oidOf(kind),
});

describe.each(['int32', 'float64', 'string'] as const)('frame edges with %s ids', (kind) => {
  const dtypes = { s: kind, t: kind, w: 'float64', f: 'bool' } as Record<string, FrameDtype>;

  it('are the reference graph of the rows, and the column path\'s value, whatever the chunking', () => {
    fc.assert(
      fc.property(rowsOf(kind), cutsOf, (rows, cuts) => {
        const got = getKernel('graph.add_edges_frame')([empty(kind), ...chunked(rows, cuts, kind)], edgeParams(kind, dtypes)) as PropertyGraphValue;
        const reference = {
          vertices: [],
          edges: [{ label: '_', src: rows.map((r) => String(r.s)), dst: rows.map((r) => String(r.t)), props: { w: rows.map((r) => r.w), f: rows.map((r) => (r.f ? 1 : 0)) } }],
          implicit: { _: sortIds(rows.flatMap((r) => [r.s, r.t])).map(String) },
        };
        expect(plain(got)).toEqual(reference);
        const source = toSource({ s: rows.map((r) => r.s), t: rows.map((r) => r.t), w: rows.map((r) => r.w), f: rows.map((r) => r.f) }, {}, 'test', ['s', 't']);
        const columnPath = getKernel('graph.add_edges')([empty(kind)], { label: '_', srcLabel: '_', dstLabel: '_', source, src: 's', dst: 't', properties: { w: 'w', f: 'f' }, oidType: oidOf(kind) });
        expect(plain(got)).toEqual(plain(columnPath as PropertyGraphValue));
      }),
      { numRuns: 60 },
    );
  });

  it('vertices are the reference table, and the column path\'s', () => {
    fc.assert(
      fc.property(rowsOf(kind), cutsOf, (rows, cuts) => {
        const params: FrameVerticesParams = { label: 'v', id: 's', properties: { weight: 'w' }, dtypes, oidType: oidOf(kind) };
        const got = getKernel('graph.add_vertices_frame')([empty(kind), ...chunked(rows, cuts, kind)], params) as PropertyGraphValue;
        expect(plain(got)).toEqual({ vertices: [{ label: 'v', ids: rows.map((r) => String(r.s)), props: { weight: rows.map((r) => r.w) } }], edges: [], implicit: {} });
        const source = toSource({ s: rows.map((r) => r.s), w: rows.map((r) => r.w) }, {}, 'test', ['s']);
        const columnPath = getKernel('graph.add_vertices')([empty(kind)], { label: 'v', source, id: 's', properties: { weight: 'w' }, oidType: oidOf(kind) });
        expect(plain(got)).toEqual(plain(columnPath as PropertyGraphValue));
      }),
      { numRuns: 40 },
    );
  });

  it('a null id or property is refused naming the column and its row across chunks', () => {
    fc.assert(
      fc.property(rowsOf(kind).filter((r) => r.length > 0), cutsOf, fc.nat(), fc.constantFrom('s', 't', 'w', 'f'), (rows, cuts, at, name) => {
        const row = at % rows.length;
        const chunks = chunked(rows, cuts, kind);
        let offset = 0;
        const withNull = chunks.map((c) => {
          const local = row - offset;
          offset += c.rows;
          if (local < 0 || local >= c.rows) return c;
          const j = c.names.indexOf(name);
          const col = c.columns[j]!;
          const nulled: FrameColumn =
            col.dtype === 'string'
              ? { ...col, codes: col.codes.map((k, i) => (i === local ? -1 : k)) }
              : { ...col, valid: Uint8Array.from({ length: c.rows }, (_, i) => (i === local ? 0 : 1)) } as FrameColumn;
          return { ...c, columns: c.columns.map((x, k) => (k === j ? nulled : x)) };
        });
        expect(() => getKernel('graph.add_edges_frame')([empty(kind), ...withNull], edgeParams(kind, dtypes))).toThrow(
          expect.objectContaining({ code: 'InvalidArgument', message: expect.stringContaining(`column '${name}' of the DataFrame is null at row ${row};`) }),
        );
      }),
      { numRuns: 40 },
    );
  });
});

describe('float64 ids', () => {
  it('that are not integers are refused naming the column and row', () => {
    const chunks = chunked([{ s: 0, t: 1, w: 1, f: true }, { s: 1, t: 2, w: 1, f: true }, { s: 2, t: 0.5, w: 1, f: true }], [1], 'float64');
    expect(() => getKernel('graph.add_edges_frame')([empty('float64'), ...chunks], edgeParams('float64', { s: 'float64', t: 'float64', w: 'float64', f: 'bool' }))).toThrow(
      /column 't' holds 0\.5 at row 2, which is not an id/,
    );
  });

  it('that fit int32 are narrowed to an Int32Array, as the column path narrows them; others stay doubles', () => {
    const small = getKernel('graph.add_edges_frame')([empty('float64'), ...chunked([{ s: 0, t: -7, w: 1, f: true }], [], 'float64')], edgeParams('float64', { s: 'float64', t: 'float64', w: 'float64', f: 'bool' })) as PropertyGraphValue;
    expect(small.edges[0]!.src.values).toBeInstanceOf(Int32Array);
    const big = getKernel('graph.add_edges_frame')([empty('float64'), ...chunked([{ s: 2 ** 40, t: 1, w: 1, f: true }], [], 'float64')], edgeParams('float64', { s: 'float64', t: 'float64', w: 'float64', f: 'bool' })) as PropertyGraphValue;
    expect(big.edges[0]!.src.values).toBeInstanceOf(Float64Array);
  });
});

describe('graph.add_edges_frame tiling', () => {
  it('gives the kernel the graph chunk and every frame chunk, in row order', () => {
    const frame = fromColumnsNode({ s: Int32Array.from([0, 1, 2, 3, 4]), t: Int32Array.from([1, 2, 3, 4, 0]) }, { chunkRows: 2 });
    const node = addFrameEdgesNode(emptyGraphNode(), frame);
    const added: { key: string; kernel: string; inputs: readonly string[] }[] = [];
    const ctx = {
      input: (i: number) => (i === 0 ? { nsplits: [], chunks: ['g'] } : { nsplits: [[2, 2, 1]], chunks: ['c0', 'c1', 'c2'] }),
      add: (spec: { key: string; kernel: string; inputs: readonly string[] }) => {
        added.push(spec);
        return spec.key;
      },
    } as unknown as TileContext;
    const tiled = getOp('graph.add_edges_frame').tile(node, ctx) as { chunks: readonly string[] };
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ kernel: 'graph.add_edges_frame', inputs: ['g', 'c0', 'c1', 'c2'] });
    expect(tiled.chunks).toEqual([added[0]!.key]);
  });
});
