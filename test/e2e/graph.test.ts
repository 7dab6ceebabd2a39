/**
 * The property-graph API as a user calls it (issue 4): building graphs from files, Arrow tables,
 * columns and graphology; projection and its caching; apps and contexts with GraphScope's selectors and
 * vertex ranges; addColumn; and every bad input the issue lists, each a typed error that leaves the
 * session usable with nothing half-built in it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { DirectedGraph } from 'graphology';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { graph as gs, type NdArray, newSession, type ProgressEvent, type RunStats, type Session } from '../../src/index.js';
import { settles } from '../support/events.js';
import { closeTo } from '../unit/graph/helpers.js';
import { type RefEdge, refGraph, refHits } from '../unit/graph/reference.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-graph-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

let sess: Session;
beforeAll(() => {
  sess = newSession({ mode: 'lazy', default: false });
});
afterAll(() => sess.close());
const run = <T>(f: () => T) => sess.scope(f);
const values = (a: unknown) => [...((a as NdArray).data ?? (a as unknown[]))];

/** 0->1 (1), 0->2 (4), 1->2 (2), 2->3 (1), 4 isolated from 0 */
const EDGES = 'src,dst,dist\n0,1,1\n0,2,4\n1,2,2\n2,3,1\n4,3,7\n';

