/**
 * Source text of the steps a reduction loop is made of (codegen.ts puts them together): one element into
 * an accumulator, the running extremes of a min/max, and the blocked, compensated sums.
 */
/** `sqdev` and `dev`: the squared and the plain deviations of the elements from a centre `c` (moments.ts). */
export type ReduceKind = 'sum' | 'prod' | 'min' | 'max' | 'any' | 'all' | 'cnz' | 'sqdev' | 'dev' | 'argmin' | 'argmax';

/** The accumulator's starting value of each reduction (String() of each is also valid source text). */
export const INITIAL_VALUE: Readonly<Record<ReduceKind, number>> = {
  sum: 0, prod: 1, min: Infinity, max: -Infinity, any: 0, all: 1, cnz: 0, sqdev: 0, dev: 0, argmin: Infinity, argmax: -Infinity,
};

/**
 * One element into an accumulator. `backward`: the elements come last first (the nd loop's rows), so a
 * min/max takes ties (`<=`) to let the earliest element win, as a forward scan does with `<`.
 */
export function step(kind: ReduceKind, a: string, v: string, c = 'c', backward = false): string {
  const tie = backward ? '=' : '';
  switch (kind) {
    case 'sum':
      return `${a} += ${v};`;
    case 'prod':
      return `${a} *= ${v};`;
    case 'min':
      return `{ const v = ${v}; if (v <${tie} ${a} || v !== v) ${a} = v; }`;
    case 'max':
      return `{ const v = ${v}; if (v >${tie} ${a} || v !== v) ${a} = v; }`;
    case 'any':
      return `if (${v} !== 0) ${a} = 1;`;
    case 'all':
      return `if (${v} === 0) ${a} = 0;`;
    case 'cnz':
      return `if (${v} !== 0) ${a} += 1;`;
    case 'sqdev':
      return `{ const d = ${v} - ${c}; ${a} += d * d; }`;
    case 'dev':
      return `${a} += ${v} - ${c};`;
    case 'argmin':
    case 'argmax':
      throw new Error('arg reductions have their own step');
  }
}

/** Arg reductions start from index -1 ("nothing seen"), so even an all -Infinity input finds its first element. */
export function better(kind: 'argmin' | 'argmax', v: string, best: string): string {
  const cmp = kind === 'argmin' ? '<' : '>';
  // NaN wins (NumPy returns the first NaN); among numbers the first extreme wins (strict compare).
  return `(${v} !== ${v} ? ${best} === ${best} : ${v} ${cmp} ${best})`;
}

/**
 * One element `x` into the running extreme `a`, one comparison per element: `!(x <= a)` (for a max) is
 * true for a greater value and for NaN alike, and the rare true case tells them apart (a NaN sets `nan`).
 */
function laneStep(kind: 'min' | 'max', a: string, x: string): string {
  return `{ const v = ${x}; if (!(v ${kind === 'min' ? '>=' : '<='} ${a})) { if (v === v) ${a} = v; else nan = 1; } }`;
}

/** Independent running extremes of a min/max: one chain of compare-and-branch runs at a third of memory speed. */
const EXTREME_LANES = 8;

/**
 * min/max of elements `count - 1` down to 0 (`v(j)` is element j), met with the value of earlier chunks
 * or rows in `target` (of later rows with `laterTarget`, where this row wins ties): ties are taken with `<=`/`>=` so the earliest element wins (-0 vs 0), a NaN wins
 * (the first one), and the meeting is strict. EXTREME_LANES lanes each keep the extreme of every
 * EXTREME_LANES-th element with one comparison per element (`!(v <= a)` is true for a greater value
 * and for NaN alike; the rare true case tells them apart), which is exact whenever the extreme is not
 * zero and nothing was NaN: equal nonzero numbers are the same bits, so which of them wins cannot
 * show. Otherwise (a NaN seen, or an extreme of ±0, whose sign depends on which zero came first) the
 * elements are scanned again in order with the tie rule.
 */
