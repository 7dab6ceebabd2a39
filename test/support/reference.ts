/**
 * A small dense reference for tensor semantics, written to be obviously correct rather than fast:
 * arrays are a shape plus a flat row-major list of JS numbers, every operation walks multi-indices
 * one element at a time, and every reduction collects the values it reduces (in row-major order) into
 * a plain list before folding it left to right. Property tests compare Tessera's chunked results
 * against it. Semantics are NumPy's: broadcasting, keepdims, first-occurrence arg reductions with NaN
 * winning, var/std with ddof, basic slicing (Python's slice rules, negative steps included),
 * concatenate and matmul (1-D operands promoted and squeezed).
 */

export interface Ref {
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function ref(shape: readonly number[], data: ArrayLike<number>): Ref {
  if (data.length !== size(shape)) throw new Error(`reference: ${data.length} values for shape [${shape}]`);
  return { shape: [...shape], data: Array.from(data) };
}

/** Every multi-index of `shape`, row-major. */
export function indices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const n = size(shape);
  for (let f = 0; f < n; f++) out.push(unravel(f, shape));
  return out;
}

export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d]! + idx[d]!;
  return f;
}

export function at(a: Ref, idx: readonly number[]): number {
  return a.data[ravel(idx, a.shape)]!;
}

export function fromFn(shape: readonly number[], f: (idx: number[]) => number): Ref {
  return { shape: [...shape], data: indices(shape).map(f) };
}

// ---- broadcasting and elementwise ----

/** NumPy's broadcast shape, or null when the shapes do not broadcast. */
export function broadcastShape(...shapes: (readonly number[])[]): number[] | null {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let d = 0; d < nd; d++) {
    const extents = shapes.map((s) => s[s.length - nd + d] ?? 1);
    const big = extents.filter((e) => e !== 1);
    if (big.some((e) => e !== big[0])) return null;
    out.push(big.length > 0 ? big[0]! : 1);
  }
  return out;
}

/** The element of `a` that output index `idx` reads under broadcasting. */
function broadcastAt(a: Ref, idx: readonly number[]): number {
  const off = idx.length - a.shape.length;
  return at(a, a.shape.map((e, d) => (e === 1 ? 0 : idx[d + off]!)));
}

export function map(a: Ref, f: (x: number) => number): Ref {
  return { shape: [...a.shape], data: a.data.map((x) => f(x)) };
}

export function zip(a: Ref, b: Ref, f: (x: number, y: number) => number): Ref {
  const shape = broadcastShape(a.shape, b.shape);
  if (!shape) throw new Error(`reference: [${a.shape}] and [${b.shape}] do not broadcast`);
  return fromFn(shape, (i) => f(broadcastAt(a, i), broadcastAt(b, i)));
}

export function zip3(a: Ref, b: Ref, c: Ref, f: (x: number, y: number, z: number) => number): Ref {
  const shape = broadcastShape(a.shape, b.shape, c.shape);
  if (!shape) throw new Error('reference: shapes do not broadcast');
  return fromFn(shape, (i) => f(broadcastAt(a, i), broadcastAt(b, i), broadcastAt(c, i)));
}

export function where(cond: Ref, a: Ref, b: Ref): Ref {
  return zip3(cond, a, b, (c, x, y) => (c !== 0 ? x : y));
}

/** np.clip: NaN stays NaN (maximum/minimum propagate it). */
export function clip(a: Ref, lo: number | null, hi: number | null): Ref {
  return map(a, (x) => {
    let v = x;
    if (lo !== null) v = Number.isNaN(v) || Number.isNaN(lo) ? NaN : Math.max(v, lo);
    if (hi !== null) v = Number.isNaN(v) || Number.isNaN(hi) ? NaN : Math.min(v, hi);
    return v;
  });
}

/** NumPy's rounding: half to even. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const diff = x - f;
  if (diff < 0.5) return f === 0 && x < 0 ? -0 : f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** NumPy's float `mod` (Python's `%`): the result takes the divisor's sign; x mod 0 is NaN. */
