/**
 * DataFrames as a user calls them (issue 11): sources from columns, records and Arrow tables; schema
 * and shape at build time; select, rename, head; results as an Arrow table, streamed record batches and
 * plain records — on both executors, lazy and eager; nulls, unicode, empty frames and one-row chunks;
 * bad input refused at the user's line; Mars's unexecuted-fetch text and closed sessions.
 */
import { Bool, DateDay, Dictionary, Field, Int8, Int32, Int64, makeData, RecordBatch, Schema, Struct, Table, tableFromArrays, tableFromIPC, tableToIPC, Uint32, Utf8, vectorFromArray } from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DataFrame, dataframe as df, DTypeError, graph as gs, InvalidArgumentError, newSession, type RunStats, Series, type Session, SessionClosedError, UnexecutedError,
} from '../../src/index.js';
import { sessionBackend } from '../support/backends.js';
import { rejection } from '../support/rejection.js';

const opened: Session[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

const people = {
  id: Int32Array.from([1, 2, 3, 4, 5, 6, 7]),
  name: ['Ada', 'Bjørn', null, '李雷', 'Zoë 🎉', 'Ada', ''],
  score: [1.5, null, 3, -0.25, 1e300, null, 7],
  ok: [true, false, null, true, true, false, null],
};
const records = people.id.length;
const expected = Array.from({ length: records }, (_, i) => ({ id: people.id[i]!, name: people.name[i]!, score: people.score[i]!, ok: people.ok[i]! }));
const rowsOf = (t: Table): Record<string, unknown>[] => t.toArray().map((r) => ({ ...(r as { toJSON(): object }).toJSON() }));

describe.each([
  ['local', 'lazy'],
  ['local', 'eager'],
  ['threads', 'lazy'],
  ['threads', 'eager'],
] as const)('DataFrames on the %s executor, %s', (executor, mode) => {
  const open = (): Session => {
    const s = newSession({ mode, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });
    opened.push(s);
    return s;
  };
  // Eager frames run when built; execute() then only waits for that run.
  const ready = <T extends DataFrame>(d: T): Promise<T> => d.execute();

  it('fromColumns: schema and shape at build time; fetch gives an Arrow table with nulls and unicode', async () => {
    open();
    const d = df.fromColumns(people, { chunkRows: 3 });
    expect(d.columns).toEqual(['id', 'name', 'score', 'ok']);
    expect(d.dtypes).toEqual({ id: 'int32', name: 'string', score: 'float64', ok: 'bool' });
    expect(d.shape).toEqual([7, 4]);
    const t = await (await ready(d)).fetch();
    expect(t).toBeInstanceOf(Table);
    expect(t.numRows).toBe(7);
    expect(t.schema.fields.map((f) => String(f.type))).toEqual(['Int32', 'Dictionary<Int32, Utf8>', 'Float64', 'Bool']);
    expect(rowsOf(t)).toEqual(expected);
    // One batch per chunk, each with its chunk's own dictionary: an IPC stream carries them as they are;
    // the file format wants one dictionary per column, which unifyDictionaries makes.
    expect(t.batches.map((b) => b.numRows)).toEqual([3, 3, 1]);
    expect(new Set(t.batches.map((b) => b.getChild('name')!.data[0]!.dictionary)).size).toBe(3);
    expect(rowsOf(tableFromIPC(tableToIPC(t, 'stream')))).toEqual(expected);
    const unified = df.unifyDictionaries(t);
    expect(new Set(unified.batches.map((b) => b.getChild('name')!.data[0]!.dictionary)).size).toBe(1);
    expect(rowsOf(tableFromIPC(tableToIPC(unified, 'file')))).toEqual(expected);
    expect(() => df.unifyDictionaries({} as never)).toThrow(InvalidArgumentError);
    expect(await d.toRecords()).toEqual(expected);
  });

  it('iterBatches streams one batch per chunk, or batches of batchSize; fetch({batchSize}) too', async () => {
    open();
    const d = await ready(df.fromColumns(people, { chunkRows: 3 }));
    const perChunk: number[] = [];
    const seen: Record<string, unknown>[] = [];
    for await (const b of d.iterBatches()) {
      expect(b).toBeInstanceOf(RecordBatch);
      perChunk.push(b.numRows);
      seen.push(...b.toArray().map((r) => ({ ...(r as { toJSON(): object }).toJSON() })));
    }
    expect(perChunk).toEqual([3, 3, 1]);
    expect(seen).toEqual(expected);
    const sized: number[] = [];
    for await (const b of d.fetch({ batchSize: 2 })) sized.push(b.numRows);
    expect(sized).toEqual([2, 1, 2, 1, 1]);
    expect(() => d.iterBatches({ batchSize: 0 })).toThrow(InvalidArgumentError);
  });

  it('select, rename and head give the columns and rows asked for', async () => {
    open();
    const d = df.fromColumns(people, { chunkRows: 2 });
    const picked = d.select(['name', 'id']).rename({ id: 'key' });
    expect(picked.columns).toEqual(['name', 'key']);
    expect(picked.dtypes).toEqual({ name: 'string', key: 'int32' });
    const first = await ready(picked.head(3));
    expect(first.shape).toEqual([3, 2]);
    expect(await first.toRecords()).toEqual(expected.slice(0, 3).map((r) => ({ name: r.name, key: r.id })));
    const all = await ready(d.head(100));
    expect(await all.toRecords()).toEqual(expected);
    const none = await ready(d.head(0));
    const t = await none.fetch();
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'name', 'score', 'ok']);
    expect(await d.select('score').head(1).execute().then((x) => x.toRecords())).toEqual([{ score: 1.5 }]);
  });

  it('fromRecords takes the union of keys (a missing key is null); one-row chunks; empty frames keep their schema', async () => {
    open();
    const r = await ready(df.fromRecords([{ a: 1, b: 'x' }, { b: 'y', c: true }, { a: 2.5 }], { chunkRows: 1 }));
    expect(r.dtypes).toEqual({ a: 'float64', b: 'string', c: 'bool' });
    expect(await r.toRecords()).toEqual([{ a: 1, b: 'x', c: null }, { a: null, b: 'y', c: true }, { a: 2.5, b: null, c: null }]);
    const counts: number[] = [];
    for await (const b of r.iterBatches()) counts.push(b.numRows);
    expect(counts).toEqual([1, 1, 1]);
    const empty = await ready(df.fromColumns({ a: [], s: [] }, { dtypes: { s: 'string' } }));
    expect(empty.shape).toEqual([0, 2]);
    const t = await empty.fetch();
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(['a:Float64', 's:Dictionary<Int32, Utf8>']);
    expect(await empty.toRecords()).toEqual([]);
    const batches: RecordBatch[] = [];
    for await (const b of empty.iterBatches()) batches.push(b);
    expect(batches).toEqual([]);
  });

  it('fromArrow maps Arrow types to dtypes and round-trips through fetch', async () => {
    open();
    const table = new Table({
      i8: vectorFromArray([1, -2, null], new Int8()),
      u32: vectorFromArray([4000000000, 0, 1], new Uint32()),
      i64: vectorFromArray([2n ** 53n, -3n, 0n], new Int64()),
      s: vectorFromArray(['a', null, 'ß'], new Utf8()),
      d: vectorFromArray(['p', 'q', 'p'], new Dictionary(new Utf8(), new Int32())),
      b: vectorFromArray([true, null, false], new Bool()),
    });
    const d = await ready(df.fromArrow(table, { chunkRows: 2 }));
    expect(d.dtypes).toEqual({ i8: 'int32', u32: 'float64', i64: 'float64', s: 'string', d: 'string', b: 'bool' });
    expect(await d.toRecords()).toEqual([
      { i8: 1, u32: 4000000000, i64: 2 ** 53, s: 'a', d: 'p', b: true },
      { i8: -2, u32: 0, i64: -3, s: null, d: 'q', b: null },
      { i8: null, u32: 1, i64: 0, s: 'ß', d: 'p', b: false },
    ]);
    const back = df.fromArrow(await d.fetch());
    expect(back.key).not.toBe(d.key);
    expect(await (await ready(back)).toRecords()).toEqual(await d.toRecords());
  });

  it('equal data gives an equal key, so a second source is served from the cache', async () => {
    const s = open();
    const a = await ready(df.fromColumns(people, { chunkRows: 3 }));
    const b = df.fromColumns({ ...people, name: [...people.name] }, { chunkRows: 3 });
    expect(b.key).toBe(a.key);
    const runs: RunStats[] = [];
    s.on('run', (r: RunStats) => runs.push(r));
    await b.execute();
    expect(runs.reduce((n, r) => n + r.executed, 0)).toBe(0);
    expect(df.fromColumns(people, { chunkRows: 4 }).key).not.toBe(a.key);
  });
});

