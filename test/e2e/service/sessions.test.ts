/**
 * The sessions REST API over real HTTP (issue 10 §1, §2): tokens, isolation between tokens, Skaha's
 * create rules and replica expansion, list filters, info, renew, delete one and by selector, stats,
 * the session cap, body limits and the OpenAPI document.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../../src/service/server/registry.js';
import { failOnUnhandledRejections } from '../../support/lifecycle.js';
import { TOKEN_A, TOKEN_B, api, fakeHeadless, hostedServers, until } from '../../support/hostedServer.js';

failOnUnhandledRejections();
const start = hostedServers();
const interactive = { kind: 'interactive', workers: 1, memory: '64Mi' };

describe('tokens', () => {
  it('answers 401 without a token, with another scheme or an unknown token, and serves /openapi.json to anyone', async () => {
    const server = await start();
    const none = await api(server, undefined).get('/v1/sessions');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: 'Unauthorized' } });
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await api(server, 'not-a-token').get('/v1/stats')).status).toBe(401);
    const basic = await fetch(`${server.url}/v1/sessions`, { headers: { authorization: `Basic ${TOKEN_A}` } });
    expect(basic.status).toBe(401);
    expect((await api(server, undefined).get('/openapi.json')).status).toBe(200);
  });

  it("never shows one token another's sessions: lists, info, events, logs, renew and deletes all see nothing", async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const b = api(server, TOKEN_B);
    const [id] = await a.create({ name: 'mine', ...interactive });
    expect((await b.get('/v1/sessions')).body).toEqual([]);
    const seenByB = await b.get(`/v1/sessions/${id}`);
    expect(seenByB.status).toBe(404);
    for (const r of [await b.get(`/v1/sessions/${id}/events`), await b.get(`/v1/sessions/${id}/logs`), await b.post(`/v1/sessions/${id}/renew`), await b.delete(`/v1/sessions/${id}`)]) {
      expect({ status: r.status, body: r.body }).toEqual({ status: 404, body: seenByB.body });
    }
    expect((await b.delete('/v1/sessions?prefix=mine')).body).toEqual({});
    expect((await b.get('/v1/stats')).body).toMatchObject({ sessions: { total: 0 } });
    expect((await a.get(`/v1/sessions/${id}`)).status).toBe(200);
    // The same body as an id that does not exist at all.
    expect((await a.delete(`/v1/sessions/${id}`)).status).toBe(204);
    expect(await a.get(`/v1/sessions/${id}`)).toMatchObject({ status: 404, body: seenByB.body });
  });
});

describe('creating sessions', () => {
  it('expands replicas to name-1 … name-N in order, each env with REPLICA_ID and REPLICA_COUNT', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const ids = await a.create({ name: 'team', ...interactive, replicas: 3 });
    expect(ids).toHaveLength(3);
    const records = await Promise.all(ids.map(async (id) => (await a.get(`/v1/sessions/${id}`)).body as SessionRecord));
    expect(records.map((r) => [r.name, r.replica, r.env])).toEqual([
      ['team-1', { id: 1, count: 3 }, { REPLICA_ID: '1', REPLICA_COUNT: '3' }],
      ['team-2', { id: 2, count: 3 }, { REPLICA_ID: '2', REPLICA_COUNT: '3' }],
      ['team-3', { id: 3, count: 3 }, { REPLICA_ID: '3', REPLICA_COUNT: '3' }],
    ]);
    const [single] = await a.create({ name: 'solo', ...interactive });
    const solo = (await a.get(`/v1/sessions/${single}`)).body as SessionRecord;
    expect(solo).toMatchObject({ name: 'solo', kind: 'interactive', mode: 'eager', status: 'Running', workers: 1, memory: 64 * 2 ** 20, memoryRequested: '64Mi' });
    expect(solo.env).toEqual({ REPLICA_ID: '1', REPLICA_COUNT: '1' });
    expect(solo).not.toHaveProperty('owner');
  });

  it('refuses each broken rule with a 400 naming the field, and creates nothing', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const cases: [unknown, string][] = [
      [{ name: 'x', kind: 'interactive', workers: 0 }, 'workers'],
      [{ name: 'x', kind: 'interactive', workers: 257 }, 'workers'],
      [{ name: 'x', kind: 'interactive', workers: '4' }, 'workers'],
      [{ name: 'x', kind: 'interactive', replicas: 0 }, 'replicas'],
      [{ name: 'x', kind: 'interactive', replicas: 513 }, 'replicas'],
      [{ name: 'a b', kind: 'interactive' }, 'name'],
      [{ name: 'a'.repeat(58), kind: 'interactive' }, 'name'],
      [{ name: '', kind: 'interactive' }, 'name'],
      [{ kind: 'interactive' }, 'name'],
      [{ name: 'x', kind: 'notebook' }, 'kind'],
      [{ name: 'x', kind: 'interactive', memory: 'lots' }, 'memory'],
      [{ name: 'x', kind: 'interactive', memory: '1Ti' }, 'memory'],
      [{ name: 'x', kind: 'interactive', env: { A: '1' } }, 'env'],
      [{ name: 'x', kind: 'interactive', module: 'm.js' }, 'module'],
      [{ name: 'x', kind: 'interactive', args: ['1'] }, 'args'],
      [{ name: 'x', kind: 'interactive', cores: 2 }, 'cores'],
      [{ name: 'x', kind: 'interactive', mode: 'sometimes' }, 'mode'],
      [{ name: 'x', kind: 'headless', module: 'm.js', env: { n: 1 } }, 'env.n'],
      ['{"name": "x", "kind": ', 'body'],
      ['[1, 2]', 'body'],
    ];
    for (const [body, field] of cases) {
      const r = await a.post('/v1/sessions', body);
      expect({ body, status: r.status, code: (r.body as { error: { code: string } }).error.code, field: (r.body as { error: { field?: string } }).error.field }).toEqual({
        body,
        status: 400,
        code: 'ValidationError',
        field,
      });
    }
    expect((await a.post('/v1/sessions', { name: 'x', kind: 'interactive', env: { A: '1' } })).body).toMatchObject({
      error: { message: 'module, args, env only allowed for headless sessions.' },
    });
    expect((await a.get('/v1/sessions')).body).toEqual([]);
  });

  it('refuses a body over the limit with 413', async () => {
    const server = await start();
    const r = await api(server, TOKEN_A).post('/v1/sessions', { name: 'x', kind: 'headless', module: 'm.js', args: ['y'.repeat(100_000)] });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ error: { code: 'BodyTooLarge', field: 'body' } });
  });

  it('caps active sessions at --max-sessions with a 409 that creates nothing, and frees the slot on delete', async () => {
    const server = await start({ maxSessions: 3 });
    const a = api(server, TOKEN_A);
    const b = api(server, TOKEN_B);
    const [first] = await a.create({ name: 'one', ...interactive, replicas: 2 });
    const tooMany = await b.post('/v1/sessions', { name: 'two', ...interactive, replicas: 2 });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body).toMatchObject({ error: { code: 'MaxSessions' } });
    expect((tooMany.body as { error: { message: string } }).error.message).toContain('at most 3 active');
    expect((await b.get('/v1/sessions')).body).toEqual([]);
    await b.create({ name: 'two', ...interactive });
    expect((await b.post('/v1/sessions', { name: 'three', ...interactive })).status).toBe(409);
    expect((await a.delete(`/v1/sessions/${first}`)).status).toBe(204);
    expect(await b.create({ name: 'three', ...interactive })).toHaveLength(1);
  });

  it('answers 207 {ids, errors} when a replica fails: the others stand, the failed one is named with its code and message', async () => {
    const headless = fakeHeadless({ refuse: (spec) => spec.env.REPLICA_ID === '2' });
    const server = await start({}, { startHeadless: headless.start });
    writeFileSync(join(server.dataDir, 'job.mjs'), 'export default async () => 1;\n');
    const a = api(server, TOKEN_A);
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const r = await a.post('/v1/sessions', { name: 'batch', kind: 'headless', module: 'job.mjs', replicas: 3 });
      expect(r.status).toBe(207);
      const body = r.body as { ids: string[]; errors: unknown[] };
      expect(body.errors).toEqual([{ replica: 2, code: 'ReplicaFailed', message: 'the fake host refuses replica 2' }]);
      const names = await Promise.all(body.ids.map(async (id) => ((await a.get(`/v1/sessions/${id}`)).body as SessionRecord).name));
      expect(names).toEqual(['batch-1', 'batch-3']);
      expect(((await a.get('/v1/sessions')).body as unknown[]).length).toBe(2);
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([expect.stringContaining('Replica batch-2 of a headless session could not be created')]);
    } finally {
      process.off('warning', onWarning);
    }
    // Every replica failing is the first failure's own answer, not a 207 with no ids.
    const allRefused = fakeHeadless({ refuse: () => true });
    const refusing = await start({}, { startHeadless: allRefused.start });
    writeFileSync(join(refusing.dataDir, 'job.mjs'), 'export default async () => 1;\n');
    const failed = await api(refusing, TOKEN_A).post('/v1/sessions', { name: 'batch', kind: 'headless', module: 'job.mjs', replicas: 2 });
    expect(failed.status).toBe(500);
    expect(((await api(refusing, TOKEN_A).get('/v1/sessions')).body as unknown[]).length).toBe(0);
  });

  it('replays a partial create under its Idempotency-Key as the same 207, creating nothing more', async () => {
    const headless = fakeHeadless({ refuse: (spec) => spec.env.REPLICA_ID === '1' });
    const server = await start({}, { startHeadless: headless.start });
    writeFileSync(join(server.dataDir, 'job.mjs'), 'export default async () => 1;\n');
    const post = async (): Promise<{ status: number; body: unknown; replayed: string | null }> => {
      const res = await fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN_A}`, 'content-type': 'application/json', 'idempotency-key': 'partial-1' },
        body: JSON.stringify({ name: 'p', kind: 'headless', module: 'job.mjs', replicas: 2 }),
      });
      return { status: res.status, body: await res.json(), replayed: res.headers.get('idempotent-replayed') };
    };
    const first = await post();
    expect(first).toMatchObject({ status: 207, replayed: null, body: { errors: [{ replica: 1 }] } });
    expect(await post()).toEqual({ ...first, replayed: 'true' });
    expect(headless.runs).toHaveLength(1);
  });

  it('refuses headless sessions with 403 under --no-user-code, and with 501 when no headless host is given', async () => {
    const noCode = await start({ allowUserCode: false }, { startHeadless: fakeHeadless().start });
    writeFileSync(join(noCode.dataDir, 'job.mjs'), 'export default async () => 1;\n');
    const refused = await api(noCode, TOKEN_A).post('/v1/sessions', { name: 'j', kind: 'headless', module: 'job.mjs' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'UserCodeRefused', field: 'module' } });
    expect(await api(noCode, TOKEN_A).create({ name: 'still-fine', ...interactive })).toHaveLength(1);
    const hostless = await start();
    writeFileSync(join(hostless.dataDir, 'job.mjs'), 'export default async () => 1;\n');
    expect((await api(hostless, TOKEN_A).post('/v1/sessions', { name: 'j', kind: 'headless', module: 'job.mjs' })).status).toBe(501);
  });
});

describe('listing, info, renew and stats', () => {
  it('filters by kind and status in any case and refuses unknown values and parameters', async () => {
    const headless = fakeHeadless();
    const server = await start({}, { startHeadless: headless.start });
    writeFileSync(join(server.dataDir, 'job.mjs'), 'export default async () => 1;\n');
    const a = api(server, TOKEN_A);
    const [i] = await a.create({ name: 'inter', ...interactive });
    const [h] = await a.create({ name: 'job', kind: 'headless', module: 'job.mjs' });
    const ids = async (query: string): Promise<string[]> => ((await a.get(`/v1/sessions${query}`)).body as SessionRecord[]).map((r) => r.id);
    expect(await ids('')).toEqual([i, h]);
    expect(await ids('?kind=HEADLESS')).toEqual([h]);
    expect(await ids('?status=running')).toEqual([i]);
    expect(await ids('?status=Pending&kind=headless')).toEqual([h]);
    expect(await ids('?status=completed')).toEqual([]);
    for (const [query, field] of [['?status=bogus', 'status'], ['?kind=notebook', 'kind'], ['?view=mine', 'view'], ['?sort=name', 'sort']]) {
      expect(await a.get(`/v1/sessions${query}`)).toMatchObject({ status: 400, body: { error: { code: 'ValidationError', field } } });
    }
  });

  it('renews an active session to a later expiryTime and refuses a finished one with 409', async () => {
    const headless = fakeHeadless();
    const server = await start({}, { startHeadless: headless.start });
    writeFileSync(join(server.dataDir, 'job.mjs'), 'export default async () => 1;\n');
    const a = api(server, TOKEN_A);
    const [id] = await a.create({ name: 'inter', ...interactive });
    const before = (await a.get(`/v1/sessions/${id}`)).body as SessionRecord;
    await new Promise((r) => setTimeout(r, 5));
    const renewed = await a.post(`/v1/sessions/${id}/renew`);
    expect(renewed.status).toBe(200);
    expect(Date.parse((renewed.body as SessionRecord).expiryTime)).toBeGreaterThan(Date.parse(before.expiryTime));
    expect((await a.get(`/v1/sessions/${id}/events`)).body).toContainEqual(expect.objectContaining({ type: 'Renewed' }));
    const [job] = await a.create({ name: 'job', kind: 'headless', module: 'job.mjs' });
    headless.runs[0]!.finish({ ok: true, result: 42 });
    await until(server.ctx.registry, (s) => s.sessions[job!]?.status === 'Completed');
    expect(await a.post(`/v1/sessions/${job}/renew`)).toMatchObject({ status: 409, body: { error: { code: 'SessionNotActive' } } });
  });

  it('reports stats of the caller\'s sessions only', async () => {
    const server = await start();
    await api(server, TOKEN_A).create({ name: 'a', kind: 'interactive', workers: 2, memory: '1Gi', replicas: 2 });
    await api(server, TOKEN_B).create({ name: 'b', ...interactive });
    const stats = (await api(server, TOKEN_A).get('/v1/stats')).body;
    expect(stats).toMatchObject({
      version: 1,
      sessions: { total: 2, byKind: { interactive: 2, headless: 0 }, byStatus: { Running: 2, Pending: 0 } },
      workers: { requested: 4 },
      memory: { limit: 2 * 2 ** 30, used: 0 },
      store: { bytes: 0, objects: 0 },
      limits: { maxSessions: 64 },
    });
  });
});

describe('deleting sessions', () => {
  it('deletes one with 204, after which it is a 404', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const [id] = await a.create({ name: 'gone', ...interactive });
    const engine = server.ctx.engineSessionFor({ owner: server.ctx.registry.get(id!)!.owner }, id!);
    const r = await a.delete(`/v1/sessions/${id}`);
    expect(r.status).toBe(204);
    expect(engine.closed).toBe(true);
    expect((await a.get(`/v1/sessions/${id}`)).status).toBe(404);
    expect((await a.delete(`/v1/sessions/${id}`)).status).toBe(404);
  });

  it("refuses to delete without a selector: 'Cannot kill all sessions.'", async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    await a.create({ name: 'keep', ...interactive });
    for (const query of ['', '?prefix=', '?prefix=&kind=&status=']) {
      expect(await a.delete(`/v1/sessions${query}`)).toMatchObject({ status: 400, body: { error: { code: 'KillAllRefused', message: 'Cannot kill all sessions.' } } });
    }
    expect(((await a.get('/v1/sessions')).body as unknown[]).length).toBe(1);
  });

  it('deletes by prefix, kind and status and answers honestly per id', async () => {
    const headless = fakeHeadless({ stopFails: true });
    const server = await start({}, { startHeadless: headless.start });
    writeFileSync(join(server.dataDir, 'job.mjs'), 'export default async () => 1;\n');
    const a = api(server, TOKEN_A);
    const tests = await a.create({ name: 'test', ...interactive, replicas: 2 });
    const [other] = await a.create({ name: 'other', ...interactive });
    const [stuck] = await a.create({ name: 'test-job', kind: 'headless', module: 'job.mjs' });
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    const r = await a.delete('/v1/sessions?prefix=test');
    await new Promise((done) => setImmediate(done));
    process.off('warning', onWarning);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^Session ${stuck} \\(test-job\\) was removed, but closing it failed: Error: the child would not die`))]);
    // The headless run's stop failed: it is gone from the registry, but not cleanly, and says so.
    expect(r).toMatchObject({ status: 200, body: { [tests[0]!]: true, [tests[1]!]: true, [stuck!]: false } });
    expect(Object.keys(r.body as object)).toHaveLength(3);
    expect(((await a.get('/v1/sessions')).body as SessionRecord[]).map((s) => s.id)).toEqual([other]);
    expect((await a.delete('/v1/sessions?kind=Interactive&status=RUNNING')).body).toEqual({ [other!]: true });
    expect((await a.delete('/v1/sessions?prefix=nothing')).body).toEqual({});
  });
});

describe('the OpenAPI document', () => {
  it('documents every route with its schemas, generated from the routes', async () => {
    const server = await start();
    const doc = (await api(server, undefined).get('/openapi.json')).body as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: object; required: string[] } }> }; parameters?: { name: string; in: string }[] }>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/sessions', '/v1/sessions/{id}', '/v1/sessions/{id}/renew', '/v1/sessions/{id}/events', '/v1/sessions/{id}/logs', '/v1/stats', '/v1/events', '/v1/context']),
    );
    const create = doc.paths['/v1/sessions']!.post!.requestBody!.content['application/json']!.schema;
    expect(Object.keys(create.properties)).toEqual(expect.arrayContaining(['name', 'kind', 'workers', 'memory', 'replicas', 'env', 'module', 'args', 'mode']));
    expect(create.required).toEqual(['name', 'kind']);
    expect(doc.paths['/v1/sessions']!.get!.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(['query:kind', 'query:status', 'query:view', 'query:limit', 'query:cursor']);
    expect(doc.paths['/v1/sessions']!.delete!.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(['query:kind', 'query:status', 'query:prefix', 'query:match', 'query:purge']);
    expect(doc.paths['/v1/sessions/{id}']!.delete!.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(['query:purge', 'path:id']);
    expect(doc.paths['/v1/sessions']!.post!.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(['header:idempotency-key']);
    expect(Object.keys(doc.paths['/v1/sessions']!)).toEqual(expect.arrayContaining(['get', 'post', 'delete']));
  });
});
