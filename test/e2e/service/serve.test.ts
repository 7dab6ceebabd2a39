/**
 * `tessera serve` as a process: on port 0 it prints the URL it listens on as its first line, answers
 * with the tokens it was given, and on SIGTERM closes its sessions and exits 0; without a token it
 * refuses to start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { api } from '../../support/hostedServer.js';

const main = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('tessera serve', () => {
  it('prints its URL first on port 0, serves the API with its token, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-serve-cli-'));
    dirs.push(dataDir);
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--port', '0', '--token', 'cli-token', '--data-dir', dataDir, '--dangling-timeout', '30'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const exited = exitOf(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const firstLine = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', resolve);
      void exited.then((e) => reject(new Error(`serve exited early (${JSON.stringify(e)}): ${stderr}`)));
    });
    const m = /^tessera serve listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(firstLine);
    expect(m, firstLine).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThan(0);
    const server = { url: m![1]! };
    expect((await api(server, undefined).get('/v1/stats')).status).toBe(401);
    const client = api(server, 'cli-token');
    const [id] = await client.create({ name: 'from-cli', kind: 'interactive', workers: 1 });
    expect((await client.get(`/v1/sessions/${id}`)).body).toMatchObject({ name: 'from-cli', status: 'Running' });
    expect(stderr).toContain(`data directory ${dataDir}`);
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stderr).toContain('SIGTERM, closing every session');
  }, 60_000);

  it('refuses to start without a token, with exit code 2 and a message saying how to give one', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', main, 'serve', '--port', '0'], { encoding: 'utf8', timeout: 60_000 });
    expect(child.status).toBe(2);
    expect(child.stdout).toBe('');
    expect(child.stderr).toContain('tessera serve needs at least one token (--token T or --tokens FILE)');
  }, 60_000);
});
