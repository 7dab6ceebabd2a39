/**
 * A Redis server and `tessera worker` processes for the distributed benchmarks and the hosts test: on
 * this host's loopback, or each inside a host of hosts.ts (its own network namespace). Every process is
 * started from this checkout (the compiled CLI next to a compiled benchmark, the TypeScript source
 * through tsx otherwise), awaited until it says it is ready, and stopped by its pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Host } from './hosts.js';

const here = dirname(fileURLToPath(import.meta.url));
const compiled = import.meta.url.endsWith('.js');
const CLI = join(here, '..', '..', 'src', 'cli', compiled ? 'main.js' : 'main.ts');
const REDIS_SERVER = '/usr/bin/redis-server';
/** A worker compiles nothing when compiled, but from source on a loaded 2-core machine it can take long. */
const START_MS = 120_000;

export interface Process {
  readonly pid: number;
  /** SIGKILL (or `signal`) by pid; resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface Worker extends Process {
  readonly id: string;
}

export interface Redis extends Process {
  readonly url: string;
}

/** A port nobody listens on right now (the OS picks it); the tests' Redis servers use it too. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Spawns `argv` (inside `host` when given) and resolves with what `ready` finds in its stdout. */
function started<T>(argv: readonly string[], host: Host | undefined, ready: (out: string) => T | undefined, what: string): Promise<{ child: ChildProcess; found: T; exited: Promise<void> }> {
  const full = host ? host.command(argv) : [...argv];
  const child = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} (pid ${child.pid}) not ready after ${START_MS} ms:\n${err}`));
    }, START_MS);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const found = ready(out);
      if (found === undefined) return;
      clearTimeout(timer);
      resolve({ child, found, exited });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it was ready:\n${err}${out}`));
    });
  });
}

function stopper(child: ChildProcess, exited: Promise<void>): (signal?: NodeJS.Signals) => Promise<void> {
  return async (signal = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
    await exited;
  };
}

/** redis-server without persistence on a free port: on 127.0.0.1, or on `host`'s address. */
export async function startRedis(host?: Host): Promise<Redis> {
  const port = await freePort();
  const bind = host?.address ?? '127.0.0.1';
  const argv = [REDIS_SERVER, '--port', String(port), '--bind', bind, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--protected-mode', 'no'];
  const { child, exited } = await started(argv, host, (out) => (out.includes('Ready to accept connections') ? true : undefined), `redis-server on ${bind}:${port}`);
  return { pid: child.pid!, url: `redis://${bind}:${port}`, stop: stopper(child, exited) };
}

/** `tessera worker --redis url --threads n`, inside `host` when given. */
export async function startWorker(url: string, threads: number, host?: Host): Promise<Worker> {
  const node = compiled ? [process.execPath, CLI] : [process.execPath, '--import', 'tsx', CLI];
  const argv = [...node, 'worker', '--redis', url, '--threads', String(threads)];
  const { child, found, exited } = await started(argv, host, (out) => /tessera worker (\S+) ready/.exec(out)?.[1], `tessera worker${host ? ` on ${host.name}` : ''}`);
  return { pid: child.pid!, id: found, stop: stopper(child, exited) };
}
