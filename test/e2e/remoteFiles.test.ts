/**
 * Files a remote session names are its server's (issue 10 §3, §5): an LDBC folder (or its `.properties`)
 * is described by the server when the handle is built and read by it when the graph runs; an output
 * target is written by the server. Both resolve inside `--data-dir` only: `..`, an absolute path
 * elsewhere, or a link leading out (the folder, the description, a file it names, the output's
 * directory) is a 403 `PathRefused` that quotes nothing, and nothing outside is read or written. Errors
 * about files inside the data directory name them as the client did, never where the server keeps them.
 * A local session keeps checking its own files when the op is built.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Result } from '../../src/api/graph.js';
import { graph as gs, type NdArray, newSession, type RemoteSession } from '../../src/index.js';
import { outputNode } from '../../src/ops/graph/context.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';
import { rejection } from '../support/rejection.js';
import { startTestServer, type TestServer } from '../support/remoteServer.js';

failOnUnhandledRejections();

const SECRET = 'root:x:0:0:the-secret-line';
let server: TestServer;
let outside: string;
const opened: RemoteSession[] = [];

function open(mode: 'lazy' | 'eager' = 'lazy', token = 't1'): RemoteSession {
  const s = newSession({ address: server.address, token, mode, default: false });
  opened.push(s);
  return s;
}

function thrown(build: () => unknown): Error & { code?: string; status?: number } {
  try {
    build();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the build to throw');
}

/** A dataset folder under the data directory: `name/name.properties` plus files. */
function dataset(rel: string, props: string, files: Record<string, string> = {}): void {
  const dir = join(server.dataDir, rel);
  mkdirSync(dir, { recursive: true });
  const name = rel.split('/').pop()!;
  writeFileSync(join(dir, `${name}.properties`), props);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
}

const TINY = [
  'graph.tiny.vertex-file = tiny.v',
  'graph.tiny.edge-file = tiny.e',
  'graph.tiny.directed = true',
  'graph.tiny.edge-properties.names = weight',
  'graph.tiny.edge-properties.types = real',
  'graph.tiny.sssp.source-vertex = 1',
  'graph.tiny.sssp.weight-property = weight',
  '',
].join('\n');

beforeAll(async () => {
  server = await startTestServer();
  outside = realpathSync(mkdtempSync(join(tmpdir(), 'tessera-outside-')));
  writeFileSync(join(outside, 'outside.properties'), `graph.outside.vertex-file = v\ngraph.outside.edge-file = e\ngraph.outside.directed = ${SECRET}\n`);
  writeFileSync(join(outside, 'secret.e'), `${SECRET}\n`);
  dataset('graphs/tiny', TINY, { 'tiny.v': '1\n2\n3\n4\n', 'tiny.e': '1 2 0.5\n2 3 1.5\n1 3 5\n' });
  dataset('graphs/bad', 'graph.bad.vertex-file = bad.v\ngraph.bad.edge-file = bad.e\ngraph.bad.directed = sideways\n');
  mkdirSync(join(server.dataDir, 'out'));
  symlinkSync(outside, join(server.dataDir, 'escape'));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await server.close();
  rmSync(outside, { recursive: true, force: true });
});

const values = (a: unknown): number[] => Array.from((a as NdArray).data);

