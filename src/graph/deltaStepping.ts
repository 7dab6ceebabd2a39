/**
 * Delta-stepping SSSP (Meyer and Sanders): the variant of `sssp` that splits across workers. Tentative
 * distances are grouped into buckets of width delta; the lowest non-empty bucket is settled in phases
 * that relax the light arcs (weight <= delta) of its vertices until no vertex re-enters it, then one
 * phase relaxes their heavy arcs. Same results as Dijkstra (both compute exact shortest paths; sums may
 * differ in the last bit when two paths tie in exact arithmetic but not in floating point).
 *
 * A relax step is owner-computes: the step for [lo, hi) scans every frontier vertex but only the part
 * of its (sorted) row that lands in [lo, hi), so it alone writes dist[] for those vertices, and it lists
 * the vertices it improved at next[lo ..] (deduplicated with a per-phase stamp, also in its range). The
 * frontier's own distances are copied before each phase, so no step reads a distance another step may
 * be writing. The driver keeps the buckets (plain lists; every improvement passes through it once).
 */
import { InvalidArgumentError } from '../base/errors.js';
import { checkSource } from './bfs.js';
import type { GraphCsr } from './csr.js';
import { firstArcFrom } from './csr.js';
import { type Driver, type StepResult, type StepTable, runDriver, splitRange } from './parallel.js';
import { type Offsets, sharedFloat64, sharedInt32 } from './shared.js';
import { type SsspOptions, checkWeights } from './sssp.js';
import { bucketWidth } from './ssspQueue.js';

export interface DeltaSteppingOptions extends SsspOptions {
  /** Bucket width; default: the largest weight over the average out-degree. */
  readonly delta?: number;
  readonly parts?: number;
}

export interface RelaxArgs {
  readonly offsets: Offsets;
  readonly targets: Int32Array;
  readonly weights: Float64Array | undefined;
  readonly dist: Float64Array;
  readonly frontier: Int32Array;
  readonly frontierDist: Float64Array;
  readonly frontierSize: number;
  readonly delta: number;
  /** Relax arcs of weight <= delta (light) or > delta (heavy). */
  readonly light: boolean;
  readonly next: Int32Array;
  readonly stamp: Int32Array;
  readonly phase: number;
}

/** Relaxes the frontier's light or heavy arcs into [lo, hi). Returns [vertices improved]. */
export function deltaRelaxStep(args: RelaxArgs, lo: number, hi: number): StepResult {
  const { offsets, targets, weights, dist, frontier, frontierDist, frontierSize, delta, light, next, stamp, phase } =
    args;
  let count = 0;
  for (let i = 0; i < frontierSize; i++) {
    const u = frontier[i]!;
    const du = frontierDist[i]!;
    const end = offsets[u + 1]!;
    for (let e = firstArcFrom(targets, offsets[u]!, end, lo); e < end; e++) {
      const t = targets[e]!;
      if (t >= hi) break;
      const w = weights ? weights[e]! : 1;
      if (w <= delta !== light) continue;
      const nd = du + w;
      if (nd < dist[t]!) {
        dist[t] = nd;
        if (stamp[t] !== phase) {
          stamp[t] = phase;
          next[lo + count++] = t;
        }
      }
    }
  }
  return [count];
}

export const DELTA_STEPPING_STEPS: StepTable = { 'sssp.relax': deltaRelaxStep };

/** Pending vertices per bucket index, and the indices in increasing order (a small binary heap). */
class Buckets {
  readonly #lists = new Map<number, number[]>();
  readonly #heap: number[] = [];

  add(bucket: number, v: number): void {
    let list = this.#lists.get(bucket);
    if (!list) {
      list = [];
      this.#lists.set(bucket, list);
      const heap = this.#heap;
      let i = heap.push(bucket) - 1;
      while (i > 0 && heap[(i - 1) >> 1]! > bucket) {
        heap[i] = heap[(i - 1) >> 1]!;
        i = (i - 1) >> 1;
      }
      heap[i] = bucket;
    }
    list.push(v);
  }

  /** Removes and returns the lowest bucket, or undefined when all are empty. */
  takeLowest(): { bucket: number; vertices: number[] } | undefined {
    const heap = this.#heap;
    if (heap.length === 0) return undefined;
    const bucket = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= heap.length) break;
        if (c + 1 < heap.length && heap[c + 1]! < heap[c]!) c++;
        if (heap[c]! >= last) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    const vertices = this.#lists.get(bucket)!;
    this.#lists.delete(bucket);
    return { bucket, vertices };
  }
}

