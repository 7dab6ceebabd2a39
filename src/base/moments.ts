/**
 * The arithmetic of variance partials — (count, mean, M2) with the mean as a double-double (mean +
 * meanLo) — shared by the tensor reductions (kernels/tensor/moments.ts) and the frame aggregations
 * (kernels/dataframe/aggStates.ts, describe.ts): the corrected two-pass step inside a chunk and Chan's
 * merge of two partials.
 */

/** The rounding error of s = a + b (Knuth's TwoSum): a + b = s + error exactly. */
export function twoSumError(a: number, b: number, s: number): number {
  const bv = s - a;
  return (a - (s - bv)) + (b - bv);
}

/**
 * Corrects the moments at `i` of `count` values whose deviations from mean[i] sum to `deviations`: the
 * mean is mean[i] + deviations / count (kept as a double-double) and M2 is Σ(x - mean[i])² minus
 * deviations² / count (the corrected two-pass algorithm). A first pass's sum of 1e8 + U(0, 1) rounds by
 * ~ulp(1e8) an addition, which a mean carries into the variance; the deviations are small and their sum
 * nearly exact. Where the sum or the mean is not finite (an infinity or NaN among the values) the
 * moments stay as they are.
 */
export function correctMomentsAt(mean: Float64Array, meanLo: Float64Array, m2: Float64Array, i: number, deviations: number, count: number): void {
  if (count === 0 || !(deviations - deviations === 0)) return;
  const c = mean[i]!;
  const shift = deviations / count;
  const hi = c + shift;
  if (!(hi - hi === 0)) return;
  mean[i] = hi;
  meanLo[i] = twoSumError(c, shift, hi);
  m2[i] = Math.max(0, m2[i]! - deviations * shift);
}

/**
 * Chan's merge of the moments of nb more values (bMean + bMeanLo, bM2) into those of na at `i`, in
 * place, the means as double-doubles: the difference of two means of 1e8 + U(0, 1) data is ~1e-4 while
 * each rounded mean is off by up to 7e-9, so plain doubles left the variance ~3e-12 off; with the low
 * parts the difference is good to an ulp of itself. Into none (na = 0) the partial is copied whole: the
 * update would fold its low part into the high one and lose it.
 */
export function mergeMomentsAt(mean: Float64Array, meanLo: Float64Array, m2: Float64Array, i: number, na: number, bMean: number, bMeanLo: number, bM2: number, nb: number): void {
  if (nb === 0) return;
  if (na === 0) {
    mean[i] = bMean;
    meanLo[i] = bMeanLo;
    m2[i] = bM2;
    return;
  }
  const n = na + nb;
  const a = mean[i]!;
  const dh = bMean - a;
  const delta = dh - dh === 0 ? dh + (twoSumError(bMean, -a, dh) + (bMeanLo - meanLo[i]!)) : dh;
  const step = (delta * nb) / n;
  const sum = a + step;
  mean[i] = sum;
  if (sum - sum === 0) meanLo[i]! += twoSumError(a, step, sum);
  m2[i]! += bM2 + (delta * delta * na * nb) / n;
}
