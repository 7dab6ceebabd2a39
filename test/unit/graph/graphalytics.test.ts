/**
 * Every algorithm on every LDBC Graphalytics validation graph. The six core algorithms are checked
 * against the reference outputs with the Graphalytics rules (README §5.1), with the parameters of each
 * graph's .properties file; every other algorithm (and the core ones on graphs without a reference
 * output) is checked against the reference implementations under the same rules.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BFS_UNREACHED, BFS_UNREACHED_TEXT, bfs } from '../../../src/graph/bfs.js';
import { cdlp } from '../../../src/graph/cdlp.js';
import { degreeCentrality } from '../../../src/graph/degreeCentrality.js';
import { deltaStepping } from '../../../src/graph/deltaStepping.js';
import { hits } from '../../../src/graph/hits.js';
import { coreNumbers } from '../../../src/graph/kcore.js';
import { lcc } from '../../../src/graph/lcc.js';
import { type LdbcGraph, loadLdbc } from '../../../src/graph/ldbc.js';
import { type AlgorithmOutput, formatGraphalytics } from '../../../src/graph/output.js';
import { pagerank } from '../../../src/graph/pagerank.js';
import { sssp } from '../../../src/graph/sssp.js';
import { triangles } from '../../../src/graph/triangles.js';
import { type GraphalyticsAlgorithm, MATCH_RULES, type MatchRule, validateGraphalytics } from '../../../src/graph/validate.js';
import { wcc } from '../../../src/graph/wcc.js';
import { closeTo } from './helpers.js';
import {
  type RefGraph,
  refBfs,
  refCdlp,
  refCoreNumbers,
  refDegreeCentrality,
  refHits,
  refLcc,
  refPagerank,
  refSssp,
  refTriangles,
  refWcc,
} from './reference.js';

const root = new URL('../../data/graphalytics/', import.meta.url);
const graphNames = readdirSync(root).filter((d) => existsSync(new URL(`${d}/${d}.properties`, root)));

function load(name: string): LdbcGraph {
  const dir = new URL(`${name}/`, root);
  const read = (f: string): Buffer => readFileSync(new URL(f, dir));
  const propertiesFile = `${name}.properties`;
  const text = read(propertiesFile).toString('utf8');
  const spec = /vertex-file\s*=\s*(\S+)/.exec(text)!;
  const edges = /edge-file\s*=\s*(\S+)/.exec(text)!;
  return loadLdbc(
    { file: propertiesFile, content: text },
    { file: spec[1]!, content: read(spec[1]!) },
    { file: edges[1]!, content: read(edges[1]!) },
  );
}

/** The reference implementations see the same arcs the CSR holds. */
function refOf(g: LdbcGraph): RefGraph {
  const { out } = g.graph;
  const arcs = [];
  for (let u = 0; u < out.n; u++) {
    for (let e = out.offsets[u]!; e < out.offsets[u + 1]!; e++) arcs.push({ u, v: out.targets[e]!, w: out.weights?.[e] ?? 1 });
  }
  return { n: out.n, directed: g.graph.directed, arcs };
}

/** Graphalytics output text of each core algorithm, with the parameters of the .properties file. */
function coreOutputs(g: LdbcGraph): Record<GraphalyticsAlgorithm, AlgorithmOutput> {
  const { spec, ids, graph } = g;
  const bfsSource = ids.require(spec.bfs?.source ?? ids.originalId(0), 'BFS source');
  const ssspSource = ids.require(spec.sssp?.source ?? ids.originalId(0), 'SSSP source');
  return {
    BFS: { kind: 'depth', values: bfs(graph, bfsSource) },
    CDLP: { kind: 'label', values: cdlp(graph, { iterations: spec.cdlp?.maxIterations ?? 10 }) },
    WCC: { kind: 'label', values: wcc(graph) },
    PR: {
      kind: 'float',
      values: pagerank(graph, { damping: spec.pr?.dampingFactor ?? Math.fround(0.85), iterations: spec.pr?.iterations ?? 10 }),
    },
    LCC: { kind: 'float', values: lcc(graph) },
    SSSP: { kind: 'float', values: sssp(graph, ssspSource) },
  };
}

function expectValid(expected: string, actual: string, rule: MatchRule): void {
  const report = validateGraphalytics(expected, actual, rule);
  expect(report.problems).toEqual([]);
  expect(report.violations).toEqual([]);
  expect(report.ok).toBe(true);
}

function text(g: LdbcGraph, values: ArrayLike<number>, kind: AlgorithmOutput['kind']): string {
  return formatGraphalytics(g.ids, { kind, values: Float64Array.from(values) } as AlgorithmOutput);
}