describe('DataFrame sessions', () => {
  it('fetching in a session that did not execute it fails with Mars’s text; so does a closed session', async () => {
    const a = newSession({ mode: 'lazy', executor: 'local', default: false });
    const b = newSession({ mode: 'lazy', executor: 'local', default: false });
    opened.push(a, b);
    const d = df.fromColumns({ x: [1, 2, 3] });
    const e = await rejection(d.fetch({ session: a }));
    expect(e).toBeInstanceOf(UnexecutedError);
    expect(e.message).toMatch(/^Cannot fetch unexecuted tileable: /);
    await d.execute({ session: a });
    expect(await d.toRecords({ session: a })).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
    expect(await rejection(d.toRecords({ session: b }))).toBeInstanceOf(UnexecutedError);
    const it = d.iterBatches({ session: b });
    expect(await rejection(it.next())).toBeInstanceOf(UnexecutedError);
    await a.close();
    const closed = await rejection(d.fetch({ session: a }));
    expect(closed).toBeInstanceOf(SessionClosedError);
    expect(closed.message).toBe('Attempted to use a closed Session.');
    expect(await rejection(d.iterBatches({ session: a }).next())).toBeInstanceOf(SessionClosedError);
  });

  it('toDot shows what head decided when it was tiled', async () => {
    const s = newSession({ mode: 'lazy', executor: 'local', default: false });
    opened.push(s);
    const h = df.fromColumns({ x: [1, 2, 3, 4, 5] }, { chunkRows: 2 }).head(3);
    await h.execute({ session: s });
    expect(h.toDot({ session: s })).toContain('plan: head 3: 2 of 3 chunks');
    expect(s.info.plans.map((p) => p.op)).toContain('frame.head');
  });
});

