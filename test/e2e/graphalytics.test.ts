/**
 * The LDBC Graphalytics validation set through the public API: every graph folder loaded with
 * `gs.loadFrom({ldbc})`, every core algorithm run as an app in a session (lazily on the thread pool,
 * so the apps' steps run across workers; and once eagerly on the local executor), written with
 * `ctx.output(path)` in the Graphalytics format, and judged against the reference output with the
 * Graphalytics rules (exact for BFS and CDLP, equivalence for WCC, relative 1e-4 for PR, LCC, SSSP).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Context, graph as gs, newSession, type Session } from '../../src/index.js';
import { type GraphalyticsAlgorithm, MATCH_RULES, validateGraphalytics } from '../../src/graph/validate.js';

const root = new URL('../data/graphalytics/', import.meta.url);
const graphs = readdirSync(root).filter((d) => existsSync(new URL(`${d}/${d}.properties`, root)));
const ALGOS: readonly GraphalyticsAlgorithm[] = ['BFS', 'CDLP', 'WCC', 'PR', 'LCC', 'SSSP'];

function appFor(algo: GraphalyticsAlgorithm, dir: string): Context {
  const g = gs.loadFrom({ ldbc: dir });
  const spec = gs.ldbcSpec(dir);
  switch (algo) {
    case 'BFS':
      return gs.bfs(g, spec.bfs!.source as number);
    case 'CDLP':
      return gs.cdlp(g, { maxRound: spec.cdlp!.maxIterations });
    case 'WCC':
      return gs.wcc(g);
    case 'PR':
      return gs.pagerank(g, { delta: spec.pr!.dampingFactor, maxRound: spec.pr!.iterations });
    case 'LCC':
      return gs.lcc(g);
    case 'SSSP':
      return gs.sssp(g, spec.sssp!.source as number, { weight: spec.sssp!.weightProperty });
  }
}

const cases = graphs.flatMap((name) =>
  ALGOS.filter((a) => existsSync(new URL(`${name}/${name}-${a}`, root))).map((a) => [name, a] as const),
);

let out: string;
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'tessera-graphalytics-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('Graphalytics through the API, lazily on the thread pool', () => {
  let sess: Session;
  beforeAll(() => {
    sess = newSession({ mode: 'lazy', workers: 2, default: false });
  });
  afterAll(() => sess.close());

  it('covers every graph and every reference output', () => {
    expect(graphs.length).toBe(14);
    expect(cases.length).toBe(24);
  });

  it.each(cases)('%s %s', async (name, algo) => {
    const dir = join(root.pathname, name);
    const path = join(out, `${name}-${algo}.lazy`);
    await sess.run(sess.scope(() => appFor(algo, dir)).output(path));
    const expected = readFileSync(new URL(`${name}/${name}-${algo}`, root), 'utf8');
    const report = validateGraphalytics(expected, readFileSync(path, 'utf8'), MATCH_RULES[algo]);
    expect(report.problems).toEqual([]);
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
  });
});

describe('Graphalytics through the API, eagerly on the local executor', () => {
  let sess: Session;
  beforeAll(() => {
    sess = newSession({ mode: 'eager', executor: 'local', default: false });
  });
  afterAll(() => sess.close());

  it.each(cases.filter(([name]) => name.startsWith('example')))('%s %s', async (name, algo) => {
    const dir = join(root.pathname, name);
    const path = join(out, `${name}-${algo}.eager`);
    const written = await sess.scope(() => appFor(algo, dir).output(path)).fetch();
    expect(written).toEqual({ path, lines: readFileSync(new URL(`${name}/${name}.v`, root), 'utf8').trim().split('\n').length });
    const expected = readFileSync(new URL(`${name}/${name}-${algo}`, root), 'utf8');
    expect(validateGraphalytics(expected, readFileSync(path, 'utf8'), MATCH_RULES[algo]).ok).toBe(true);
  });

  it('prints unreachable BFS depths and SSSP distances as Graphalytics does', async () => {
    const dir = join(root.pathname, 'example-directed');
    const bfsPath = join(out, 'bfs-text');
    const ssspPath = join(out, 'sssp-text');
    await sess.scope(() => appFor('BFS', dir).output(bfsPath)).fetch();
    await sess.scope(() => appFor('SSSP', dir).output(ssspPath)).fetch();
    expect(readFileSync(bfsPath, 'utf8')).toContain('2 9223372036854775807\n');
    expect(readFileSync(ssspPath, 'utf8')).toContain('2 infinity\n');
  });
});

/**
 * The graphs given as columns: a small graph whose size is known when it is built runs SSSP, WCC and
 * (directed) BFS and PageRank on a grouped projection — rows unsorted, parallel arcs kept — BFS without
 * the in-CSR, top-down, and PageRank on the merged graph's in-arcs; the outputs must match the
 * references just the same.
 */
describe('Graphalytics SSSP, WCC, BFS and PageRank of graphs loaded from columns', () => {
  let sess: Session;
  beforeAll(() => {
    sess = newSession({ mode: 'lazy', workers: 2, default: false });
  });
  afterAll(() => sess.close());

  const lines = (name: string, ext: string): number[][] =>
    readFileSync(new URL(`${name}/${name}.${ext}`, root), 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));

  it.each(cases.filter(([, algo]) => algo === 'BFS' || algo === 'SSSP' || algo === 'WCC' || algo === 'PR'))('%s %s', async (name, algo) => {
    const spec = gs.ldbcSpec(join(root.pathname, name));
    const edges = lines(name, 'e');
    const g = gs.loadFrom({
      vertices: { id: Int32Array.from(lines(name, 'v'), (l) => l[0]!) },
      edges: { src: Int32Array.from(edges, (e) => e[0]!), dst: Int32Array.from(edges, (e) => e[1]!), ...(algo === 'SSSP' ? { weight: Float64Array.from(edges, (e) => e[2]!) } : {}) },
      directed: spec.directed,
    });
    const app = (): Context =>
      algo === 'BFS'
        ? gs.bfs(g, spec.bfs!.source as number)
        : algo === 'SSSP'
          ? gs.sssp(g, spec.sssp!.source as number)
          : algo === 'PR'
            ? gs.pagerank(g, { delta: spec.pr!.dampingFactor, maxRound: spec.pr!.iterations })
            : gs.wcc(g);
    const path = join(out, `${name}-${algo}.columns`);
    await sess.run(sess.scope(app).output(path));
    const expected = readFileSync(new URL(`${name}/${name}-${algo}`, root), 'utf8');
    expect(validateGraphalytics(expected, readFileSync(path, 'utf8'), MATCH_RULES[algo]).ok).toBe(true);
  });
});
