/**
 * Graphs from DataFrames (issue 11 §1: "a DataFrame of edges feeds gs.loadFrom({ edges: d })"): SSSP,
 * BFS, WCC and PageRank on a graph loaded from a frame give, per original id, what the same graph
 * loaded from typed columns gives — int32, float64 (beyond int32) and string ids, weights, declared
 * vertices with isolated ones, frames of several chunks, from a filter or a head, and empty — on both
 * executors, lazy and eager, and in a remote session. Bad input: what the schema tells is refused when
 * the graph is built, what needs the data (nulls, fractional ids, undeclared endpoints) when it loads,
 * naming the column and row. The same frame gives the same graph key, and its projection is reused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFrame, dataframe as df, graph as gs, type Graph, InvalidArgumentError, type NdArray, newSession, type Session, type SessionLike } from '../../src/index.js';
import type { ChunkRunEvent } from '../../src/session/runPlan.js';
import { sessionBackend } from '../support/backends.js';

const N = 60;
const ARCS = 300;

/** A seeded graph on vertices 0..N-1: repeated arcs, self-loops, weights 1..9, some vertices never reached. */
function arcs(): { src: number[]; dst: number[]; w: number[] } {
  let x = 987654;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const src: number[] = [];
  const dst: number[] = [];
  const w: number[] = [];
  for (let e = 0; e < ARCS; e++) {
    src.push(Math.floor(N * next() ** 2));
    dst.push(Math.floor((N - 10) * next()));
    w.push(1 + Math.floor(9 * next()));
  }
  return { src, dst, w };
}
const ARC_LIST = arcs();

type IdKind = 'int32' | 'float64' | 'string';
const PREFIXES = ['a', 'é', '\u{1f600}', 'Z'];
/** Vertex v's id: sparse int32s, float64s beyond int32 (int64 ids), or unicode strings. */
const idOf = (kind: IdKind, v: number): number | string => (kind === 'int32' ? 7 * v + 3 : kind === 'float64' ? 2 ** 40 + 5 * v : `${PREFIXES[v % 4]}${v}`);
/** Ids as the column path takes them: an Int32Array, a Float64Array or strings. */
function idColumn(kind: IdKind, vs: readonly number[]): Int32Array | Float64Array | string[] {
  if (kind === 'string') return vs.map((v) => idOf(kind, v) as string);
  return kind === 'int32' ? Int32Array.from(vs, (v) => idOf(kind, v) as number) : Float64Array.from(vs, (v) => idOf(kind, v) as number);
}

/** The arcs kept by `keep` (row order), as columns of `kind` ids with weights. */
function columns(kind: IdKind, keep: (row: number) => boolean = () => true): { s: ReturnType<typeof idColumn>; t: ReturnType<typeof idColumn>; w: Float64Array } {
  const rows = ARC_LIST.src.map((_, i) => i).filter(keep);
  return { s: idColumn(kind, rows.map((i) => ARC_LIST.src[i]!)), t: idColumn(kind, rows.map((i) => ARC_LIST.dst[i]!)), w: Float64Array.from(rows, (i) => ARC_LIST.w[i]!) };
}

/** The column path needs string ids declared; a frame's string column says so itself. */
const oid = (kind: IdKind) => (kind === 'string' ? { oidType: 'string' as const } : {});

type Results = { summary: unknown; rows: Map<string, [number, number, string, number]> };

/** The graph's summary, and SSSP (weighted) and BFS from `source`, WCC labels and PageRank keyed by id text. */
async function results(sess: SessionLike, build: () => Graph, source: number | string): Promise<Results> {
  const [g, apps] = scoped(sess, () => {
    const graph = build();
    return [graph, [gs.sssp(graph, source), gs.bfs(graph, source), gs.wcc(graph), gs.pagerank(graph, { maxRound: 5 })]] as const;
  });
  const out = (await sess.run([g, ...apps.flatMap((c) => [c.toArray('v.id'), c.toArray('r')])])) as unknown[];
  const values = (a: unknown) => (Array.isArray(a) ? a : [...(a as NdArray).data]);
  const ids = values(out[1]).map(String);
  const rows = new Map<string, [number, number, string, number]>();
  const cols = [2, 4, 6, 8].map((k) => values(out[k]));
  ids.forEach((id, i) => rows.set(id, [Number(cols[0]![i]), Number(cols[1]![i]), String(cols[2]![i]), Number(cols[3]![i])]));
  for (let a = 1; a < apps.length; a++) expect(values(out[1 + 2 * a]).map(String)).toEqual(ids);
  return { summary: out[0], rows };
}

