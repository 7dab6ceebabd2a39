/**
 * `tessera serve --redis`: the server's interactive sessions run their chunk tasks on `tessera worker`
 * processes (a private redis-server and one worker here, ended by pid), and `GET /v1/stats` lists the
 * workers the caller's sessions see; without --redis the stats have no such list. Bad --redis/--queue
 * values are refused when the server is built.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NdArray, OptionError, tensor as tt } from '../../../src/index.js';
import { buildServer } from '../../../src/service/server/app.js';
import { clusterForSuite } from '../../support/distributed.js';
import { api } from '../../support/hostedServer.js';
import { startTestServer, type TestServer } from '../../support/remoteServer.js';

const cluster = clusterForSuite(1, 1);

describe('tessera serve --redis', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ tokens: ['t1'], redis: cluster().url });
  });
  afterAll(() => server?.close());

  it("hosts distributed sessions, and the stats list the workers they see", async () => {
    const client = api({ url: server.address }, 't1');
    const [id] = await client.create({ name: 'dist', kind: 'interactive', mode: 'lazy' });
    const engine = server.engines.get(id!)!;
    expect(engine.info.executor).toBe('distributed');
    // The session connects (and sees the workers) on its first run, which its worker computes.
    expect(((await engine.run(tt.arange(8, undefined, undefined, { chunkSize: 4 }).mul(3).sum())) as NdArray).item()).toBe(84);
    const stats = (await client.get('/v1/stats')).body as { remoteWorkers: { id: string; threads: number; pid: number; host: string; cache: { limit: number; hits: number } }[] };
    expect(stats.remoteWorkers.map((w) => w.id)).toEqual(cluster().workers.map((w) => w.id));
    expect(stats.remoteWorkers[0]).toMatchObject({ threads: 1, pid: cluster().workers[0]!.pid });
    // Each worker lists its chunk cache (the default limit, and how many inputs it served from memory).
    expect(stats.remoteWorkers.every((w) => w.cache.limit > 0 && Number.isInteger(w.cache.hits))).toBe(true);
    expect(typeof stats.remoteWorkers[0]!.host).toBe('string');
  });

  it('a server without --redis has no remote workers in its stats; bad --redis or --queue values are refused', async () => {
    const plain = await startTestServer({ tokens: ['t1'] });
    try {
      expect((await api({ url: plain.address }, 't1').get('/v1/stats')).body).not.toHaveProperty('remoteWorkers');
    } finally {
      await plain.close();
    }
    const base = { host: '127.0.0.1', port: 0, tokens: ['t'], dataDir: '.', maxSessions: 1, danglingTimeout: 60, allowUserCode: true };
    await expect(buildServer({ ...base, redis: 'http://x' })).rejects.toThrow(OptionError);
    await expect(buildServer({ ...base, redis: cluster().url, queue: 'a b' })).rejects.toThrow(/queue must be/);
    await expect(buildServer({ ...base, queue: 'q' })).rejects.toThrow(/give redis too/);
  });
});
