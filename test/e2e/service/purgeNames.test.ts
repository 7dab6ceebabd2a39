/**
 * A name never points at a deleted object (reference §C.1, our departure from Vineyard's A.3 #23), and a
 * purged session leaves no name of its own behind. With `purge=all` (one session or by selector):
 * - the objects the session persisted go, and with them every name bound to them, also the names
 *   another session bound: that session's getNamed then answers ObjectNotExists for its own name;
 * - the names the session bound to another session's objects go too, and those objects stay.
 * A headless session's purge deletes the result it stored, not whatever its name points at by then.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { SERVE_DEPS } from '../../../src/cli/serve.js';
import { newSession, type NdArray, type RemoteSession, tensor as tt } from '../../../src/index.js';
import type { RemoteStore } from '../../../src/service/client/remoteStore.js';
import { failOnUnhandledRejections } from '../../support/lifecycle.js';
import { api, hostedServers, TOKEN_A, until } from '../../support/hostedServer.js';
import { rejection } from '../../support/rejection.js';

failOnUnhandledRejections();
const start = hostedServers();
const values = (a: unknown): number[] => Array.from((a as NdArray).data);
/** Persisted names outlive a test's server (the catalog is the process's): each test uses its own. */
let run = 0;
const named = (name: string): string => `${name}-${run}`;
beforeEach(() => {
  run++;
});

interface Remote {
  readonly sess: RemoteSession;
  readonly store: RemoteStore;
}

async function remote(url: string, name: string): Promise<Remote> {
  const sess = newSession({ address: url, token: TOKEN_A, mode: 'lazy', default: false, name }) as RemoteSession;
  await sess.ready();
  return { sess, store: sess.store as unknown as RemoteStore };
}

/** Persists the sum of arange(n) from `r` under `name`; its object id. */
async function persistSum(r: Remote, n: number, name: string): Promise<string> {
  const sum = tt.arange(n).sum();
  await sum.execute({ session: r.sess });
  return r.sess.persist(sum, { name });
}

const PURGES = {
  'DELETE /v1/sessions/:id?purge=all': (target: Remote) => `/v1/sessions/${target.sess.info.id}?purge=all`,
  'DELETE /v1/sessions?prefix=&purge=all': () => '/v1/sessions?prefix=purged-&purge=all',
} as const;

describe.each(Object.entries(PURGES))('names and %s', (_, path) => {
  it("drops another session's name for a purged object, and the purged session's names for another's object, which stays", async () => {
    const server = await start({}, SERVE_DEPS);
    const a = api(server, TOKEN_A);
    const purged = await remote(server.url, 'purged-1');
    const other = await remote(server.url, 'other');
    try {
      const its = await persistSum(purged, 10, named('its-own'));
      await other.store.putName(its, named('alias-of-purged'));
      const theirs = await persistSum(other, 5, named('their-own'));
      await purged.store.putName(theirs, named('purged-alias-of-theirs'));
      expect(values(await other.sess.getNamed(named('alias-of-purged')))).toEqual([45]);

      const deleted = await a.delete(path(purged));
      expect([200, 204]).toContain(deleted.status);
      await purged.sess.close().catch(() => undefined);

      // The purged object is gone, and no name points at it: the documented error, naming the name as
      // the client wrote it (no owner prefix), not a dangling id.
      expect(await other.store.exists(its)).toBe(false);
      const gone = await rejection(other.sess.getNamed(named('alias-of-purged')));
      expect(gone).toMatchObject({ code: 'ObjectNotExists' });
      expect(gone.message).toContain(`'${named('alias-of-purged')}'`);
      expect(gone.message).not.toContain('__');
      await expect(other.store.getName(named('its-own'))).rejects.toMatchObject({ code: 'ObjectNotExists' });
      // The purged session's name on the other's object went with it; the object and its own name stay.
      await expect(other.sess.getNamed(named('purged-alias-of-theirs'))).rejects.toMatchObject({ code: 'ObjectNotExists' });
      expect(await other.store.getName(named('their-own'))).toBe(theirs);
      expect(values(await other.sess.getNamed(named('their-own')))).toEqual([10]);
      expect([...(await other.store.listNames(`*-${run}`, { limit: 100 })).keys()]).toEqual([named('their-own')]);
    } finally {
      await other.sess.close();
    }
  });
});

describe('a name rebound by another session', () => {
  it('belongs to the session that bound it last: a purge of the first binder leaves it', async () => {
    const server = await start({}, SERVE_DEPS);
    const a = api(server, TOKEN_A);
    const purged = await remote(server.url, 'purged-1');
    const other = await remote(server.url, 'other');
    try {
      const theirs = await persistSum(other, 4, named('their-own'));
      await purged.store.putName(theirs, named('shared-name'));
      await other.store.putName(theirs, named('shared-name'));
      expect((await a.delete(`/v1/sessions/${purged.sess.info.id}?purge=all`)).status).toBe(204);
      await purged.sess.close().catch(() => undefined);
      expect(values(await other.sess.getNamed(named('shared-name')))).toEqual([6]);
    } finally {
      await other.sess.close();
    }
  });
});

describe("a headless session's purge=all", () => {
  it('deletes the result it stored with every name on it, not an object its name was rebound to', async () => {
    const server = await start({}, SERVE_DEPS);
    const a = api(server, TOKEN_A);
    writeFileSync(join(server.dataDir, 'job.mjs'), 'export default async () => ({ answer: 42 });\n');
    const [rebound, aliased] = await a.create({ name: 'job', kind: 'headless', module: 'job.mjs', replicas: 2 });
    await until(server.ctx.registry, (s) => [rebound, aliased].every((id) => s.sessions[id!]?.status === 'Completed'));
    const [reboundName, aliasedName] = [rebound, aliased].map((id) => server.ctx.registry.get(id!)!.resultName!);
    const reader = await remote(server.url, 'reader');
    try {
      // One result gets a second name; the other's name is moved onto an object of the reader's.
      const result = await reader.store.getName(aliasedName!);
      await reader.store.putName(result, named('alias-of-result'));
      const firstResult = await reader.store.getName(reboundName!);
      const mine = await reader.store.put(new Float64Array([7]), { persist: true, name: named('mine') });
      await reader.store.putName(mine, reboundName!, { overwrite: true });

      expect((await a.delete(`/v1/sessions/${aliased}?purge=all`)).status).toBe(204);
      expect(await reader.store.exists(result)).toBe(false);
      await expect(reader.store.getName(named('alias-of-result'))).rejects.toMatchObject({ code: 'ObjectNotExists' });

      expect((await a.delete(`/v1/sessions/${rebound}?purge=all`)).status).toBe(204);
      expect(await reader.store.exists(firstResult)).toBe(false);
      expect(Array.from((await reader.store.get({ name: reboundName! })) as Float64Array)).toEqual([7]);
      expect(await reader.store.getName(named('mine'))).toBe(mine);
    } finally {
      await reader.sess.close();
    }
  });
});
