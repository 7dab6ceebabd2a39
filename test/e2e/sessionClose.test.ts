/**
 * Closing sessions with many workers, from outside: a child process that creates and closes 64-worker
 * sessions (idle, and right after a run, while pool threads are still starting) must exit 0 every time.
 * Terminating a thread that is still loading its module used to abort the process with a V8 fatal
 * error (3 times in 13). The same script with remote sessions (hosted by a server in this process) must
 * exit too: a script that closes its remote sessions is not kept alive by them.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/remoteServer.js';

const script = fileURLToPath(new URL('../support/closeSessions.ts', import.meta.url));

/** Runs the script to its end (asynchronously: a remote run needs this process's server to answer). */
function runScript(args: readonly string[]): Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

describe('closing big sessions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it.each([
    ['local', 1],
    ['local', 2],
    ['remote', 1],
  ] as const)('a process creating and closing %s ones exits 0 (run %i)', async (kind, run) => {
    const child = await runScript(['10', '2', ...(kind === 'remote' ? [server.address] : [])]);
    expect({ run, status: child.status, signal: child.signal }).toEqual({ run, status: 0, signal: null });
    expect(child.stderr).not.toMatch(/FATAL|Check failed|Unhandled|MaxListenersExceeded/i);
    expect(child.stdout.trim()).toBe('closed');
    if (kind === 'remote') expect(Object.keys(server.ctx.registry.state.sessions)).toEqual([]);
  }, 130_000);
});
