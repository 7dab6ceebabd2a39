/**
 * The server with the real headless host (as `tessera serve` runs it): a module inside the data
 * directory runs in its own child process, its output reaches the session's logs, and the session ends
 * Completed with its result under a name — or Failed with the module's error in its events, while the
 * server and its other sessions carry on.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { newSession } from '../../../src/index.js';
import { startHeadless } from '../../../src/service/headless/host.js';
import { api, hostedServers, TOKEN_A, until } from '../../support/hostedServer.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/headless');
const start = hostedServers();

async function serverWithModules(): Promise<Awaited<ReturnType<typeof start>>> {
  const server = await start({}, { startHeadless });
  for (const f of ['sum.mjs', 'exit.js']) copyFileSync(join(FIXTURES, f), join(server.dataDir, f));
  return server;
}

describe('headless sessions on the server', () => {
  it('runs the module, logs its output and stores its result under the session result name', async () => {
    const server = await serverWithModules();
    const a = api(server, TOKEN_A);
    const [id] = await a.create({ name: 'batch', kind: 'headless', module: 'sum.mjs', args: ['100'] });
    await until(server.ctx.registry, (s) => ['Completed', 'Failed'].includes(s.sessions[id!]?.status ?? ''));
    const info = (await a.get(`/v1/sessions/${id}`)).body as { status: string; resultName: string };
    expect(info.status).toBe('Completed');
    expect((await a.get(`/v1/sessions/${id}/logs`)).text).toContain('sum of arange(100) = 4950');
    const reader = newSession({ executor: 'local', default: false });
    try {
      const catalogName = server.ctx.owners.name(server.ctx.registry.get(id!)!.owner, info.resultName);
      expect(await reader.store.get(reader.store.getName(catalogName))).toEqual({ n: 100, sum: 4950, handedIsDefault: true });
    } finally {
      await reader.close();
    }
  });

  it('runs a .mts module, as the headless loader allows', async () => {
    const server = await serverWithModules();
    writeFileSync(join(server.dataDir, 'count.mts'), 'export default async (_session: unknown, args: readonly string[]): Promise<number> => args.length;\n');
    const a = api(server, TOKEN_A);
    const [id] = await a.create({ name: 'typed', kind: 'headless', module: 'count.mts', args: ['a', 'b'] });
    await until(server.ctx.registry, (s) => ['Completed', 'Failed'].includes(s.sessions[id!]?.status ?? ''));
    expect(server.ctx.registry.get(id!)?.status).toBe('Completed');
    const events = (await a.get(`/v1/sessions/${id}/events`)).body as { message: string }[];
    expect(events.map((e) => e.message).join('\n')).toContain('The module returned 2.');
  });

  it('a module that exits its process fails that session alone', async () => {
    const server = await serverWithModules();
    const a = api(server, TOKEN_A);
    const [interactive] = await a.create({ name: 'live', kind: 'interactive' });
    const [id] = await a.create({ name: 'quitter', kind: 'headless', module: 'exit.js' });
    await until(server.ctx.registry, (s) => ['Completed', 'Failed'].includes(s.sessions[id!]?.status ?? ''));
    expect(server.ctx.registry.get(id!)?.status).toBe('Failed');
    const events = (await a.get(`/v1/sessions/${id}/events`)).body as { message: string }[];
    expect(events.map((e) => e.message).join('\n')).toContain('ModuleExited');
    expect(server.ctx.registry.get(interactive!)?.status).toBe('Running');
    expect((await a.get('/v1/stats')).status).toBe(200);
  });
});
