/**
 * HITS hubs and authorities with GraphScope's semantics (`hits(graph, tolerance=0.01, max_round=100,
 * normalized=True)`): hubs start at 1/|V|; each round sets auth(v) = sum of hub over v's in-neighbours,
 * then hub(v) = sum of auth over v's out-neighbours, and scales each vector by its maximum; it stops
 * when the L1 change of the hubs is <= tolerance or after max_round rounds; with `normalized` both
 * vectors are finally divided by their sums. Where GraphScope would divide by a zero maximum or sum (a
 * graph without arcs) the values are left as they are instead of becoming NaN.
 *
 * Pull style in three steps per round, each writing only its own vertices: auth (over the in-CSR), hub
 * (over the out-CSR), then scaling, which also returns the L1 change and the sums per REDUCE_BLOCK.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { type GraphCsr, withInCsr } from './csr.js';
import { type Driver, REDUCE_BLOCK, type StepResult, type StepTable, runDriver, splitRange } from './parallel.js';
import { type Offsets, sharedFloat64 } from './shared.js';
import { requireInCsr } from './views.js';

export interface HitsOptions {
  readonly tolerance?: number;
  readonly maxRound?: number;
  readonly normalized?: boolean;
  readonly parts?: number;
}

export interface HitsResult {
  readonly hub: Float64Array;
  readonly auth: Float64Array;
  readonly rounds: number;
}

export interface HitsGatherArgs {
  readonly offsets: Offsets;
  readonly targets: Int32Array;
  readonly from: Float64Array;
  readonly into: Float64Array;
}

export interface HitsScaleArgs {
  readonly hub: Float64Array;
  readonly auth: Float64Array;
  readonly previousHub: Float64Array;
  readonly hubScale: number;
  readonly authScale: number;
}

/** into[v] = sum of from[] over row v, for v in [lo, hi). Returns [max of into over the range]. */
export function hitsGatherStep(args: HitsGatherArgs, lo: number, hi: number): StepResult {
  const { offsets, targets, from, into } = args;
  let max = 0;
  for (let v = lo; v < hi; v++) {
    const end = offsets[v + 1]!;
    let sum = 0;
    for (let e = offsets[v]!; e < end; e++) sum += from[targets[e]!]!;
    into[v] = sum;
    if (sum > max) max = sum;
  }
  return [max];
}

/** Scales [lo, hi); returns (L1 hub change, hub sum, auth sum) per REDUCE_BLOCK, interleaved. */
export function hitsScaleStep(args: HitsScaleArgs, lo: number, hi: number): StepResult {
  const { hub, auth, previousHub, hubScale, authScale } = args;
  const partials: number[] = [];
  for (let block = lo; block < hi; block += REDUCE_BLOCK) {
    const end = Math.min(hi, block + REDUCE_BLOCK);
    let change = 0;
    let hubSum = 0;
    let authSum = 0;
    for (let v = block; v < end; v++) {
      const h = hub[v]! * hubScale;
      const a = auth[v]! * authScale;
      hub[v] = h;
      auth[v] = a;
      change += Math.abs(h - previousHub[v]!);
      hubSum += h;
      authSum += a;
    }
    partials.push(change, hubSum, authSum);
  }
  return partials;
}

export const HITS_STEPS: StepTable = { 'hits.gather': hitsGatherStep, 'hits.scale': hitsScaleStep };

function maxOf(results: readonly StepResult[]): number {
  let max = 0;
  for (const r of results) if (r[0]! > max) max = r[0]!;
  return max;
}

function sumOfEvery(results: readonly StepResult[], first: number): number {
  let sum = 0;
  for (const r of results) for (let i = first; i < r.length; i += 3) sum += r[i]!;
  return sum;
}

/** The HITS driver; a directed graph must carry its in-CSR. */
export function* hitsDriver(g: GraphCsr, options: HitsOptions = {}): Driver<HitsResult> {
  const tolerance = options.tolerance ?? 0.01;
  const maxRound = options.maxRound ?? 100;
  if (!(tolerance >= 0)) throw new InvalidArgumentError(`tolerance must be >= 0, got ${tolerance}`);
  if (!Number.isInteger(maxRound) || maxRound < 1) {
    throw new InvalidArgumentError(`maxRound must be an integer >= 1, got ${maxRound}`);
  }
  const { n, out } = g;
  const inCsr = g.directed ? requireInCsr(g, 'HITS') : out;
  let hub = sharedFloat64(n).fill(1 / n);
  let previousHub = sharedFloat64(n);
  const auth = sharedFloat64(n);
  const ranges = splitRange(n, options.parts ?? 1, out.offsets);
  let rounds = 0;
  let hubSum = 0;
  let authSum = 0;
  for (;;) {
    [hub, previousHub] = [previousHub, hub];
    const gatherAuth: HitsGatherArgs = {
      offsets: inCsr.offsets,
      targets: inCsr.targets,
      from: previousHub,
      into: auth,
    };
    const authMax = maxOf(yield { step: 'hits.gather', args: gatherAuth, ranges });
    const gatherHub: HitsGatherArgs = { offsets: out.offsets, targets: out.targets, from: auth, into: hub };
    const hubMax = maxOf(yield { step: 'hits.gather', args: gatherHub, ranges });
    const scale: HitsScaleArgs = {
      hub,
      auth,
      previousHub,
      hubScale: hubMax > 0 ? 1 / hubMax : 1,
      authScale: authMax > 0 ? 1 / authMax : 1,
    };
    const partials = yield { step: 'hits.scale', args: scale, ranges };
    rounds++;
    hubSum = sumOfEvery(partials, 1);
    authSum = sumOfEvery(partials, 2);
    if (sumOfEvery(partials, 0) <= tolerance || rounds >= maxRound) break;
  }
  if (options.normalized ?? true) {
    const scale: HitsScaleArgs = {
      hub,
      auth,
      previousHub: hub,
      hubScale: hubSum > 0 ? 1 / hubSum : 1,
      authScale: authSum > 0 ? 1 / authSum : 1,
    };
    yield { step: 'hits.scale', args: scale, ranges };
  }
  return { hub, auth, rounds };
}

export function hits(g: GraphCsr, options: HitsOptions = {}): HitsResult {
  return runDriver(hitsDriver(g.directed ? withInCsr(g) : g, options), HITS_STEPS);
}