export function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** NumPy's float `floor_divide` (npy_divmod, as Python's `//`): floor of the exact quotient, so 1.0 // 0.1 == 9.0. */
export function pyFloorDiv(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return Object.is(a / b, -0) || a / b < 0 ? -0 : 0;
  let floordiv = Math.floor(div);
  if (div - floordiv > 0.5) floordiv += 1;
  return floordiv;
}

// ---- reductions ----

/** Normalised, sorted reduction axes (null: all). */
export function axesOf(axis: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  return list.map((a) => (a < 0 ? a + ndim : a)).sort((x, y) => x - y);
}

/**
 * Groups the values of `a` by output position: for every output element, the list of input values it
 * reduces, in row-major order of the reduced axes.
 */
export function reduce(
  a: Ref,
  axis: number | readonly number[] | null | undefined,
  keepdims: boolean,
  fold: (values: number[]) => number,
): Ref {
  const axes = axesOf(axis, a.shape.length);
  const outShape = a.shape.flatMap((e, d) => (axes.includes(d) ? (keepdims ? [1] : []) : [e]));
  const keptShape = a.shape.map((e, d) => (axes.includes(d) ? 1 : e));
  const groups: number[][] = Array.from({ length: size(keptShape) }, () => []);
  for (const idx of indices(a.shape)) {
    const kept = idx.map((v, d) => (axes.includes(d) ? 0 : v));
    groups[ravel(kept, keptShape)]!.push(at(a, idx));
  }
  return { shape: outShape, data: groups.map(fold) };
}

export const folds = {
  sum: (v: number[]): number => v.reduce((s, x) => s + x, 0),
  prod: (v: number[]): number => v.reduce((s, x) => s * x, 1),
  /** np.min: NaN propagates. */
  min: (v: number[]): number => (v.some(Number.isNaN) ? NaN : v.reduce((m, x) => (x < m ? x : m), Infinity)),
  max: (v: number[]): number => (v.some(Number.isNaN) ? NaN : v.reduce((m, x) => (x > m ? x : m), -Infinity)),
  any: (v: number[]): number => (v.some((x) => x !== 0) ? 1 : 0),
  all: (v: number[]): number => (v.every((x) => x !== 0) ? 1 : 0),
  countNonzero: (v: number[]): number => v.filter((x) => x !== 0).length,
  mean: (v: number[]): number => folds.sum(v) / v.length,
  /** Two-pass variance; NumPy divides by max(n - ddof, 0). */
  var: (ddof: number) => (v: number[]): number => {
    const m = folds.mean(v);
    const ss = v.reduce((s, x) => s + (x - m) * (x - m), 0);
    return ss / Math.max(v.length - ddof, 0);
  },
  std: (ddof: number) => (v: number[]): number => Math.sqrt(folds.var(ddof)(v)),
  /** First occurrence of the minimum; the first NaN wins over every number. */
  argmin: (v: number[]): number => argBest(v, (x, b) => x < b),
  argmax: (v: number[]): number => argBest(v, (x, b) => x > b),
};

function argBest(v: number[], better: (x: number, best: number) => boolean): number {
  const nan = v.findIndex(Number.isNaN);
  if (nan >= 0) return nan;
  let best = 0;
  for (let i = 1; i < v.length; i++) if (better(v[i]!, v[best]!)) best = i;
  return best;
}

// ---- shape ops ----

export function reshape(a: Ref, shape: readonly number[]): Ref {
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const resolved = shape.map((d) => (d === -1 ? size(a.shape) / known : d));
  return ref(resolved, a.data);
}

export function transpose(a: Ref, perm?: readonly number[]): Ref {
  const p = perm ?? a.shape.map((_, i) => a.shape.length - 1 - i);
  const shape = p.map((d) => a.shape[d]!);
  return fromFn(shape, (oi) => {
    const ii = new Array<number>(p.length);
    p.forEach((d, k) => (ii[d] = oi[k]!));
    return at(a, ii);
  });
}