/** Builds in `sess` (an eager session runs what is built in its scope at once). */
function scoped<T>(sess: SessionLike, build: () => T): T {
  return 'scope' in sess ? (sess as Session).scope(build) : build();
}

const filtered = (d: DataFrame, mask: ReturnType<DataFrame['col']>): DataFrame => d.filter(mask);

describe.each([
  ['local', 'lazy'],
  ['local', 'eager'],
  ['threads', 'lazy'],
  ['threads', 'eager'],
] as const)('graphs from DataFrames on the %s executor, %s', (executor, mode) => {
  let sess: Session;
  beforeAll(() => {
    sess = newSession({ mode, executor, ...(executor === 'threads' ? { workers: 2 } : {}), default: false });
  });
  afterAll(() => sess.close());

  it.each(['int32', 'float64', 'string'] as const)('%s ids with weights: the same results as typed columns', async (kind) => {
    const c = columns(kind);
    const source = idOf(kind, ARC_LIST.src[0]!);
    const expected = await results(sess, () => gs.loadFrom({ edges: c, src: 's', dst: 't', edgeProperties: ['w'], ...oid(kind) }), source);
    expect(expected.rows.size).toBeGreaterThan(N / 2);
    // Columns in another order, an extra column left out, several chunks; oidType from the dtype.
    const frame = () => df.fromColumns({ w: c.w, t: c.t, extra: Array.from(c.w, (x) => x > 4), s: c.s }, { chunkRows: 37 });
    expect(await results(sess, () => gs.loadFrom({ edges: frame(), src: 's', dst: 't', edgeProperties: ['w'] }), source)).toEqual(expected);
    // The first two columns by default, every other column a property.
    const plain = () => df.fromColumns({ s: c.s, t: c.t, w: c.w }, { chunkRows: 64 });
    expect(await results(sess, () => gs.loadFrom({ edges: plain() }), source)).toEqual(expected);
    // The builder API takes a frame too.
    const built = () => gs.g({ directed: true, ...oid(kind) }).addEdges(plain());
    expect((await results(sess, built, source)).rows).toEqual(expected.rows);
  });

  it.each(['int32', 'string'] as const)('%s ids: declared vertices (some isolated) with a property, from a frame', async (kind) => {
    const c = columns(kind);
    const vs = Array.from({ length: N + 5 }, (_, v) => N + 4 - v);
    const vertices = { id: idColumn(kind, vs), age: Int32Array.from(vs, (v) => v % 13) };
    const source = idOf(kind, ARC_LIST.src[3]!);
    const expected = await results(sess, () => gs.loadFrom({ vertices, edges: c, src: 's', dst: 't', edgeProperties: ['w'], ...oid(kind) }), source);
    expect(expected.rows.size).toBe(N + 5);
    const vf = () => df.fromColumns(vertices, { chunkRows: 16 });
    const ef = () => df.fromColumns(c, { chunkRows: 50 });
    expect(await results(sess, () => gs.loadFrom({ vertices: vf(), edges: ef(), src: 's', dst: 't', edgeProperties: ['w'] }), source)).toEqual(expected);
    // A frame on one side and columns on the other.
    expect(await results(sess, () => gs.loadFrom({ vertices: vf(), edges: c, src: 's', dst: 't', edgeProperties: ['w'] }), source)).toEqual(expected);
    expect(await results(sess, () => gs.loadFrom({ vertices, edges: ef(), src: 's', dst: 't', edgeProperties: ['w'] }), source)).toEqual(expected);
  });

  it('a frame from a filter (rows unknown until it runs) and from a head', async () => {
    const c = columns('int32');
    const heavy = (i: number) => ARC_LIST.w[i]! > 3;
    const source = idOf('int32', ARC_LIST.src[ARC_LIST.w.findIndex((w) => w > 3)]!);
    const expected = await results(sess, () => gs.loadFrom({ edges: columns('int32', heavy), src: 's', dst: 't' }), source);
    const viaFilter = () => {
      const d = df.fromColumns(c, { chunkRows: 40 });
      return gs.loadFrom({ edges: filtered(d, d.col('w').gt(3)), src: 's', dst: 't' });
    };
    expect(await results(sess, viaFilter, source)).toEqual(expected);
    const head = await results(sess, () => gs.loadFrom({ edges: df.fromColumns(c, { chunkRows: 40 }).head(100), src: 's', dst: 't' }), idOf('int32', ARC_LIST.src[0]!));
    expect(head).toEqual(await results(sess, () => gs.loadFrom({ edges: columns('int32', (i) => i < 100), src: 's', dst: 't' }), idOf('int32', ARC_LIST.src[0]!)));
  });

  it('empty frames (no rows, or a filter keeping none) load the empty graph the columns load', async () => {
    const emptyInts = { s: new Int32Array(0), t: new Int32Array(0) };
    // Apps refuse an empty graph (EmptyGraph), whatever it was loaded from.
    const counts = async (build: () => Graph) => {
      const g = scoped(sess, build);
      const summary = await sess.run(g);
      const app = await sess.run(scoped(sess, () => gs.wcc(g).toArray('r'))).then(() => 'ran', (e: { code: string }) => e.code);
      return { summary, app };
    };
    const expected = await counts(() => gs.loadFrom({ edges: emptyInts }));
    expect(expected).toEqual({ summary: expect.objectContaining({ vertices: { _: 0 }, edges: { _: 0 } }), app: 'EmptyGraph' });
    expect(await counts(() => gs.loadFrom({ edges: df.fromColumns(emptyInts) }))).toEqual(expected);
    const none = () => {
      const d = df.fromColumns(columns('int32'), { chunkRows: 100 });
      return gs.loadFrom({ edges: filtered(d, d.col('w').gt(100)), src: 's', dst: 't', edgeProperties: [] });
    };
    expect(await counts(none)).toEqual(expected);
    const strings = await counts(() => gs.loadFrom({ edges: df.fromColumns({ s: [], t: [] }, { dtypes: { s: 'string', t: 'string' } }) }));
    expect(strings).toEqual({ summary: expect.objectContaining({ oidType: 'string', vertices: { _: 0 }, edges: { _: 0 } }), app: 'EmptyGraph' });
  });

  it('nulls in src or dst, and fractional float64 ids, are refused when the graph loads, naming the column and row', async () => {
    const fails = (build: () => Graph) => scoped(sess, () => sess.run(build()));
    const nullSrc = () => gs.loadFrom({ edges: df.fromColumns({ s: [0, 1, null, 3], t: [1, 2, 3, 0] }, { chunkRows: 2, dtypes: { s: 'int32' } }) });
    await expect(fails(nullSrc)).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringMatching(/column 's' of the DataFrame is null at row 2/) });
    const nullDst = () => gs.loadFrom({ edges: df.fromColumns({ a: ['x', 'y', 'z', 'w'], b: ['y', 'z', 'w', null] }, { chunkRows: 3 }) });
    await expect(fails(nullDst)).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringMatching(/column 'b' of the DataFrame is null at row 3/) });
    const nullWeight = () => gs.loadFrom({ edges: df.fromColumns({ a: [0, 1], b: [1, 0], w: [2, null] }) });
    await expect(fails(nullWeight)).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringMatching(/column 'w' of the DataFrame is null at row 1/) });
    const fraction = () => gs.loadFrom({ edges: df.fromColumns({ a: [0, 1, 2, 3], b: [1, 2, 2.5, 0] }, { chunkRows: 2 }) });
    await expect(fails(fraction)).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringMatching(/column 'b' holds 2\.5 at row 2, which is not an id/) });
    // The session goes on.
    const ok = (await sess.run(scoped(sess, () => gs.wcc(gs.loadFrom({ edges: df.fromColumns({ a: [0, 1], b: [1, 2] }) })).toArray('r')))) as NdArray;
    expect([...ok.data]).toEqual([0, 0, 0]);
  });

  it('an endpoint that is not a declared vertex is the column path\'s VertexNotFound, found when the graph loads', async () => {
    const vertices = { id: Int32Array.from([0, 1, 2, 3]) };
    const edges = { s: Int32Array.from([0, 1, 2]), t: Int32Array.from([1, 2, 5]) };
    const notFound = { code: 'VertexNotFound', message: expect.stringMatching(/vertex 5 is not in the graph \(the target of edge 2 of '_' is not a declared vertex of '_'/) };
    const run = (build: () => Graph) => scoped(sess, () => sess.run(build()));
    await expect(run(() => gs.loadFrom({ vertices, edges: df.fromColumns(edges, { chunkRows: 2 }) }))).rejects.toMatchObject(notFound);
    await expect(run(() => gs.loadFrom({ vertices: df.fromColumns(vertices), edges }))).rejects.toMatchObject(notFound);
    await expect(run(() => gs.loadFrom({ vertices: df.fromColumns(vertices), edges: df.fromColumns(edges) }))).rejects.toMatchObject(notFound);
    // The column path finds it when the graph is built: the same error class and code.
    expect(() => gs.loadFrom({ vertices, edges })).toThrow(expect.objectContaining({ code: 'VertexNotFound', vertex: '5' }));
  });
});

