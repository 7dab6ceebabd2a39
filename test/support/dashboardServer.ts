/**
 * A minimal stand-in for the server core (app.ts `buildServer`, written apart) so the dashboard can be
 * tested on its own: a bearer-token check that puts the caller on the request, a ServerContext over a
 * real registry, journals and engine sessions, `POST /v1/sessions` (interactive sessions only),
 * `GET /v1/events` (a `snapshot` of the caller's sessions, then `patch` events of them) and
 * `/logs?follow=1`, following the server core's conventions (public routes, event names, error bodies).
 * Once buildServer exists the dashboard tests switch to it; this file then goes.
 */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Patch } from 'immer';
import { newSession, type ProgressEvent, type RunStats, type Session } from '../../src/index.js';
import type { Caller, ServerContext, ServerOptions } from '../../src/service/server/context.js';
import { SessionJournal } from '../../src/service/server/journal.js';
import { type SessionRecord, SessionRegistry } from '../../src/service/server/registry.js';
import { dashboardRoutes } from '../../src/service/server/routes/dashboard.js';

export interface DashboardServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly ctx: ServerContext;
  /** The engine session behind a session id, to run DAGs on as a remote client's requests would. */
  engine(id: string): Session;
  close(): Promise<void>;
}

const ownerOf = (token: string): string => createHash('sha256').update(token).digest('hex').slice(0, 16);

function notFound(id: string): Error {
  return Object.assign(new Error(`No session '${id}'.`), { statusCode: 404, code: 'SessionNotFound' });
}

export async function startDashboardServer(tokens: readonly string[]): Promise<DashboardServer> {
  const registry = new SessionRegistry();
  const journals = new Map<string, SessionJournal>();
  const engines = new Map<string, Session>();
  const options: ServerOptions = { host: '127.0.0.1', port: 0, tokens, dataDir: '.', maxSessions: 100, danglingTimeout: 60, allowUserCode: true };
  const ctx: ServerContext = {
    options,
    registry,
    recordFor(caller: Caller, id: string): SessionRecord {
      const record = registry.get(id);
      if (!record || record.owner !== caller.owner) throw notFound(id);
      return record;
    },
    engineSessionFor(caller: Caller, id: string): Session {
      ctx.recordFor(caller, id);
      const engine = engines.get(id);
      if (!engine || engine.closed) throw Object.assign(new Error(`Session ${id} is not running.`), { statusCode: 409 });
      return engine;
    },
    journalOf: (id) => journals.get(id)!,
    touch: () => {},
    resolveDataPath: () => {
      throw Object.assign(new Error('No data paths in this test server.'), { statusCode: 403 });
    },
  };

  // Its own event and log streams are cut when it closes; the dashboard ends its streams itself.
  const app = Fastify({ forceCloseConnections: true });
  app.addHook('onRequest', async (request, reply) => {
    // As the server core does: routes marked `config: { public: true }` need no token.
    if ((request.routeOptions.config as { public?: boolean } | undefined)?.public === true) return;
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!token || !tokens.includes(token)) return reply.code(401).send({ error: { code: 'Unauthorized', message: 'A valid bearer token is required.' } });
    (request as FastifyRequest & { caller?: Caller }).caller = { owner: ownerOf(token) };
  });
  const callerOf = (request: FastifyRequest): Caller => (request as FastifyRequest & { caller: Caller }).caller;

  app.post('/v1/sessions', async (request, reply) => {
    const { name } = request.body as { name: string };
    const engine = newSession({ mode: 'lazy', executor: 'local', default: false, name });
    const id = engine.id;
    const now = new Date();
    engines.set(id, engine);
    journals.set(id, new SessionJournal());
    registry.add({
      id, name, kind: 'interactive', owner: callerOf(request).owner, status: 'Running', startTime: now.toISOString(),
      expiryTime: new Date(now.getTime() + 3_600_000).toISOString(), workers: 1, memory: engine.config.memoryLimit, memoryRequested: '',
      memoryInUse: 0, storeObjects: 0, replica: { id: 1, count: 1 }, dag: { runs: 0, chunksTotal: 0, chunksDone: 0, running: false, failedRuns: 0 },
    });
    engine.on('progress', (e: ProgressEvent) => registry.patch(id, (r) => void (r.dag = { ...r.dag, chunksTotal: e.total, chunksDone: e.done, running: e.done < e.total })));
    engine.on('run', (stats: RunStats) => {
      registry.patch(id, (r) => {
        r.dag.runs++;
        r.memoryInUse = engine.store.usedBytes;
        r.storeObjects = engine.store.status().objects;
      });
      journals.get(id)!.log(`run ${stats.run}: ${stats.executed} chunks executed of ${stats.chunks}`);
    });
    return reply.code(201).send([id]);
  });

  app.get('/v1/events', (request, reply) => {
    const { owner } = callerOf(request);
    const owners = new Map(Object.values(registry.state.sessions).map((s) => [s.id, s.owner]));
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (event: string, data: unknown): boolean => reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    // Records go out without their owner hash, as the server core sends them.
    const bare = (r: SessionRecord): Omit<SessionRecord, 'owner'> => {
      const { owner: _owner, ...rest } = r;
      return rest;
    };
    send('snapshot', { sessions: Object.fromEntries(registry.ownedBy(owner).map((s) => [s.id, bare(s)])) });
    const unsubscribe = registry.subscribe((patches: readonly Patch[], state) => {
      for (const [id, s] of Object.entries(state.sessions)) owners.set(id, s.owner);
      const mine = patches
        .filter((p) => owners.get(String(p.path[1])) === owner)
        .map((p) => (p.path.length === 2 && p.op !== 'remove' ? { ...p, value: bare(p.value as SessionRecord) } : p));
      if (mine.length > 0) send('patch', mine);
    });
    request.raw.once('close', unsubscribe);
  });

  app.get('/v1/sessions/:id/logs', (request, reply) => {
    const { id } = request.params as { id: string };
    ctx.recordFor(callerOf(request), id);
    const journal = ctx.journalOf(id);
    if ((request.query as { follow?: string }).follow !== '1') return reply.type('text/plain').send(journal.text());
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    reply.raw.write(journal.text());
    const stop = journal.follow((line) => reply.raw.write(line + '\n'), () => reply.raw.end());
    request.raw.once('close', stop);
  });

  await dashboardRoutes(app, ctx);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    app,
    ctx,
    engine: (id) => engines.get(id)!,
    async close() {
      for (const journal of journals.values()) journal.end();
      await Promise.all([...engines.values()].map((e) => e.close()));
      await app.close();
    },
  };
}
