/**
 * Tessera as a side of bench/dataframe/h2o.ts (issue 11 §4), through the public DataFrame API only: a
 * lazy session on 2 workers (the machine's 2 cores; DuckDB gets 2 threads), `df.readCsv` of each file
 * (types inferred), then the question — `groupby(keys).agg(spec)` for groupby q1–q5, `merge(other, { on,
 * how })` for join q1–q3 — and `fetch()` of the result as an Arrow Table, which is "the result held in
 * memory". The session and its pool start before `ready` (a small tensor sum brings the workers up), so
 * pool start-up is not counted as the question's cost, as bench/graph/readyCommon.ts's freshSession does.
 *
 */
import type { Table } from 'apache-arrow';
import { dataframe as df, newSession, tensor as tt } from '../../src/index.js';
import { serveSide, sumOf } from './sideCommon.js';

type Frame = ReturnType<typeof df.readCsv>;

const QUERIES: Record<string, (f: readonly Frame[]) => Frame> = {
  read: ([g]) => g!,
  gq1: ([g]) => g!.groupby(['id1']).agg({ v1: 'sum' }),
  gq2: ([g]) => g!.groupby(['id1', 'id2']).agg({ v1: 'sum' }),
  gq3: ([g]) => g!.groupby(['id3']).agg({ v1: 'sum', v3: 'mean' }),
  gq4: ([g]) => g!.groupby(['id4']).agg({ v1: 'mean', v2: 'mean', v3: 'mean' }),
  gq5: ([g]) => g!.groupby(['id6']).agg({ v1: 'sum', v2: 'sum', v3: 'sum' }),
  jq1: ([x, small]) => x!.merge(small!, { on: ['id1'], how: 'inner' }),
  jq2: ([x, medium]) => x!.merge(medium!, { on: ['id2'], how: 'inner' }),
  jq3: ([x, medium]) => x!.merge(medium!, { on: ['id2'], how: 'left' }),
};

const sess = newSession({ mode: 'lazy', workers: 2 });
await sess.run(tt.ones([1 << 20], { chunkSize: 1 << 16 }).sum());

await serveSide(async (q, files) => {
  const frames = files.map((f) => df.readCsv(f));
  const table = (await sess.run(QUERIES[q.id]!(frames))) as Table;
  return () => {
    const sums: Record<string, number> = {};
    for (const c of q.check) {
      const col = table.getChild(c);
      if (!col) throw new Error(`the result of ${q.id} has no column ${c} (columns: ${table.schema.fields.map((f) => f.name).join(', ')})`);
      sums[c] = sumOf(col);
    }
    return { rows: table.numRows, sums };
  };
});
await sess.close();
