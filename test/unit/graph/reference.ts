/**
 * Simple, obviously correct implementations of every graph algorithm, straight from the definitions
 * (Graphalytics README §4, GraphScope for the others), over plain arrays, Maps and Sets. They are slow
 * on purpose: no CSR, no heaps, no ranges. The property tests compare the library against them.
 */

export interface RefEdge {
  readonly u: number;
  readonly v: number;
  readonly w: number;
}

export interface RefGraph {
  readonly n: number;
  readonly directed: boolean;
  /** Arcs after the CSR build's documented rules: undirected edges doubled, duplicates merged or kept. */
  readonly arcs: readonly RefEdge[];
}

export interface RefBuildOptions {
  readonly duplicates: 'merge' | 'keep';
  readonly selfLoops: 'keep' | 'drop';
}

/** The arc multiset the CSR builder documents for these edges and options. */
export function refGraph(n: number, directed: boolean, edges: readonly RefEdge[], options: RefBuildOptions): RefGraph {
  let arcs: RefEdge[] = [];
  for (const e of edges) {
    if (e.u === e.v && options.selfLoops === 'drop') continue;
    arcs.push(e);
    if (!directed && e.u !== e.v) arcs.push({ u: e.v, v: e.u, w: e.w });
  }
  if (options.duplicates === 'merge') {
    const best = new Map<string, RefEdge>();
    for (const a of arcs) {
      const key = `${a.u},${a.v}`;
      const old = best.get(key);
      if (!old || a.w < old.w) best.set(key, a);
    }
    arcs = [...best.values()];
  }
  return { n, directed, arcs };
}

const outArcs = (g: RefGraph, u: number): RefEdge[] => g.arcs.filter((a) => a.u === u);
const inArcs = (g: RefGraph, v: number): RefEdge[] => g.arcs.filter((a) => a.v === v);

/** Hop depth along arcs; -1 when unreached. */
export function refBfs(g: RefGraph, source: number): number[] {
  const depth = new Array<number>(g.n).fill(-1);
  depth[source] = 0;
  let frontier = [source];
  for (let level = 1; frontier.length > 0; level++) {
    const next: number[] = [];
    for (const u of frontier) {
      for (const a of outArcs(g, u)) {
        if (depth[a.v] === -1) {
          depth[a.v] = level;
          next.push(a.v);
        }
      }
    }
    frontier = next;
  }
  return depth;
}

/** Bellman-Ford: n rounds of relaxing every arc. */
export function refSssp(g: RefGraph, source: number, unweighted = false): number[] {
  const dist = new Array<number>(g.n).fill(Infinity);
  dist[source] = 0;
  for (let round = 0; round < g.n; round++) {
    for (const a of g.arcs) {
      const nd = dist[a.u]! + (unweighted ? 1 : a.w);
      if (nd < dist[a.v]!) dist[a.v] = nd;
    }
  }
  return dist;
}

/** Graphalytics PageRank, arcs counted with multiplicity. */
export function refPagerank(g: RefGraph, damping: number, iterations: number): number[] {
  const { n } = g;
  const outDegree = Array.from({ length: n }, (_, u) => outArcs(g, u).length);
  let pr = new Array<number>(n).fill(1 / n);
  for (let i = 0; i < iterations; i++) {
    let sinkMass = 0;
    for (let w = 0; w < n; w++) if (outDegree[w] === 0) sinkMass += pr[w]!;
    const next = new Array<number>(n).fill(0);
    for (let v = 0; v < n; v++) {
      let sum = 0;
      for (const a of inArcs(g, v)) sum += pr[a.u]! / outDegree[a.u]!;
      next[v] = (1 - damping) / n + damping * sum + (damping / n) * sinkMass;
    }
    pr = next;
  }
  return pr;
}

/** Component label = smallest vertex of the weakly connected component. */
export function refWcc(g: RefGraph): number[] {
  const label = Array.from({ length: g.n }, (_, v) => v);
  let changed = true;
  while (changed) {
    changed = false;
    for (const a of g.arcs) {
      const m = Math.min(label[a.u]!, label[a.v]!);
      if (label[a.u] !== m || label[a.v] !== m) {
        label[a.u] = m;
        label[a.v] = m;
        changed = true;
      }
    }
  }
  return label;
}

