/**
 * `tessera sessions …` against a stand-in of the REST API (test/support/fakeSessionsServer.ts): the
 * requests it makes (method, path, query, body, bearer token), what it prints, its exit codes, and
 * Skaha's client behaviours (reference/vineyard-skaha.md §B.4): bad options refused before any request,
 * a replica the server left out missing from the ids, per-id reports for info, renew and delete.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runSessions, SESSIONS_USAGE } from '../../../src/cli/sessions.js';
import { startFakeServer, TOKEN, type FakeServer } from '../../support/fakeSessionsServer.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runSessions([...argv, '--address', server.url, '--token', TOKEN], { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe('create', () => {
  it('sends one request with the replicas, env and args; prints the ids in replica order', async () => {
    const r = await cli('create', '--name', 'job', '--module', 'pipelines/job.mjs', '--replicas', '3', '--workers', '2', '--memory', '2Gi',
      '--env', 'A=1', '--env', 'URL=http://x/?q=a=b', '--arg=--fast', '--arg', 'two words');
    expect(r).toEqual({ code: 0, out: 'id-job-1\nid-job-2\nid-job-3\n', err: '' });
    expect(server.requests).toEqual([{
      method: 'POST', path: '/v1/sessions', query: {}, authorization: `Bearer ${TOKEN}`,
      body: { name: 'job', kind: 'headless', workers: 2, memory: '2Gi', replicas: 3, env: { A: '1', URL: 'http://x/?q=a=b' }, module: 'pipelines/job.mjs', args: ['--fast', 'two words'] },
    }]);
  });

  it('an interactive session by default, and --json prints the ids as a JSON array', async () => {
    const r = await cli('create', '--name', 'nb', '--json');
    expect(r.out).toBe('["id-nb"]\n');
    expect(server.requests[0]!.body).toEqual({ name: 'nb', kind: 'interactive' });
  });

  it('a replica the server could not create (207) is missing from the ids, said on stderr with its reason, exit 6', async () => {
    const r = await cli('create', '--name', 'flaky', '--kind', 'headless', '--module', 'm.js', '--replicas', '3');
    expect(r.code).toBe(6);
    expect(r.out).toBe('id-flaky-1\nid-flaky-2\n');
    expect(r.err).toContain('2 of 3 replicas were created');
    expect(r.err).toContain('replica 3: HeadlessHostError: the child would not start');
  });

  it.each([
    [['--name', 'x', '--kind', 'interactive', '--module', 'm.js'], '--module, --arg and --env are only for headless sessions.'],
    [['--name', 'x', '--env', 'A=1'], '--module, --arg and --env are only for headless sessions.'],
    [['--name', 'x', '--kind', 'headless'], 'a headless session needs --module PATH'],
    [['--name', 'x', '--workers', '0'], '--workers must be an integer from 1 to 256, got "0"'],
    [['--name', 'x', '--workers', '257'], '--workers must be an integer from 1 to 256'],
    [['--name', 'x', '--replicas', '513'], '--replicas must be an integer from 1 to 512'],
    [['--name', 'x', '--memory', 'lots'], '--memory "lots" is not a size'],
    [['--name', 'x', '--module', 'm.js', '--env', 'NOVALUE'], '--env takes KEY=VALUE, got "NOVALUE"'],
    [['--name', 'x', '--kind', 'desktop'], '--kind must be one of interactive, headless, got "desktop"'],
    [['--module', 'm.js'], "'create' needs --name NAME."],
    [['--name', 'x', '--follow'], "--follow does not apply to 'create'."],
  ])('refuses %j before any request (exit 2)', async (argv, message) => {
    const r = await cli('create', ...argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(server.requests).toEqual([]);
  });
});

describe('list, info, events, logs, stats', () => {
  it('list filters by kind and status, case-insensitively, and prints a table', async () => {
    const r = await cli('list', '--kind', 'HEADLESS', '--status', 'running');
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/sessions', query: { kind: 'headless', status: 'Running' } });
    expect(r.code).toBe(0);
    const [head, ...rows] = r.out.trimEnd().split('\n');
    expect(head!.split(/\s+/)).toEqual(['ID', 'NAME', 'KIND', 'STATUS', 'WORKERS', 'MEMORY', 'START_TIME', 'EXPIRY_TIME']);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 4))).toEqual([['a', 'batch-1', 'headless', 'Running']]);
  });

  it('list --json prints the sessions; an unknown status is refused before any request', async () => {
    expect(JSON.parse((await cli('list', '--json')).out).map((s: { id: string }) => s.id)).toEqual(['a', 'b', 'done']);
    server.requests.length = 0;
    const bad = await cli('list', '--status', 'Succeeded');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--status must be one of Pending, Running, Completed, Failed, Terminating, got "Succeeded"');
    expect(server.requests).toEqual([]);
  });

  it('info of several ids asks for each; one that fails is reported and left out (exit 6)', async () => {
    const r = await cli('info', 'a', 'nope', 'b', '--json');
    expect(server.requests.map((q) => q.path)).toEqual(['/v1/sessions/a', '/v1/sessions/nope', '/v1/sessions/b']);
    expect(JSON.parse(r.out).map((s: { id: string }) => s.id)).toEqual(['a', 'b']);
    expect(r.err).toContain('nope: Not found (404): Session nope not found.');
    expect(r.code).toBe(6);
    const text = await cli('info', 'a');
    expect(text.out).toMatch(/^status\s+Running$/m);
    expect(text.out).toMatch(/^dag\.chunksDone\s+12$/m);
    expect((await cli('info', 'nope')).code).toBe(5);
  });

  it('events prints one line each, <none> when there are none', async () => {
    const a = await cli('events', 'a');
    expect(a.out).toBe('2025-01-01T00:00:01.000Z  Started  Process 42 runs job.mjs\n2025-01-01T00:00:02.000Z  ModuleLoaded  job.mjs loaded\n');
    expect((await cli('events', 'b')).out).toBe('<none>\n');
    expect((await cli('events', 'a', 'b')).code).toBe(2);
  });

  it('logs prints the text; --follow asks for the stream and prints it as it comes', async () => {
    expect((await cli('logs', 'a')).out).toBe('line one\nline two\n');
    const followed = await cli('logs', 'a', '--follow');
    expect(server.requests.at(-1)).toMatchObject({ path: '/v1/sessions/a/logs', query: { follow: '1' } });
    expect(followed).toEqual({ code: 0, out: 'line one\nline two, written later\n', err: '' });
  });

  it('stats prints dotted keys, or the JSON', async () => {
    const r = await cli('stats');
    expect(r.out).toMatch(/^sessions\.headless\.Running\s+1$/m);
    expect(r.out).toMatch(/^memory\.limit\s+4096$/m);
    expect(JSON.parse((await cli('stats', '--json')).out).workers).toBe(4);
  });
});

describe('delete and renew', () => {
  it('delete of several ids: one DELETE each, {id: true|false} printed, exit 6 when one failed', async () => {
    const r = await cli('delete', 'a', 'nope', 'b');
    expect(server.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['DELETE /v1/sessions/a', 'DELETE /v1/sessions/nope', 'DELETE /v1/sessions/b']);
    expect(JSON.parse(r.out)).toEqual({ a: true, nope: false, b: true });
    expect(r.code).toBe(6);
    expect((await cli('delete', 'a')).code).toBe(0);
  });

  it('delete by filter is one request whose report is printed; no filter and no id is refused', async () => {
    const r = await cli('delete', '--prefix', 'batch', '--kind', 'Headless');
    expect(server.requests).toMatchObject([{ method: 'DELETE', path: '/v1/sessions', query: { prefix: 'batch', kind: 'headless' } }]);
    expect(JSON.parse(r.out)).toEqual({ a: true, done: false });
    expect(r.code).toBe(6);
    server.requests.length = 0;
    const all = await cli('delete');
    expect(all.code).toBe(2);
    expect(all.err).toContain('Cannot kill all sessions');
    expect((await cli('delete', 'a', '--prefix', 'x')).code).toBe(2);
    expect(server.requests).toEqual([]);
  });

  it('delete --match sends the regex; --purge all goes with ids and with filters; misuse is refused before any request', async () => {
    await cli('delete', '--match', '^batch-[0-9]+$', '--status', 'running');
    expect(server.requests).toMatchObject([{ method: 'DELETE', path: '/v1/sessions', query: { match: '^batch-[0-9]+$', status: 'Running' } }]);
    server.requests.length = 0;
    expect((await cli('delete', 'a', 'b', '--purge', 'all')).code).toBe(0);
    expect(server.requests.map((q) => [q.path, q.query])).toEqual([['/v1/sessions/a', { purge: 'all' }], ['/v1/sessions/b', { purge: 'all' }]]);
    server.requests.length = 0;
    await cli('delete', '--prefix', 'batch-', '--purge', 'all'); // the fake server's report is not the point here
    expect(server.requests).toMatchObject([{ method: 'DELETE', path: '/v1/sessions', query: { prefix: 'batch-', purge: 'all' } }]);
    server.requests.length = 0;
    for (const [argv, message] of [
      [['--prefix', 'a', '--match', 'b'], 'Give --prefix or --match, not both.'],
      [['a', '--purge', 'some'], '--purge must be one of transient, all, got "some".'],
      [['--prefix', 'a', '--purge', 'some'], '--purge must be one of transient, all, got "some".'],
    ] as const) {
      const r = await cli('delete', ...argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain(message);
    }
    expect(server.requests).toEqual([]);
  });

  it('list --all asks for view=all and prints userid, kind, status and startTime', async () => {
    const r = await cli('list', '--all');
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/sessions', query: { view: 'all' } });
    expect(r.out.split('\n')[0]!.split(/\s+/).filter(Boolean)).toEqual(['USERID', 'KIND', 'STATUS', 'START_TIME']);
  });

  it('renew prints the new expiry; a finished session is the server\'s 409, reported for that id', async () => {
    const r = await cli('renew', 'a', 'done');
    expect(r.out).toBe('a  2025-01-01T02:00:00.000Z\n');
    expect(r.err).toContain('done: POST /v1/sessions/done/renew failed with 409 Conflict: Session done has finished; it cannot be renewed.');
    expect(r.code).toBe(6);
    expect((await cli('renew', 'done')).code).toBe(1);
  });
});

describe('failures of the connection', () => {
  it('a refused token: exit 4 with the server\'s reason', async () => {
    let err = '';
    const code = await runSessions(['list', '--address', server.url, '--token', 'bad'], { out: () => {}, err: (t) => void (err += t) });
    expect(code).toBe(4);
    expect(err).toContain('The server refused the token (401): Missing or invalid bearer token. Check --token.');
  });

  it('no server at the address: exit 3 naming it; no token at all: exit 2', async () => {
    const port = await closedPort();
    let err = '';
    const io = { out: () => {}, err: (t: string) => void (err += t) };
    expect(await runSessions(['stats', '--address', `http://127.0.0.1:${port}`, '--token', 't'], io)).toBe(3);
    expect(err).toContain(`Cannot reach the server at http://127.0.0.1:${port} (ECONNREFUSED)`);
    const saved = process.env.TESSERA_TOKEN;
    delete process.env.TESSERA_TOKEN;
    try {
      expect(await runSessions(['stats', '--address', server.url], io)).toBe(2);
    } finally {
      if (saved !== undefined) process.env.TESSERA_TOKEN = saved;
    }
    expect(err).toContain('--token is required');
  });

  it('an unknown command or option is a usage error; help prints the usage', async () => {
    expect((await cli('destroy', 'a')).code).toBe(2);
    expect((await cli('list', '--colour')).err).toContain("Unknown option '--colour'");
    const help = await cli('help');
    expect(help).toEqual({ code: 0, out: SESSIONS_USAGE, err: '' });
  });
});

describe('the tessera command', () => {
  it('dispatches `tessera sessions` and ends with its exit code', async () => {
    const main = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', main, 'sessions', 'info', 'a', 'nope', '--json', '--address', server.url, '--token', TOKEN],
        (_error, stdout) => resolve({ code: child.exitCode, stdout }));
    });
    expect(code).toBe(6);
    expect(JSON.parse(stdout)[0].id).toBe('a');
  }, 60_000);
});

/** A port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
