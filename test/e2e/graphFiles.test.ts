/**
 * Files a dataset names, and file contents in errors, tried from outside (issue 9 §6). An LDBC
 * `.properties` may name only files inside its folder — `../`, absolute paths and links leading out
 * are refused when the graph is built, before anything outside is read — and an error that quotes a
 * file quotes a short excerpt with control characters escaped, on both executors (the files are
 * parsed in a worker on `threads`).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graph as gs, type NdArray, newSession, type Session } from '../../src/index.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tessera-files-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A dataset folder `name` with a description naming `files` (vertex-file, edge-file) and the given file contents. */
function dataset(name: string, names: { v: string; e: string }, contents: Record<string, string> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.properties`), `graph.${name}.vertex-file = ${names.v}\ngraph.${name}.edge-file = ${names.e}\ngraph.${name}.directed = false\n`);
  for (const [file, text] of Object.entries(contents)) writeFileSync(join(dir, file), text);
  return dir;
}

function thrown(build: () => unknown): Error & { code?: string; key?: string; folder?: string } {
  try {
    build();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the build to throw');
}

describe('an LDBC description names only files inside its folder', () => {
  it('refuses ../ leading out when the graph is built, without reading or quoting the file', () => {
    const dir = dataset('escape', { v: 'escape.v', e: '../../../../../../../../etc/passwd' }, { 'escape.v': '1\n2\n' });
    for (const build of [() => gs.loadFrom({ ldbc: dir }), () => gs.ldbcSpec(dir)]) {
      const e = thrown(build);
      expect(e).toMatchObject({ name: 'DatasetPathError', code: 'OutsideDataset', key: 'graph.escape.edge-file', folder: dir });
      expect(e.message).toContain("names '../../../../../../../../etc/passwd', which leads outside the folder");
      expect(e.message).not.toMatch(/root:/);
    }
  });

  it('refuses an absolute path, even to a file inside the folder', () => {
    const dir = dataset('absolute', { v: 'absolute.v', e: join(root, 'absolute', 'absolute.e') }, { 'absolute.v': '1\n', 'absolute.e': '1 1\n' });
    expect(thrown(() => gs.loadFrom({ ldbc: dir }))).toMatchObject({ code: 'OutsideDataset', key: 'graph.absolute.edge-file', message: expect.stringContaining('an absolute path') });
  });

  it('refuses a link inside the folder that leads out, and the vertex file is checked too', () => {
    writeFileSync(join(root, 'outside.e'), '1 2\n');
    const dir = dataset('linked', { v: 'linked.v', e: 'linked.e' }, { 'linked.v': '1\n2\n' });
    symlinkSync(join(root, 'outside.e'), join(dir, 'linked.e'));
    expect(thrown(() => gs.loadFrom({ ldbc: dir }))).toMatchObject({ code: 'OutsideDataset', message: expect.stringContaining("names 'linked.e', a link that leads outside the folder") });
    const vdir = dataset('vout', { v: '../outside.e', e: 'vout.e' }, { 'vout.e': '1 2\n' });
    expect(thrown(() => gs.loadFrom({ ldbc: vdir }))).toMatchObject({ code: 'OutsideDataset', key: 'graph.vout.vertex-file' });
  });

  it('refuses a description in the folder that is a link leading out, without reading or quoting it', () => {
    writeFileSync(join(root, 'outside.properties'), 'secret-line-of-a-file-outside\n');
    const dir = join(root, 'propslink');
    mkdirSync(dir);
    symlinkSync(join(root, 'outside.properties'), join(dir, 'propslink.properties'));
    const e = thrown(() => gs.loadFrom({ ldbc: dir }));
    expect(e).toMatchObject({ code: 'OutsideDataset', message: expect.stringContaining("names 'propslink.properties', a link that leads outside the folder") });
    expect(e.message).not.toContain('secret-line');
  });
});

describe.each(['local', 'threads'] as const)('dataset files on the %s executor', (executor) => {
  let sess: Session;
  beforeAll(() => {
    sess = newSession({ mode: 'lazy', executor, ...(executor === 'threads' ? { workers: 2 } : {}), default: false });
  });
  afterAll(() => sess.close());
  const failure = async (p: Promise<unknown>): Promise<Error & { code?: string; line?: number }> => {
    try {
      await p;
    } catch (e) {
      return e as Error;
    }
    throw new Error('expected the run to fail');
  };

  it('loads files named through a subfolder and ../ back in, and through a link that stays inside', async () => {
    const dir = dataset(`inside-${executor}`, { v: 'data/../v.txt', e: 'edges.link' }, { 'v.txt': '1\n2\n3\n', 'real.e': '1 2\n2 3\n' });
    mkdirSync(join(dir, 'data'));
    symlinkSync(join(dir, 'real.e'), join(dir, 'edges.link'));
    const labels = await sess.run(sess.scope(() => gs.wcc(gs.loadFrom({ ldbc: dir })).toArray('r')));
    expect([...(labels as NdArray).data]).toEqual([1, 1, 1]);
  });

  it('a malformed edge file is quoted as a short excerpt with control characters escaped', async () => {
    const token = `\u001b[31m${'x'.repeat(10_000)}`;
    const dir = dataset(`binary-${executor}`, { v: 'b.v', e: 'b.e' }, { 'b.v': '1\n2\n', 'b.e': `1 2\n${token} 2\n` });
    const e = await failure(sess.run(sess.scope(() => gs.wcc(gs.loadFrom({ ldbc: dir })).toArray('r'))));
    expect(e).toMatchObject({ name: 'GraphFormatError', code: 'GraphFormat', line: 2 });
    expect(e.message).not.toContain('\u001b');
    expect(e.message).toContain(`'\\x1b[31m${'x'.repeat(52)}…' is not an integer`);
    expect(e.message.length).toBeLessThan(dir.length + 120);
  });

  it('a delimited file with a huge quoted field and a bidi override is quoted as a short excerpt', async () => {
    const path = join(root, `huge-${executor}.csv`);
    writeFileSync(path, `src,dst\n1,2\n"${'\u202e'}${'y '.repeat(5000)}",3\n`);
    const e = await failure(sess.run(sess.scope(() => gs.wcc(gs.loadFrom({ edges: path })).toArray('r'))));
    expect(e).toMatchObject({ code: 'GraphFormat', line: 3 });
    // However the parser decodes the bytes (UTF-8 or Latin-1), no control or bidi character gets through raw.
    expect(e.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(e.message).toMatch(/'[^']*y y y[^']*…' is not an integer/);
    const quoted = /'([^']*)'/.exec(e.message)![1]!;
    expect(quoted.length).toBeLessThanOrEqual(70);
    expect(e.message.length).toBeLessThan(path.length + 200);
  });

  it('a description with a long, escaped value quotes an excerpt of it', () => {
    const dir = dataset(`props-${executor}`, { v: 'p.v', e: 'p.e' }, { 'p.v': '1\n', 'p.e': '1 1\n' });
    writeFileSync(join(dir, `props-${executor}.properties`), `graph.p.vertex-file = p.v\ngraph.p.edge-file = p.e\ngraph.p.directed = ${'\\u0007'.repeat(3)}${'z'.repeat(500)}\n`);
    const e = thrown(() => gs.loadFrom({ ldbc: dir }));
    expect(e).toMatchObject({ code: 'GraphFormat' });
    expect(e.message).toContain(`graph.p.directed '\\x07\\x07\\x07${'z'.repeat(48)}…' is not true or false`);
  });
});
