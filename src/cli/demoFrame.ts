/**
 * The dataframe half of the demo: a CSV of 1M sales rows written to a temporary folder now (seeded),
 * read back in byte ranges by the workers, filtered, grouped, joined with a small table and ranked —
 * lazily (one DAG, with the tiling decisions it measured) and eagerly (each op as built), printing the
 * answer and checking both modes agree. The folder is removed afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { dataframe as df, newSession, type Session } from '../index.js';
import { RandomStream } from '../kernels/tensor/random.js';

const REGIONS = ['north', 'south', 'east', 'west', 'centre'];

function writeSales(path: string, rows: number): void {
  const stream = new RandomStream(20261203, 0);
  const lines = ['store,region,units,price'];
  for (let i = 0; i < rows; i++) {
    const store = Math.floor(stream.nextDouble() * 500);
    lines.push(`${store},${REGIONS[store % REGIONS.length]},${1 + Math.floor(stream.nextDouble() * 9)},${(stream.nextDouble() * 100).toFixed(2)}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

function pipeline(sess: Session, path: string): { byRegion: ReturnType<typeof df.readCsv>; best: ReturnType<typeof df.readCsv> } {
  return sess.scope(() => {
    const sales = df.readCsv(path, { chunkBytes: 4 << 20 });
    const big = sales.filter(sales.col('units').ge(3));
    const revenue = big.assign({ revenue: big.col('units').mul(big.col('price')) });
    const byRegion = revenue.groupby('region').agg({ revenue: 'sum', units: 'mean', store: 'nunique' });
    const managers = df.fromColumns({ region: REGIONS, manager: ['Ada', 'Brian', 'Chen', 'Dana', 'Emil'] });
    const best = revenue.groupby('store').agg({ revenue: 'sum' }).sortValues('revenue', { ascending: false }).head(3);
    return { byRegion: byRegion.merge(managers, { on: 'region', how: 'left' }), best };
  });
}

const rowsOf = (t: Table): string => JSON.stringify(t.toArray().map((r) => r.toJSON()), (_, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v));

export async function runFrameDemo(workers: number | undefined, log: (s: string) => void): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-demo-'));
  try {
    const path = join(dir, 'sales.csv');
    writeSales(path, 1_000_000);
    log('\nDataFrames: a 1M-row sales CSV written now, read in byte ranges by the workers');
    let lazy: Table[];
    {
      await using sess = newSession({ mode: 'lazy', ...(workers ? { workers } : {}) });
      const { byRegion, best } = pipeline(sess, path);
      const t0 = performance.now();
      lazy = (await sess.run([byRegion, best])) as Table[];
      log(`  lazy: read, filter, assign, two group-bys, a join and a top 3 as one DAG: ${(performance.now() - t0).toFixed(0)} ms`);
      for (const p of sess.info.plans) for (const d of p.decisions) log(`    plan: ${d}`);
    }
    const sess = newSession({ mode: 'eager', ...(workers ? { workers } : {}) });
    let eager: Table[];
    try {
      const t0 = performance.now();
      const { byRegion, best } = pipeline(sess, path);
      eager = [await byRegion.fetch(), await best.fetch()];
      log(`  eager: the same ops, each run as it was built: ${(performance.now() - t0).toFixed(0)} ms`);
    } finally {
      await sess.close();
    }
    for (const row of lazy[0]!.toArray()) log(`  ${JSON.stringify(row.toJSON(), (_, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`);
    log(`  top stores by revenue: ${lazy[1]!.toArray().map((r) => `${r.store} (${r.revenue.toFixed(2)})`).join(', ')}`);
    const same = lazy.every((t, i) => rowsOf(t) === rowsOf(eager[i]!));
    log(`  Lazy and eager dataframe results ${same ? 'agree' : 'DISAGREE'}.`);
    return same;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