describe('what the schema tells is refused when the graph is built', () => {
  const ints = df.fromColumns({ s: Int32Array.from([0, 1]), t: Float64Array.from([1, 0]), w: [2, 3], b: [true, false], n: ['x', 'y'] });
  const cases: [string, () => unknown, RegExp][] = [
    ['an unknown src column', () => gs.loadFrom({ edges: ints, src: 'nope' }), /addEdges\('_'\): no column "nope"; the DataFrame has 's', 't', 'w', 'b', 'n'/],
    ['an index past the columns', () => gs.loadFrom({ edges: ints, dst: 9 }), /no column 9/],
    ['an unknown property', () => gs.loadFrom({ edges: ints, edgeProperties: ['w', 'q'] }), /no column "q"/],
    ['bool ids', () => gs.loadFrom({ edges: ints, src: 'b', dst: 's' }), /edge sources of '_': column 'b' is bool; vertex ids are integers/],
    ['string ids for oidType int64', () => gs.loadFrom({ edges: ints, src: 'n', dst: 's', oidType: 'int64' }), /edge sources of '_' must be integers .* column 'n' is string/],
    ['integer ids for oidType string', () => gs.loadFrom({ edges: ints, oidType: 'string' }), /edge sources of '_' must be strings .* column 's' is int32/],
    ['string and integer endpoints', () => gs.loadFrom({ edges: ints, src: 'n', dst: 't' }), /edge targets of '_' must be strings .* column 't' is float64/],
    ['src and dst the same column', () => gs.loadFrom({ edges: ints, src: 's', dst: 0 }), /src and dst field cannot refer to the same field/],
    ['vertex ids of another type than the edges', () => gs.loadFrom({ vertices: df.fromColumns({ id: ['x'] }), edges: ints }), /vertex ids of '_' must be integers .* column 'id' is string/],
    ['bool vertex ids', () => gs.loadFrom({ vertices: df.fromColumns({ id: [true] }), edges: { a: [0], b: [1] } }), /vertex ids of '_': column 'id' is bool/],
  ];
  it.each(cases)('%s', (_name, build, message) => {
    let thrown: unknown;
    try {
      build();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as Error).message).toMatch(message);
  });

  it('the graph is keyed by its frame and the columns chosen, however they are named', () => {
    const key = (o: Parameters<typeof gs.loadFrom>[0]) => gs.loadFrom(o).key;
    expect(key({ edges: ints, edgeProperties: ['w'] })).toBe(key({ edges: ints, src: 0, dst: 't', edgeProperties: ['w'] }));
    expect(key({ edges: ints, edgeProperties: ['w'] })).not.toBe(key({ edges: ints, dst: 's', src: 't', edgeProperties: ['w'] }));
    expect(key({ edges: ints, edgeProperties: ['w'] })).not.toBe(key({ edges: ints.head(1), edgeProperties: ['w'] }));
    expect(key({ edges: ints, edgeProperties: ['w'] })).not.toBe(key({ edges: ints, edgeProperties: ['w'], directed: false }));
  });
});