describe('building and loading graphs', () => {
  it('loads a delimited edge file with a header and a weight, and runs SSSP on it', async () => {
    const g = gs.loadFrom({ edges: file('e.csv', EDGES), edgeProperties: ['dist'] });
    expect(g.schema).toEqual({ vertices: { _: {} }, edges: { _: { src: '_', dst: '_', props: { dist: 'float64' } } } });
    const ctx = run(() => gs.sssp(g, 0));
    expect(values(await sess.run(ctx.toArray('r')))).toEqual([0, 1, 3, 4, Infinity]);
    expect(values(await sess.run(ctx.toArray('v.id')))).toEqual([0, 1, 2, 3, 4]);
  });

  it('builds the same graph from columns, an Arrow table and graphology, and they agree', async () => {
    const cols = { s: [0, 0, 1, 2, 4], d: [1, 2, 2, 3, 3], w: [1, 4, 2, 1, 7] };
    const fromCols = run(() => sess.g().addEdges(cols, { src: 's', dst: 'd', properties: ['w'] }));
    const arrow = tableFromArrays({ s: Float64Array.from(cols.s), d: Float64Array.from(cols.d), w: Float64Array.from(cols.w) });
    const fromArrow = run(() => gs.g().addEdges(arrow, { src: 's', dst: 'd', properties: ['w'] }));
    const gg = new DirectedGraph();
    cols.s.forEach((s, i) => gg.mergeEdge(String(s), String(cols.d[i]), { w: cols.w[i] }));
    const fromGraphology = run(() => gs.fromGraphology(gg));
    const results = await sess.run([fromCols, fromArrow, fromGraphology].map((g) => gs.sssp(g, 0).toArray('r')));
    for (const r of results) expect(values(r)).toEqual([0, 1, 3, 4, Infinity]);
    const back = await gs.toGraphology(fromCols, { session: sess });
    expect(back.order).toBe(5);
    expect(back.size).toBe(5);
    expect(back.getEdgeAttribute('4', '3', 'w')).toBe(7);
  });

  it('keeps string ids and int64 ids beyond 2^53 exactly', async () => {
    const s = run(() => gs.g({ oidType: 'string' }).addEdges({ a: ['x', 'y', 'z'], b: ['y', 'z', 'x'] }, { src: 'a', dst: 'b' }));
    expect(await sess.run(gs.wcc(s).toArray('v.id'))).toEqual(['x', 'y', 'z']);
    const big = 2n ** 62n + 1n;
    const b = run(() => gs.g().addEdges({ a: [big, 5n], b: [5n, big] }, { src: 'a', dst: 'b' }));
    const ids = (await sess.run(gs.bfs(b, big).toArray('v.id'))) as BigInt64Array;
    expect([...ids]).toEqual([5n, big]);
    expect(values(await sess.run(gs.bfs(b, big).toArray('r')))).toEqual([1, 0]);
  });

  it('orders, finds and prints non-ASCII string ids by code point on the pool', async () => {
    // UTF-16 order would put '😀' (a surrogate pair) before 'ｚ' (U+FF5A); code point order puts it last.
    const s = run(() => gs.g({ oidType: 'string' }).addEdges({ a: ['a', 'b', 'é', 'ｚ'], b: ['b', 'é', 'ｚ', '😀'] }, { src: 'a', dst: 'b' }));
    const ctx = run(() => gs.bfs(s, 'é'));
    expect(await sess.run(ctx.toArray('v.id'))).toEqual(['a', 'b', 'é', 'ｚ', '😀']);
    expect(values(await sess.run(ctx.toArray('r')))).toEqual([Infinity, Infinity, 0, 1, 2]);
    expect(await sess.run(ctx.toArray('v.id', { vertexRange: { begin: 'b', end: 'ｚ' } }))).toEqual(['b', 'é']);
    expect(await sess.run(ctx.toArray('v.id', { vertexRange: { begin: 'ｚ' } }))).toEqual(['ｚ', '😀']);
    const path = join(dir, 'strings.out');
    await sess.run(ctx.output(path));
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toEqual(['a 9223372036854775807', 'b 9223372036854775807', 'é 0', 'ｚ 1', '😀 2']);
    await expect(sess.run(gs.bfs(s, 'e'))).rejects.toMatchObject({ code: 'VertexNotFound' });
  });

  it('aborting an app stops its gang and leaves the session usable', async () => {
    // One worker: PageRank for ten million rounds on a ring of 200k vertices would hold it for hours, so
    // the apps after the abort can only run if the app's gang was stopped.
    const s = newSession({ mode: 'lazy', default: false, workers: 1 });
    try {
      const n = 200_000;
      const src = Float64Array.from({ length: n }, (_, i) => i);
      const dst = Float64Array.from({ length: n }, (_, i) => (i + 1) % n);
      const g = s.scope(() => gs.g().addEdges({ src, dst }, { src: 'src', dst: 'dst' }));
      const ctl = new AbortController();
      // Abort when every chunk but the app's and its selection's is done: the app has been sent to the pool.
      let abortedWith: ProgressEvent | undefined;
      const abortAtTheApp = (e: ProgressEvent): void => {
        if (e.done !== e.total - 2) return;
        abortedWith = e;
        s.off('progress', abortAtTheApp);
        setImmediate(() => ctl.abort());
      };
      s.on('progress', abortAtTheApp);
      const endless = s.run(s.scope(() => gs.pagerank(g, { maxRound: 10_000_000 }).toArray('r')), { signal: ctl.signal });
      await expect(settles(endless, 'the aborted PageRank to settle')).rejects.toMatchObject({ code: 'Cancelled' });
      expect(abortedWith?.done).toBeGreaterThan(0);
      const labels = values(await settles(s.run(s.scope(() => gs.wcc(g).toArray('r'))), 'WCC after the abort'));
      expect(labels).toHaveLength(n);
      expect(new Set(labels).size).toBe(1);
      const ranks = values(await settles(s.run(s.scope(() => gs.pagerank(g, { maxRound: 3 }).toArray('r'))), 'PageRank after the abort'));
      expect(ranks[0]).toBeCloseTo(1 / n, 12);
    } finally {
      await s.close();
    }
  });

  it('runs many apps of one run at once on the pool (gangs queue for workers) with the local results', async () => {
    const n = 5000;
    const src = Float64Array.from({ length: 4 * n }, (_, i) => i % n);
    const dst = Float64Array.from({ length: 4 * n }, (_, i) => (i * 7919 + 13) % n);
    const apps = (g: ReturnType<typeof gs.g>) => [
      gs.pagerank(g, { maxRound: 10 }).toArray('r'),
      gs.wcc(g).toArray('r'),
      gs.bfs(g, 0).toArray('r'),
      gs.sssp(g, 0).toArray('r'),
      gs.cdlp(g, { maxRound: 5 }).toArray('r'),
      gs.lcc(g).toArray('r'),
      gs.hits(g).toArray('r.hub'),
      gs.triangles(g).toArray('r'),
    ];
    const results: unknown[][] = [];
    for (const executor of ['threads', 'local'] as const) {
      const s = newSession({ mode: 'lazy', default: false, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });
      try {
        results.push((await s.run(s.scope(() => apps(gs.g({ directed: false }).addEdges({ src, dst }, { src: 'src', dst: 'dst' }))))).map(values));
      } finally {
        await s.close();
      }
    }
    expect(results[0]).toEqual(results[1]);
  });

  it('declared vertices with a property give v.data; addColumn writes results back', async () => {
    const g = run(() =>
      sess
        .g({ directed: false })
        .addVertices({ id: [1, 2, 3, 4], age: [10, 20, 30, 40] }, { label: 'person' })
        .addEdges({ a: [1, 2, 3], b: [2, 3, 1] }, { label: 'knows', src: 'a', dst: 'b' }),
    );
    const ctx = run(() => gs.wcc(g));
    expect(values(await sess.run(ctx.toArray('v.data')))).toEqual([10, 20, 30, 40]);
    expect(values(await sess.run(ctx.toArray('r')))).toEqual([1, 1, 1, 4]);
    const g2 = run(() => g.addColumn(ctx, { component: 'r' }));
    expect(values(await sess.run(g2.toArray('v:person.component')))).toEqual([1, 1, 1, 4]);
    expect(g2.schema.vertices.person).toEqual({ age: 'float64', component: 'int64' });
  });

  it('a string vertex property is v.data in internal id order (declared rows out of id order, non-ASCII text)', async () => {
    const g = run(() =>
      sess
        .g({ directed: false })
        .addVertices({ id: [3, 1, 2, 4], name: ['çà', 'a', '', '😀 z'] }, { label: 'person' })
        .addEdges({ a: [1, 2], b: [2, 3] }, { label: 'knows', src: 'a', dst: 'b' }),
    );
    const ctx = run(() => gs.wcc(g));
    expect(await sess.run(ctx.toArray('v.data'))).toEqual(['a', '', 'çà', '😀 z']);
    expect(await sess.run(ctx.toArray('v.data', { vertexRange: { begin: 2, end: 4 } }))).toEqual(['', 'çà']);
  });

  it('a property graph reads several vertex columns as one Arrow table, its selectors checked at build time', async () => {
    const g = run(() =>
      sess
        .g({ directed: false })
        .addVertices({ id: [1, 2, 3], age: [10, 20, 30] }, { label: 'person' })
        .addEdges({ a: [1, 2], b: [2, 3] }, { label: 'knows', src: 'a', dst: 'b' }),
    );
    const table = (await sess.run(g.toDataFrame({ id: 'v:person.id', age: 'v:person.age' }))) as import('apache-arrow').Table;
    // A DataFrame's Arrow table holds int64 ids as float64 (exact to 2^53); toArrow keeps them Int64.
    expect(table.toArray().map((r) => r.toJSON())).toEqual([{ id: 1, age: 10 }, { id: 2, age: 20 }, { id: 3, age: 30 }]);
    expect(() => g.toDataFrame({ x: 'v:person.height' })).toThrow("vertex label 'person' has no property 'height'");
    expect(() => g.toDataFrame({ x: 'v:animal.id' })).toThrow("the graph has no vertex label 'animal'");
    expect(() => g.toDataFrame({})).toThrow('selector of to_dataframe must name at least one column.');
  });

  it('selects half-open vertex ranges and builds tables', async () => {
    const g = gs.loadFrom({ edges: file('r.csv', EDGES), edgeProperties: ['dist'] });
    const ctx = run(() => gs.sssp(g, 0));
    expect(values(await sess.run(ctx.toArray('r', { vertexRange: { begin: 1, end: 3 } })))).toEqual([1, 3]);
    expect(values(await sess.run(ctx.toArray('v.id', { vertexRange: { begin: 3 } })))).toEqual([3, 4]);
    const table = (await sess.run(ctx.toDataFrame({ id: 'v.id', d: 'r' }, { vertexRange: { end: 2 } }))) as import('apache-arrow').Table;
    expect(table.numRows).toBe(2);
    expect(table.toArray().map((r) => r.toJSON())).toEqual([{ id: 0, d: 0 }, { id: 1, d: 1 }]);
  });

  it('HITS gives a vertex-property context read with r.hub and r.auth; k-core, triangles and degree centrality run', async () => {
    const g = run(() => gs.g({ directed: false }).addEdges({ a: [0, 0, 1, 2], b: [1, 2, 2, 3] }, { src: 'a', dst: 'b' }));
    const h = run(() => gs.hits(g));
    expect(h.contextType).toBe('vertex_property');
    const [hub, auth] = (await sess.run([h.toArray('r.hub'), h.toArray('r.auth')])) as NdArray[];
    expect(hub!.size).toBe(4);
    expect(auth!.size).toBe(4);
    expect(() => h.toArray('r')).toThrow(/Selector of r must be 'r.<column>'/);
    expect(values(await sess.run(gs.triangles(g).toArray('r')))).toEqual([1, 1, 1, 0]);
    expect(values(await sess.run(gs.kCore(g, { k: 2 }).toArray('r')))).toEqual([1, 1, 1, 0]);
    expect(values(await sess.run(gs.degreeCentrality(g).toArray('r')))).toEqual([2 / 3, 2 / 3, 1, 1 / 3]);
  });
});

