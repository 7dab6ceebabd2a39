/**
 * One suite, two kinds of session: `local` (a Session in this process) and `remote` (a RemoteSession
 * whose server, test/support/remoteServer.ts, runs in this process on loopback). `sessionBackend(kind)`
 * registers the server's lifecycle with the calling describe block and returns how to open a session
 * there from local-session options, and what that backend's sessions report about themselves.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Executor } from '../../src/executors/executor.js';
import { newSession, type RemoteSession, type SessionLike, type SessionOptions } from '../../src/index.js';
import { RemoteExecutor } from '../../src/service/client/index.js';
import { startTestServer, type TestServer } from './remoteServer.js';

export const BACKENDS = ['local', 'remote'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface SessionBackend {
  readonly kind: Backend;
  /** A session from local-session options; executor, workers and fuse are the server's choice remotely. */
  open(options?: SessionOptions): SessionLike;
  /** Resolves when the session's info is current (a remote session's creation has been answered). */
  ready(session: SessionLike): Promise<void>;
  /** What `info` says about the executor of a session opened with `{executor: 'local'}`. */
  readonly executorInfo: { readonly executor: string; readonly workers: number };
  /** Config fields only that backend has. */
  readonly configExtra: Readonly<Record<string, unknown>>;
  /** The server, for a remote backend (after beforeAll). */
  server(): TestServer;
}

export function sessionBackend(kind: Backend, token = 't1'): SessionBackend {
  let server: TestServer | undefined;
  if (kind === 'remote') {
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterAll(async () => {
      await server?.close();
    });
  }
  return {
    kind,
    open(options = {}) {
      if (kind === 'local') return newSession(options);
      const { executor: _e, workers: _w, fuse: _f, spillDir: _s, config: _c, ...rest } = options;
      return newSession({ address: server!.address, token, ...rest });
    },
    async ready(session) {
      if (kind === 'remote') await (session as RemoteSession).ready();
    },
    executorInfo: kind === 'local' ? { executor: 'local', workers: 0 } : { executor: 'threads', workers: 2 },
    configExtra: kind === 'local' ? { executor: 'local', fuse: true } : { danglingTimeout: 60 },
    server: () => server!,
  };
}

/**
 * The executor of a remote session of `backend` (a remote one), opened on first use — after the
 * backend's server has started — and closed with the executor.
 */
export function remoteExecutor(backend: SessionBackend): Executor {
  let session: RemoteSession | undefined;
  let executor: RemoteExecutor | undefined;
  const open = (): RemoteExecutor => (executor ??= new RemoteExecutor((session = backend.open({ mode: 'lazy', default: false }) as RemoteSession)));
  return {
    name: 'remote',
    workers: backend.executorInfo.workers,
    run: (graph, store, options) => open().run(graph, store, options),
    close: async () => {
      await session?.close();
    },
  };
}
