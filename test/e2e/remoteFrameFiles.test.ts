/**
 * Dataframe files in a remote session are the server's, under its file rules (as graph files are,
 * remoteFiles.test.ts): a CSV, Parquet or Arrow file inside `--data-dir` is read by the server and gives
 * the table a local session reads from the same file; a sink writes inside it; a source or a target
 * outside it is a 403 `PathRefused` and nothing runs. A handle built while the remote session is the
 * default gets its schema from the server (`POST /v1/data/frame`): the file need not exist on the client,
 * and one missing on the server fails when built with the server's typed error. Handles built without
 * it sample the file on the client, so the first tests name files both sides see (one machine).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Table } from 'apache-arrow';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type DataFrame, dataframe as df, InvalidArgumentError, newSession, type RemoteSession, type Session, type SessionLike } from '../../src/index.js';
import { sessionBackend } from '../support/backends.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';
import { rejection } from '../support/rejection.js';

failOnUnhandledRejections();

const backend = sessionBackend('remote');
const opened: SessionLike[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
const remote = (): RemoteSession => {
  const s = backend.open({ mode: 'lazy', default: false }) as RemoteSession;
  opened.push(s);
  return s;
};
const local = (): Session => {
  const s = newSession({ mode: 'lazy', default: false, executor: 'threads', workers: 2 });
  opened.push(s);
  return s;
};
const outside = mkdtempSync(join(tmpdir(), 'tessera-outside-'));
afterAll(() => rmSync(outside, { recursive: true, force: true }));

const rowsOf = (t: Table): Record<string, unknown>[] => t.toArray().map((r) => ({ ...(r as { toJSON(): object }).toJSON() }));
const fetched = async (d: DataFrame, s: SessionLike): Promise<Table> => (await d.execute({ session: s })).fetch({ session: s });

/** 600 rows of CSV text: a header, strings with unicode, quotes and nulls, ints, floats. */
function csvText(): string {
  const lines = ['id,name,score,ok'];
  const names = ['Ada', '"Bjørn, jr"', '', '李雷', 'Zoë 🎉'];
  for (let i = 0; i < 600; i++) lines.push(`${i},${names[i % names.length]},${i % 7 === 0 ? '' : (i * 0.25 - 30).toString()},${i % 3 === 0}`);
  return `${lines.join('\n')}\n`;
}