export function extremeFromEnd(kind: 'min' | 'max', count: string, v: (j: string) => string, target: string, laterTarget = false, base = '0'): string {
  const cmp = kind === 'min' ? '<' : '>';
  // With a base, j runs over base + [0, count) and v takes that absolute index (as in blockedSum).
  const at = (k: string): string => (base === '0' ? k : `${base} + ${k}`);
  const init = INITIAL_VALUE[kind];
  const lanes = [...Array(EXTREME_LANES).keys()];
  const lane = (l: number, j: string): string => laneStep(kind, `a${l}`, v(j));
  return `let ${lanes.map((l) => `a${l} = ${init}`).join(', ')}, nan = 0;
const r = ${at(`(${count} % ${EXTREME_LANES})`)};
for (let j = ${at(`${count} - ${EXTREME_LANES}`)}; j >= r; j -= ${EXTREME_LANES}) { ${lanes.map((l) => lane(l, l === 0 ? 'j' : `j + ${l}`)).join(' ')} }
for (let j = r - 1; j >= ${base}; j--) ${lane(0, 'j')}
let a = a0;
${lanes.slice(1).map((l) => `if (a${l} ${cmp} a) a = a${l};`).join(' ')}
if (nan === 1 || a === 0) {
a = ${init};
for (let j = ${at(`${count} - 1`)}; j >= ${base}; j--) { const v = ${v('j')}; if (v ${cmp}= a || v !== v) a = v; }
}
const b = ${target};
${target} = a ${cmp}${laterTarget ? '=' : ''} b || a !== a ? a : b;`;
}

/**
 * Rows a full min/max over a view takes at once, and running extremes per row (ROWS x LANES in all).
 * A row of a strided view (a slice skipping rows or columns) ends where the hardware prefetcher's stream
 * ends; read one after another, each row starts cold. Read side by side, the streams overlap. One thread
 * over 12 chunks of 419x5000 read as `[::2, 100:4000]` (a probe of the kernel): 9.1 GB/s one row at a
 * time, 14.0 with four rows of two lanes each (eight rows of one lane: the same; four of four, eight of
 * two: 12.9); a view of whole contiguous rows reads 14.7 instead of 15.9.
 */
export const EXTREME_ROWS = 4;
const ROW_LANES = 2;

/**
 * min/max of EXTREME_ROWS rows of `count` elements (`v(q, j)` is element j of the q-th row in the walk's
 * order, q = 0 the first), met with `target` as `extremeFromEnd` with `laterTarget` meets one row. The
 * lanes are exact under the same condition as there (no NaN seen, an extreme that is not zero); when it
 * does not hold, `inOrder` — the rows one by one in the walk's order — runs instead.
 */
export function extremeOfRows(kind: 'min' | 'max', count: string, v: (q: number, j: string) => string, target: string, inOrder: string): string {
  const cmp = kind === 'min' ? '<' : '>';
  const init = INITIAL_VALUE[kind];
  const names = [...Array(EXTREME_ROWS).keys()].flatMap((q) => [...Array(ROW_LANES).keys()].map((l) => [q, l, `e${q}_${l}`] as const));
  const lane = (name: string, x: string): string => laneStep(kind, name, x);
  return `{ let ${names.map(([, , n]) => `${n} = ${init}`).join(', ')}, nan = 0;
const r = ${count} % ${ROW_LANES};
for (let j = ${count} - ${ROW_LANES}; j >= r; j -= ${ROW_LANES}) { ${names.map(([q, l, n]) => lane(n, v(q, l === 0 ? 'j' : `j + ${l}`))).join(' ')} }
for (let j = r - 1; j >= 0; j--) { ${[...Array(EXTREME_ROWS).keys()].map((q) => lane(`e${q}_0`, v(q, 'j'))).join(' ')} }
let a = e0_0;
${names.slice(1).map(([, , n]) => `if (${n} ${cmp} a) a = ${n};`).join(' ')}
if (nan === 1 || a === 0) {
${inOrder}
} else {
const b = ${target};
${target} = a ${cmp}= b ? a : b;
} }`;
}

/** Elements per block of a sum: NumPy's pairwise sum also adds blocks of 128 in registers first. */
export const SUM_BLOCK = 128;

/**
 * A sum (or sum of squared or plain deviations from `c`) of elements `count - 1` down to 0 (`valAt(j)` is element
 * j) added to `target`. Each block of SUM_BLOCK elements is summed by four interleaved accumulators (the
 * loop runs at memory speed, not at the latency of one chain of additions), and the block sums are
 * added with Neumaier's compensation, so the error is that of one block — at most about
 * SUM_BLOCK / 4 · eps · Σ|x| whatever the length, where one running sum per accumulator lost
 * 70,000 · eps · Σ|x| on 4M tenths (NumPy's pairwise sum bounds it by (16 + log2(n / 128)) · eps · Σ|x|).
 * A non-finite running sum (an infinity or NaN among the elements, or overflow) is taken as it is: its
 * compensation would be NaN.
 */