describe('an LDBC folder of the server', () => {
  it('is described by the server when the graph is built, and read by it when it runs', async () => {
    expect(existsSync('graphs/tiny')).toBe(false);
    const s = open();
    const g = s.scope(() => gs.loadFrom({ ldbc: 'graphs/tiny' }));
    expect(g.directed).toBe(true);
    expect(g.schema.edges).toEqual({ e: { src: 'v', dst: 'v', props: { weight: 'float64' } } });
    const spec = s.scope(() => gs.ldbcSpec('graphs/tiny'));
    expect(spec).toMatchObject({ name: 'tiny', directed: true, sssp: { source: 1, weightProperty: 'weight' } });
    const dist = s.scope(() => gs.sssp(g, 1).toArray('r'));
    expect(values(await s.run(dist))).toEqual([0, 0.5, 2, Infinity]);
    expect(await s.run(g)).toMatchObject({ directed: true, vertices: { v: 4 }, edges: { e: 3 } });
  });

  it('may be named by its .properties file, or by an absolute path inside the data directory, in an eager session', async () => {
    const s = open('eager');
    const byFile = s.scope(() => gs.wcc(gs.loadFrom({ ldbc: 'graphs/tiny/tiny.properties' })).toArray('r'));
    expect(values(await byFile.fetch({ session: s }))).toEqual([1, 1, 1, 4]);
    const absolute = s.scope(() => gs.loadFrom({ ldbc: join(server.dataDir, 'graphs', 'tiny') }));
    expect(absolute.directed).toBe(true);
  });

  it("'..', an absolute path elsewhere, and a link out (the folder, the description, a file it names) are 403s that quote nothing", async () => {
    dataset('graphs/leaky', 'graph.leaky.vertex-file = leaky.v\ngraph.leaky.edge-file = linked.e\ngraph.leaky.directed = false\n', { 'leaky.v': '1\n' });
    symlinkSync(join(outside, 'secret.e'), join(server.dataDir, 'graphs', 'leaky', 'linked.e'));
    dataset('graphs/climb', 'graph.climb.vertex-file = climb.v\ngraph.climb.edge-file = ../../../secret.e\ngraph.climb.directed = false\n', { 'climb.v': '1\n' });
    mkdirSync(join(server.dataDir, 'graphs', 'linkdesc'));
    symlinkSync(join(outside, 'outside.properties'), join(server.dataDir, 'graphs', 'linkdesc', 'linkdesc.properties'));
    const s = open();
    for (const path of ['../outside', join(outside), '/etc', 'escape', 'escape/outside.properties', 'graphs/linkdesc', 'graphs/leaky', 'graphs/climb']) {
      for (const build of [(): unknown => gs.loadFrom({ ldbc: path }), (): unknown => gs.ldbcSpec(path)]) {
        const e = thrown(() => s.scope(build));
        expect({ path, code: e.code, status: e.status }).toEqual({ path, code: 'PathRefused', status: 403 });
        for (const quoted of [SECRET, outside, server.dataDir, 'secret', 'linked.e']) expect(e.message).not.toContain(quoted);
      }
    }
  });

  it("a missing or malformed description inside the data directory is the loader's error, naming the file as the client did", () => {
    const s = open();
    const missing = thrown(() => s.scope(() => gs.loadFrom({ ldbc: 'graphs/nowhere' })));
    expect(missing).toMatchObject({ name: 'InvalidArgumentError', code: 'InvalidArgument', status: 400 });
    expect(missing.message).toContain('graphs/nowhere');
    const bad = thrown(() => s.scope(() => gs.loadFrom({ ldbc: 'graphs/bad' })));
    expect(bad).toMatchObject({ name: 'GraphFormatError', code: 'GraphFormat', status: 400 });
    expect(bad.message).toContain("graphs/bad/bad.properties:3: graph.bad.directed 'sideways' is not true or false");
    for (const e of [missing, bad]) expect(e.message).not.toContain(server.dataDir);
  });

  it('a malformed file read when the graph runs is the loader\'s error, naming the file as the client did', async () => {
    dataset('graphs/torn', 'graph.torn.vertex-file = torn.v\ngraph.torn.edge-file = torn.e\ngraph.torn.directed = false\n', { 'torn.v': '1\n2\n', 'torn.e': '1 2\nthree 4\n' });
    writeFileSync(join(server.dataDir, 'torn.csv'), 'src,dst\n1,2\nx,3\n');
    const s = open();
    for (const [build, file] of [
      [() => gs.wcc(gs.loadFrom({ ldbc: 'graphs/torn' })).toArray('r'), 'graphs/torn/torn.e:2'],
      [() => gs.wcc(gs.loadFrom({ edges: 'torn.csv' })).toArray('r'), 'torn.csv:3'],
    ] as const) {
      const e = await rejection(s.run(s.scope(build)));
      expect(e).toMatchObject({ name: 'GraphFormatError', code: 'GraphFormat' });
      expect(e.message).toContain(file);
      expect(e.message).not.toContain(server.dataDir);
      expect((e as unknown as { file: string }).file).not.toContain(server.dataDir);
    }
  });

  it('a local session still reads and checks its own files when the graph is built', () => {
    const local = newSession({ mode: 'lazy', executor: 'local', default: false });
    try {
      expect(thrown(() => local.scope(() => gs.loadFrom({ ldbc: 'graphs/tiny' })))).toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('cannot read the folder') });
      expect(local.scope(() => gs.loadFrom({ ldbc: join(server.dataDir, 'graphs', 'tiny') })).directed).toBe(true);
    } finally {
      void local.close();
    }
  });
});

