/**
 * Selecting other than by id (reference/vineyard-skaha.md §B.4 #9, #13 and §C.2): `DELETE
 * /v1/sessions?match=<regex>` deletes the caller's sessions whose name the regex matches, on the
 * server's linear-time engine (a catastrophic pattern answers at once; one that engine cannot run is a
 * 400 naming `match`); `GET /v1/sessions?view=all` lists every token's sessions reduced to
 * `{userid, kind, status, startTime}`, with nothing of another token's session beyond that.
 */
import { describe, expect, it } from 'vitest';
import { ownerOf } from '../../../src/service/server/auth.js';
import type { SessionRecord } from '../../../src/service/server/registry.js';
import { failOnUnhandledRejections } from '../../support/lifecycle.js';
import { api, hostedServers, TOKEN_A, TOKEN_B } from '../../support/hostedServer.js';

failOnUnhandledRejections();
const start = hostedServers();
const interactive = { kind: 'interactive', workers: 1 } as const;

const names = async (a: ReturnType<typeof api>): Promise<string[]> => ((await a.get('/v1/sessions')).body as SessionRecord[]).map((s) => s.name).sort();

describe('DELETE /v1/sessions?match=', () => {
  it("deletes the caller's sessions whose name the regex matches anywhere, with kind and status, {id: bool} per id", async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const b = api(server, TOKEN_B);
    const runs = await a.create({ name: 'run', ...interactive, replicas: 3 });
    await a.create({ name: 'prerun-x', ...interactive });
    const [theirs] = await b.create({ name: 'run-1', ...interactive });
    const r = await a.delete(`/v1/sessions?match=${encodeURIComponent('^run-[13]$')}`);
    expect(r).toMatchObject({ status: 200, body: { [runs[0]!]: true, [runs[2]!]: true } });
    expect(Object.keys(r.body as object)).toHaveLength(2);
    expect(await names(a)).toEqual(['prerun-x', 'run-2']);
    // Unanchored, it searches the name (canfar's re.search); kind and status narrow it.
    expect((await a.delete('/v1/sessions?match=run&kind=headless')).body).toEqual({});
    expect(Object.keys((await a.delete('/v1/sessions?match=run&kind=INTERACTIVE&status=running')).body as object)).toHaveLength(2);
    expect(await names(a)).toEqual([]);
    // Another token's session of a matching name was never a candidate.
    expect((await b.get(`/v1/sessions/${theirs}`)).status).toBe(200);
  });

  it('answers a catastrophic pattern at once (linear-time engine) and refuses what that engine cannot run, naming match', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const [id] = await a.create({ name: 'a'.repeat(48), ...interactive });
    // Exponential on a backtracking engine against 48 a's; linear here, and it matches nothing.
    expect(await a.delete(`/v1/sessions?match=${encodeURIComponent('^(a+)+b')}`)).toMatchObject({ status: 200, body: {} });
    for (const pattern of ['(a)\\1', '(?<n>a)\\k<n>', '(?=a)a', '(?<!b)a', 'a{0,5000}', '(']) {
      const r = await a.delete(`/v1/sessions?match=${encodeURIComponent(pattern)}`);
      expect(r).toMatchObject({ status: 400, body: { error: { code: 'ValidationError', field: 'match' } } });
    }
    expect((await a.delete(`/v1/sessions?match=${'a'.repeat(257)}`)).status).toBe(400);
    expect((await a.get(`/v1/sessions/${id}`)).status).toBe(200);
  });

  it('refuses prefix with match (400 naming match), and no selector at all stays "Cannot kill all sessions."', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    await a.create({ name: 'keep', ...interactive });
    expect(await a.delete('/v1/sessions?prefix=k&match=k')).toMatchObject({ status: 400, body: { error: { field: 'match' } } });
    for (const query of ['?match=', '?match=&prefix=&kind=']) {
      expect(await a.delete(`/v1/sessions${query}`)).toMatchObject({ status: 400, body: { error: { code: 'KillAllRefused', message: 'Cannot kill all sessions.' } } });
    }
    expect(await names(a)).toEqual(['keep']);
  });
});

describe('GET /v1/sessions?view=all', () => {
  it("lists every token's sessions with {userid, kind, status, startTime} only; nothing private of another token leaks", async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const b = api(server, TOKEN_B);
    const [mine] = await a.create({ name: 'alice-notebook', ...interactive });
    const theirs = await b.create({ name: 'bob-secret-project', ...interactive, replicas: 2, memory: '3Mi' });
    const r = await a.get('/v1/sessions?view=ALL');
    expect(r.status).toBe(200);
    const rows = r.body as Record<string, unknown>[];
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(['kind', 'startTime', 'status', 'userid']);
    const byUser = new Map<string, number>();
    for (const row of rows) byUser.set(row.userid as string, (byUser.get(row.userid as string) ?? 0) + 1);
    expect([...byUser.values()].sort()).toEqual([1, 2]);
    expect(rows.every((row) => /^[0-9a-f]{12}$/.test(row.userid as string))).toBe(true);
    // Nothing of B's sessions beyond the four fields: no id, name, token, owner hash, or memory.
    for (const secret of [...theirs, 'bob-secret-project', TOKEN_B, ownerOf(TOKEN_B), ownerOf(TOKEN_B).slice(0, 12), '3Mi', mine!, TOKEN_A, ownerOf(TOKEN_A)]) {
      expect(r.text).not.toContain(secret);
    }
    // The same label for the same token, seen by either token; filters apply as to the own list.
    const seenByB = (await b.get('/v1/sessions?view=all&kind=interactive&status=running')).body as Record<string, unknown>[];
    expect(seenByB.map((row) => row.userid).sort()).toEqual(rows.map((row) => row.userid).sort());
    expect((await b.get('/v1/sessions?view=all&kind=headless')).body).toEqual([]);
    // Without view, still only the caller's own sessions, whole.
    expect(((await a.get('/v1/sessions')).body as SessionRecord[]).map((s) => s.id)).toEqual([mine]);
  });

  it('refuses an unknown view and paging with view=all (a cursor would carry another token\'s session id)', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    expect(await a.get('/v1/sessions?view=mine')).toMatchObject({ status: 400, body: { error: { field: 'view' } } });
    expect(await a.get('/v1/sessions?view=all&limit=1')).toMatchObject({ status: 400, body: { error: { field: 'view' } } });
  });
});

describe('GET /v1/sessions?view=stats', () => {
  it("answers as GET /v1/stats (the caller's own counts) and refuses filters and paging it would ignore", async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const b = api(server, TOKEN_B);
    await a.create({ name: 'one', ...interactive });
    await b.create({ name: 'two', ...interactive, replicas: 2 });
    const viaView = await a.get('/v1/sessions?view=Stats');
    expect(viaView.status).toBe(200);
    const stats = (await a.get('/v1/stats')).body as { sessions: unknown };
    expect((viaView.body as { sessions: unknown }).sessions).toEqual(stats.sessions);
    expect(((await b.get('/v1/sessions?view=stats')).body as { sessions: unknown }).sessions).not.toEqual(stats.sessions);
    for (const extra of ['&kind=headless', '&status=running', '&limit=2']) {
      expect(await a.get(`/v1/sessions?view=stats${extra}`)).toMatchObject({ status: 400, body: { error: { field: 'view' } } });
    }
  });
});