export type RefIndex =
  | number
  | 'newaxis'
  | '...'
  | { readonly start?: number | null; readonly stop?: number | null; readonly step?: number | null };

/** The positions a Python slice selects from a sequence of length n (CPython's PySlice_AdjustIndices). */
export function slicePositions(n: number, s: { start?: number | null; stop?: number | null; step?: number | null }): number[] {
  const step = s.step ?? 1;
  let start: number;
  let stop: number;
  if (s.start === null || s.start === undefined) start = step < 0 ? n - 1 : 0;
  else {
    start = s.start;
    if (start < 0) {
      start += n;
      if (start < 0) start = step < 0 ? -1 : 0;
    } else if (start >= n) start = step < 0 ? n - 1 : n;
  }
  if (s.stop === null || s.stop === undefined) stop = step < 0 ? -1 : n;
  else {
    stop = s.stop;
    if (stop < 0) {
      stop += n;
      if (stop < 0) stop = step < 0 ? -1 : 0;
    } else if (stop >= n) stop = step < 0 ? n - 1 : n;
  }
  const out: number[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(i);
  else for (let i = start; i > stop; i += step) out.push(i);
  return out;
}

/** NumPy basic indexing: ints drop their axis, slices keep it, 'newaxis' adds one, '...' fills the rest. */
export function slice(a: Ref, index: readonly RefIndex[]): Ref {
  const consuming = index.filter((p) => p !== 'newaxis' && p !== '...').length;
  const full: RefIndex[] = [];
  for (const p of index) {
    if (p === '...') for (let k = 0; k < a.shape.length - consuming; k++) full.push({});
    else full.push(p);
  }
  while (full.filter((p) => p !== 'newaxis').length < a.shape.length) full.push({});
  // Per output axis: the input axis and positions it reads (-1 for newaxis).
  const picks: { axis: number; pos: number[] }[] = [];
  const fixed = new Map<number, number>();
  let axis = 0;
  for (const p of full) {
    if (p === 'newaxis') picks.push({ axis: -1, pos: [0] });
    else if (typeof p === 'number') fixed.set(axis++, p < 0 ? p + a.shape[axis - 1]! : p);
    else {
      picks.push({ axis, pos: slicePositions(a.shape[axis]!, p as { start?: number; stop?: number; step?: number }) });
      axis++;
    }
  }
  const shape = picks.map((p) => p.pos.length);
  return fromFn(shape, (oi) => {
    const ii = new Array<number>(a.shape.length);
    for (const [d, v] of fixed) ii[d] = v;
    picks.forEach((p, k) => {
      if (p.axis >= 0) ii[p.axis] = p.pos[oi[k]!]!;
    });
    return at(a, ii);
  });
}

export function concatenate(arrs: readonly Ref[], axis: number): Ref {
  const nd = arrs[0]!.shape.length;
  const ax = axis < 0 ? axis + nd : axis;
  const shape = [...arrs[0]!.shape];
  shape[ax] = arrs.reduce((s, r) => s + r.shape[ax]!, 0);
  return fromFn(shape, (oi) => {
    let k = oi[ax]!;
    for (const r of arrs) {
      if (k < r.shape[ax]!) return at(r, oi.map((v, d) => (d === ax ? k : v)));
      k -= r.shape[ax]!;
    }
    throw new Error('unreachable');
  });
}

/** np.matmul for 1-D and 2-D operands; sums over k in increasing order. */
export function matmul(a: Ref, b: Ref): Ref {
  const a2 = a.shape.length === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.shape.length === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const [m, k] = a2.shape as [number, number];
  const n = b2.shape[1]!;
  const out = fromFn([m, n], ([i, j]) => {
    let s = 0;
    for (let q = 0; q < k; q++) s += at(a2, [i!, q]) * at(b2, [q, j!]);
    return s;
  });
  const shape = [...(a.shape.length === 2 ? [m] : []), ...(b.shape.length === 2 ? [n] : [])];
  return ref(shape, out.data);
}

/** NumPy matmul above 2-D: batch axes broadcast, each pair of matrices multiplied with k in order. */
export function matmulBatched(a: Ref, b: Ref): Ref {
  if (a.shape.length < 2 || b.shape.length < 2) return matmul(a, b);
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1]!;
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (!batch) throw new Error('reference: batch axes do not broadcast');
  const pick = (x: Ref, idx: readonly number[], i: number, j: number): number => {
    const xb = x.shape.slice(0, -2);
    const bi = xb.map((d, ax) => (d === 1 ? 0 : idx[ax + batch.length - xb.length]!));
    return at(x, [...bi, i, j]);
  };
  return fromFn([...batch, m, n], (idx) => {
    const bIdx = idx.slice(0, -2);
    const [i, j] = idx.slice(-2) as [number, number];
    let s = 0;
    for (let q = 0; q < k; q++) s += pick(a, bIdx, i, q) * pick(b, bIdx, q, j);
    return s;
  });
}