/** Graphalytics CDLP: in + out neighbour labels with multiplicity (undirected: each neighbour once). */
export function refCdlp(g: RefGraph, iterations: number): number[] {
  let labels = Array.from({ length: g.n }, (_, v) => v);
  for (let i = 0; i < iterations; i++) {
    const next = labels.slice();
    for (let v = 0; v < g.n; v++) {
      const counts = new Map<number, number>();
      const neighbours = g.directed
        ? [...inArcs(g, v).map((a) => a.u), ...outArcs(g, v).map((a) => a.v)]
        : outArcs(g, v).map((a) => a.v);
      for (const u of neighbours) counts.set(labels[u]!, (counts.get(labels[u]!) ?? 0) + 1);
      let best = labels[v]!;
      let bestCount = 0;
      for (const [label, c] of counts) {
        if (c > bestCount || (c === bestCount && label < best)) {
          best = label;
          bestCount = c;
        }
      }
      next[v] = best;
    }
    labels = next;
  }
  return labels;
}

/** N(v) = in ∪ out neighbours, without v. */
export function refNeighbours(g: RefGraph, v: number): Set<number> {
  const set = new Set<number>();
  for (const a of g.arcs) {
    if (a.u === v && a.v !== v) set.add(a.v);
    if (a.v === v && a.u !== v) set.add(a.u);
  }
  return set;
}

function hasArc(g: RefGraph, u: number, w: number): boolean {
  return g.arcs.some((a) => a.u === u && a.v === w);
}

/** Graphalytics LCC: arcs u -> w (as a set) between neighbours over d (d - 1). */
export function refLcc(g: RefGraph): number[] {
  return Array.from({ length: g.n }, (_, v) => {
    const nv = [...refNeighbours(g, v)];
    const d = nv.length;
    if (d <= 1) return 0;
    let arcs = 0;
    for (const u of nv) for (const w of nv) if (u !== w && hasArc(g, u, w)) arcs++;
    return arcs / (d * (d - 1));
  });
}

export function refTriangles(g: RefGraph): number[] {
  const nb = Array.from({ length: g.n }, (_, v) => refNeighbours(g, v));
  return Array.from({ length: g.n }, (_, v) => {
    const list = [...nb[v]!];
    let count = 0;
    for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) if (nb[list[i]!]!.has(list[j]!)) count++;
    return count;
  });
}

/** Core numbers by repeated peeling: the k-core is what survives removing vertices of degree < k. */
export function refCoreNumbers(g: RefGraph): number[] {
  const nb = Array.from({ length: g.n }, (_, v) => refNeighbours(g, v));
  const core = new Array<number>(g.n).fill(0);
  for (let k = 1; ; k++) {
    const alive = new Set(Array.from({ length: g.n }, (_, v) => v));
    let removed = true;
    while (removed) {
      removed = false;
      for (const v of alive) {
        let degree = 0;
        for (const u of nb[v]!) if (alive.has(u)) degree++;
        if (degree < k) {
          alive.delete(v);
          removed = true;
        }
      }
    }
    if (alive.size === 0) return core;
    for (const v of alive) core[v] = k;
  }
}

export function refDegreeCentrality(g: RefGraph, type: 'in' | 'out' | 'both'): number[] {
  return Array.from({ length: g.n }, (_, v) => {
    if (g.n <= 1) return 1;
    const out = outArcs(g, v).length;
    const inn = inArcs(g, v).length;
    const degree = !g.directed || type === 'out' ? out : type === 'in' ? inn : out + inn;
    return degree / (g.n - 1);
  });
}

/** GraphScope HITS, written as the power iteration in its plainest form. */
export function refHits(g: RefGraph, tolerance: number, maxRound: number, normalized: boolean): { hub: number[]; auth: number[] } {
  const { n } = g;
  // Listed once, not per round: the session test runs this on a few thousand vertices.
  const ins = Array.from({ length: n }, (_, v) => inArcs(g, v));
  const outs = Array.from({ length: n }, (_, v) => outArcs(g, v));
  let hub = new Array<number>(n).fill(1 / n);
  let auth = new Array<number>(n).fill(0);
  for (let round = 1; ; round++) {
    const last = hub;
    auth = Array.from({ length: n }, (_, v) => ins[v]!.reduce((s, a) => s + last[a.u]!, 0));
    hub = Array.from({ length: n }, (_, v) => outs[v]!.reduce((s, a) => s + auth[a.v]!, 0));
    const hubMax = Math.max(0, ...hub);
    const authMax = Math.max(0, ...auth);
    if (hubMax > 0) hub = hub.map((h) => h / hubMax);
    if (authMax > 0) auth = auth.map((a) => a / authMax);
    const change = hub.reduce((s, h, v) => s + Math.abs(h - last[v]!), 0);
    if (change <= tolerance || round >= maxRound) break;
  }
  if (normalized) {
    const hubSum = hub.reduce((s, h) => s + h, 0);
    const authSum = auth.reduce((s, a) => s + a, 0);
    if (hubSum > 0) hub = hub.map((h) => h / hubSum);
    if (authSum > 0) auth = auth.map((a) => a / authSum);
  }
  return { hub, auth };
}
