/**
 * The server for remote-session tests: the real one (`buildServer` with the routes `tessera serve`
 * registers), on a free port (or a given one, to restart on it) and a data directory of its own.
 * `engines` gives the engine session behind a hosted session's id, so tests can look at the server's
 * side of what a remote client did.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Session } from '../../src/index.js';
import { SERVE_DEPS } from '../../src/cli/serve.js';
import { buildServer } from '../../src/service/server/app.js';
import type { ServerContext } from '../../src/service/server/context.js';

export interface TestServer {
  readonly address: string;
  readonly port: number;
  readonly dataDir: string;
  readonly app: FastifyInstance;
  readonly ctx: ServerContext;
  /** The engine sessions it hosts, by id. */
  readonly engines: { get(id: string): Session | undefined };
  /** Closes every hosted session and the server; with `keepDataDir`, leaves the data directory. */
  close(options?: { readonly keepDataDir?: boolean }): Promise<void>;
}

export async function startTestServer(
  options: { tokens?: readonly string[]; port?: number; dataDir?: string; allowUserCode?: boolean; danglingTimeout?: number; redis?: string } = {},
): Promise<TestServer> {
  const tokens = options.tokens ?? ['t1', 't2'];
  const owned = options.dataDir === undefined;
  const dataDir = realpathSync(options.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-serve-')));
  const server = await buildServer(
    {
      host: '127.0.0.1',
      port: options.port ?? 0,
      tokens,
      dataDir,
      maxSessions: 1000,
      danglingTimeout: options.danglingTimeout ?? 60,
      allowUserCode: options.allowUserCode ?? true,
      ...(options.redis !== undefined ? { redis: options.redis } : {}),
    },
    SERVE_DEPS,
  );
  const { ctx } = server;
  const port = Number(new URL(server.url).port);
  return {
    address: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    app: server.app,
    ctx,
    engines: {
      get(id) {
        const record = ctx.registry.get(id);
        if (!record) return undefined;
        try {
          return ctx.engineSessionFor({ owner: record.owner }, id);
        } catch {
          return undefined;
        }
      },
    },
    async close(closeOptions = {}) {
      await server.close();
      if (owned && !closeOptions.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
