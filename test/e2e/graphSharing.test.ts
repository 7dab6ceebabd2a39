/**
 * Sharing graphs and contexts between sessions (issue 9 §6: `getNamed` of a persisted graph or context
 * returned a summary). The design: `persist` of a graph or a context publishes what another session
 * needs to compute with it, and `getNamed` there gives a Graph or Context handle of *that* session —
 * apps, projections and selectors on it run in the reading session, also after the persisting one is
 * closed. Data (arrays, tables) still comes back as its value.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table } from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { Context, Graph, graph as gs, type NdArray, newSession, type Session } from '../../src/index.js';

const values = (a: unknown) => [...(a as NdArray).data];
let opened: Session[] = [];
afterEach(async () => {
  await Promise.all(opened.map((s) => s.close()));
  opened = [];
});

describe.each(['local', 'threads'] as const)('persisted graphs and contexts on the %s executor', (executor) => {
  const open = (mode: 'eager' | 'lazy') => {
    const s = newSession({ mode, executor, ...(executor === 'threads' ? { workers: 2 } : {}), default: false });
    opened.push(s);
    return s;
  };
  let n = 0;
  const name = (what: string) => `${what}-${executor}-${++n}`;
  /** A graph with a vertex property; vertex 9 is isolated. */
  const build = () =>
    gs.g({ directed: false }).addVertices({ id: [1, 2, 3, 4, 9], age: [10, 20, 30, 40, 90] }).addEdges({ s: [1, 2, 3], d: [2, 3, 4], w: [1, 5, 2] }, { src: 's', dst: 'd' });

  it('getNamed of a persisted graph is a Graph of the reading session: its apps run there and agree', async () => {
    const a = open('eager');
    const b = open('lazy');
    const g = a.scope(build);
    await g.execute();
    const key = name('graph');
    await a.persist(g, { name: key });
    const shared = await b.getNamed(key);
    expect(shared).toBeInstanceOf(Graph);
    const g2 = shared as Graph;
    expect(g2.schema).toEqual(g.schema);
    const apps = (graph: Graph) => [gs.sssp(graph, 1).toArray('r'), gs.wcc(graph).toArray('r'), gs.pagerank(graph, { maxRound: 5 }).toArray('r'), graph.toArray('v:_.age')];
    const there = (await b.run(b.scope(() => apps(g2)))).map(values);
    const here = await Promise.all(a.scope(() => apps(g)).map(async (r) => values(await r.fetch())));
    expect(there).toEqual(here);
    expect(there[0]).toEqual([0, 1, 6, 8, Infinity]);
    expect(await b.run(g2)).toMatchObject({ vertices: { _: 5 }, edges: { _: 3 } });
  });

  it('getNamed of a persisted context is a Context read with the same selectors, ranges, tables and output', async () => {
    const a = open('lazy');
    const b = open('eager');
    const ctx = a.scope(() => gs.sssp(build(), 1, { weight: 'w' }));
    await ctx.execute({ session: a });
    const key = name('context');
    await a.persist(ctx, { name: key });
    const shared = await b.getNamed(key);
    expect(shared).toBeInstanceOf(Context);
    const c2 = shared as Context;
    expect([c2.algo, c2.contextType]).toEqual(['sssp', 'vertex_data']);
    const out = mkdtempSync(join(tmpdir(), 'tessera-share-'));
    try {
      const [ids, data, r, ranged, table, written] = await Promise.all(
        b.scope(() => [
          c2.toArray('v.id'),
          c2.toArray('v.data'),
          c2.toArray('r'),
          c2.toArray('r', { vertexRange: { begin: 2, end: 4 } }),
          c2.toArrow({ id: 'v.id', d: 'r' }),
          c2.output(join(out, 'sssp.txt')),
        ]).map((h) => h.fetch()),
      );
      expect(values(ids)).toEqual([1, 2, 3, 4, 9]);
      expect(values(data)).toEqual([10, 20, 30, 40, 90]);
      expect(values(r)).toEqual([0, 1, 6, 8, Infinity]);
      expect(values(ranged)).toEqual([1, 6]);
      expect(table).toBeInstanceOf(Table);
      expect((table as Table).numRows).toBe(5);
      expect(written).toMatchObject({ lines: 5 });
      expect(readFileSync(join(out, 'sssp.txt'), 'utf8')).toBe('1 0\n2 1\n3 6\n4 8\n9 infinity\n');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('shared handles outlive the session that persisted them, and can be shared on from the reading session', async () => {
    const a = newSession({ mode: 'eager', executor, ...(executor === 'threads' ? { workers: 2 } : {}), default: false });
    const b = open('lazy');
    const c = open('lazy');
    const g = a.scope(() => gs.g({ oidType: 'string' }).addEdges({ s: ['x', 'y', 'é'], d: ['y', 'z', '😀'] }, { src: 's', dst: 'd' }));
    const ctx = a.scope(() => gs.wcc(g));
    await ctx.execute();
    const key = name('labels');
    await a.persist(ctx, { name: key });
    await a.close();
    const c2 = (await b.getNamed(key)) as Context;
    expect(await b.run(b.scope(() => c2.toArray('r')))).toEqual(['x', 'x', 'x', 'é', 'é']);
    // b executes the context it got and persists it again (its projected graph is executed for it).
    await c2.execute({ session: b });
    const again = name('labels-again');
    await b.persist(c2, { name: again });
    const c3 = (await c.getNamed(again)) as Context;
    expect(await c.run(c.scope(() => c3.toArray('v.id')))).toEqual(['x', 'y', 'z', 'é', '😀']);
  });

  it('data stays data: a persisted array or table comes back as its value', async () => {
    const a = open('lazy');
    const b = open('lazy');
    const ctx = a.scope(() => gs.bfs(build(), 1));
    const arr = a.scope(() => ctx.toArray('r'));
    const tab = a.scope(() => ctx.toArrow({ id: 'v.id', depth: 'r' }));
    await a.run([arr, tab]);
    const [k1, k2] = [name('array'), name('table')];
    await a.persist(arr, { name: k1 });
    await a.persist(tab, { name: k2 });
    expect(values(await b.getNamed(k1))).toEqual([0, 1, 2, 3, Infinity]);
    expect(((await b.getNamed(k2)) as Table).numRows).toBe(5);
  });
});
