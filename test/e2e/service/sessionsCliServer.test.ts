/**
 * `tessera sessions …` against the real server (buildServer with the real headless host): the
 * client and the server agree on every call a user makes in a headless batch's life.
 */
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSessions } from '../../../src/cli/sessions.js';
import { startHeadless } from '../../../src/service/headless/host.js';
import { fakeHeadless, hostedServers, TOKEN_A, TOKEN_B, until } from '../../support/hostedServer.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/headless');
const start = hostedServers();

describe('tessera sessions against tessera serve', () => {
  it('creates replicas, lists them (another token sees none), reads logs, and deletes per id', async () => {
    const server = await start({}, { startHeadless });
    copyFileSync(join(FIXTURES, 'sum.mjs'), join(server.dataDir, 'sum.mjs'));
    const cli = async (token: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
      let out = '';
      let err = '';
      const code = await runSessions([...argv, '--address', server.url, '--token', token], { out: (t) => void (out += t), err: (t) => void (err += t) });
      return { code, out, err };
    };

    const created = await cli(TOKEN_A, 'create', '--name', 'job', '--module', 'sum.mjs', '--arg', '10', '--replicas', '2', '--json');
    expect(created.code).toBe(0);
    const ids = JSON.parse(created.out) as string[];
    expect(ids).toHaveLength(2);
    await until(server.ctx.registry, (s) => ids.every((id) => s.sessions[id]?.status === 'Completed'));

    const listed = JSON.parse((await cli(TOKEN_A, 'list', '--kind', 'headless', '--json')).out) as { id: string; name: string }[];
    expect(listed.map((s) => s.name).sort()).toEqual(['job-1', 'job-2']);
    expect(JSON.parse((await cli(TOKEN_B, 'list', '--json')).out)).toEqual([]);
    expect((await cli(TOKEN_A, 'logs', ids[0]!)).out).toContain('sum of arange(10) = 45');
    expect((await cli(TOKEN_B, 'info', ids[0]!)).code).toBe(5);

    const deleted = await cli(TOKEN_A, 'delete', ids[0]!, 'nope-0000', '--json');
    expect(JSON.parse(deleted.out)).toEqual({ [ids[0]!]: true, 'nope-0000': false });
    expect(server.ctx.registry.get(ids[0]!)).toBeUndefined();
    expect(server.ctx.registry.get(ids[1]!)?.status).toBe('Completed');
  });

  it("prints the ids of a partial create (the server's 207) and each failed replica's reason, exit 6", async () => {
    const headless = fakeHeadless({ refuse: (spec) => spec.env.REPLICA_ID === '2' });
    const server = await start({}, { startHeadless: headless.start });
    copyFileSync(join(FIXTURES, 'sum.mjs'), join(server.dataDir, 'sum.mjs'));
    let out = '';
    let err = '';
    const code = await runSessions(['create', '--name', 'part', '--module', 'sum.mjs', '--replicas', '3', '--address', server.url, '--token', TOKEN_A], {
      out: (t) => void (out += t),
      err: (t) => void (err += t),
    });
    expect(code).toBe(6);
    const ids = out.trim().split('\n');
    expect(ids.map((id) => server.ctx.registry.get(id)?.name)).toEqual(['part-1', 'part-3']);
    expect(err).toContain('2 of 3 replicas were created');
    expect(err).toContain('replica 2: ReplicaFailed: the fake host refuses replica 2');
  });
});
