/**
 * describe() kernels (pandas `DataFrame.describe()` of the numeric columns): count, mean, std
 * (sample, ddof=1), min, 25%, 50%, 75%, max — all exact.
 *
 * - Moments: each chunk gives (count, mean, M2, min, max) per column, M2 by two passes (mean first,
 *   then squared deviations: no cancellation); partials are combined in a tree with Chan et al.'s
 *   parallel formula, which is as stable as one pass over everything.
 * - Quantiles: each chunk sorts its columns (nulls removed, native Float64Array sort); the final
 *   kernel finds the values at the needed ranks across the sorted chunks by k-way selection (binary
 *   searches, no merge), then interpolates linearly as NumPy's `percentile` (pandas' default) does.
 *
 * Missing values: null and NaN are both missing (pandas counts neither). A column with no values gets
 * null mean/std/min/quantiles/max (pandas shows NaN; our float64 columns say null), and std of one
 * value is null (pandas: NaN).
 */
import { allocBytes, allocFloat64, makeFrame, type FrameChunk, type NumberColumn } from '../../base/frame.js';
import { utf8DictOf } from '../../base/utf8Dict.js';
import { correctMomentsAt, mergeMomentsAt } from '../../base/moments.js';
import { registerKernel } from '../registry.js';

export const DESCRIBE_STATS = ['count', 'mean', 'std', 'min', '25%', '50%', '75%', 'max'] as const;
const QUANTILES = [0.25, 0.5, 0.75];
const MOMENTS = ['count', 'mean', 'meanLo', 'm2', 'min', 'max'];

/** Per input column: one row of (count, mean + meanLo, m2, min, max) — a partial as a FrameChunk. */
function momentsFrame(count: Float64Array, mean: Float64Array, meanLo: Float64Array, m2: Float64Array, min: Float64Array, max: Float64Array): FrameChunk {
  const col = (values: Float64Array): NumberColumn => ({ dtype: 'float64', values, valid: null });
  return makeFrame(MOMENTS, [col(count), col(mean), col(meanLo), col(m2), col(min), col(max)]);
}

function numberColumn(chunk: FrameChunk, name: string): NumberColumn {
  return chunk.columns[chunk.names.indexOf(name)] as NumberColumn;
}

/** Moments of each named column of a chunk. */
export function chunkMoments(chunk: FrameChunk, columns: readonly string[]): FrameChunk {
  const k = columns.length;
  const [count, mean, meanLo, m2, min, max] = [0, 0, 0, 0, 0, 0].map(() => new Float64Array(k)) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  columns.forEach((name, j) => {
    const { values, valid } = numberColumn(chunk, name);
    let n = 0;
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v !== v || (valid !== null && valid[i] === 0)) continue;
      n++;
      sum += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const mu = n === 0 ? 0 : sum / n;
    let ss = 0;
    let deviations = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v !== v || (valid !== null && valid[i] === 0)) continue;
      const d = v - mu;
      ss += d * d;
      deviations += d;
    }
    count[j] = n;
    mean[j] = mu;
    m2[j] = ss;
    // The deviations' own sum corrects the running sum's mean (base/moments.ts).
    correctMomentsAt(mean, meanLo, m2, j, deviations, n);
    min[j] = lo;
    max[j] = hi;
  });
  return momentsFrame(count, mean, meanLo, m2, min, max);
}

/** Combines moment partials (Chan, Golub & LeVeque's pairwise update, the means as double-doubles). */
export function combineMoments(parts: readonly FrameChunk[], k: number): FrameChunk {
  const [count, mean, meanLo, m2, min, max] = [0, 0, 0, 0, Infinity, -Infinity].map((x) => new Float64Array(k).fill(x)) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  for (const p of parts) {
    const [pc, pm, pl, p2, plo, phi] = p.columns.map((c) => (c as NumberColumn).values) as Float64Array[];
    for (let j = 0; j < k; j++) {
      const nb = pc![j]!;
      if (nb === 0) continue;
      const na = count[j]!;
      mergeMomentsAt(mean, meanLo, m2, j, na, pm![j]!, pl![j]!, p2![j]!, nb);
      count[j] = na + nb;
      if (plo![j]! < min[j]!) min[j] = plo![j]!;
      if (phi![j]! > max[j]!) max[j] = phi![j]!;
    }
  }
  return momentsFrame(count, mean, meanLo, m2, min, max);
}

/** Each named column's values sorted ascending with the missing ones (as NaN) at the end. */
export function sortedColumns(chunk: FrameChunk, columns: readonly string[]): FrameChunk {
  const cols = columns.map((name): NumberColumn => {
    const { values, valid } = numberColumn(chunk, name);
    const out = allocFloat64(values.length);
    for (let i = 0; i < values.length; i++) out[i] = valid !== null && valid[i] === 0 ? Number.NaN : values[i]!;
    out.sort();
    return { dtype: 'float64', values: out, valid: null };
  });
  return makeFrame(columns, cols);
}

