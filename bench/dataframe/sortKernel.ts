/**
 * Probe of the local sort kernel (kernels/dataframe/sort.ts): one chunk of N rows sorted by a float64
 * key, by a string key (N/10 distinct strings), and by both; top-100 of the same; and the single-key
 * baselines of V8's own Float64Array sort (values only, no argsort) and of an index array sorted by a
 * typed comparator (the alternative to the radix argsort), for scale. Load on the machine
 * changes these figures: report the load with them.
 * Run: npx tsx bench/dataframe/sortKernel.ts [rows]
 */
import { makeFrame, type FrameChunk } from '../../src/base/frame.js';
import { sortFrame } from '../../src/kernels/dataframe/sort.js';
import { topN } from '../../src/kernels/dataframe/topn.js';

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
  { dtype: 'string', codes, dict },
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

console.log(`rows ${n}, distinct strings ${distinct}`);
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