/** NumPy tensordot with explicit axis lists (non-negative): the sum over the contracted index tuples in row-major order. */
export function tensordot(a: Ref, b: Ref, left: readonly number[], right: readonly number[]): Ref {
  const freeA = a.shape.map((_, ax) => ax).filter((ax) => !left.includes(ax));
  const freeB = b.shape.map((_, ax) => ax).filter((ax) => !right.includes(ax));
  const contracted = indices(left.map((ax) => a.shape[ax]!));
  return fromFn([...freeA.map((ax) => a.shape[ax]!), ...freeB.map((ax) => b.shape[ax]!)], (idx) => {
    const ia = new Array<number>(a.shape.length);
    const ib = new Array<number>(b.shape.length);
    freeA.forEach((ax, t) => (ia[ax] = idx[t]!));
    freeB.forEach((ax, t) => (ib[ax] = idx[freeA.length + t]!));
    let s = 0;
    for (const c of contracted) {
      left.forEach((ax, t) => (ia[ax] = c[t]!));
      right.forEach((ax, t) => (ib[ax] = c[t]!));
      s += at(a, ia) * at(b, ib);
    }
    return s;
  });
}

// ---- comparison ----

/** Exact equality with NaN equal to NaN (and -0 equal to 0). */
export function sameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): boolean {
  if (actual.length !== expected.length) return false;
  for (let i = 0; i < actual.length; i++) {
    const x = actual[i]!;
    const y = expected[i]!;
    if (!(x === y || (Number.isNaN(x) && Number.isNaN(y)))) return false;
  }
  return true;
}

/** Equality within |x - y| <= atol + rtol * |y|, NaNs and infinities matching exactly. */
export function closeValues(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-9, atol = 1e-12): boolean {
  if (actual.length !== expected.length) return false;
  for (let i = 0; i < actual.length; i++) {
    const x = actual[i]!;
    const y = expected[i]!;
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    if (!Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x - y) > atol + rtol * Math.abs(y)) return false;
  }
  return true;
}

/**
 * Throws (with both arrays in the message) unless `actual` has the reference's shape and values:
 * exactly, or within `tol` when given. fast-check reports the throw with the shrunk counterexample.
 */
export function assertMatches(
  actual: { readonly shape: readonly number[]; readonly data: ArrayLike<number> },
  expected: Ref,
  tol?: { readonly rtol: number; readonly atol: number },
): void {
  const shapeOk = actual.shape.length === expected.shape.length && actual.shape.every((d, i) => d === expected.shape[i]);
  const valuesOk = tol ? closeValues(actual.data, expected.data, tol.rtol, tol.atol) : sameValues(actual.data, expected.data);
  if (!shapeOk || !valuesOk) {
    throw new Error(
      `mismatch:\n  actual   shape [${actual.shape}] ${JSON.stringify(Array.from(actual.data).map(String))}\n` +
        `  expected shape [${expected.shape}] ${JSON.stringify(expected.data.map(String))}`,
    );
  }
}
