/**
 * Options objects of the graph API, tried from outside (issue 9 §6): an unknown key is an
 * UnknownOptionError naming it and the known keys; a string where a number belongs, or a number out of
 * GraphScope's range for that option, is an InvalidArgumentError naming the key, what it expects and
 * what it got — both when the op is built. The boundary values are accepted and run on both executors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graph as gs, InvalidArgumentError, type NdArray, newSession, type Session, UnknownOptionError } from '../../src/index.js';

const graph = () => gs.g().addEdges({ a: [0, 1, 2], b: [1, 2, 0], w: [1, 2, 3] }, { src: 'a', dst: 'b' });
const ctx = () => gs.wcc(graph());
/** Calls with options the types forbid, as JavaScript callers (or `as any`) pass them. */
const loose = (o: unknown) => o as never;

function thrown(build: () => unknown): Error & { code?: string; keys?: string[] } {
  try {
    build();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the build to throw');
}

describe('an unknown option is refused when the op is built, naming it and the known ones', () => {
  const cases: [string, () => unknown, string, string][] = [
    ['gs.pagerank', () => gs.pagerank(graph(), loose({ bogus: 1 })), 'bogus', 'delta, maxRound'],
    ['gs.pagerank (GraphScope spelling)', () => gs.pagerank(graph(), loose({ max_round: 20 })), 'max_round', 'delta, maxRound'],
    ['gs.sssp', () => gs.sssp(graph(), 0, loose({ weights: 'w' })), 'weights', 'weight'],
    ['gs.cdlp', () => gs.cdlp(graph(), loose({ rounds: 3 })), 'rounds', 'maxRound'],
    ['gs.kCore', () => gs.kCore(graph(), loose({ k: 2, K: 3 })), 'K', 'k'],
    ['gs.hits', () => gs.hits(graph(), loose({ tol: 0.1 })), 'tol', 'tolerance, maxRound, normalized'],
    ['gs.degreeCentrality', () => gs.degreeCentrality(graph(), loose({ type: 'in' })), 'type', 'centralityType'],
    ['gs.loadFrom', () => gs.loadFrom(loose({ edges: { a: [0], b: [1] }, directd: false })), 'directd', 'directed, oidType'],
    ['gs.g', () => gs.g(loose({ oid_type: 'string' })), 'oid_type', 'directed, oidType'],
    ['gs.fromGraphology', () => gs.fromGraphology({ forEachNode() {}, forEachEdge() {}, type: 'directed' }, loose({ oid: 'string' })), 'oid', 'oidType'],
    ['Graph.addVertices', () => graph().addVertices({ id: [9] }, loose({ labels: 'v' })), 'labels', 'label, id, properties'],
    ['Graph.addEdges', () => graph().addEdges({ a: [0], b: [1] }, loose({ source: 'a' })), 'source', 'srcLabel, dstLabel'],
    ['Graph.project', () => graph().project(loose({ vertices: { _: [] }, edges: { _: [] }, edge: {} })), 'spec.edge', 'spec.vertices, spec.edges'],
    ['Context.toArray', () => ctx().toArray('r', loose({ range: { begin: 0 } })), 'range', 'vertexRange'],
    ['Context.toArray vertexRange', () => ctx().toArray('r', loose({ vertexRange: { start: 0 } })), 'vertexRange.start', 'vertexRange.begin, vertexRange.end'],
    ['Context.toArrow', () => ctx().toArrow({ r: 'r' }, loose({ vertexrange: {} })), 'vertexrange', 'vertexRange'],
    ['Context.toDataFrame', () => ctx().toDataFrame({ r: 'r' }, loose({ index: true })), 'index', 'vertexRange'],
    ['Context.output', () => ctx().output('/tmp/never.txt', loose({ selectors: 'r' })), 'selectors', 'selector'],
  ];
  it.each(cases)('%s', (_name, build, key, known) => {
    const e = thrown(build);
    expect(e).toBeInstanceOf(UnknownOptionError);
    expect(e.code).toBe('UnknownOption');
    expect(e.keys).toEqual([key]);
    expect(e.message).toContain(`'${key}'`);
    expect(e.message).toContain(known);
  });

  it('fetch and toGraphology refuse unknown options too', async () => {
    const s = newSession({ mode: 'lazy', executor: 'local', default: false });
    try {
      const g = s.scope(graph);
      await s.run(g);
      await expect(g.fetch(loose({ sesion: s }))).rejects.toBeInstanceOf(UnknownOptionError);
      await expect(g.fetch(loose({ session: 'default' }))).rejects.toThrow(/Graph\.fetch\(options\): session must be a Session .*; got the string "default"/);
      await expect(gs.toGraphology(g, loose({ session: s, multi: true }))).rejects.toBeInstanceOf(UnknownOptionError);
    } finally {
      await s.close();
    }
  });
});

describe('a value of the wrong type or range is refused when the op is built, naming the key', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["pagerank maxRound '20'", () => gs.pagerank(graph(), loose({ maxRound: '20' })), /gs\.pagerank\(graph, options\): maxRound must be a non-negative integer; got the string "20"/],
    ['pagerank maxRound -1', () => gs.pagerank(graph(), { maxRound: -1 }), /maxRound must be a non-negative integer; got the number -1/],
    ['pagerank maxRound 2.5', () => gs.pagerank(graph(), { maxRound: 2.5 }), /maxRound must be a non-negative integer; got the number 2\.5/],
    ["pagerank delta 'x'", () => gs.pagerank(graph(), loose({ delta: 'x' })), /delta must be a number in \[0, 1\]; got the string "x"/],
    ["pagerank delta '0.85'", () => gs.pagerank(graph(), loose({ delta: '0.85' })), /delta must be a number in \[0, 1\]; got the string "0\.85"/],
    ['pagerank delta 1.5', () => gs.pagerank(graph(), { delta: 1.5 }), /delta must be a number in \[0, 1\]; got the number 1\.5/],
    ['pagerank delta NaN', () => gs.pagerank(graph(), { delta: NaN }), /delta must be a number in \[0, 1\]; got the number NaN/],
    ["cdlp maxRound '10'", () => gs.cdlp(graph(), loose({ maxRound: '10' })), /gs\.cdlp\(graph, options\): maxRound must be a non-negative integer/],
    ["kCore k '2'", () => gs.kCore(graph(), loose({ k: '2' })), /gs\.kCore\(graph, options\): k must be a non-negative integer; got the string "2"/],
    ['kCore without k', () => gs.kCore(graph(), loose({})), /gs\.kCore\(graph, options\): k is required/],
    ['kCore without options', () => (gs.kCore as (g: unknown) => unknown)(graph()), /gs\.kCore\(graph, options\): k is required/],
    ["hits tolerance '0.1'", () => gs.hits(graph(), loose({ tolerance: '0.1' })), /tolerance must be a positive finite number; got the string "0\.1"/],
    ['hits tolerance 0', () => gs.hits(graph(), { tolerance: 0 }), /tolerance must be a positive finite number; got the number 0/],
    ['hits maxRound 0', () => gs.hits(graph(), { maxRound: 0 }), /maxRound must be a positive integer; got the number 0/],
    ["hits normalized 'yes'", () => gs.hits(graph(), loose({ normalized: 'yes' })), /normalized must be true or false; got the string "yes"/],
    ["degreeCentrality 'all'", () => gs.degreeCentrality(graph(), loose({ centralityType: 'all' })), /centralityType must be one of 'in', 'out', 'both'; got the string "all"/],
    ['sssp weight 2', () => gs.sssp(graph(), 0, loose({ weight: 2 })), /gs\.sssp\(graph, source, options\): weight must be a non-empty string; got the number 2/],
    ["sssp source '4'", () => gs.sssp(graph(), loose('4')), /source must be an integer .*; got the string "4"/],
    ["loadFrom directed 'false'", () => gs.loadFrom(loose({ edges: { a: [0], b: [1] }, directed: 'false' })), /gs\.loadFrom\(options\): directed must be true or false; got the string "false"/],
    ["loadFrom oidType 'int32'", () => gs.loadFrom(loose({ edges: { a: [0], b: [1] }, oidType: 'int32' })), /oidType must be one of 'int64', 'string'/],
    ["loadFrom delimiter '::'", () => gs.loadFrom(loose({ edges: 'e.csv', delimiter: '::' })), /delimiter must be one character other than a double quote or a line break; got the string "::"/],
    ["loadFrom header 'no'", () => gs.loadFrom(loose({ edges: 'e.csv', header: 'no' })), /header must be true or false/],
    ['loadFrom src -1', () => gs.loadFrom(loose({ edges: { a: [0], b: [1] }, src: -1 })), /src must be a column name or a 0-based column index; got the number -1/],
    ["loadFrom edgeProperties 'w'", () => gs.loadFrom(loose({ edges: { a: [0], b: [1], w: [1] }, edgeProperties: 'w' })), /edgeProperties must be an array of column names or 0-based column indices; got the string "w"/],
    ['loadFrom ldbc 3', () => gs.loadFrom(loose({ ldbc: 3 })), /ldbc must be a non-empty string; got the number 3/],
    ['loadFrom ldbc with edges', () => gs.loadFrom(loose({ ldbc: 'dir', edges: 'e.csv', directed: false })), /an ldbc folder describes its own graph .*; it takes no edges, directed/],
    ['loadFrom without edges', () => gs.loadFrom(loose({ directed: false })), /gs\.loadFrom\(options\): edges are required/],
    ['g oidType 64', () => gs.g(loose({ oidType: 64 })), /gs\.g\(options\): oidType must be one of 'int64', 'string'; got the number 64/],
    ["addVertices label ''", () => graph().addVertices({ id: [9] }, { label: '' }), /Graph\.addVertices\(data, options\): label must be a non-empty string/],
    ['addVertices id 0.5', () => graph().addVertices({ id: [9] }, { id: 0.5 }), /id must be a column name or a 0-based column index; got the number 0\.5/],
    ['addEdges properties 5', () => graph().addEdges({ a: [0], b: [1] }, loose({ properties: 5 })), /properties must be an array of column names or 0-based column indices or an object of property name -> column name or index; got the number 5/],
    ['project vertices []', () => graph().project(loose({ vertices: ['_'], edges: { _: [] } })), /Graph\.project\(spec\): spec\.vertices must be an object of label -> \[property names\]/],
    ['project without edges', () => graph().project(loose({ vertices: { _: [] } })), /Graph\.project\(spec\): spec\.edges is required/],
    ['project properties as a string', () => graph().project(loose({ vertices: { _: [] }, edges: { _: 'w' } })), /spec\.edges must be an object of label -> \[property names\]/],
    ['output selector 1', () => ctx().output('/tmp/never.txt', loose({ selector: 1 })), /Context\.output\(path, options\): selector must be a non-empty string; got the number 1/],
    ['vertexRange as an array', () => ctx().toArray('r', loose({ vertexRange: [0, 2] })), /Context\.toArray\(selector, options\): vertexRange must be an object with keys among begin, end; got an array of 2/],
  ];
  it.each(cases)('%s', (_name, build, message) => {
    const e = thrown(build);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.code).toBe('InvalidArgument');
    expect(e.message).toMatch(message);
  });
});

