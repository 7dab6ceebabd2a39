/**
 * The graph apps as one driver kernel, `graph.app`: the algorithm's driver runs between steps and its
 * vertex-range steps go to every worker (see kernels/registry.ts); algorithms without a parallel form
 * (Dijkstra, k-core, degree centrality) are one whole-graph step (appSteps.ts), so they too run on a
 * worker and never on the driving thread. SSSP switches to
 * delta-stepping when there is more than one worker and the graph is big enough for it to pay.
 * Results are per-vertex columns in internal id order, with the kind that says how they convert and print.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import { EmptyGraphError, VertexNotFoundError } from '../../graph/errors.js';
import { bfsDriver } from '../../graph/bfs.js';
import { cdlpDriver } from '../../graph/cdlp.js';
import type { GraphCsr } from '../../graph/csr.js';
import type { DegreeType } from '../../graph/degreeCentrality.js';
import { deltaSteppingDriver } from '../../graph/deltaStepping.js';
import { hitsDriver } from '../../graph/hits.js';
import { lccDriver } from '../../graph/lcc.js';
import { pagerankDriver } from '../../graph/pagerank.js';
import type { OutSlots } from '../../graph/outSlots.js';
import type { Driver } from '../../graph/parallel.js';
import type { PullLayout } from '../../graph/pullLayout.js';
import type { OrderedPullLayout } from '../../graph/pullOrder.js';
import { type HubOrderValue, searchOptions, type SsspLayout } from '../../graph/ssspLayout.js';
import { outputFloat64, sharedFloat64, sharedInt32 } from '../../graph/shared.js';
import { trianglesDriver } from '../../graph/triangles.js';
import { wccDriver } from '../../graph/wcc.js';
import { wccArcsDriver } from '../../graph/wccArcs.js';
import { type DriverContext, registerDriver } from '../registry.js';
import { withInputInHubs } from './layouts.js';
import { withInputInCsr } from './project.js';
import { type ContextValue, internalIdOf, originalText, type ProjectedArcsValue, type ProjectedGraphValue, type ResultColumn } from './values.js';

export const APPS = ['sssp', 'bfs', 'pagerank', 'wcc', 'cdlp', 'lcc', 'k_core', 'triangles', 'degree_centrality', 'hits'] as const;
export type AppName = (typeof APPS)[number];

export interface AppParams {
  readonly algo: AppName;
  /** Original id of the source vertex (sssp, bfs); bigint ids travel as decimal text. */
  readonly source?: number | string;
  readonly sourceIsBigInt?: boolean;
  readonly damping?: number;
  readonly iterations?: number;
  readonly k?: number;
  readonly centralityType?: DegreeType;
  readonly tolerance?: number;
  readonly normalized?: boolean;
}

/**
 * Delta-stepping pays only with many threads: on the 16M-arc R-MAT, Dijkstra takes 0.62 s. Delta-stepping
 * run with its ranges timed one by one (the slowest range of each step plus the driver: a lower bound on
 * its parallel time, memory contention aside) takes 1.67 s on 1 range, 1.17 s on 2, 0.80 s on 4 and
 * 0.63 s on 8: every range scans the whole frontier's rows, and the driver's bucket work (0.25-0.32 s)
 * does not split (bench/graph/deltaStepping.ts). So it is chosen from 12 workers and 16M arcs.
 */
const DELTA_STEPPING_MIN_ARCS = 16_000_000;
const DELTA_STEPPING_MIN_PARTS = 12;
/** Average out-degree from which BFS splits its levels across workers (R-MAT: 16; grids: under 4). */
const BFS_SPLIT_MIN_DEGREE = 8;
/**
 * A BFS over fewer arcs (and vertices) runs alone on one worker: on R-MAT s16 (955K arcs, 65,536
 * vertices) the whole search takes 2-3 ms on one thread, and a second worker saves less than it costs
 * to wake it and meet it at every level (0.5-1 ms per wake-up on a small VM).
 */
const BFS_SOLO_MAX_ARCS = 2_000_000;
const BFS_SOLO_MAX_VERTICES = 262_144;
/** A BFS small enough to run alone. */
const soloBfs = (g: GraphCsr): boolean => g.out.m <= BFS_SOLO_MAX_ARCS && g.n <= BFS_SOLO_MAX_VERTICES;
/**
 * WCC on a CSR of fewer arcs runs alone too: its hook pass is a few ms there, and a helper met at the
 * hook and at the compress cost more than it took (warm R-MAT s16 through `toArray('r')`, 60 runs,
 * three alternations: 7.2-8.0 ms alone against 9.9-12.1 with both workers).
 */
