/**
 * Reading graph results as a user does (issue 9 §4 and §6), on both executors: `toArrow` gives an
 * Arrow table with the selectors of `toDataFrame` (whose DataFrame fetches as the same rows, int64 ids
 * as float64);
 * `output` writes one file into an existing directory, and says which directory is missing when the
 * op is built, or when the run finds it gone.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graph as gs, InvalidArgumentError, newSession, type Session } from '../../src/index.js';

const rows = (t: unknown): unknown[] => (t as Table).toArray().map((r) => r.toJSON());

describe.each(['local', 'threads'] as const)('graph results on the %s executor', (executor) => {
  let sess: Session;
  beforeAll(() => {
    sess = newSession({ mode: 'lazy', executor, ...(executor === 'threads' ? { workers: 2 } : {}), default: false });
  });
  afterAll(() => sess.close());
  const run = <T>(f: () => T): T => sess.scope(f);

  /** 0->1 (1), 0->2 (4), 1->2 (2), 2->3 (1); 4->3 (7): vertex 4 is unreachable from 0. */
  const weighted = () =>
    gs.g().addVertices({ id: [0, 1, 2, 3, 4], age: [5, 6, 7, 8, 9] }).addEdges({ s: [0, 0, 1, 2, 4], d: [1, 2, 2, 3, 3], w: [1, 4, 2, 1, 7] }, { src: 's', dst: 'd', properties: ['w'] });

  it('ctx.toArrow gives an Arrow table by the selectors of toDataFrame, with vertex ranges', async () => {
    const ctx = run(() => gs.sssp(weighted(), 0));
    const [arrow, frame, ranged] = await sess.run([
      ctx.toArrow({ id: 'v.id', age: 'v.data', dist: 'r' }),
      ctx.toDataFrame({ id: 'v.id', age: 'v.data', dist: 'r' }),
      ctx.toArrow({ id: 'v.id', dist: 'r' }, { vertexRange: { begin: 1, end: 3 } }),
    ]);
    expect(arrow).toBeInstanceOf(Table);
    expect((arrow as Table).schema.fields.map((f) => f.name)).toEqual(['id', 'age', 'dist']);
    expect(rows(arrow)).toEqual([
      { id: 0n, age: 5, dist: 0 },
      { id: 1n, age: 6, dist: 1 },
      { id: 2n, age: 7, dist: 3 },
      { id: 3n, age: 8, dist: 4 },
      { id: 4n, age: 9, dist: Infinity },
    ]);
    expect(frame).toBeInstanceOf(Table);
    expect(rows(frame)).toEqual(rows(arrow).map((r) => ({ ...(r as object), id: Number((r as { id: bigint }).id) })));
    expect(rows(ranged)).toEqual([{ id: 1n, dist: 1 }, { id: 2n, dist: 3 }]);
  });

  it('HITS reads both of its columns through toArrow', async () => {
    const h = run(() => gs.hits(gs.g({ directed: false }).addEdges({ a: [0, 0, 1, 2], b: [1, 2, 2, 3] }, { src: 'a', dst: 'b' })));
    const [table, hub] = await sess.run([h.toArrow({ hub: 'r.hub', auth: 'r.auth' }), h.toArray('r.hub')]);
    expect((table as Table).numRows).toBe(4);
    expect([...(table as Table).getChild('hub')!.toArray()]).toEqual([...(hub as { data: Float64Array }).data]);
  });

  it('g.toArrow reads vertex columns of a property graph as an Arrow table', async () => {
    const t = await sess.run(run(() => weighted().toArrow({ id: 'v:_.id', age: 'v:_.age' })));
    expect(t).toBeInstanceOf(Table);
    expect(rows(t)).toEqual([0, 1, 2, 3, 4].map((i) => ({ id: BigInt(i), age: 5 + i })));
  });

  it('toArrow refuses what toDataFrame refuses, naming toArrow, when it is built', () => {
    const ctx = run(() => gs.wcc(weighted()));
    expect(() => ctx.toArrow(['v.id'] as never)).toThrow('selector of toArrow must be a dict');
    expect(() => ctx.toArrow({ x: 'r.x' })).toThrow("Selector of r must be 'r'");
    expect(() => weighted().toArrow({})).toThrow('selector of toArrow must name at least one column.');
  });
});

describe.each(['local', 'threads'] as const)('ctx.output on the %s executor', (executor) => {
  let sess: Session;
  let dir: string;
  beforeAll(() => {
    sess = newSession({ mode: 'lazy', executor, ...(executor === 'threads' ? { workers: 2 } : {}), default: false });
    dir = mkdtempSync(join(tmpdir(), 'tessera-output-'));
  });
  afterAll(async () => {
    await sess.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const wcc = () => sess.scope(() => gs.wcc(gs.g().addEdges({ a: [0, 1, 5], b: [1, 2, 6] }, { src: 'a', dst: 'b' })));

  it('refuses a missing directory when the op is built, naming it and what to do; writes once it exists', async () => {
    const missing = join(dir, 'results', 'deeper');
    const target = join(missing, 'wcc.txt');
    const e = (() => {
      try {
        wcc().output(target);
      } catch (err) {
        return err as InvalidArgumentError;
      }
      throw new Error('expected output to refuse a missing directory');
    })();
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toContain(`the directory ${missing} does not exist; create it first (mkdir -p ${missing})`);
    expect(existsSync(join(dir, 'results'))).toBe(false);
    mkdirSync(missing, { recursive: true });
    expect(await sess.run(wcc().output(target))).toEqual({ path: target, lines: 5 });
    expect(readFileSync(target, 'utf8')).toBe('0 0\n1 0\n2 0\n5 5\n6 5\n');
  });

  it('refuses a path that is a directory, or a file as the directory', () => {
    expect(() => wcc().output(dir)).toThrow(`${dir} is a directory; name a file in it.`);
    const file = join(dir, 'plain.txt');
    writeFileSync(file, 'x');
    expect(() => wcc().output(join(file, 'out.txt'))).toThrow(`${file} is not a directory; name a file in an existing directory.`);
  });

  it('a directory removed between build and run fails the run with OutputFailed naming the path; the session goes on', async () => {
    const gone = join(dir, 'gone');
    mkdirSync(gone);
    const target = join(gone, 'r.txt');
    const out = wcc().output(target);
    rmSync(gone, { recursive: true });
    await expect(sess.run(out)).rejects.toMatchObject({ name: 'OutputFileError', code: 'OutputFailed', path: target, message: expect.stringContaining(`the directory ${gone} does not exist`) });
    const again = join(dir, 'again.txt');
    expect(await sess.run(wcc().output(again))).toEqual({ path: again, lines: 5 });
  });
});
