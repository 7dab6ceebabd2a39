/**
 * What users pass to the graph API, tried from outside (issue 9 §6): every namespace function and
 * Graph/Context method given the wrong type of argument fails when the op is built — a typed error that
 * names the call, the argument and what it expects, never a bare TypeError from deep inside — and the
 * session runs the next graph as if nothing happened, on both executors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graph as gs, InvalidArgumentError, type NdArray, newSession, type Session } from '../../src/index.js';

type Build = () => unknown;
const graph = () => gs.g().addEdges({ a: [0, 1, 2], b: [1, 2, 0] }, { src: 'a', dst: 'b' });
const strings = () => gs.g({ oidType: 'string' }).addEdges({ a: ['x', 'y'], b: ['y', 'z'] }, { src: 'a', dst: 'b' });
const untyped = <F>(f: F) => f as unknown as (...args: unknown[]) => unknown;

/** The error `build` throws, which must be a typed InvalidArgument one. */
function refusal(build: Build): InvalidArgumentError {
  let thrown: unknown;
  try {
    build();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(InvalidArgumentError);
  expect((thrown as InvalidArgumentError).code).toBe('InvalidArgument');
  return thrown as InvalidArgumentError;
}

describe('an argument of the wrong type is a typed error naming it, when the op is built', () => {
  const cases: [string, Build, RegExp][] = [
    ['gs.loadFrom()', () => untyped(gs.loadFrom)(), /gs\.loadFrom\(options\): options are required/],
    ['gs.loadFrom(null)', () => untyped(gs.loadFrom)(null), /gs\.loadFrom\(options\): options must be an object .*; got null/],
    ['gs.loadFrom("e.csv")', () => untyped(gs.loadFrom)('e.csv'), /options must be an object .*; got the string "e\.csv"/],
    ['gs.g(null)', () => untyped(gs.g)(null), /gs\.g\(options\): options must be an object/],
    ['gs.wcc(null)', () => untyped(gs.wcc)(null), /gs\.wcc\(graph\): graph must be a Graph .*; got null/],
    ['gs.wcc(a context)', () => untyped(gs.wcc)(gs.wcc(graph())), /graph must be a Graph .*; got a Context/],
    ['gs.lcc({})', () => untyped(gs.lcc)({}), /gs\.lcc\(graph\): graph must be a Graph .*; got an object/],
    ['gs.triangles()', () => untyped(gs.triangles)(), /gs\.triangles\(graph\): graph must be a Graph .*; got undefined/],
    ['gs.pagerank(g, 20)', () => untyped(gs.pagerank)(graph(), 20), /gs\.pagerank\(graph, options\): options must be an object .*; got the number 20/],
    ['gs.cdlp(g, "10")', () => untyped(gs.cdlp)(graph(), '10'), /gs\.cdlp\(graph, options\): options must be an object/],
    ['gs.kCore(g, 2)', () => untyped(gs.kCore)(graph(), 2), /gs\.kCore\(graph, options\): options must be an object with keys among k; got the number 2/],
    ['gs.hits(g, [])', () => untyped(gs.hits)(graph(), []), /gs\.hits\(graph, options\): options must be an object .*; got an array of 0/],
    ['gs.degreeCentrality(g, "in")', () => untyped(gs.degreeCentrality)(graph(), 'in'), /gs\.degreeCentrality\(graph, options\): options must be an object/],
    ['gs.sssp(g)', () => untyped(gs.sssp)(graph()), /gs\.sssp\(graph, source, options\): .*source must be an integer .*; got undefined/],
    ['gs.sssp(g, 1.5)', () => untyped(gs.sssp)(graph(), 1.5), /source must be an integer .*; got the number 1\.5/],
    ['gs.sssp(g, 2 ** 60)', () => untyped(gs.sssp)(graph(), 2 ** 60), /source must be an integer \(a number up to 2\^53, a bigint/],
    ['gs.sssp(g, 2n ** 64n)', () => untyped(gs.sssp)(graph(), 2n ** 64n), /got the bigint 18446744073709551616n/],
    ['gs.sssp(g, 0, "dist")', () => untyped(gs.sssp)(graph(), 0, 'dist'), /gs\.sssp\(graph, source, options\): options must be an object with keys among weight/],
    ['gs.bfs(string graph, 1)', () => untyped(gs.bfs)(strings(), 1), /gs\.bfs\(graph, source\): the graph's ids are strings, so source must be a string; got the number 1/],
    ['gs.ldbcSpec()', () => untyped(gs.ldbcSpec)(), /gs\.ldbcSpec\(dir\): dir must be a folder path/],
    ['gs.fromGraphology(null)', () => untyped(gs.fromGraphology)(null), /gs\.fromGraphology\(graph, options\): graph must be a graphology graph .*; got null/],
    ['g.addVertices(data, 3)', () => untyped(graph().addVertices.bind(graph()))({ id: [0] }, 3), /Graph\.addVertices\(data, options\): options must be an object/],
    ['g.addEdges(data, "a")', () => untyped(graph().addEdges.bind(graph()))({ a: [0], b: [1] }, 'a'), /Graph\.addEdges\(data, options\): options must be an object/],
    ['g.addColumn(null, sel)', () => untyped(graph().addColumn.bind(graph()))(null, { c: 'r' }), /Graph\.addColumn\(ctx, selectors\): ctx must be a Context .*; got null/],
    ['ctx.toArray("r", null)', () => { const c = gs.wcc(graph()); return untyped(c.toArray.bind(c))('r', null); }, /Context\.toArray\(selector, options\): options must be an object .*; got null/],
    ['ctx.toArrow(sel, 1)', () => { const c = gs.wcc(graph()); return untyped(c.toArrow.bind(c))({ r: 'r' }, 1); }, /Context\.toArrow\(selectors, options\): options must be an object/],
    ['ctx.toDataFrame(sel, "x")', () => { const c = gs.wcc(graph()); return untyped(c.toDataFrame.bind(c))({ r: 'r' }, 'x'); }, /Context\.toDataFrame\(selectors, options\): options must be an object/],
    ['ctx.output(3)', () => { const c = gs.wcc(graph()); return untyped(c.output.bind(c))(3); }, /Context\.output\(path, options\): path must be a file path .*; got the number 3/],
    ['ctx.output(path, "r")', () => { const c = gs.wcc(graph()); return untyped(c.output.bind(c))('/tmp/x.txt', 'r'); }, /Context\.output\(path, options\): options must be an object with keys among selector/],
  ];
  it.each(cases)('%s', (_name, build, message) => {
    expect(refusal(build).message).toMatch(message);
  });

  it('fetch and toGraphology reject (not throw a TypeError) when their options are not an object', async () => {
    const s = newSession({ mode: 'lazy', executor: 'local', default: false });
    try {
      const g = s.scope(graph);
      await s.run(g);
      await expect(untyped(g.fetch.bind(g))(null)).rejects.toThrow(/Graph\.fetch\(options\): options must be an object .*; got null/);
      const r = s.scope(() => gs.wcc(g).toArray('r'));
      await s.run(r);
      await expect(untyped(r.fetch.bind(r))(5)).rejects.toThrow(/Result\.fetch\(options\): options must be an object .*; got the number 5/);
      await expect(untyped(gs.toGraphology)(gs.wcc(g))).rejects.toThrow(/gs\.toGraphology\(graph, options\): graph must be a Graph .*; got a Context/);
      await expect(untyped(gs.toGraphology)(g, 'now')).rejects.toBeInstanceOf(InvalidArgumentError);
    } finally {
      await s.close();
    }
  });
});

describe.each(['local', 'threads'] as const)('after a refused build on the %s executor', (executor) => {
  let sess: Session;
  beforeAll(() => {
    sess = newSession({ mode: 'eager', executor, ...(executor === 'threads' ? { workers: 2 } : {}), default: false });
  });
  afterAll(() => sess.close());

  it('the eager session runs the next app on the same graph', async () => {
    const g = sess.scope(graph);
    expect(() => sess.scope(() => untyped(gs.wcc)(null))).toThrow(InvalidArgumentError);
    expect(() => sess.scope(() => untyped(gs.pagerank)(g, 20))).toThrow(InvalidArgumentError);
    expect(() => sess.scope(() => untyped(gs.sssp)(g, '0'))).toThrow(InvalidArgumentError);
    const ranks = (await sess.scope(() => gs.pagerank(g, { maxRound: 3 }).toArray('r')).fetch()) as NdArray;
    expect([...ranks.data]).toEqual([1 / 3, 1 / 3, 1 / 3].map((x) => expect.closeTo(x, 12)));
  });
});
