/**
 * Servers for the service tests: `hostedServers()` starts real servers (port 0, a fresh data directory
 * unless one is given) and closes every one after each test; `api(server, token)` calls them over HTTP;
 * `fakeHeadless()` is a StartHeadless whose runs the test drives by hand; `until` waits for a registry
 * state, with no sleep.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { buildServer, type RunningServer, type ServerDeps } from '../../src/service/server/app.js';
import type { HeadlessHooks, HeadlessOutcome, HeadlessSpec, ServerOptions, StartHeadless } from '../../src/service/server/context.js';
import type { RegistryState, SessionRegistry } from '../../src/service/server/registry.js';

export const TOKEN_A = 'token-a-0123456789';
export const TOKEN_B = 'token-b-0123456789';

export interface TestServer extends RunningServer {
  readonly dataDir: string;
}

export function hostedServers(): (options?: Partial<ServerOptions>, deps?: ServerDeps) => Promise<TestServer> {
  const started: TestServer[] = [];
  const madeDirs: string[] = [];
  afterEach(async () => {
    for (const s of started.splice(0)) await s.close();
    for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return async (options = {}, deps = {}) => {
    let dataDir = options.dataDir;
    if (dataDir === undefined) {
      dataDir = mkdtempSync(join(tmpdir(), 'tessera-serve-'));
      madeDirs.push(dataDir);
    }
    const server = await buildServer(
      { host: '127.0.0.1', port: 0, tokens: [TOKEN_A, TOKEN_B], maxSessions: 64, danglingTimeout: 60, allowUserCode: true, ...options, dataDir },
      deps,
    );
    const s: TestServer = { ...server, dataDir };
    started.push(s);
    return s;
  };
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
  readonly headers: Headers;
}

export interface Api {
  get(path: string): Promise<Reply>;
  post(path: string, body?: unknown): Promise<Reply>;
  delete(path: string): Promise<Reply>;
  /** Creates sessions and returns their ids (fails the test on anything but 201). */
  create(body: Record<string, unknown>): Promise<string[]>;
}

export function api(server: { readonly url: string }, token: string | undefined): Api {
  const call = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(server.url + path, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    delete: (path) => call('DELETE', path),
    create: async (body) => {
      const r = await call('POST', '/v1/sessions', body);
      if (r.status !== 201) throw new Error(`create answered ${r.status}: ${r.text}`);
      return r.body as string[];
    },
  };
}

/** Resolves once `predicate` holds for the registry's state (checked now, then on every change). */
export function until(registry: SessionRegistry, predicate: (state: RegistryState) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (predicate(registry.state)) return resolve();
    const off = registry.subscribe((_, state) => {
      if (!predicate(state)) return;
      off();
      resolve();
    });
  });
}

export interface FakeRun {
  readonly spec: HeadlessSpec;
  readonly hooks: HeadlessHooks;
  stopped: boolean;
  finish(outcome: HeadlessOutcome): void;
}

/** A StartHeadless whose runs end when the test says so; `stop` settles them Failed, as the real host does. */
export function fakeHeadless(options: { refuse?: (spec: HeadlessSpec) => boolean; stopFails?: boolean } = {}): {
  readonly start: StartHeadless;
  readonly runs: FakeRun[];
} {
  const runs: FakeRun[] = [];
  const start: StartHeadless = (spec, hooks) => {
    if (options.refuse?.(spec)) throw new Error(`the fake host refuses replica ${spec.env.REPLICA_ID}`);
    let settle!: (o: HeadlessOutcome) => void;
    const done = new Promise<HeadlessOutcome>((r) => {
      settle = r;
    });
    const run: FakeRun = { spec, hooks, stopped: false, finish: (o) => settle(o) };
    runs.push(run);
    return {
      done,
      stop: async () => {
        run.stopped = true;
        settle({ ok: false, error: { code: 'Stopped', message: 'the run was stopped' } });
        if (options.stopFails) throw new Error('the child would not die');
      },
    };
  };
  return { start, runs };
}