describe('the same frame node gives the same graph: its projection is reused', () => {
  let sess: Session;
  beforeAll(() => {
    sess = newSession({ mode: 'lazy', executor: 'threads', workers: 2, default: false });
  });
  afterAll(() => sess.close());

  it('a second app on the graph loaded again from the frame reuses the projection: the frame is not read again', async () => {
    const kernels: string[][] = [];
    sess.on('chunks', (e: ChunkRunEvent) => {
      if (e.type === 'planned') kernels.push(e.graph.kernels.filter((k): k is string => k !== null));
    });
    const d = df.fromColumns(columns('int32'), { chunkRows: 50 });
    const loads = (k: readonly string[]) => k.some((name) => name.includes('graph.add_edges_frame'));
    // BFS and PageRank read one projection (a small graph's grouped one without weights; a first WCC
    // would read the arcs as a list, ops/graph/apps.ts).
    await sess.run(gs.bfs(gs.loadFrom({ edges: d, src: 's', dst: 't' }), idOf('int32', ARC_LIST.src[0]!) as number).toArray('r'));
    expect(kernels).toHaveLength(1);
    expect(loads(kernels[0]!)).toBe(true);
    const again = gs.loadFrom({ edges: d, src: 's', dst: 't' });
    const ranks = (await sess.run(gs.pagerank(again).toArray('r'))) as NdArray;
    expect(kernels).toHaveLength(2);
    expect(kernels[1]).toContain('graph.app');
    expect(loads(kernels[1]!)).toBe(false);
    const fromColumns = (await sess.run(gs.pagerank(gs.loadFrom({ edges: columns('int32'), src: 's', dst: 't' })).toArray('r'))) as NdArray;
    expect([...ranks.data]).toEqual([...fromColumns.data]);
  });
});

