/**
 * The session API's extras of reference §C.2: an `Idempotency-Key` on create (a retried create answers
 * the first request's ids and creates nothing; the same key with another body is a 422; keys are per
 * token), a list by pages (`limit`, `cursor` → `{items, nextCursor}`, creation order, no session twice,
 * a foreign cursor refused), and `GET /v1/context` (what a session may ask for here, which create
 * enforces).
 */
import { describe, expect, it } from 'vitest';
import { failOnUnhandledRejections } from '../../support/lifecycle.js';
import { api, fakeHeadless, hostedServers, TOKEN_A, TOKEN_B } from '../../support/hostedServer.js';

failOnUnhandledRejections();

const start = hostedServers();

async function create(server: { url: string }, body: unknown, key?: string, token = TOKEN_A): Promise<{ status: number; body: unknown; replayed: string | null }> {
  const res = await fetch(`${server.url}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key !== undefined ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), replayed: res.headers.get('idempotent-replayed') };
}

describe('Idempotency-Key on POST /v1/sessions', () => {
  it('a retry with the same key and body answers the first ids and creates nothing more', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const body = { name: 'batch', kind: 'interactive', replicas: 3, workers: 1 };
    const first = await create(server, body, 'create-7f3a');
    expect(first.status).toBe(201);
    expect(first.replayed).toBeNull();
    const ids = first.body as string[];
    expect(ids).toHaveLength(3);
    // The same body with its keys in another order is the same request.
    const again = await create(server, { workers: 1, replicas: 3, kind: 'interactive', name: 'batch' }, 'create-7f3a');
    expect(again).toEqual({ status: 201, body: ids, replayed: 'true' });
    expect(((await a.get('/v1/sessions')).body as unknown[]).length).toBe(3);
    // Without a key, or with another, a create is a create.
    expect((await create(server, body)).status).toBe(201);
    expect((await create(server, body, 'create-other')).status).toBe(201);
    expect(((await a.get('/v1/sessions')).body as unknown[]).length).toBe(9);
  });

  it('the same key with another body is a 422 naming the header, and creates nothing', async () => {
    const server = await start();
    expect((await create(server, { name: 'one', kind: 'interactive', workers: 1 }, 'k-1')).status).toBe(201);
    const reused = await create(server, { name: 'two', kind: 'interactive', workers: 1 }, 'k-1');
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ error: { code: 'IdempotencyKeyReused', field: 'Idempotency-Key' } });
    expect(((await api(server, TOKEN_A).get('/v1/sessions')).body as { name: string }[]).map((s) => s.name)).toEqual(['one']);
  });

  it("keys are the caller's own; a failed create is not remembered; a malformed key is a 400", async () => {
    const server = await start({ maxSessions: 2 });
    const body = { name: 'mine', kind: 'interactive', workers: 1 };
    const [a] = (await create(server, body, 'shared-key')).body as string[];
    const theirs = await create(server, body, 'shared-key', TOKEN_B);
    expect(theirs.status).toBe(201);
    expect(theirs.replayed).toBeNull();
    expect((theirs.body as string[])[0]).not.toBe(a);
    // The server is full: the create fails, and its key may be tried again once there is room.
    const full = await create(server, { name: 'later', kind: 'interactive', workers: 1 }, 'retry-me');
    expect(full).toMatchObject({ status: 409, body: { error: { code: 'MaxSessions' } } });
    expect((await api(server, TOKEN_A).delete(`/v1/sessions/${a}`)).status).toBe(204);
    expect((await create(server, { name: 'later', kind: 'interactive', workers: 1 }, 'retry-me')).status).toBe(201);
    for (const key of ['', 'x'.repeat(256), 'has space', 'naïve']) {
      const r = await fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN_A}`, 'content-type': 'application/json', 'idempotency-key': Buffer.from(key, 'utf8').toString('latin1') },
        body: JSON.stringify(body),
      });
      expect({ key, status: r.status }).toEqual({ key, status: 400 });
      expect(((await r.json()) as { error: { field: string } }).error.field).toBe('idempotency-key');
    }
  });
});

