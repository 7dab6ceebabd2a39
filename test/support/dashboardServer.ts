/**
 * The dashboard's tests run on the real server (buildServer with the dashboard plugin and the real
 * headless host, on a free port and a temporary data directory); `engine(id)` gives the engine session
 * behind a session id, to run DAGs on it as a remote client's requests would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Session } from '../../src/index.js';
import { buildServer } from '../../src/service/server/app.js';
import type { ServerContext } from '../../src/service/server/context.js';
import { startHeadless } from '../../src/service/headless/host.js';
import { dashboardRoutes } from '../../src/service/server/routes/dashboard.js';

export interface DashboardServer {
  readonly url: string;
  readonly dataDir: string;
  readonly app: FastifyInstance;
  readonly ctx: ServerContext;
  engine(id: string): Session;
  close(): Promise<void>;
}

export async function startDashboardServer(tokens: readonly string[]): Promise<DashboardServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-dashboard-data-'));
  const server = await buildServer(
    { host: '127.0.0.1', port: 0, tokens, dataDir, maxSessions: 100, danglingTimeout: 60, allowUserCode: true },
    { plugins: [dashboardRoutes], startHeadless },
  );
  return {
    url: server.url,
    dataDir,
    app: server.app,
    ctx: server.ctx,
    engine: (id) => server.ctx.engineSessionFor({ owner: server.ctx.registry.get(id)!.owner }, id),
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