describe('bad input is refused where the frame is built', () => {
  it('sources name the column and the index', () => {
    expect(() => df.fromColumns({ a: [1, 'x'] })).toThrow(InvalidArgumentError);
    expect(() => df.fromColumns({ a: [1, 'x'] })).toThrow(/column "a" mixes numbers and strings \(index 1/);
    expect(() => df.fromColumns({ a: [1, 2], b: [1] })).toThrow(/different lengths \(a: 2, b: 1\)/);
    expect(() => df.fromColumns({ a: [{}] })).toThrow(/column "a" holds .* at index 0/);
    expect(() => df.fromColumns({ a: [1.5] }, { dtypes: { a: 'int32' } })).toThrow(/not all int32/);
    expect(() => df.fromColumns({ a: [1] }, { dtypes: { b: 'int32' } })).toThrow(/dtypes names column "b"/);
    expect(() => df.fromColumns({ a: [1] }, { chunkRows: 0 })).toThrow(/chunkRows must be a positive integer/);
    expect(() => df.fromColumns({ a: [1] }, { chunkSize: 3 } as never)).toThrow(/chunkSize/);
    expect(() => df.fromRecords([{ a: 1 }, 3] as never)).toThrow(/record 1 is 3/);
    expect(() => df.fromArrow({} as never)).toThrow(/apache-arrow Table/);
  });

  it('Arrow types a frame cannot hold, and int64 beyond 2^53, are refused by column name', () => {
    const dates = new Table({ when: vectorFromArray([1, 2], new DateDay()) });
    expect(() => df.fromArrow(dates)).toThrow(DTypeError);
    expect(() => df.fromArrow(dates)).toThrow(/column "when" has Arrow type Date/);
    const big = tableFromArrays({ n: BigInt64Array.from([1n, 2n ** 53n + 1n]) });
    expect(() => df.fromArrow(big)).toThrow(/column "n" holds 9007199254740993 at row 1/);
    const schema = new Schema([new Field('x', new Int32()), new Field('x', new Int32())]);
    const twice = new Table(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children: schema.fields.map(() => makeData({ type: new Int32(), length: 0 })) })));
    expect(() => df.fromArrow(twice)).toThrow(/names column "x" twice/);
  });

  it('ops name the column or argument at fault', () => {
    const d = df.fromColumns({ a: [1, 2], b: ['x', 'y'] });
    expect(() => d.select(['a', 'c'])).toThrow(/no column named "c"; the columns are \["a","b"\]/);
    expect(() => d.select([])).toThrow(InvalidArgumentError);
    expect(() => d.col('nope')).toThrow(/no column named "nope"/);
    expect(() => d.rename({ z: 'y' })).toThrow(/no column named "z"/);
    expect(() => d.rename({ a: 'b' })).toThrow(/columns "a" and "b" would both be named "b"/);
    expect(() => d.head(-1)).toThrow(/non-negative integer/);
    expect(() => d.head(1.5)).toThrow(InvalidArgumentError);
  });
});

