/**
 * A remote session against the server as `tessera serve` builds it (buildServer with SERVE_DEPS: the
 * session API, remote routes, dashboard, real headless host): create through the session API, run
 * lazily and eagerly, read a headless session's result by its name through the remote store, and the
 * server's view (registry, another token) agrees. The remote suites' own harness is
 * test/support/remoteServer.ts; this file proves the real server carries the same routes.
 */
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SERVE_DEPS } from '../../../src/cli/serve.js';
import { newSession, tensor as tt } from '../../../src/index.js';
import { api, hostedServers, TOKEN_A, TOKEN_B, until } from '../../support/hostedServer.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/headless');
const start = hostedServers();

describe('remote sessions on tessera serve', () => {
  it('runs lazy and eager DAGs exactly, and the session lives in the server registry of its token only', async () => {
    const server = await start({}, SERVE_DEPS);
    const lazy = newSession({ address: server.url, token: TOKEN_A, mode: 'lazy', default: false });
    try {
      const x = tt.arange(0, 1000, 1, { chunkSize: 100 });
      const total = (await lazy.run(x.mul(2).sum())) as { item(): number };
      expect(total.item()).toBe(999_000);
      await lazy.ready();
      const id = lazy.info.id;
      expect(server.ctx.registry.get(id)?.status).toBe('Running');
      expect((await api(server, TOKEN_B).get(`/v1/sessions/${id}`)).status).toBe(404);
      expect((await api(server, TOKEN_A).get(`/v1/sessions/${id}`)).status).toBe(200);
    } finally {
      await lazy.close();
    }
    const eager = newSession({ address: server.url, token: TOKEN_A, mode: 'eager', default: false });
    try {
      const s = await eager.scope(() => tt.ones([10, 10], { chunkSize: 5 }).add(1).sum()).fetch();
      expect((s as { item(): number }).item()).toBe(200);
    } finally {
      await eager.close();
    }
  });

  it("a headless session's result is read through a remote session's store by its name", async () => {
    const server = await start({}, SERVE_DEPS);
    copyFileSync(join(FIXTURES, 'sum.mjs'), join(server.dataDir, 'sum.mjs'));
    const [id] = await api(server, TOKEN_A).create({ name: 'batch', kind: 'headless', module: 'sum.mjs', args: ['10'] });
    await until(server.ctx.registry, (s) => ['Completed', 'Failed'].includes(s.sessions[id!]?.status ?? ''));
    const record = server.ctx.registry.get(id!)!;
    expect(record.status).toBe('Completed');
    const sess = newSession({ address: server.url, token: TOKEN_A, default: false });
    try {
      const store = sess.store as unknown as { getName(n: string): Promise<string>; get(id: string): Promise<unknown> };
      expect(await store.get(await store.getName(record.resultName!))).toEqual({ n: 10, sum: 45, handedIsDefault: true });
    } finally {
      await sess.close();
    }
    const other = newSession({ address: server.url, token: TOKEN_B, default: false });
    try {
      const store = other.store as unknown as { getName(n: string): Promise<string> };
      await expect(store.getName(record.resultName!)).rejects.toMatchObject({ code: 'ObjectNotExists' });
    } finally {
      await other.close();
    }
  });
});