describe.each(graphNames)('Graphalytics graph %s', (name) => {
  const g = load(name);
  const ref = refOf(g);
  const outputs = coreOutputs(g);

  it.each(Object.keys(MATCH_RULES) as GraphalyticsAlgorithm[])('%s passes the Graphalytics rules', (algorithm) => {
    const actual = formatGraphalytics(g.ids, outputs[algorithm]);
    const expectedFile = new URL(`${name}/${name}-${algorithm}`, root);
    if (existsSync(expectedFile)) {
      const expected = readFileSync(expectedFile, 'utf8');
      expectValid(expected, actual, MATCH_RULES[algorithm]);
      if (algorithm === 'BFS' || algorithm === 'CDLP' || algorithm === 'WCC') {
        // Min-id labels and exact depths: the files match line for line, unreachable text included.
        expect(actual.trim().split('\n')).toEqual(expected.trim().split('\n'));
      }
      return;
    }
    const { spec, ids } = g;
    const source = (id: Parameters<typeof ids.require>[0] | undefined) => ids.require(id ?? ids.originalId(0), 'source');
    const expected: Record<GraphalyticsAlgorithm, () => string> = {
      BFS: () => text(g, refBfs(ref, source(spec.bfs?.source)).map((d) => (d < 0 ? BFS_UNREACHED : d)), 'depth'),
      CDLP: () => text(g, refCdlp(ref, spec.cdlp?.maxIterations ?? 10), 'label'),
      WCC: () => text(g, refWcc(ref), 'label'),
      PR: () => text(g, refPagerank(ref, spec.pr?.dampingFactor ?? Math.fround(0.85), spec.pr?.iterations ?? 10), 'float'),
      LCC: () => text(g, refLcc(ref), 'float'),
      SSSP: () => text(g, refSssp(ref, source(spec.sssp?.source)), 'float'),
    };
    expectValid(expected[algorithm](), actual, MATCH_RULES[algorithm]);
  });

  it('prints unreachable BFS depths and SSSP distances exactly as Graphalytics does', () => {
    const bfsText = formatGraphalytics(g.ids, outputs.BFS);
    const unreached = [...outputs.BFS.values].filter((d) => d === BFS_UNREACHED).length;
    expect(bfsText.split('\n').filter((l) => l.endsWith(` ${BFS_UNREACHED_TEXT}`))).toHaveLength(unreached);
    const ssspText = formatGraphalytics(g.ids, outputs.SSSP);
    const infinite = [...outputs.SSSP.values].filter((d) => d === Infinity).length;
    expect(ssspText.split('\n').filter((l) => l.endsWith(' infinity'))).toHaveLength(infinite);
    expect(ssspText).not.toMatch(/Infinity/);
  });

  it('delta-stepping, triangles, core numbers, degree centrality and HITS match the references', () => {
    const source = g.ids.require(g.spec.sssp?.source ?? g.spec.bfs?.source ?? g.ids.originalId(0), 'source');
    expectValid(
      text(g, refSssp(ref, source), 'float'),
      text(g, deltaStepping(g.graph, source), 'float'),
      'epsilon',
    );
    expectValid(text(g, refTriangles(ref), 'integer'), text(g, triangles(g.graph), 'integer'), 'exact');
    expectValid(text(g, refCoreNumbers(ref), 'integer'), text(g, coreNumbers(g.graph), 'integer'), 'exact');
    for (const type of ['in', 'out', 'both'] as const) {
      expect(closeTo(degreeCentrality(g.graph, type), refDegreeCentrality(ref, type), 1e-15)).toBe(true);
    }
    const h = hits(g.graph);
    const r = refHits(ref, 0.01, 100, true);
    expectValid(text(g, r.hub, 'float'), text(g, h.hub, 'float'), 'epsilon');
    expectValid(text(g, r.auth, 'float'), text(g, h.auth, 'float'), 'epsilon');
  });
});

describe('the PageRank damping factor', () => {
  it('is read as a Java float, which test-pr-undirected needs to match to the last bits', () => {
    const g = load('test-pr-undirected');
    expect(g.spec.pr?.dampingFactor).toBe(0.8500000238418579);
    const expected = readFileSync(new URL('test-pr-undirected/test-pr-undirected-PR', root), 'utf8');
    const withFloat = formatGraphalytics(g.ids, coreOutputs(g).PR);
    expect(validateGraphalytics(expected, withFloat, 'epsilon').maxRelativeError).toBeLessThan(1e-12);
    const double = pagerank(g.graph, { damping: 0.85, iterations: g.spec.pr!.iterations });
    const withDouble = formatGraphalytics(g.ids, { kind: 'float', values: double });
    expect(validateGraphalytics(expected, withDouble, 'epsilon').maxRelativeError).toBeGreaterThan(1e-9);
  });
});