describe('Series', () => {
  it('builds typed expressions over one DataFrame', () => {
    const d = df.fromColumns({ a: [1, 2], f: [0.5, 1], s: ['x', 'y'], b: [true, false] });
    const a = d.col('a');
    expect(a).toBeInstanceOf(Series);
    expect(a.name).toBe('a');
    expect(a.dtype).toBe('int32');
    expect(a.add(1).dtype).toBe('float64');
    expect(a.mod(2).dtype).toBe('int32');
    expect(a.floordiv(d.col('a')).dtype).toBe('int32');
    expect(a.div(2).dtype).toBe('float64');
    expect(a.gt(d.col('f')).and(d.col('b')).not().dtype).toBe('bool');
    expect(a.isNull().or(a.notNull()).dtype).toBe('bool');
    expect(a.isin([1, 3]).dtype).toBe('bool');
    expect(a.fillna(2.5).dtype).toBe('float64');
    expect(a.cast('bool').dtype).toBe('bool');
    expect(a.neg().abs().pow(2).sub(1).mul(3).dtype).toBe('float64');
    expect(d.col('s').str.startsWith('x').dtype).toBe('bool');
    expect(d.col('s').str.len().dtype).toBe('int32');
    expect(d.col('s').str.upper().eq('X').dtype).toBe('bool');
    expect(d.col('s').str.contains('x').or(d.col('s').str.endsWith('y')).dtype).toBe('bool');
    expect(d.col('s').str.lower().dtype).toBe('string');
    expect(a.ne(2).le(true as never).dtype).toBe('bool');
    expect(a.lt(1).eq(d.col('b')).dtype).toBe('bool');
    expect(a.ge(0).expr).toEqual({ t: 'bin', op: 'ge', a: { t: 'col', name: 'a', dtype: 'int32' }, b: { t: 'lit', v: 0, dtype: 'int32' }, dtype: 'bool' });
  });

  it('refuses a type error and a Series of another DataFrame at build time', () => {
    const d = df.fromColumns({ a: [1, 2], s: ['x', 'y'] });
    const other = df.fromColumns({ a: [3, 4] });
    expect(() => d.col('s').add(1)).toThrow(DTypeError);
    expect(() => d.col('a').str.startsWith('x')).toThrow(DTypeError);
    const e = (() => {
      try {
        d.col('a').add(other.col('a'));
      } catch (err) {
        return err as Error;
      }
      throw new Error('expected an error');
    })();
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toContain(d.key);
    expect(e.message).toContain(other.key);
  });
});

describe('graph interop', () => {
  it('a context’s toDataFrame is a DataFrame with its schema at build time, fetched as an Arrow table', async () => {
    const s = newSession({ mode: 'lazy', executor: 'local', default: false });
    opened.push(s);
    const ctx = s.scope(() => gs.sssp(gs.g().addEdges({ a: [0, 0, 1], b: [1, 2, 2], w: [1, 5, 1] }, { src: 'a', dst: 'b', properties: ['w'] }), 0));
    const d = ctx.toDataFrame({ id: 'v.id', dist: 'r' });
    expect(d).toBeInstanceOf(DataFrame);
    expect(d.dtypes).toEqual({ id: 'float64', dist: 'float64' });
    await d.execute({ session: s });
    expect(await d.toRecords({ session: s })).toEqual([{ id: 0, dist: 0 }, { id: 1, dist: 1 }, { id: 2, dist: 2 }]);
    expect(await d.col('dist').frame.head(1).execute({ session: s }).then((h) => h.toRecords({ session: s }))).toEqual([{ id: 0, dist: 0 }]);
  });
});

describe('a remote session', () => {
  const backend = sessionBackend('remote');
  it('runs frames built here: fetch, toRecords, iterBatches (from the fetched table) and head', async () => {
    const s = backend.open({ mode: 'lazy' });
    try {
      const d = df.fromColumns(people, { chunkRows: 3 });
      await d.execute({ session: s });
      expect(rowsOf(await d.fetch({ session: s }))).toEqual(expected);
      const h = await d.select(['name']).rename({ name: 'who' }).head(2).execute({ session: s });
      expect(await h.toRecords({ session: s })).toEqual([{ who: 'Ada' }, { who: 'Bjørn' }]);
      const sizes: number[] = [];
      for await (const b of d.iterBatches({ session: s, batchSize: 4 })) sizes.push(b.numRows);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(7);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    } finally {
      await s.close();
    }
  });
});