const WCC_SOLO_MAX_ARCS = 2_000_000;

/**
 * Whether SSSP runs delta-stepping on `parts` workers (else Dijkstra, one whole-graph step). Its ranges
 * read sorted rows; a grouped graph is small anyway.
 */
function deltaStepping(g: GraphCsr, parts: number): boolean {
  return parts >= DELTA_STEPPING_MIN_PARTS && g.out.m >= DELTA_STEPPING_MIN_ARCS && !g.grouped;
}

function sourceOf(pg: ProjectedGraphValue, p: AppParams): number {
  const id = p.sourceIsBigInt ? BigInt(p.source as string) : p.source!;
  const v = internalIdOf(pg.ids, id);
  if (v < 0) throw new VertexNotFoundError(String(p.source), `the ${p.algo} source is not a vertex of '${pg.vertexLabel}'`);
  return v;
}

/**
 * PageRank splits each pull into this many ranges per gang member: claimed one by one, they keep every
 * member busy to the end of the step, where one range each left a helper idle while a slower member (a
 * cold, not yet optimised step on a session's first PageRank) finished its half, long enough for the
 * helper to leave the gang and the rest of the run to fall to the leader alone.
 */
const PULL_RANGES_PER_WORKER = 4;

const column = (kind: ResultColumn['kind'], values: Float64Array | Int32Array): ResultColumn => ({ kind, values });

/** A sequential algorithm as one step over the whole graph (so it runs on a worker), writing into `out`. */
function* whole<Out extends Float64Array | Int32Array>(step: string, graph: GraphCsr, out: Out, args: object): Driver<Out> {
  yield { step, args: { graph, out, ...args }, ranges: [[0, graph.n]] };
  return out;
}

/** The per-graph layout an app reads (inputs[1]): PageRank's pull layout, BFS's out-slots or SSSP's layout. */
type Layout = PullLayout | OrderedPullLayout | OutSlots | SsspLayout | undefined;

function* run(pg: ProjectedGraphValue, layout: Layout, hubs: HubOrderValue | undefined, p: AppParams, ctx: DriverContext): Driver<Record<string, ResultColumn>> {
  const g = pg.graph;
  const parts = ctx.parallelism;
  switch (p.algo) {
    case 'sssp': {
      const source = sourceOf(pg, p);
      const label = (v: number): string => originalText(pg.ids, v);
      if (deltaStepping(g, parts)) {
        return { r: column('float', yield* deltaSteppingDriver(g, source, { parts, label })) };
      }
      const options = searchOptions(layout as SsspLayout | undefined, hubs);
      return { r: column('float', yield* whole('app.sssp', g, outputFloat64(g.n), { source, ids: pg.ids, options })) };
    }
    case 'bfs': {
      // Sparse graphs (road networks, grids) have thousands of levels: one range then expands many
      // levels per step, where a split would pay a round trip per level (and one range is what the
      // out-slot layout serves). Dense ones (social graphs, R-MAT) have a handful of big levels, which
      // the workers share: split by vertex ranges, top-down and bottom-up, when there is an in-CSR and
      // sorted rows. Rows unsorted (a small directed graph's grouped projection, ops/graph/apps.ts), one
      // range expands the top-down levels: with an in-CSR the bottom-up steps are still split, and
      // without one it hands its big frontiers out in pieces (frontierParts).
      const dense = g.out.m >= BFS_SPLIT_MIN_DEGREE * g.n;
      const split = dense && g.in !== undefined && !g.grouped;
      const outSlots = layout as OutSlots | undefined;
      const options = {
        parts: split ? parts : 1,
        fillParts: parts,
        ...(dense && !split ? { frontierParts: parts, bottomUpParts: parts } : {}),
        ...(outSlots ? { outSlots } : {}),
      };
      return { r: column('depth', yield* bfsDriver(g, sourceOf(pg, p), options)) };
    }
    case 'pagerank':
      return {
        r: column('float', yield* pagerankDriver(g, { parts: PULL_RANGES_PER_WORKER * parts, ...(layout ? { layout: layout as PullLayout | OrderedPullLayout } : {}), ...(p.damping !== undefined ? { damping: p.damping } : {}), ...(p.iterations !== undefined ? { iterations: p.iterations } : {}) })),
      };
    case 'wcc':
      return { r: column('label', yield* wccDriver(g, { parts })) };
    case 'cdlp':
      return { r: column('label', yield* cdlpDriver(g, { parts, ...(p.iterations !== undefined ? { iterations: p.iterations } : {}) })) };
    case 'lcc':
      return { r: column('float', yield* lccDriver(g, { parts })) };
    case 'k_core':
      return { r: column('integer', yield* whole('app.kcore', g, sharedInt32(g.n), { k: p.k! })) };
    case 'triangles':
      return { r: column('integer', yield* trianglesDriver(g, { parts })) };
    case 'degree_centrality':
      return { r: column('float', yield* whole('app.degree', g, sharedFloat64(g.n), { type: p.centralityType ?? 'both' })) };
    case 'hits': {
      const h = yield* hitsDriver(g, {
        parts,
        ...(p.tolerance !== undefined ? { tolerance: p.tolerance } : {}),
        ...(p.iterations !== undefined ? { maxRound: p.iterations } : {}),
        ...(p.normalized !== undefined ? { normalized: p.normalized } : {}),
      });
      return { hub: column('float', h.hub), auth: column('float', h.auth) };
    }
  }
}

