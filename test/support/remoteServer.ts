/**
 * A small server for remote-session tests: fastify with bearer tokens, `POST /v1/sessions` (interactive
 * sessions only: `{name, kind, workers?, memory?, mode?}` → 201 with the JSON array of ids),
 * `DELETE /v1/sessions/:id` (204) and a ServerContext, with the remote routes registered as the real
 * server registers them. Its surface is the real API's (same paths, bodies and error bodies), so the
 * integrator can switch these tests to `buildServer` from app.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { TesseraError } from '../../src/base/errors.js';
import { newSession, Session } from '../../src/index.js';
import type { Caller, ServerContext, ServerOptions } from '../../src/service/server/context.js';
import { SessionJournal } from '../../src/service/server/journal.js';
import { SessionRegistry, type SessionRecord } from '../../src/service/server/registry.js';
import { remoteRoutes } from '../../src/service/server/routes/remote.js';
import { Owners } from '../../src/service/server/objectOwners.js';

export interface TestServer {
  readonly address: string;
  readonly port: number;
  readonly dataDir: string;
  readonly app: FastifyInstance;
  readonly ctx: ServerContext;
  /** The engine sessions it hosts, by id. */
  readonly engines: ReadonlyMap<string, Session>;
  /** Closes every hosted session and the server; with `keepDataDir`, leaves the data directory. */
  close(options?: { readonly keepDataDir?: boolean }): Promise<void>;
}

const httpError = (status: number, code: string, message: string): TesseraError => Object.assign(new TesseraError(code, message), { status });

const ownerOf = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 16);

export async function startTestServer(options: { tokens?: readonly string[]; port?: number; dataDir?: string; allowUserCode?: boolean; executor?: 'local' | 'threads' } = {}): Promise<TestServer> {
  const tokens = options.tokens ?? ['t1', 't2'];
  const owned = options.dataDir === undefined;
  const dataDir = realpathSync(options.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-serve-')));
  const serverOptions: ServerOptions = { host: '127.0.0.1', port: options.port ?? 0, tokens, dataDir, maxSessions: 1000, danglingTimeout: 60, allowUserCode: options.allowUserCode ?? true };
  const registry = new SessionRegistry();
  const engines = new Map<string, Session>();
  const journals = new Map<string, SessionJournal>();
  const accepted = new Set(tokens.map(ownerOf));
  const callerOf = (header: string | undefined): Caller => {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
    if (!m || !accepted.has(ownerOf(m[1]!))) throw httpError(401, 'Unauthorized', "Send 'Authorization: Bearer <token>' with one of the server's tokens.");
    return { owner: ownerOf(m[1]!) };
  };
  const notFound = (id: string): TesseraError => httpError(404, 'SessionNotFound', `No session '${id.slice(0, 64)}': list yours with GET /v1/sessions.`);
  const ctx: ServerContext = {
    options: serverOptions,
    registry,
    owners: new Owners(),
    recordFor(caller, id) {
      const record = registry.get(id);
      if (!record || record.owner !== caller.owner) throw notFound(id);
      return record;
    },
    engineSessionFor(caller, id) {
      ctx.recordFor(caller, id);
      const engine = engines.get(id);
      if (!engine || engine.closed) throw httpError(409, 'SessionNotRunning', `Session ${id} is not running.`);
      return engine;
    },
    journalOf: (id) => journals.get(id) ?? new SessionJournal(),
    touch: () => undefined,
    resolveDataPath(path) {
      const full = resolve(dataDir, path);
      const rel = relative(dataDir, full);
      if (rel.startsWith('..') || isAbsolute(rel)) throw httpError(403, 'PathRefused', 'The path is outside the data directory.');
      return full;
    },
  };

  const app = Fastify({ logger: false });
  app.setErrorHandler((e: Error & { statusCode?: number }, _request, reply) => {
    const status = (e as { status?: number }).status ?? e.statusCode ?? 500;
    void reply.code(status).send({ error: { code: (e as { code?: string }).code ?? 'InternalError', message: e.message } });
  });
  app.addHook('onRequest', async (request) => {
    callerOf(request.headers.authorization);
  });
  app.post('/v1/sessions', async (request, reply) => {
    const caller = callerOf(request.headers.authorization);
    const body = request.body as { name?: unknown; kind?: unknown; workers?: unknown; memory?: unknown; mode?: unknown };
    if (typeof body?.name !== 'string' || !/^[A-Za-z0-9-]{1,57}$/.test(body.name)) throw httpError(400, 'ValidationError', 'name must be letters, digits and -.');
    if (body.kind !== 'interactive') throw httpError(400, 'ValidationError', 'kind must be interactive here.');
    const workers = typeof body.workers === 'number' ? body.workers : 2;
    const executor = options.executor ?? 'threads';
    const engine = newSession({
      name: body.name, default: false, mode: body.mode === 'eager' ? 'eager' : 'lazy', executor,
      ...(executor === 'threads' ? { workers } : {}), ...(typeof body.memory === 'string' ? { memoryLimit: body.memory } : {}),
    });
    const id = engine.id;
    engines.set(id, engine);
    journals.set(id, new SessionJournal());
    const now = new Date().toISOString();
    const record: SessionRecord = {
      id, name: body.name, kind: 'interactive', owner: caller.owner, status: 'Running', startTime: now, expiryTime: now, workers, memory: engine.config.memoryLimit,
      memoryRequested: String(body.memory ?? ''), memoryInUse: 0, storeObjects: 0, replica: { id: 1, count: 1 }, dag: { runs: 0, chunksTotal: 0, chunksDone: 0, running: false, failedRuns: 0 },
    };
    registry.add(record);
    return reply.code(201).send([id]);
  });
  app.delete('/v1/sessions/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    ctx.recordFor(callerOf(request.headers.authorization), id);
    await engines.get(id)?.close();
    engines.delete(id);
    registry.remove(id);
    return reply.code(204).send();
  });
  await remoteRoutes(app, ctx);
  await app.listen({ host: '127.0.0.1', port: serverOptions.port });
  const port = (app.server.address() as { port: number }).port;
  return {
    address: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    app,
    ctx,
    engines,
    async close(closeOptions = {}) {
      await Promise.all([...engines.values()].map((e) => e.close()));
      engines.clear();
      await app.close();
      if (owned && !closeOptions.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