/** The delta-stepping driver. Yields the distance of every vertex (Infinity when unreachable). */
export function* deltaSteppingDriver(
  g: GraphCsr,
  source: number,
  options: DeltaSteppingOptions = {},
): Driver<Float64Array> {
  const { n, out } = g;
  checkSource(n, source, 'SSSP source');
  const maxWeight = checkWeights(out, options.label ?? String);
  // By default the widest arc over the mean out-degree, as the sequential search's buckets (1 where that underflows).
  const delta = options.delta ?? bucketWidth(maxWeight, n, out.m, 1);
  if (!(delta > 0) || delta === Infinity) {
    throw new InvalidArgumentError(`delta must be a positive number, got ${delta}`);
  }
  // A vertex's bucket is its distance over delta: where that overflows, the vertex's bucket is Infinity
  // and it was reported unreachable (weights of 1e300 with delta 1e-300). The default keeps it below the
  // number of arcs.
  const farthest = maxWeight * Math.max(1, n - 1);
  if (farthest < Infinity && !(farthest / delta < Infinity)) {
    throw new InvalidArgumentError(
      `delta ${delta} is too small for arcs of weight up to ${maxWeight} on ${n} vertices: a distance divided by it could overflow; give a delta of at least ${farthest / Number.MAX_VALUE}, or none for the default`,
    );
  }
  const dist = sharedFloat64(n).fill(Infinity);
  const frontier = sharedInt32(n);
  const frontierDist = sharedFloat64(n);
  const next = sharedInt32(n);
  const stamp = sharedInt32(n).fill(-1);
  // A vertex's bucket when queued in it, -2 - bucket once its heavy arcs are relaxed. Doubles: a given
  // delta may make buckets past 2^31 (an Int32Array wrapped them, and vertices were lost).
  const queued = new Float64Array(n).fill(-1);
  const ranges = splitRange(n, options.parts ?? 1, out.offsets);
  const buckets = new Buckets();
  let phase = 0;
  dist[source] = 0;
  buckets.add(0, source);

  const relax = (size: number, light: boolean): RelaxArgs => {
    for (let i = 0; i < size; i++) frontierDist[i] = dist[frontier[i]!]!;
    phase++;
    const { offsets, targets, weights } = out;
    const frontierSize = size;
    return { offsets, targets, weights, dist, frontier, frontierDist, frontierSize, delta, light, next, stamp, phase };
  };

  for (let lowest = buckets.takeLowest(); lowest; lowest = buckets.takeLowest()) {
    const { bucket, vertices } = lowest;
    const settled: number[] = [];
    let size = 0;
    for (const v of vertices) {
      if (Math.floor(dist[v]! / delta) === bucket && queued[v] !== bucket) {
        queued[v] = bucket;
        frontier[size++] = v;
      }
    }
    while (size > 0) {
      for (let i = 0; i < size; i++) settled.push(frontier[i]!);
      const results = yield { step: 'sssp.relax', args: relax(size, true), ranges };
      size = 0;
      results.forEach((r, k) => {
        const lo = ranges[k]![0];
        for (let i = lo; i < lo + r[0]!; i++) {
          const v = next[i]!;
          const b = Math.floor(dist[v]! / delta);
          // A vertex improved within this bucket is relaxed again in the next light phase.
          if (b === bucket) {
            frontier[size++] = v;
            queued[v] = bucket;
          } else buckets.add(b, v);
        }
      });
    }
    let heavy = 0;
    for (const v of settled) {
      if (queued[v] !== bucket) continue;
      frontier[heavy++] = v;
      queued[v] = -2 - bucket;
    }
    if (heavy === 0) continue;
    const results = yield { step: 'sssp.relax', args: relax(heavy, false), ranges };
    results.forEach((r, k) => {
      const lo = ranges[k]![0];
      for (let i = lo; i < lo + r[0]!; i++) buckets.add(Math.floor(dist[next[i]!]! / delta), next[i]!);
    });
  }
  return dist;
}

/** SSSP by delta-stepping on this thread (the parallel path runs the same driver on a pool). */
export function deltaStepping(g: GraphCsr, source: number, options: DeltaSteppingOptions = {}): Float64Array {
  return runDriver(deltaSteppingDriver(g, source, options), DELTA_STEPPING_STEPS);
}