describe('dataframe files in a remote session', () => {
  it('a CSV in the data directory is read by the server: the local tables, through a group-by and a sort', async () => {
    const path = join(backend.server().dataDir, 'people.csv');
    writeFileSync(path, csvText());
    const build = (): DataFrame[] => {
      const d = df.readCsv(path, { chunkBytes: 2048 });
      return [d, d.groupby('name').agg({ score: 'mean', id: 'count' }), d.sortValues(['score', 'id'], { ascending: [false, true] }).head(7)];
    };
    const there = remote();
    const here = local();
    const [a, b] = [build(), build()];
    for (let j = 0; j < a.length; j++) expect(rowsOf(await fetched(a[j]!, there))).toEqual(rowsOf(await fetched(b[j]!, here)));
    expect((await fetched(a[0]!, there)).numRows).toBe(600);
  });

  it('Parquet and Arrow files written by a remote sink inside the data directory read back as the frame', async () => {
    const dir = backend.server().dataDir;
    const there = remote();
    const frame = df.fromColumns({ i: Int32Array.from({ length: 50 }, (_, k) => k), s: Array.from({ length: 50 }, (_, k) => (k % 4 === 0 ? null : `v${k % 6}`)) }, { chunkRows: 8 });
    const pq = join(dir, 'out.parquet');
    const arrow = join(dir, 'out.arrow');
    const wrote = await frame.toParquet(pq).execute({ session: there }).then((r) => r.fetch({ session: there }));
    expect(wrote).toMatchObject({ rows: 50 });
    await frame.toArrowFile(arrow).execute({ session: there });
    const expected = rowsOf(await fetched(frame, local()));
    // Several row groups and record batches: the server keeps the chunking the client built against.
    for (const read of [() => df.readParquet(pq), () => df.readArrow(arrow, { chunkBytes: 600 }), () => df.readArrow(arrow)]) {
      expect(rowsOf(await fetched(read(), there))).toEqual(expected);
      expect(rowsOf(await fetched(read().groupby('s').agg({ i: 'sum' }), there))).toEqual(rowsOf(await fetched(read().groupby('s').agg({ i: 'sum' }), local())));
    }
  });

  it('a source or a sink outside the data directory is a 403 PathRefused, and nothing runs or is written', async () => {
    const there = remote();
    const path = join(outside, 'secret.csv');
    writeFileSync(path, 'a,b\n1,2\n');
    const read = await rejection(fetched(df.readCsv(path), there));
    expect(read).toMatchObject({ code: 'PathRefused', status: 403 });
    expect(read.message).not.toContain(outside);
    const target = join(outside, 'stolen.parquet');
    const write = await rejection(df.fromColumns({ a: [1] }).toParquet(target).execute({ session: there }));
    expect(write).toMatchObject({ code: 'PathRefused', status: 403 });
    expect(backend.server().engines.get(there.id)!.info.results).toBe(0);
  });

  it('built while the remote session is the default, a source takes its schema from the server: the file need not be on the client', async () => {
    const dir = backend.server().dataDir;
    writeFileSync(join(dir, 'only-there.csv'), csvText());
    await df.fromColumns({ i: Int32Array.from([1, 2, 3]), s: ['a', null, 'c'] }).toParquet(join(dir, 'only-there.parquet')).execute({ session: local() });
    // Named relative to the data directory: this process's working directory has no such files.
    expect(existsSync('only-there.csv') || existsSync('only-there.parquet')).toBe(false);
    const there = remote();
    const [csv, pq, grouped] = there.scope(() => {
      const d = df.readCsv('only-there.csv', { chunkBytes: 2048 });
      return [d, df.readParquet('only-there.parquet'), d.groupby('ok').agg({ id: 'count' })];
    });
    expect(csv.dtypes).toEqual({ id: 'int32', name: 'string', score: 'float64', ok: 'bool' });
    expect(pq.shape).toEqual([3, 2]);
    const here = df.readCsv(join(dir, 'only-there.csv'), { chunkBytes: 2048 });
    expect(rowsOf(await fetched(csv, there))).toEqual(rowsOf(await fetched(here, local())));
    expect(rowsOf(await fetched(grouped, there))).toEqual([{ ok: false, id: 400 }, { ok: true, id: 200 }]);
    expect(rowsOf(await fetched(pq, there))).toEqual([{ i: 1, s: 'a' }, { i: 2, s: null }, { i: 3, s: 'c' }]);
  });

  it('a file on neither side fails when the handle is built, saying the server has no such file; a path outside stays a 403', () => {
    const there = remote();
    const missing = (() => {
      try {
        there.scope(() => df.readCsv('nowhere.csv'));
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a refusal');
    })();
    expect(missing).toBeInstanceOf(InvalidArgumentError);
    expect(missing.message).toContain('the server has no file "nowhere.csv" in its data directory');
    expect(() => there.scope(() => df.readArrow(join(outside, 'x.arrow')))).toThrow(expect.objectContaining({ code: 'PathRefused' }));
  });
});

describe('a server in another process', () => {
  const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('builds the source over a synchronous POST /v1/data/frame when the handle is built; its refusals keep their class', async () => {
    const dir = backend.server().dataDir;
    writeFileSync(join(dir, 'far.csv'), csvText());
    child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--port', '0', '--token', 'far', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const address = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).once('line', (line) => resolve(/listening on (\S+)$/.exec(line)![1]!));
      child!.once('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
    });
    const s = newSession({ address, token: 'far', mode: 'lazy', default: false }) as RemoteSession;
    opened.push(s);
    const d = s.scope(() => df.readCsv('far.csv', { chunkBytes: 4096 }));
    expect(d.columns).toEqual(['id', 'name', 'score', 'ok']);
    expect((await fetched(d, s)).numRows).toBe(600);
    expect(() => s.scope(() => df.readCsv('nowhere.csv'))).toThrow(InvalidArgumentError);
    expect(() => s.scope(() => df.readCsv('far.csv', { sneaky: 1 } as never))).toThrow(expect.objectContaining({ code: 'UnknownOption' }));
    const post = await fetch(`${address}/v1/data/frame`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ op: 'frame.read_csv', path: 'far.csv' }) });
    expect(post.status).toBe(401);
  }, 60_000);
});