describe('a remote session', () => {
  const backend = sessionBackend('remote');
  it.each(['int32', 'float64', 'string'] as const)('loads %s ids from a frame built here, as from typed columns', async (kind) => {
    const s = backend.open({ mode: 'lazy' });
    try {
      const c = columns(kind);
      const source = idOf(kind, ARC_LIST.src[0]!);
      const expected = await results(s, () => gs.loadFrom({ edges: c, src: 's', dst: 't', edgeProperties: ['w'], ...oid(kind) }), source);
      const vertices = df.fromColumns({ id: idColumn(kind, Array.from({ length: N }, (_, v) => v)) });
      const frame = df.fromColumns({ w: c.w, s: c.s, t: c.t }, { chunkRows: 70 }).select(['s', 't', 'w']);
      expect(await results(s, () => gs.loadFrom({ vertices, edges: frame }), source)).toEqual(
        await results(s, () => gs.loadFrom({ vertices: { id: idColumn(kind, Array.from({ length: N }, (_, v) => v)) }, edges: c, src: 's', dst: 't', edgeProperties: ['w'], ...oid(kind) }), source),
      );
      expect((await results(s, () => gs.loadFrom({ edges: frame }), source)).rows).toEqual(expected.rows);
      await expect(s.run(gs.loadFrom({ edges: df.fromColumns({ a: [0, null], b: [1, 0] }) }))).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringMatching(/column 'a' of the DataFrame is null at row 1/) });
    } finally {
      await s.close();
    }
  });
});