/** Number of non-NaN values at the front of an ascending array with NaN last. */
function presentCount(a: Float64Array): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] === a[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lowerBound(a: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The value of rank `k` (0-based) among the first `lens[i]` values of sorted arrays: take the middle
 * of the widest remaining window as a candidate, count what lies below and at it in every window, and
 * keep the side holding rank k. The widest window at least halves each round.
 */
export function selectRank(arrays: readonly Float64Array[], lens: readonly number[], k: number): number {
  const lo = arrays.map(() => 0);
  const hi = [...lens];
  let rank = k;
  for (;;) {
    let widest = -1;
    for (let i = 0; i < arrays.length; i++) if (hi[i]! > lo[i]! && (widest < 0 || hi[i]! - lo[i]! > hi[widest]! - lo[widest]!)) widest = i;
    if (widest < 0) throw new Error(`rank ${k} is past the values.`);
    const pivot = arrays[widest]![(lo[widest]! + hi[widest]!) >>> 1]!;
    const below = arrays.map((a, i) => lowerBound(a, pivot, lo[i]!, hi[i]!));
    const upTo = arrays.map((a, i) => upperBound(a, pivot, lo[i]!, hi[i]!));
    const less = below.reduce((s, b, i) => s + b - lo[i]!, 0);
    const atMost = upTo.reduce((s, u, i) => s + u - lo[i]!, 0);
    if (rank < less) {
      for (let i = 0; i < arrays.length; i++) hi[i] = below[i]!;
    } else if (rank < atMost) {
      return pivot;
    } else {
      rank -= atMost;
      for (let i = 0; i < arrays.length; i++) lo[i] = upTo[i]!;
    }
  }
}

/** NumPy's linear interpolation (`_lerp`): exact at both ends, symmetric around t = 0.5. */
export function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  const v = t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
  return a === b ? a : v;
}

/** Quantile q (linear, as NumPy) of `n` present values spread over sorted arrays. */
export function quantileOf(arrays: readonly Float64Array[], lens: readonly number[], n: number, q: number): number {
  const h = (n - 1) * q;
  const below = Math.floor(h);
  const a = selectRank(arrays, lens, below);
  if (below + 1 >= n) return a;
  return lerp(a, selectRank(arrays, lens, below + 1), h - below);
}

/** The describe frame: 'stat' then one float64 column per input column. */
export function describeFrame(moments: FrameChunk, sorted: readonly FrameChunk[], columns: readonly string[]): FrameChunk {
  const [count, mean, meanLo, m2, min, max] = moments.columns.map((c) => (c as NumberColumn).values) as Float64Array[];
  const stat = { dtype: 'string' as const, codes: Int32Array.from(DESCRIBE_STATS.keys()), dict: utf8DictOf(DESCRIBE_STATS) };
  const cols = columns.map((name, j): NumberColumn => {
    const n = count![j]!;
    const values = allocFloat64(DESCRIBE_STATS.length);
    const valid = allocBytes(DESCRIBE_STATS.length).fill(1);
    const arrays = sorted.map((s) => numberColumn(s, name).values as Float64Array);
    const lens = arrays.map(presentCount);
    values[0] = n;
    if (n === 0) valid.fill(0, 1);
    else {
      values[1] = mean![j]! + meanLo![j]!;
      if (n < 2) valid[2] = 0;
      else values[2] = Math.sqrt(m2![j]! / (n - 1));
      values[3] = min![j]!;
      QUANTILES.forEach((q, i) => (values[4 + i] = quantileOf(arrays, lens, n, q)));
      values[7] = max![j]!;
    }
    return { dtype: 'float64', values, valid: n === 0 || n < 2 ? valid : null };
  });
  return makeFrame(['stat', ...columns], [stat, ...cols]);
}

type Columns = { columns: string[] };

registerKernel<Columns>('frame.describe.moments', (inputs, { columns }) => chunkMoments(inputs[0] as FrameChunk, columns));
registerKernel<Columns>('frame.describe.combine', (inputs, { columns }) => combineMoments(inputs as FrameChunk[], columns.length));
registerKernel<Columns>('frame.describe.sorted', (inputs, { columns }) => sortedColumns(inputs[0] as FrameChunk, columns));
registerKernel<Columns>('frame.describe.final', (inputs, { columns }) =>
  describeFrame(inputs[0] as FrameChunk, inputs.slice(1) as FrameChunk[], columns),
);
