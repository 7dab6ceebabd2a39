/**
 * A probe of the hash kernels alone (no session, no pool, one thread): the h2o.ai db-benchmark group-by
 * questions q1–q5 as pre-aggregation of every chunk then one finalize, and join-like questions as one
 * broadcast join per left chunk, on generated rows in 1e6-row FrameChunks, each chunk with its own
 * dictionaries (id1/id2 100 strings, id3 1e5 strings, id4 100 ints, id6 1e5 ints, v1/v2 small ints, v3
 * float64). Prints wall and CPU ms per stage (CPU is the steadier figure on a shared machine). The
 * user's figure — CSV read to result held, through the public API, peers in the same run — is
 * bench/dataframe/h2o.ts's.
 *
 *   npx tsx bench/dataframe/hashKernels.ts [rows=1e7] [runs=2]
 */
import type { FrameChunk, FrameColumn } from '../../src/base/frame.js';
import { getKernel } from '../../src/kernels/index.js';
import { utf8DictOf } from '../../src/base/utf8Dict.js';

const N = Number(process.argv[2] ?? 1e7);
const RUNS = Number(process.argv[3] ?? 2);
const PER = 1e6;
let seed = 42;
const rnd = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) | 0) >>> 0) / 2 ** 32;
const ints = (n: number, k: number): Int32Array => Int32Array.from({ length: n }, () => 1 + Math.floor(rnd() * k));
const int = (values: Int32Array): FrameColumn => ({ dtype: 'int32', values, valid: null });

/** A string column of `n` rows over `k` values 'id' + zero-padded number, dictionary in first-seen order. */
function strings(n: number, k: number, width: number): FrameColumn {
  const codes = new Int32Array(n);
  const dict: string[] = [];
  const at = new Int32Array(k).fill(-1);
  for (let i = 0; i < n; i++) {
    const v = Math.floor(rnd() * k);
    if (at[v]! < 0) (at[v] = dict.length), dict.push(`id${String(v + 1).padStart(width, '0')}`);
    codes[i] = at[v]!;
  }
  return { dtype: 'string', codes, dict: utf8DictOf(dict) };
}

const chunks: FrameChunk[] = [];
for (let at = 0; at < N; at += PER) {
  const n = Math.min(PER, N - at);
  const v3 = Float64Array.from({ length: n }, () => Math.round(rnd() * 1e8) / 1e6);
  chunks.push({
    kind: 'frame', rows: n, names: ['id1', 'id2', 'id3', 'id4', 'id6', 'v1', 'v2', 'v3'],
    columns: [strings(n, 100, 3), strings(n, 100, 3), strings(n, 1e5, 10), int(ints(n, 100)), int(ints(n, 1e5)), int(ints(n, 5)), int(ints(n, 15)), { dtype: 'float64', values: v3, valid: null }],
  });
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const agg = (fn: string, ...cols: string[]): { column: string; fn: string; name: string }[] => cols.map((c) => ({ column: c, fn, name: c }));
const questions: [string, unknown][] = [
  ['q1 sum v1 by id1', { keys: ['id1'], aggs: agg('sum', 'v1') }],
  ['q2 sum v1 by id1,id2', { keys: ['id1', 'id2'], aggs: agg('sum', 'v1') }],
  ['q3 sum v1, mean v3 by id3', { keys: ['id3'], aggs: [...agg('sum', 'v1'), ...agg('mean', 'v3')] }],
  ['q4 mean v1,v2,v3 by id4', { keys: ['id4'], aggs: agg('mean', 'v1', 'v2', 'v3') }],
  ['q5 sum v1,v2,v3 by id6', { keys: ['id6'], aggs: agg('sum', 'v1', 'v2', 'v3') }],
];
const partial = getKernel('frame.groupby.partial');
const finalize = getKernel('frame.groupby.finalize');
console.log(`group-by, ${N} rows in ${chunks.length} chunks`);
for (const [q, p] of questions) {
  for (let run = 0; run < RUNS; run++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    const parts = chunks.map((ch) => partial([ch], p as never) as FrameChunk);
    const t1 = performance.now();
    const c1 = cpuMs();
    const out = finalize(parts, p as never) as FrameChunk;
    const t2 = performance.now();
    const c2 = cpuMs();
    console.log(`${q}: pre-agg ${(t1 - t0).toFixed(0)} ms (cpu ${(c1 - c0).toFixed(0)}), ${parts[0]!.rows} groups/chunk; finalize ${(t2 - t1).toFixed(0)} ms (cpu ${(c2 - c1).toFixed(0)}); ${out.rows} groups`);
  }
}

/** A right table of `n` rows with unique keys 1..n in column `key`. */
const right = (n: number, key: string): FrameChunk => ({
  kind: 'frame', rows: n, names: [key, 'r'],
  columns: [int(Int32Array.from({ length: n }, (_, i) => i + 1)), { dtype: 'float64', values: Float64Array.from({ length: n }, () => rnd()), valid: null }],
});
const join = getKernel('frame.join');
console.log(`join, ${N} left rows, right broadcast to each left chunk`);
for (const [q, on, how, r] of [
  ['small inner on id4 (100 right rows)', 'id4', 'inner', right(100, 'id4')],
  ['medium inner on id6 (1e5 right rows)', 'id6', 'inner', right(1e5, 'id6')],
  ['medium left on id6 (5e4 right rows)', 'id6', 'left', right(5e4, 'id6')],
] as const) {
  const others = chunks[0]!.names.filter((n) => n !== on);
  const p = { on: [on], how, leftOthers: others, rightOthers: ['r'], names: [on, ...others, 'r'], nLeft: 1 };
  for (let run = 0; run < RUNS; run++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    let rows = 0;
    for (const l of chunks) rows += (join([l, r], p as never) as FrameChunk).rows;
    console.log(`${q}: ${(performance.now() - t0).toFixed(0)} ms (cpu ${(cpuMs() - c0).toFixed(0)}), ${rows} rows out`);
  }
}