export function blockedSum(kind: 'sum' | 'sqdev' | 'dev', count: string, valAt: (j: string) => string, target: string, base = '0', low?: string, resume = false): string {
  const add = (v: string): string => compensatedStep('hi', 'lo', v);
  // With a base, j runs over base + [0, count) and valAt takes that absolute index: the same blocks.
  const from = (k: number): string => (base === '0' ? `${count} - ${k}` : `${base} + ${count} - ${k}`);
  return `const r = ${base === '0' ? '' : `${base} + `}(${count} & 3);
let hi = ${resume ? 'aux[0]' : '0'}, lo = ${resume ? 'aux[1]' : '0'}, a0 = 0, a1 = 0, a2 = 0, a3 = 0;
for (let j = ${from(4)}; j >= r; ) {
const stop = j - ${SUM_BLOCK - 4} > r ? j - ${SUM_BLOCK - 4} : r;
for (; j >= stop; j -= 4) { ${step(kind, 'a0', valAt('j'))} ${step(kind, 'a1', valAt('j + 1'))} ${step(kind, 'a2', valAt('j + 2'))} ${step(kind, 'a3', valAt('j + 3'))} }
${add('(a0 + a1) + (a2 + a3)')} a0 = 0; a1 = 0; a2 = 0; a3 = 0;
}
for (let j = r - 1; j >= ${base}; j--) { ${step(kind, 'a0', valAt('j'))} }
${add('a0')}
${resume ? 'aux[0] = hi; aux[1] = lo;' : low ? splitTotal(target, low) : `${target} = ${target} + ${SUM_TOTAL};`}`;
}

/** The compensated sum's value: its low part is meaningless (NaN) once the high part is not finite. */
const SUM_TOTAL = '(hi - hi === 0 ? hi + lo : hi)';

/** The total of a running sum left by `resume` loops in (hi, lo) = (state[0], state[1]). */
export function resumedTotal(state: ArrayLike<number>): number {
  const hi = state[0]!;
  const lo = state[1]!;
  return hi - hi === 0 ? hi + lo : hi;
}

/**
 * Adds the compensated sum (hi, lo) to the double-double (target, low): the same high part as the plain
 * total when target starts at 0, and the rounding error of every addition kept in low.
 */
function splitTotal(target: string, low: string): string {
  return `{ const fin = hi - hi === 0; const s = fin ? hi + lo : hi; const e = fin ? (hi - s) + lo : 0;
const o = ${target}; const t = o + s;
${low} += (t - t === 0 ? ((o >= 0 ? o : -o) >= (s >= 0 ? s : -s) ? (o - t) + s : (s - t) + o) : 0) + e; ${target} = t; }`;
}

/**
 * `a += v` with the addition's rounding error added to `l` (Neumaier). Once `a` is not finite `l` is
 * meaningless (NaN); readers of the pair check `a` and ignore `l` then, so the loop carries no test.
 */
export function compensatedStep(a: string, l: string, v: string): string {
  return `{ const s = ${v}; const t = ${a} + s; ${l} += (${a} >= 0 ? ${a} : -${a}) >= (s >= 0 ? s : -s) ? (${a} - t) + s : (s - t) + ${a}; ${a} = t; }`;
}

/**
 * The split column sum's pass: its values added as a tree whose every addition keeps its rounding error
 * (Knuth's TwoSum, no branch), the errors summed into `l` and the tree's total met with `a`
 * compensated. A plain tree lost too much for var/std by column of 1e8 + U(0, 1) (1.9e-12 relative).
 */
export function exactTree(values: readonly string[]): string {
  const lines = ['let e = 0;'];
  let level = [...values];
  let n = 0;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const [x, y, t] = [level[i]!, level[i + 1]!, `t${n++}`];
      lines.push(`const ${t} = ${x} + ${y}; { const b = ${t} - ${x}; e += (${x} - (${t} - b)) + (${y} - b); }`);
      next.push(t);
    }
    level = next;
  }
  return `${lines.join(' ')} ${compensatedStep('a', 'l', level[0]!)} l += e;`;
}