describe('HITS through a session equals the reference', () => {
  /** A seeded directed graph: distinct arcs, no self-loops, sinks and sources among its vertices. */
  function randomArcs(n: number, m: number, seed: number): RefEdge[] {
    let state = seed;
    const next = (): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 4294967296;
    };
    const seen = new Set<number>();
    const arcs: RefEdge[] = [];
    while (arcs.length < m) {
      // Squared draws skew the sources towards low ids: hubs, and vertices with no out-arc at all.
      const u = Math.floor(next() ** 2 * n);
      const v = Math.floor(next() * n);
      if (u === v || seen.has(u * n + v)) continue;
      seen.add(u * n + v);
      arcs.push({ u, v, w: 1 });
    }
    return arcs;
  }

  // Over 2048 vertices, so the threads executor splits each step between its two workers.
  const n = 2100;
  const arcs = randomArcs(n, 6000, 0x9e3779b9);
  const reference = refGraph(n, true, arcs, { duplicates: 'keep', selfLoops: 'keep' });
  const OPTIONS = [
    { tolerance: 0.01, maxRound: 100, normalized: true },
    { tolerance: 1e-12, maxRound: 7, normalized: false },
  ] as const;

  it.each(['local', 'threads'] as const)('on the %s executor, with GraphScope\'s defaults and with fixed rounds unnormalised', async (executor) => {
    const s = newSession({ mode: 'lazy', default: false, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });
    try {
      const g = s.scope(() =>
        gs
          .g()
          .addVertices({ id: Float64Array.from({ length: n }, (_, v) => v) })
          .addEdges({ src: Float64Array.from(arcs, (a) => a.u), dst: Float64Array.from(arcs, (a) => a.v) }, { src: 'src', dst: 'dst' }),
      );
      for (const options of OPTIONS) {
        const h = s.scope(() => (options === OPTIONS[0] ? gs.hits(g) : gs.hits(g, options)));
        const [ids, hub, auth] = (await s.run([h.toArray('v.id'), h.toArray('r.hub'), h.toArray('r.auth')])).map((a) => values(a).map(Number));
        const expected = refHits(reference, options.tolerance, options.maxRound, options.normalized);
        expect(ids).toEqual(Array.from({ length: n }, (_, v) => v));
        expect(closeTo(hub!, expected.hub, 1e-9)).toBe(true);
        expect(closeTo(auth!, expected.auth, 1e-9)).toBe(true);
      }
    } finally {
      await s.close();
    }
  });
});

