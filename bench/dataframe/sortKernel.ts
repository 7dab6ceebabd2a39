/**
 * Sorting N rows: first the user's figure — `sortValues` and `sortValues(...).head(100)` through the
 * public API in a lazy session on 2 workers, from building the handle to holding the fetched Arrow
 * table — then a probe of the local sort kernel alone (kernels/dataframe/sort.ts): one chunk sorted by
 * a float64 key, by a string key (N/10 distinct strings), and by both; top-100 of the same; and the
 * single-key baselines of V8's own Float64Array sort (values only, no argsort) and of an index array
 * sorted by a typed comparator (the alternative to the radix argsort), for scale. Load on the machine
 * changes these figures: report the load with them.
 * Run: npx tsx bench/dataframe/sortKernel.ts [rows]
 */
import { loadavg } from 'node:os';
import { makeFrame, type FrameChunk } from '../../src/base/frame.js';
import { dataframe as df, newSession, tensor as tt } from '../../src/index.js';
import { sortFrame } from '../../src/kernels/dataframe/sort.js';
import { topN } from '../../src/kernels/dataframe/topn.js';
import { utf8DictOf } from '../../src/base/utf8Dict.js';

const n = Number(process.argv[2] ?? 1e7);
let seed = 12345;
const rand = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};
const x = new Float64Array(n);
for (let i = 0; i < n; i++) x[i] = rand() * 1e6 - 5e5;
const distinct = Math.max(1, Math.floor(n / 10));
const dict = Array.from({ length: distinct }, (_, i) => `id${(i * 7919) % distinct}`);
const codes = new Int32Array(n);
for (let i = 0; i < n; i++) codes[i] = Math.floor(rand() * distinct);
const chunk: FrameChunk = makeFrame(['x', 's'], [
  { dtype: 'float64', values: x, valid: null },
  { dtype: 'string', codes, dict: utf8DictOf(dict) },
]);

function time(label: string, fn: () => unknown, repeats = 3): void {
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    fn();
    runs.push(performance.now() - t);
  }
  console.log(`${label}: ${runs.map((ms) => ms.toFixed(0)).join(' / ')} ms`);
}

async function timeAsync(label: string, fn: () => Promise<unknown>, repeats = 3): Promise<void> {
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    await fn();
    runs.push(performance.now() - t);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  console.log(`${label}: ${runs.map((ms) => ms.toFixed(0)).join(' / ')} ms (median ${sorted[1]!.toFixed(0)})`);
}

console.log(`rows ${n}, distinct strings ${distinct}, load ${loadavg()[0]!.toFixed(1)}`);
{
  const strings = Array.from(codes, (c) => dict[c]!);
  // The shared pool is started once, outside the timings; each run gets a fresh session so nothing is
  // served from a previous run's cache (equal data, equal keys).
  const warm = newSession({ mode: 'lazy', workers: 2, default: false });
  await warm.run(tt.ones([1 << 20], { chunkSize: 1 << 16 }).sum());
  await warm.close();
  const fresh = async (build: () => Parameters<ReturnType<typeof newSession>['run']>[0]): Promise<void> => {
    const sess = newSession({ mode: 'lazy', workers: 2, default: false });
    try {
      await sess.scope(() => sess.run(build()));
    } finally {
      await sess.close();
    }
  };
  console.log('user figures (public API, a fresh lazy session on 2 workers, build to fetched table):');
  await timeAsync('  sortValues(x)', () => fresh(() => df.fromColumns({ x, s: strings }).sortValues('x')));
  await timeAsync('  sortValues(s)', () => fresh(() => df.fromColumns({ x, s: strings }).sortValues('s')));
  await timeAsync('  sortValues(x).head(100)', () => fresh(() => df.fromColumns({ x, s: strings }).sortValues('x').head(100)));
}
console.log('kernel probe (one chunk, this thread, no session):');
time('sortValues(x)', () => sortFrame(chunk, { by: ['x'], ascending: [true] }));
time('sortValues(s)', () => sortFrame(chunk, { by: ['s'], ascending: [true] }));
time('sortValues(s desc, x)', () => sortFrame(chunk, { by: ['s', 'x'], ascending: [false, true] }));
time('top 100 by x', () => topN(chunk, { by: ['x'], ascending: [true] }, 100));
time('Float64Array.prototype.sort (values only)', () => x.slice().sort());
// The comparator alternative to the radix argsort: an index array sorted by a typed comparator.
time('argsort of x by a typed comparator (stable by index)', () => {
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  return index.sort((a, b) => x[a]! - x[b]! || a - b);
}, 1);