describe.each(['local', 'threads'] as const)('the boundary values of each range run on the %s executor', (executor) => {
  let sess: Session;
  beforeAll(() => {
    sess = newSession({ mode: 'lazy', executor, ...(executor === 'threads' ? { workers: 2 } : {}), default: false });
  });
  afterAll(() => sess.close());
  const values = (a: unknown) => [...(a as NdArray).data];

  it('maxRound 0, delta 0 and 1, k 0, hits maxRound 1 are accepted and mean what they say', async () => {
    const g = sess.scope(() => gs.g().addEdges({ a: [0, 0, 1, 2], b: [1, 2, 2, 3] }, { src: 'a', dst: 'b' }));
    const [noRounds, noDamping, fullDamping, core0, hits1] = await sess.run(
      sess.scope(() => [
        gs.pagerank(g, { maxRound: 0 }).toArray('r'),
        gs.pagerank(g, { delta: 0, maxRound: 5 }).toArray('r'),
        gs.pagerank(g, { delta: 1, maxRound: 5 }).toArray('r'),
        gs.kCore(g, { k: 0 }).toArray('r'),
        gs.hits(g, { maxRound: 1, tolerance: 1e-9, normalized: false }).toArray('r.auth'),
      ]),
    );
    // 0 rounds: the initial 1/n; delta 0: only the teleport term (1 - 0) / n, whatever the rounds.
    expect(values(noRounds)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(values(noDamping)).toEqual([0.25, 0.25, 0.25, 0.25]);
    // delta 1: no teleport; the rank mass still sums to 1 (dangling mass is spread over every vertex).
    expect(values(fullDamping).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
    expect(values(core0)).toEqual([1, 1, 1, 1]);
    expect(values(hits1)).toHaveLength(4);
  });

  it('edgeProperties names a header-less file column by index (the weight of `src dst weight` lines)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-ep-'));
    try {
      const path = join(dir, 'e.txt');
      writeFileSync(path, '1 2 0.5\n2 3 1.5\n1 3 4\n');
      const g = sess.scope(() => gs.loadFrom({ edges: path, delimiter: ' ', header: false, edgeProperties: [2] }));
      expect(values(await sess.run(sess.scope(() => gs.sssp(g, 1).toArray('r'))))).toEqual([0, 0.5, 2]);
      expect(thrown(() => gs.loadFrom({ edges: path, delimiter: ' ', header: false, edgeProperties: loose([-1]) }))).toBeInstanceOf(InvalidArgumentError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
