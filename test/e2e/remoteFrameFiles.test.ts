/**
 * Dataframe files in a remote session are the server's, under its file rules (as graph files are,
 * remoteFiles.test.ts): a CSV, Parquet or Arrow file inside `--data-dir` is read by the server and gives
 * the table a local session reads from the same file; a sink writes inside it; a source or a target
 * outside it is a 403 `PathRefused` and nothing runs. The builders sample files when a handle is built,
 * so these tests name files the client can see too (the server runs on this machine).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type DataFrame, dataframe as df, newSession, type RemoteSession, type Session, type SessionLike } from '../../src/index.js';
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
});
