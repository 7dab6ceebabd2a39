/**
 * Column pruning through the public API (session/prune.ts): pipelines over a CSV or in-memory source
 * give the same rows as the same pipelines over a source executed first (which is never pruned), the
 * plan says how many columns the source read, an unread column is not parsed at all (so its bad text
 * no longer fails the run), results are registered under the user's handles and reused from the cache,
 * and eager sessions read their sources whole. Local and threads executors; a remote session for the
 * ops its server rebuilds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type DataFrame, dataframe as df, FileFormatError, newSession, type RunStats, type Session } from '../../src/index.js';
import { sessionBackend } from '../support/backends.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-prune-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const opened: Session[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

// 6 columns, nulls in w and s, strings with a comma; ~40 KB so readCsv makes several chunks of 4 KB.
const ROWS = 1200;
const csvPath = join(dir, 'six.csv');
const lines = ['k,v,w,s,t,u'];
for (let i = 0; i < ROWS; i++) {
  const w = i % 7 === 0 ? '' : String((i * 37) % 101 / 4);
  const s = i % 11 === 0 ? '' : `"s${i % 5}, x"`;
  lines.push(`k${i % 9},${(i * 13) % 17},${w},${s},${i % 3 === 0},${i}`);
}
writeFileSync(csvPath, `${lines.join('\n')}\n`);
const read = (): DataFrame => df.readCsv(csvPath, { chunkBytes: 4096 });

type Pipeline = (d: DataFrame, other: DataFrame) => DataFrame;
const pipelines: Record<string, Pipeline> = {
  groupby: (d) => d.groupby(['k']).agg({ v: 'sum', w: 'mean' }),
  'groupby with aggregations nobody reads': (d) => d.groupby(['k']).agg({ v: 'sum', w: 'mean', s: 'nunique', u: 'max' }).select(['w', 'k']),
  'filter then groupby': (d) => d.filter(d.col('v').gt(4)).groupby(['k']).agg({ w: 'max' }),
  'assign, filter, select': (d) => {
    const a = d.assign({ z: d.col('v').mul(2) });
    return a.filter(a.col('z').gt(9)).select(['k', 'z']);
  },
  'assign replacing a column, then sort': (d) => d.assign({ v: d.col('u').add(1) }).sortValues(['u']).select(['v', 'k']),
  'top n': (d) => d.sortValues(['w', 'u'], { ascending: [false, true] }).head(7),
  'sort then select': (d) => d.sortValues(['v', 'u']).select(['u']),
  'rename then groupby': (d) => d.rename({ v: 'vv', k: 'kk' }).groupby(['kk']).agg({ vv: 'sum' }),
  'dropna subset, valueCounts': (d) => d.dropna({ subset: ['w'] }).valueCounts('k'),
  'dropna of every column, select': (d) => d.dropna().select(['u']),
  'fillna then describe': (d) => d.fillna(0).select(['v', 'w']).describe(),
  'dropDuplicates then select': (d) => d.dropDuplicates(['k', 't']).select(['k', 'u']),
  'merge then groupby': (d, other) => d.merge(other, { on: ['k'], how: 'inner' }).groupby(['label']).agg({ v: 'count' }),
  'merge with a clashing name': (d, other) => d.merge(other.rename({ label: 'w' }), { on: ['k'], how: 'left' }).select(['k', 'w_y', 'u']).sortValues(['u']),
  'a series': (d) => d.col('v').add(d.col('u')).toFrame(),
};
/** Pipelines whose output has every column of the source, or that read every one (dropna with no subset). */
const readsWhole = new Set(['top n', 'dropna of every column, select']);
const labels = (): DataFrame => df.fromColumns({ k: ['k1', 'k2', 'k3', 'k8'], label: ['one', 'two', 'three', 'eight'], extra: [1, 2, 3, 4] });

const plansOf = (s: Session): string[] => s.info.plans.flatMap((p) => p.decisions);