describe('GET /v1/sessions by pages', () => {
  it('walks every session once, in creation order, filters included; the whole list without limit or cursor', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(...(await a.create({ name: `s${i}`, kind: 'interactive', workers: 1 })));
    await a.create({ name: 'last', kind: 'interactive', workers: 1 });
    await api(server, TOKEN_B).create({ name: 'not-mine', kind: 'interactive', workers: 1 });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await a.get(`/v1/sessions?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      const page = r.body as { items: { id: string; name: string }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((s) => s.name));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 'last']);
    const whole = (await a.get('/v1/sessions')).body as unknown[];
    expect(Array.isArray(whole)).toBe(true);
    expect(whole).toHaveLength(8);
    const filtered = (await a.get('/v1/sessions?kind=HEADLESS&limit=5')).body;
    expect(filtered).toEqual({ items: [], nextCursor: null });
  });

  it('a session deleted between pages is skipped and one created meanwhile comes last; bad limits and cursors are 400s', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    for (let i = 0; i < 4; i++) await a.create({ name: `p${i}`, kind: 'interactive', workers: 1 });
    const first = (await a.get('/v1/sessions?limit=2')).body as { items: { id: string; name: string }[]; nextCursor: string };
    const list = (await a.get('/v1/sessions')).body as { id: string; name: string }[];
    await a.delete(`/v1/sessions/${list.find((s) => s.name === 'p2')!.id}`);
    await a.create({ name: 'p4', kind: 'interactive', workers: 1 });
    const rest = (await a.get(`/v1/sessions?limit=10&cursor=${first.nextCursor}`)).body as { items: { name: string }[]; nextCursor: null };
    expect([...first.items.map((s) => s.name), ...rest.items.map((s) => s.name)]).toEqual(['p0', 'p1', 'p3', 'p4']);
    expect(rest.nextCursor).toBeNull();
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=2.5', 'limit'],
      ['limit=ten', 'limit'],
      ['cursor=not-a-cursor', 'cursor'],
      [`cursor=${Buffer.from('2020-01-01T00:00:00.000Z\n../x').toString('base64url')}`, 'cursor'],
      ['page=2', 'page'],
    ] as const) {
      const r = await a.get(`/v1/sessions?${query}`);
      expect({ query, status: r.status, field: (r.body as { error: { field: string } }).error.field }).toEqual({ query, status: 400, field });
    }
  });
});

describe('GET /v1/context', () => {
  it("says what create accepts here, and create holds to it; without a token it is a 401", async () => {
    const server = await start({ maxSessions: 5, allowUserCode: false }, { startHeadless: fakeHeadless().start });
    const a = api(server, TOKEN_A);
    const r = await a.get('/v1/context');
    expect(r.status).toBe(200);
    const ctx = r.body as {
      workers: { min: number; max: number; default: number };
      memory: { min: number; max: number; default: number };
      replicas: { max: number };
      nameMaxLength: number;
      kinds: string[];
      userCode: boolean;
      headless: boolean;
      limits: { maxSessions: number; danglingTimeoutSeconds: number };
    };
    expect(ctx).toMatchObject({
      version: 1,
      kinds: ['interactive', 'headless'],
      modes: ['eager', 'lazy'],
      workers: { min: 1, max: 256 },
      memory: { min: 1, max: 512 * 1024 ** 3 },
      replicas: { min: 1, max: 512 },
      nameMaxLength: 57,
      userCode: false,
      headless: false,
      limits: { maxSessions: 5, danglingTimeoutSeconds: 60, sessionTtlSeconds: 86_400 },
    });
    expect(ctx.workers.default).toBeGreaterThanOrEqual(1);
    expect(ctx.memory.default).toBeGreaterThan(0);
    expect((await a.post('/v1/sessions', { name: 'edge', kind: 'interactive', workers: ctx.workers.max })).status).toBe(201);
    expect((await a.post('/v1/sessions', { name: 'over', kind: 'interactive', workers: ctx.workers.max + 1 })).status).toBe(400);
    expect((await a.post('/v1/sessions', { name: 'n'.repeat(ctx.nameMaxLength + 1), kind: 'interactive' })).status).toBe(400);
    expect((await api(server, undefined).get('/v1/context')).status).toBe(401);
    const doc = (await api(server, undefined).get('/openapi.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/v1/context');
  });
});