describe('projection is built once per graph, not per app', () => {
  it('a second app on the same graph does not rebuild the projection', async () => {
    const s = newSession({ mode: 'lazy', default: false });
    try {
      const g = gs.loadFrom({ edges: file('p.csv', EDGES), edgeProperties: ['dist'] });
      const stats: RunStats[] = [];
      s.on('run', (r: RunStats) => stats.push(r));
      await s.run(s.scope(() => gs.sssp(g, 0).toArray('r')));
      await s.run(s.scope(() => gs.wcc(g).toArray('r')));
      // first run: empty graph, the file's one byte range, add edges, project, SSSP's out-slot layout, app,
      // select; second: app and select only
      expect(stats[0]!.executed).toBe(7);
      expect(stats[1]!.executed).toBe(2);
    } finally {
      await s.close();
    }
  });
});

describe('bad input: typed errors, nothing half-built', () => {
  const failsWith = async (p: Promise<unknown>, code: string, text?: RegExp) => {
    const e = (await p.catch((x: unknown) => x)) as Error & { code?: string };
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe(code);
    if (text) expect(e.message).toMatch(text);
    return e;
  };

  afterEach(async () => {
    // the session is still usable after every failure
    const ok = run(() => gs.g().addEdges({ a: [1], b: [2] }, { src: 'a', dst: 'b' }));
    expect(values(await sess.run(gs.bfs(ok, 1).toArray('r')))).toEqual([0, 1]);
  });

  it('a malformed line names the file and the line', async () => {
    const bad = file('bad.csv', 'src,dst\n1,2\n3,x4\n');
    const e = await failsWith(sess.run(gs.wcc(gs.loadFrom({ edges: bad })).toArray('r')), 'GraphFormat', /bad\.csv:3/);
    expect((e as Error & { line?: number }).line).toBe(3);
  });

  it('a missing column fails when the file is read, naming it', async () => {
    await failsWith(sess.run(gs.wcc(gs.loadFrom({ edges: file('m.csv', EDGES), dst: 'nope' })).toArray('r')), 'MissingColumn', /nope/);
  });

  it('a non-numeric weight from columns fails at build time', () => {
    const g = gs.g().addEdges({ a: [1], b: [2], w: ['heavy'] }, { src: 'a', dst: 'b' });
    expect(g.schema.edges._!.props).toEqual({ w: 'string' });
    expect(() => gs.sssp(g, 1, { weight: 'w' })).toThrow(/'w' holds strings; a weight must be a numerical property/);
  });

  it('a non-numeric weight in a file names the file, line and column', async () => {
    const g = gs.loadFrom({ edges: file('w.csv', 'src,dst,w\n1,2,0.5\n2,3,heavy\n'), edgeProperties: ['w'] });
    await failsWith(sess.run(gs.sssp(g, 1).toArray('r')), 'GraphFormat', /w\.csv:3/);
  });

  it('a negative weight fails SSSP with the edge', async () => {
    const g = gs.g().addEdges({ a: [1, 2], b: [2, 3], w: [1, -2] }, { src: 'a', dst: 'b' });
    await failsWith(sess.run(gs.sssp(g, 1).toArray('r')), 'NegativeWeight', /2 -> 3 has weight -2/);
  });

  it('a source vertex that does not exist', async () => {
    await failsWith(sess.run(gs.bfs(gs.loadFrom({ edges: file('s.csv', EDGES) }), 99).toArray('r')), 'VertexNotFound', /99/);
    expect(() => gs.bfs(gs.loadFrom({ edges: file('s2.csv', EDGES) }), 'zero' as never)).toThrow(/must be an integer/);
  });

  it('an edge to an undeclared vertex is an error (vertices given) or an implicit vertex (no vertices given)', async () => {
    // Said when the graph is built (issue 9 §6; test/e2e/graphLoadErrors.test.ts has the other cases).
    expect(() => gs.g().addVertices({ id: [1, 2] }).addEdges({ a: [1], b: [3] }, { src: 'a', dst: 'b' })).toThrow(
      expect.objectContaining({ code: 'VertexNotFound', message: expect.stringMatching(/vertex 3 is not in the graph/) }),
    );
    const implicit = gs.g().addEdges({ a: [1], b: [3] }, { src: 'a', dst: 'b' });
    expect(values(await sess.run(gs.wcc(implicit).toArray('v.id')))).toEqual([1, 3]);
  });

  it('an empty graph, and a graph that is not simple after projection', () => {
    expect(() => gs.wcc(gs.g())).toThrow('Failed to project to simple graph as no vertex exists in this graph.');
    const two = gs.g().addEdges({ a: [1], b: [2] }, { src: 'a', dst: 'b', label: 'e1' }).addEdges({ a: [1], b: [2] }, { src: 'a', dst: 'b', label: 'e2' });
    expect(() => gs.wcc(two)).toThrow(/Failed to project to simple graph: it has 1 vertex labels/);
    expect(() => gs.wcc(two.project({ vertices: { _: [] }, edges: { e1: [] } }))).not.toThrow();
  });

  it('a projection naming a label or property that does not exist fails at build time', () => {
    const g = gs.g().addEdges({ a: [1], b: [2], w: [1] }, { src: 'a', dst: 'b', label: 'e' });
    expect(() => g.project({ vertices: { nope: [] }, edges: { e: [] } })).toThrow(/no vertex label 'nope'/);
    expect(() => g.project({ vertices: { _: [] }, edges: { e: ['zz'] } })).toThrow(/no property 'zz'/);
    expect(() => g.project({ vertices: { _: [] }, edges: { x: [] } })).toThrow(/no edge label 'x'/);
  });

  it('selectors are checked with GraphScope texts', () => {
    const ctx = gs.sssp(gs.g().addEdges({ a: [1], b: [2] }, { src: 'a', dst: 'b' }), 1);
    expect(() => ctx.toArray(undefined as never)).toThrow('Selector in vertex data context cannot be None');
    expect(() => ctx.toArray('v.id.x')).toThrow('Invalid selector: v.id.x');
    expect(() => ctx.toArray('v.foo')).toThrow("Selector of v must be 'v.id', 'v.data' or 'v.label_id'");
    expect(() => ctx.toArray('r.x')).toThrow("Selector of r must be 'r'");
    expect(() => ctx.toArray('e.src')).toThrow('Selector of e not supported yet');
    expect(() => ctx.toArray('q')).toThrow('Invalid selector: q, choose from v / e / r');
    expect(() => ctx.toDataFrame(['v.id'] as never)).toThrow('selector of to_dataframe must be a dict');
  });

  it('a missing file fails at build time', () => {
    expect(() => gs.loadFrom({ edges: join(dir, 'absent.csv') })).toThrow(/cannot read .*absent\.csv \(ENOENT\)/);
  });
});
