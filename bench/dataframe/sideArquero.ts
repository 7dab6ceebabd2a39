/**
 * arquero 7.2.1 as a side of bench/dataframe/h2o.ts: `aq.loadCSV` (the whole file read as one string and
 * parsed with type inference, arquero's own way), then the question with arquero's verbs — `groupby`
 * + `rollup` for the groupby questions, `join` / `join_left` on the key for the joins (output: all columns
 * of both, a shared key once, name clashes suffixed). Single-threaded: arquero has no parallel execution.
 */
import * as aq from 'arquero';
import { serveSide, sumOf } from './sideCommon.js';

const { op } = aq;
type Table = Awaited<ReturnType<typeof aq.loadCSV>>;

const QUERIES: Record<string, (t: readonly Table[]) => Table> = {
  read: ([g]) => g!,
  gq1: ([g]) => g!.groupby('id1').rollup({ v1: op.sum('v1') }),
  gq2: ([g]) => g!.groupby('id1', 'id2').rollup({ v1: op.sum('v1') }),
  gq3: ([g]) => g!.groupby('id3').rollup({ v1: op.sum('v1'), v3: op.mean('v3') }),
  gq4: ([g]) => g!.groupby('id4').rollup({ v1: op.mean('v1'), v2: op.mean('v2'), v3: op.mean('v3') }),
  gq5: ([g]) => g!.groupby('id6').rollup({ v1: op.sum('v1'), v2: op.sum('v2'), v3: op.sum('v3') }),
  jq1: ([x, small]) => x!.join(small!, 'id1'),
  jq2: ([x, medium]) => x!.join(medium!, 'id2'),
  jq3: ([x, medium]) => x!.join_left(medium!, 'id2'),
};

await serveSide(async (q, files) => {
  const tables: Table[] = [];
  for (const f of files) tables.push(await aq.loadCSV(f));
  const ans = QUERIES[q.id]!(tables);
  return () => {
    const sums: Record<string, number> = {};
    for (const c of q.check) sums[c] = sumOf(ans.array(c) as Iterable<unknown>);
    return { rows: ans.numRows(), sums };
  };
});