describe.each([
  ['local', undefined],
  ['threads', 2],
] as const)('column pruning on the %s executor', (executor, workers) => {
  const open = (): Session => {
    const s = newSession({ mode: 'lazy', executor, default: false, ...(workers ? { workers } : {}) });
    opened.push(s);
    return s;
  };

  it.each(Object.keys(pipelines))('%s: the same rows as over a source read whole; the plan says what was pruned', async (name) => {
    const pipeline = pipelines[name]!;
    const pruned = open();
    const built = await pipeline(read(), labels()).execute({ session: pruned });
    const got = await built.toRecords({ session: pruned });
    expect(plansOf(pruned).some((d) => /^read_csv: \d of 6 columns \(/.test(d))).toBe(!readsWhole.has(name));
    const whole = open();
    const source = await read().execute({ session: whole });
    const right = await labels().execute({ session: whole });
    const want = await pipeline(source, right).execute({ session: whole });
    expect(plansOf(whole).some((d) => d.startsWith('read_csv: ') && d.includes('columns'))).toBe(false);
    expect(got).toEqual(await want.toRecords({ session: whole }));
  });

  it('Parquet and Arrow IPC sources read only the columns used', async () => {
    const s = open();
    const base = df.fromColumns(
      { k: ['a', 'b', null, 'a', 'c', 'b', 'a'], v: [1, 2, 3, 4, 5, 6, 7], w: [0.5, null, 2, 3, 4, 5, 6], t: [true, false, true, true, null, false, true] },
      { chunkRows: 3 },
    );
    const pq = join(dir, `t-${executor}.parquet`);
    const ar = join(dir, `t-${executor}.arrow`);
    await base.toParquet(pq).execute({ session: s });
    await base.toArrowFile(ar).execute({ session: s });
    const want = await base.groupby(['k']).agg({ v: 'sum' }).execute({ session: s });
    for (const [d, op] of [[df.readParquet(pq), 'read_parquet'], [df.readArrow(ar), 'read_arrow']] as const) {
      const g = await d.groupby(['k']).agg({ v: 'sum' }).execute({ session: s });
      expect(await g.toRecords({ session: s })).toEqual(await want.toRecords({ session: s }));
      expect(plansOf(s)).toContain(`${op}: 2 of 4 columns (k, v)`);
    }
  });

  it('an unread column is not parsed: its bad text fails only a plan that reads it', async () => {
    const bad = join(dir, `bad-${executor}.csv`);
    writeFileSync(bad, `a,b,c\n${Array.from({ length: 50 }, (_, i) => `${i},oops${i},${i * 2}`).join('\n')}\n`);
    const s = open();
    const d = df.readCsv(bad, { dtypes: { b: 'int32' } });
    const sum = await d.groupby(['a']).agg({ c: 'sum' }).select(['c']).execute({ session: s });
    expect((await sum.toRecords({ session: s })).reduce((t, r) => t + (r.c as number), 0)).toBe(2 * ((49 * 50) / 2));
    await expect(d.execute({ session: s })).rejects.toBeInstanceOf(FileFormatError);
    await expect(d.select(['b']).execute({ session: s })).rejects.toBeInstanceOf(FileFormatError);
  });

  it('results are registered under the user handles and reused; an executed source is not read again', async () => {
    const s = open();
    const runs: RunStats[] = [];
    s.on('run', (r: RunStats) => runs.push(r));
    const d = read();
    const g = d.groupby(['k']).agg({ v: 'sum' });
    await g.execute({ session: s });
    const first = await g.toRecords({ session: s });
    expect(first).toHaveLength(9);
    // g is executed: a plan over it tiles nothing below it.
    const top = g.sortValues(['v']).head(2);
    await top.execute({ session: s });
    expect(runs.at(-1)!.tileables).toBe(1);
    // Executing the source whole, then a pipeline over it: no column is pruned, the CSV is not parsed again.
    await d.execute({ session: s });
    const f = d.filter(d.col('v').gt(3)).select(['u']);
    await f.execute({ session: s });
    expect(runs.at(-1)!.tileables).toBe(2);
    expect(runs.at(-1)!.plans.some((p) => p.op === 'frame.read_csv')).toBe(false);
    expect(await g.toRecords({ session: s })).toEqual(first);
  });

  it('a source that is itself a target of the run is read whole', async () => {
    const s = open();
    const d = read();
    const [whole, sums] = (await s.run([d, d.groupby(['k']).agg({ v: 'sum' })])) as Table[];
    expect(whole!.numCols).toBe(6);
    expect(whole!.numRows).toBe(ROWS);
    expect(sums!.numRows).toBe(9);
    expect(plansOf(s).some((x) => x.includes(' columns ('))).toBe(false);
  });

  it('eager sessions run each op as built: sources are read whole, results are the same', async () => {
    // Ops are submitted as they are built only to the default session.
    const s = newSession({ mode: 'eager', executor, ...(workers ? { workers } : {}) });
    opened.push(s);
    const g = await read().groupby(['k']).agg({ v: 'sum' }).execute();
    expect(plansOf(s).some((x) => x.includes(' columns ('))).toBe(false);
    const lazy = open();
    const again = await read().groupby(['k']).agg({ v: 'sum' }).execute({ session: lazy });
    expect(await g.toRecords({ session: s })).toEqual(await again.toRecords({ session: lazy }));
  });
});

describe('column pruning in a remote session', () => {
  const backend = sessionBackend('remote');
  it('an in-memory source under select, rename and head gives the rows asked for', async () => {
    const s = backend.open({ mode: 'lazy' });
    try {
      const d = df.fromColumns({ a: [1, 2, 3, 4], b: ['w', 'x', null, 'z'], c: [true, false, true, null] }, { chunkRows: 3 });
      const h = await d.rename({ b: 'bee' }).select(['bee']).head(3).execute({ session: s });
      expect(await h.toRecords({ session: s })).toEqual([{ bee: 'w' }, { bee: 'x' }, { bee: null }]);
    } finally {
      await s.close();
    }
  });
});
