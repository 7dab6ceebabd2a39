/**
 * A private `redis-server` for a test file: Debian's binary on a free loopback port, no persistence,
 * started in beforeAll and stopped by its pid in afterAll (never the machine's 6379). Readiness is
 * observed (the server's "Ready to accept connections" line), not waited for by time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../../bench/distributed/cluster.js';
import { settles } from './events.js';

export { freePort };

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
}

/** Starts a server on `port` (a free one when not given: pass a port to restart a stopped server in place). */
export async function startRedis(port?: number): Promise<TestRedis & { stop(): Promise<void> }> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} is missing: install Debian's redis-server (apt-get install -y redis-server), as .ci/run does.`);
  }
  port ??= await freePort();
  const child: ChildProcess = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${log}`)));
  });
  await settles(ready, `redis-server on port ${port} to be ready`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
      await exited;
    },
  };
}

/** Starts a server for the calling describe block (or file) and stops it after; returns its accessor. */
export function redisForSuite(): () => TestRedis {
  let server: Awaited<ReturnType<typeof startRedis>> | undefined;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('the test redis-server has not started (use it inside a test or hook)');
    return server;
  };
}