/** WCC on a projection's arc list (ops/graph/apps.ts gives one to a graph's first WCC): the only app that takes one. */
function* onArcs(pa: ProjectedArcsValue, p: AppParams, ctx: DriverContext): Driver<ContextValue> {
  if (p.algo !== 'wcc') throw new InvalidArgumentError(`${p.algo} reads a CSR; it was given the arc list of '${pa.vertexLabel}'/'${pa.edgeLabel}'.`);
  if (pa.arcs.n === 0) throw new EmptyGraphError(`${p.algo} on '${pa.vertexLabel}'/'${pa.edgeLabel}'`);
  return { kind: 'context', algo: p.algo, columns: { r: column('label', yield* wccArcsDriver(pa.arcs, { parts: ctx.parallelism })) } };
}

/**
 * How many workers a run wants (registry.ts): one for an app that runs as one whole-graph step (a helper
 * would only wait for the leader, then leave) and for a small BFS or WCC; every worker otherwise.
 */
function appMembers(inputs: readonly unknown[], p: AppParams, workers: number): number {
  const first = inputs[0] as ProjectedGraphValue | ProjectedArcsValue | undefined;
  if (first?.kind !== 'projected-graph') return workers;
  const g = first.graph;
  switch (p.algo) {
    case 'bfs':
      return soloBfs(g) ? 1 : workers;
    case 'wcc':
      return g.out.m <= WCC_SOLO_MAX_ARCS ? 1 : workers;
    case 'sssp':
      return deltaStepping(g, workers) ? workers : 1;
    case 'k_core':
    case 'degree_centrality':
      return 1;
    default:
      return workers;
  }
}

/**
 * Whether a run is small enough to run on the thread that schedules it (registry.ts `DriverInPlace`): a
 * BFS that runs alone anyway (`soloBfs`). Its search on R-MAT s16 is ~0.9 ms on one thread, and sending
 * it to a worker and its result back cost about as much again: warm through `toArray('r')`, 200 runs,
 * four alternations, the value fetched at 1.72-2.13 ms here against 2.04-2.34 on a worker.
 */
function appInPlace(inputs: readonly unknown[], p: AppParams): boolean {
  const first = inputs[0] as ProjectedGraphValue | ProjectedArcsValue | undefined;
  return p.algo === 'bfs' && first?.kind === 'projected-graph' && soloBfs(first.graph);
}

/** Inputs that go with the graph itself (its in-CSR, hub order, in-hubs), not the app's own layout. */
const GRAPH_PARTS: ReadonlySet<unknown> = new Set(['in-csr', 'hub-order', 'in-hubs']);

registerDriver('graph.app', function* (inputs, p: AppParams, ctx): Driver<ContextValue> {
  const first = inputs[0] as ProjectedGraphValue | ProjectedArcsValue;
  if (first.kind === 'projected-arcs') return yield* onArcs(first, p, ctx);
  const pg = withInputInHubs(withInputInCsr(first, inputs), inputs);
  if (pg.graph.n === 0) throw new EmptyGraphError(`${p.algo} on '${pg.vertexLabel}'/'${pg.edgeLabel}'`);
  const kind = (v: unknown): unknown => (v as { kind?: unknown } | undefined)?.kind;
  const layout = inputs.slice(1).find((v) => !GRAPH_PARTS.has(kind(v))) as Layout;
  const hubs = inputs.find((v) => kind(v) === 'hub-order') as HubOrderValue | undefined;
  const columns = yield* run(pg, layout, hubs, p, ctx);
  return { kind: 'context', algo: p.algo, columns };
}, { members: appMembers, inPlace: appInPlace });
