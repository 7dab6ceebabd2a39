/**
 * The plain reference for `describe()` of one column (shared by the op test and the end-to-end test):
 * count of non-missing values (null and NaN are both missing, as in pandas), mean, sample std, min,
 * the 25/50/75% quantiles by NumPy's linear interpolation on the sorted values, and max.
 */

/** NumPy's percentile, method 'linear', on sorted values. */
function quantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  const t = h - lo;
  if (a === b) return a;
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

/** describe's column for these values, null and NaN left out (pandas). */
export function describeReference(values: (number | null)[]): (number | null)[] {
  const xs = values.filter((v): v is number => v !== null && !Number.isNaN(v));
  const n = xs.length;
  if (n === 0) return [0, null, null, null, null, null, null, null];
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const std = n < 2 ? null : Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const sorted = [...xs].sort((a, b) => a - b);
  return [n, mean, std, sorted[0]!, quantile(sorted, 0.25), quantile(sorted, 0.5), quantile(sorted, 0.75), sorted[n - 1]!];
}
