/**
 * h2o groupby q1 from CSV through a real session (lazy, threads): `readCsv(file).groupby(['id1'])
 * .agg({v1: 'sum'})`, wall time per run (a new session each run, so nothing is cached) and the median,
 * with what the plan decided — column pruning reads 2 of the file's 9 columns (session/prune.ts).
 *
 *   npx tsx bench/dataframe/csvGroupby.ts [file=bench/data/h2o/G1_1e7_1e2_0_0.csv] [runs=3] [workers=2]
 */
import { loadavg } from 'node:os';
import type { Table } from 'apache-arrow';
import { dataframe as df, newSession } from '../../src/index.js';

const file = process.argv[2] ?? 'bench/data/h2o/G1_1e7_1e2_0_0.csv';
const runs = Number(process.argv[3] ?? 3);
const workers = Number(process.argv[4] ?? 2);
const times: number[] = [];
for (let r = 0; r < runs; r++) {
  const sess = newSession({ mode: 'lazy', workers, default: false });
  try {
    const t0 = performance.now();
    const out = (await sess.run(df.readCsv(file).groupby(['id1']).agg({ v1: 'sum' }))) as Table;
    times.push(performance.now() - t0);
    if (r === 0) {
      console.log(`${out.numRows} groups; plan: ${sess.info.plans.flatMap((p) => p.decisions).join(' | ')}`);
    }
  } finally {
    await sess.close();
  }
}
const sorted = [...times].sort((a, b) => a - b);
console.log(`wall ms: ${times.map((t) => t.toFixed(0)).join(', ')}; median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)}; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
