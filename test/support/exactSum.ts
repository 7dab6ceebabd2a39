/**
 * High-precision references for sums: Shewchuk's exact summation (Python's `math.fsum`) keeps a list of
 * non-overlapping partials whose sum is exactly the sum of the inputs, and rounds once at the end. It is
 * slow (a few times a plain loop) and independent of the engine's block and accumulator structure.
 */
export function exactSum(values: ArrayLike<number>): number {
  const partials: number[] = [];
  for (let i = 0; i < values.length; i++) {
    let x = values[i]!;
    let k = 0;
    for (let j = 0; j < partials.length; j++) {
      let y = partials[j]!;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[k++] = lo;
      x = hi;
    }
    partials.length = k;
    partials.push(x);
  }
  // Partials are non-overlapping and increasing: adding from the largest loses at most the last rounding.
  let sum = 0;
  for (let j = partials.length - 1; j >= 0; j--) sum += partials[j]!;
  return sum;
}

/** Σ|x|, the scale an error bound of a sum is stated against (its condition). */
export function absSum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.abs(values[i]!);
  return s;
}

/** The variance to within a few ulps: deviations from the exactly rounded mean, squared and summed exactly. */
export function exactVariance(values: ArrayLike<number>, ddof = 0): number {
  const mean = exactSum(values) / values.length;
  const squares = Float64Array.from(values as ArrayLike<number>, (v) => (v - mean) * (v - mean));
  return exactSum(squares) / (values.length - ddof);
}
