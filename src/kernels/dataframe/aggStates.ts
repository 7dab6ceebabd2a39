/**
 * The per-group reductions behind group-by: each takes a group id per row (from `factorize`) and
 * returns one entry per group. The same functions serve the per-chunk pre-aggregation (over raw
 * values) and the combine (over partial states): a sum of sums is a sum, a count combines as a sum of
 * counts, min/max/first pick a row. Variance partials are (count, mean, M2) — M2 computed in two passes
 * inside a chunk and merged across chunks with Chan et al.'s parallel formula, which stays accurate
 * where the textbook sum-of-squares form cancels catastrophically.
 */
import { allocFloat64, allocInt32, type FrameColumn } from '../../base/frame.js';
import { correctMomentsAt, mergeMomentsAt } from '../../base/moments.js';
import { rowComparator } from './hashKeys.js';

type Numeric = Extract<FrameColumn, { values: unknown }>;

function numeric(c: FrameColumn, what: string): Numeric {
  if (c.dtype === 'string') throw new Error(`${what} of a string column.`);
  return c;
}

/** Sum of the non-null values per group (0 for a group with none). */
export function groupSums(c: FrameColumn, ids: Int32Array, groups: number): Float64Array {
  const { values, valid } = numeric(c, 'sum');
  const out = allocFloat64(groups);
  const n = ids.length;
  if (valid === null) for (let i = 0; i < n; i++) out[ids[i]!]! += values[i]!;
  else for (let i = 0; i < n; i++) if (valid[i] === 1) out[ids[i]!]! += values[i]!;
  return out;
}

/** Non-null values per group; every row when `c` is null (a group's size). */
export function groupCounts(c: FrameColumn | null, ids: Int32Array, groups: number): Int32Array {
  const out = allocInt32(groups);
  const n = ids.length;
  if (c === null || (c.dtype !== 'string' && c.valid === null)) {
    for (let i = 0; i < n; i++) out[ids[i]!]!++;
  } else if (c.dtype === 'string') {
    const codes = c.codes;
    for (let i = 0; i < n; i++) if (codes[i]! >= 0) out[ids[i]!]!++;
  } else {
    const valid = c.valid!;
    for (let i = 0; i < n; i++) out[ids[i]!]! += valid[i]!;
  }
  return out;
}

/** Sum per group of an int32 column of partial counts. */
export function groupCountSums(c: FrameColumn, ids: Int32Array, groups: number): Int32Array {
  const values = numeric(c, 'count') .values;
  const out = allocInt32(groups);
  for (let i = 0; i < ids.length; i++) out[ids[i]!]! += values[i]!;
  return out;
}

export interface Moments {
  readonly n: Int32Array;
  /** The mean as a double-double: mean + meanLo (base/moments.ts). */
  readonly mean: Float64Array;
  readonly meanLo: Float64Array;
  readonly m2: Float64Array;
}

/**
 * Count, mean and M2 (sum of squared deviations) per group of raw values, in two passes — the second
 * also sums the deviations themselves, which corrects the first pass's mean and M2 (base/moments.ts
 * `correctMomentsAt`): a running sum of a million values of 1e8 + U(0, 1) is off by ~1e-5, and the
 * std of 4M of them in three groups was 2.6e-11 to 4.3e-9 off, by chunking (pandas 1.5's: 2.3e-9 to
 * 9.4e-9); with the correction and double-double means in the merge, at most 1.3e-13.
 */
export function groupMoments(c: FrameColumn, ids: Int32Array, groups: number): Moments {
  const { values, valid } = numeric(c, 'std');
  const n = groupCounts(c, ids, groups);
  const mean = groupSums(c, ids, groups);
  for (let g = 0; g < groups; g++) mean[g] = n[g]! > 0 ? mean[g]! / n[g]! : 0;
  const meanLo = allocFloat64(groups);
  const m2 = allocFloat64(groups);
  const deviations = allocFloat64(groups);
  for (let i = 0; i < ids.length; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const g = ids[i]!;
    const d = values[i]! - mean[g]!;
    m2[g]! += d * d;
    deviations[g]! += d;
  }
  for (let g = 0; g < groups; g++) correctMomentsAt(mean, meanLo, m2, g, deviations[g]!, n[g]!);
  return { n, mean, meanLo, m2 };
}

/** Merges partial (count, mean + meanLo, M2) rows per group with Chan et al.'s pairwise update. */
export function combineMoments(nCol: FrameColumn, meanCol: FrameColumn, meanLoCol: FrameColumn, m2Col: FrameColumn, ids: Int32Array, groups: number): Moments {
  const pn = numeric(nCol, 'std').values;
  const pmean = numeric(meanCol, 'std').values;
  const plo = numeric(meanLoCol, 'std').values;
  const pm2 = numeric(m2Col, 'std').values;
  const n = allocInt32(groups);
  const mean = allocFloat64(groups);
  const meanLo = allocFloat64(groups);
  const m2 = allocFloat64(groups);
  for (let i = 0; i < ids.length; i++) {
    const nb = pn[i]!;
    if (nb === 0) continue;
    const g = ids[i]!;
    const na = n[g]!;
    mergeMomentsAt(mean, meanLo, m2, g, na, pmean[i]!, plo[i]!, pm2[i]!, nb);
    n[g] = na + nb;
  }
  return { n, mean, meanLo, m2 };
}

/**
 * The row each group takes its min, max or first value from, ignoring nulls (-1 when a group has no
 * value). `first` is the first non-null row in the rows' order — the frame's order, since every
 * combine concatenates its inputs in frame order. Ties keep the earlier row.
 */
export function groupPick(c: FrameColumn, ids: Int32Array, groups: number, mode: 'min' | 'max' | 'first'): Int32Array {
  const chosen = new Int32Array(groups).fill(-1);
  const n = ids.length;
  const isNull = c.dtype === 'string' ? (i: number) => c.codes[i]! < 0 : c.valid === null ? () => false : (i: number) => c.valid![i] === 0;
  if (mode === 'first') {
    for (let i = 0; i < n; i++) {
      const g = ids[i]!;
      if (chosen[g]! < 0 && !isNull(i)) chosen[g] = i;
    }
    return chosen;
  }
  const sign = mode === 'min' ? 1 : -1;
  if (c.dtype === 'int32' || c.dtype === 'float64' || c.dtype === 'bool') {
    const v = c.values;
    for (let i = 0; i < n; i++) {
      if (isNull(i)) continue;
      const g = ids[i]!;
      const b = chosen[g]!;
      // NaN never replaces a number and is replaced by one (pandas' min/max skip NaN).
      if (b < 0 || (v[b] !== v[b] && v[i] === v[i]) || sign * (v[i]! - v[b]!) < 0) chosen[g] = i;
    }
    return chosen;
  }
  const cmp = rowComparator([c]);
  for (let i = 0; i < n; i++) {
    if (isNull(i)) continue;
    const g = ids[i]!;
    const b = chosen[g]!;
    if (b < 0 || sign * cmp(i, b) < 0) chosen[g] = i;
  }
  return chosen;
}