describe('ctx.output of a remote session', () => {
  it('is written by the server inside its data directory, and reports the path as the client named it', async () => {
    const s = open();
    const written = s.scope(() => gs.wcc(gs.loadFrom({ ldbc: 'graphs/tiny' })).output('out/wcc.txt'));
    expect(await s.run(written)).toEqual({ path: 'out/wcc.txt', lines: 4 });
    expect(readFileSync(join(server.dataDir, 'out', 'wcc.txt'), 'utf8')).toBe('1 1\n2 1\n3 1\n4 4\n');
    expect(existsSync('out/wcc.txt')).toBe(false);
  });

  it("'..', an absolute path elsewhere or a directory linked out is a 403 quoting nothing, and nothing is written outside", async () => {
    const s = open();
    for (const path of ['../written.txt', 'out/../../written.txt', join(outside, 'written.txt'), 'escape/written.txt']) {
      const e = await rejection(s.run(s.scope(() => gs.wcc(gs.loadFrom({ ldbc: 'graphs/tiny' })).output(path))));
      expect({ path, code: e.code }).toEqual({ path, code: 'PathRefused' });
      expect(e.message).not.toContain('written');
      expect(e.message).not.toContain(outside);
    }
    expect(existsSync(join(outside, 'written.txt'))).toBe(false);
    expect(existsSync(join(server.dataDir, '..', 'written.txt'))).toBe(false);
  });

  it('a link planted at the target between the check and the write is refused, and the file it names is not touched', async () => {
    const local = newSession({ mode: 'lazy', executor: 'local', default: false });
    try {
      const target = join(server.dataDir, 'out', 'planted.txt');
      mkdirSync(join(server.dataDir, 'out'), { recursive: true });
      rmSync(target, { force: true });
      // Built as the server builds a client's output (the path checked, then written with O_NOFOLLOW).
      const written = local.scope(() => new Result(outputNode(gs.wcc(gs.loadFrom({ ldbc: join(server.dataDir, 'graphs', 'tiny') })).node, target, 'r', 'out/planted.txt')));
      const victim = join(outside, 'victim.txt');
      writeFileSync(victim, SECRET);
      symlinkSync(victim, target);
      const e = await rejection(local.run(written));
      expect(e).toMatchObject({ code: 'OutputFailed', message: expect.stringContaining('it is a symbolic link') });
      expect(readFileSync(victim, 'utf8')).toBe(SECRET);
      // Without the link, the same node writes its file.
      rmSync(target);
      expect(await local.run(written)).toEqual({ path: 'out/planted.txt', lines: 4 });
      expect(readFileSync(target, 'utf8')).toBe('1 1\n2 1\n3 1\n4 4\n');
    } finally {
      await local.close();
    }
  });

  it("a missing directory inside the data directory is output's own error, naming it as the client did", async () => {
    const s = open();
    const e = await rejection(s.run(s.scope(() => gs.wcc(gs.loadFrom({ ldbc: 'graphs/tiny' })).output('no-such-dir/wcc.txt'))));
    expect(e).toMatchObject({ name: 'InvalidArgumentError', code: 'InvalidArgument' });
    expect(e.message).toContain('the directory no-such-dir does not exist');
    expect(e.message).not.toContain(server.dataDir);
    expect(existsSync(join(server.dataDir, 'no-such-dir'))).toBe(false);
  });

  it('in a local session is still checked when the op is built', () => {
    const local = newSession({ mode: 'lazy', executor: 'local', default: false });
    try {
      const ctx = local.scope(() => gs.wcc(gs.loadFrom({ ldbc: join(server.dataDir, 'graphs', 'tiny') })));
      expect(thrown(() => ctx.output(join(outside, 'nope', 'x.txt')))).toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('does not exist') });
    } finally {
      void local.close();
    }
  });
});

describe('POST /v1/data/ldbc', () => {
  const post = (body: unknown, token: string | null = 't1'): Promise<Response> =>
    fetch(`${server.address}/v1/data/ldbc`, {
      method: 'POST',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('refuses a request without a token (401) and a malformed body (400 naming the field)', async () => {
    expect((await post({ path: 'graphs/tiny' }, null)).status).toBe(401);
    expect((await post({ path: 'graphs/tiny' }, 'not-a-token')).status).toBe(401);
    for (const [body, field] of [[{}, 'path'], [{ path: '' }, 'path'], [{ path: 3 }, 'path'], [{ path: 'graphs/tiny', extra: 1 }, 'extra']] as const) {
      const r = await post(body);
      expect({ body, status: r.status, field: ((await r.json()) as { error: { field?: string } }).error.field }).toEqual({ body, status: 400, field });
    }
  });
});

describe('a server in another process', () => {
  const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('describes the folder over a synchronous request when the graph is built; a refused path is its 403', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--port', '0', '--token', 'far', '--data-dir', server.dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const address = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).once('line', (line) => resolve(/listening on (\S+)$/.exec(line)![1]!));
      child!.once('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
    });
    const s = newSession({ address, token: 'far', mode: 'lazy', default: false });
    opened.push(s);
    const g = s.scope(() => gs.loadFrom({ ldbc: 'graphs/tiny' }));
    expect(g.directed).toBe(true);
    expect(values(await s.run(s.scope(() => gs.sssp(g, 1).toArray('r'))))).toEqual([0, 0.5, 2, Infinity]);
    const refused = thrown(() => s.scope(() => gs.loadFrom({ ldbc: 'escape' })));
    expect(refused).toMatchObject({ code: 'PathRefused', status: 403 });
    expect(refused.message).not.toContain(outside);
    const bad = thrown(() => s.scope(() => gs.loadFrom({ ldbc: 'graphs/bad' })));
    expect(bad).toMatchObject({ name: 'GraphFormatError', code: 'GraphFormat', status: 400 });
    expect(bad.message).not.toContain(server.dataDir);
    const stranger = newSession({ address, token: 'not-its-token', mode: 'lazy', default: false });
    opened.push(stranger);
    expect(thrown(() => stranger.scope(() => gs.loadFrom({ ldbc: 'graphs/tiny' })))).toMatchObject({ code: 'Unauthorized', status: 401 });
    child.kill('SIGTERM');
    await new Promise((resolve) => child!.once('exit', resolve));
    expect(thrown(() => s.scope(() => gs.loadFrom({ ldbc: 'graphs/tiny' })))).toMatchObject({ code: 'ServerUnreachable' });
  }, 60_000);
});
