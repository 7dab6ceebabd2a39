/**
 * What of a session's results outlives it (reference §C.2/§C.3: persist and putName give a result a life
 * beyond its session; `DELETE /v1/sessions/:id?purge=` controls cleanup), and the server's record of who
 * persisted what (objectOwners.ts) shrinking back as objects go: after a store delete, a
 * `clear({includePersisted})`, and a delete with `purge=all`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVE_DEPS } from '../../../src/cli/serve.js';
import { newSession, type RemoteSession } from '../../../src/index.js';
import type { RemoteStore } from '../../../src/service/client/remoteStore.js';
import { failOnUnhandledRejections } from '../../support/lifecycle.js';
import { api, hostedServers, TOKEN_A, until } from '../../support/hostedServer.js';

failOnUnhandledRejections();
const start = hostedServers();

/** A remote session of `url` (token A), open (its id known), with its store. */
async function remote(url: string): Promise<{ sess: RemoteSession; store: RemoteStore }> {
  const sess = newSession({ address: url, token: TOKEN_A, default: false }) as RemoteSession;
  await sess.ready();
  return { sess, store: sess.store as unknown as RemoteStore };
}

describe('DELETE /v1/sessions/:id?purge=', () => {
  it('transient (the default) keeps what the session persisted and named; all drops it, and its owner records', async () => {
    const server = await start({}, SERVE_DEPS);
    const a = api(server, TOKEN_A);
    const reader = await remote(server.url);
    try {
      const before = server.ctx.owners.size;
      const kept = await remote(server.url);
      const transient = await kept.store.put(new Float64Array([1, 2]));
      await kept.store.put(new Float64Array([3, 4]), { persist: true, name: 'kept' });
      expect((await a.delete(`/v1/sessions/${kept.sess.info.id}`)).status).toBe(204);
      await kept.sess.close().catch(() => undefined);
      expect(await reader.store.get(await reader.store.getName('kept'))).toEqual(new Float64Array([3, 4]));
      expect(await reader.store.exists(transient)).toBe(false);
      const withKept = server.ctx.owners.size;
      expect(withKept).toBeGreaterThan(before);

      const purged = await remote(server.url);
      const id = await purged.store.put(new Float64Array([5, 6]), { persist: true, name: 'purged' });
      expect(server.ctx.owners.size).toBeGreaterThan(withKept);
      expect((await a.delete(`/v1/sessions/${purged.sess.info.id}?purge=all`)).status).toBe(204);
      await purged.sess.close().catch(() => undefined);
      await expect(reader.store.getName('purged')).rejects.toMatchObject({ code: 'ObjectNotExists' });
      expect(await reader.store.exists(id)).toBe(false);
      expect(server.ctx.owners.size).toBe(withKept);
      // What another session persisted is not this one's to purge.
      expect(await reader.store.getName('kept')).toMatch(/^o[0-9a-f]{16}$/);
    } finally {
      await reader.sess.close();
    }
  });

  it("drops a headless session's named result only with purge=all", async () => {
    const server = await start({}, SERVE_DEPS);
    const a = api(server, TOKEN_A);
    writeFileSync(join(server.dataDir, 'job.mjs'), 'export default async () => ({ answer: 42 });\n');
    const before = server.ctx.owners.size;
    const [keep, drop] = await a.create({ name: 'job', kind: 'headless', module: 'job.mjs', replicas: 2 });
    await until(server.ctx.registry, (s) => [keep, drop].every((id) => s.sessions[id!]?.status === 'Completed'));
    const names = [keep, drop].map((id) => server.ctx.registry.get(id!)!.resultName!);
    // Each result is an object with its members, every one recorded as the token's.
    const perResult = (server.ctx.owners.size - before) / 2;
    expect(perResult).toBeGreaterThanOrEqual(1);
    expect((await a.delete(`/v1/sessions/${keep}`)).status).toBe(204);
    expect(server.ctx.owners.size).toBe(before + 2 * perResult);
    expect((await a.delete(`/v1/sessions/${drop}?purge=all`)).status).toBe(204);
    expect(server.ctx.owners.size).toBe(before + perResult);
    const reader = await remote(server.url);
    try {
      expect(await reader.store.get(await reader.store.getName(names[0]!))).toEqual({ answer: 42 });
      await expect(reader.store.getName(names[1]!)).rejects.toMatchObject({ code: 'ObjectNotExists' });
    } finally {
      await reader.sess.close();
    }
  });

  it('refuses an unknown purge with a 400 naming purge, and deletes nothing', async () => {
    const server = await start();
    const a = api(server, TOKEN_A);
    const [id] = await a.create({ name: 'stays', kind: 'interactive', workers: 1 });
    expect(await a.delete(`/v1/sessions/${id}?purge=everything`)).toMatchObject({ status: 400, body: { error: { field: 'purge' } } });
    expect((await a.get(`/v1/sessions/${id}`)).status).toBe(200);
  });
});

describe('DELETE /v1/sessions?<selector>&purge=', () => {
  it('purges what every session the selector deletes persisted, and nothing of the others; a bad purge deletes nothing', async () => {
    const server = await start({}, SERVE_DEPS);
    const a = api(server, TOKEN_A);
    const named = async (name: string) => {
      const sess = newSession({ address: server.url, token: TOKEN_A, default: false, name }) as RemoteSession;
      await sess.ready();
      return { sess, store: sess.store as unknown as RemoteStore };
    };
    const reader = await named('reader');
    const batch = [await named('batch-1'), await named('batch-2')];
    try {
      const ids = await Promise.all(batch.map((b, i) => b.store.put(new Float64Array([i]), { persist: true, name: `out-${i}` })));
      const mine = await reader.store.put(new Float64Array([9]), { persist: true, name: 'mine' });
      expect(await a.delete('/v1/sessions?prefix=batch-&purge=sometimes')).toMatchObject({ status: 400, body: { error: { field: 'purge' } } });
      expect(await reader.store.exists(ids[0]!)).toBe(true);
      const r = await a.delete('/v1/sessions?prefix=batch-&purge=all');
      expect(r.status).toBe(200);
      expect(r.body).toEqual(Object.fromEntries(batch.map((b) => [b.sess.info.id, true])));
      for (const id of ids) expect(await reader.store.exists(id)).toBe(false);
      await expect(reader.store.getName('out-0')).rejects.toMatchObject({ code: 'ObjectNotExists' });
      expect(await reader.store.getName('mine')).toBe(String(mine));
    } finally {
      await Promise.all([reader, ...batch].map((s) => s.sess.close().catch(() => undefined)));
    }
  });
});

describe("the server's owner records", () => {
  it('return to their count after a store delete and after clear({includePersisted})', async () => {
    const server = await start({}, SERVE_DEPS);
    const { sess, store } = await remote(server.url);
    try {
      const before = server.ctx.owners.size;
      const table = await store.put({ a: new Float64Array([1, 2, 3]), b: [1, 2] }, { persist: true });
      expect(server.ctx.owners.size).toBeGreaterThan(before);
      await store.delete(table, { force: true });
      expect(server.ctx.owners.size).toBe(before);
      await store.put(new Float64Array([7]), { persist: true, name: 'one' });
      const withOne = server.ctx.owners.size;
      const two = await store.put(new Float64Array([8]));
      await store.persist(two);
      expect(server.ctx.owners.size).toBe(before + 2 * (withOne - before));
      await store.clear({ includePersisted: true });
      expect(server.ctx.owners.size).toBe(before);
    } finally {
      await sess.close();
    }
  });
});
