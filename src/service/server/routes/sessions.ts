/**
 * The sessions API (Skaha's, reference/vineyard-skaha.md §B–§C.2): create (with an Idempotency-Key; a
 * partial failure of replicas is a 207 naming each), list (whole, by pages, or every token's sessions
 * reduced to public fields with view=all; view=stats answers as /v1/stats), info, renew, delete one (with purge) or by selector (prefix
 * or a linear-time regex), stats, and the context (what a session may ask for here). Handlers only read
 * the request and call the rules (sessionRules.ts, sessionFilters.ts) and the host (hosting.ts); a
 * token only ever sees its own sessions, except the public fields of view=all.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { logEngine } from '../../../base/log.js';
import { callerOf } from '../auth.js';
import { DEFAULT_MEMORY, DEFAULT_SESSION_TTL, type SessionHost } from '../hosting.js';
import { bodyDigest, IdempotencyKeys } from '../idempotency.js';
import { SESSION_KINDS } from '../registry.js';
import { pageOf, type PageQuery, wantsPage } from '../sessionPages.js';
import { defaultWorkers } from '../../../session/options.js';
import { HttpError, ValidationError } from '../httpErrors.js';
import { hideDataDir } from '../paths.js';
import {
  contextSchema,
  createBodySchema,
  createHeadersSchema,
  deleteQuerySchema,
  errorResponses,
  errorSchema,
  idParamsSchema,
  listQuerySchema,
  partialCreateSchema,
  publicViewSchema,
  purgeQuerySchema,
  sessionSchema,
  statsSchema,
} from '../schemas.js';
import { matchesFilter, parseDeleteSelector, parseFilter, parseView, type FilterQuery } from '../sessionFilters.js';
import { expandReplicas, MEMORY_MAX, MODES, NAME_MAX, parseCreateRequest, type Purge, REPLICAS_MAX, sizeText, WORKERS_MAX, type CreateRequest } from '../sessionRules.js';
import { publicRecord, publicView, remoteWorkersOf, statsOf } from '../sessionView.js';

/** Names, env and args of up to 512 replicas fit easily; anything bigger is a mistake or an attack. */
const CREATE_BODY_LIMIT = 64 * 1024;
const tags = ['sessions'];
const security = [{ bearer: [] }];

/** One replica that could not be created, as the 207 answer names it. */
interface ReplicaError {
  readonly replica: number;
  readonly code: string;
  readonly message: string;
}

type CreateAnswer = { readonly status: 201; readonly body: readonly string[] } | { readonly status: 207; readonly body: { readonly ids: readonly string[]; readonly errors: readonly ReplicaError[] } };

/** What the client is told of a replica's failure: its code, and its message with the data directory hidden. */
function replicaError(host: SessionHost, replica: number, e: unknown): ReplicaError {
  const err = e as { code?: unknown; message?: unknown } | undefined;
  const code = typeof err?.code === 'string' ? err.code : 'ReplicaFailed';
  const message = typeof err?.message === 'string' ? err.message : String(e);
  return { replica, code, message: hideDataDir(host.options.dataDir, message) };
}

/** A headless module: allowed, hosted, inside the data directory and a file. */
function modulePathOf(host: SessionHost, request: CreateRequest): string {
  if (!host.options.allowUserCode) {
    throw new HttpError(403, 'UserCodeRefused', 'This server runs no user code (--no-user-code): it refuses headless sessions.', 'module');
  }
  if (!host.hostsHeadless) throw new HttpError(501, 'HeadlessUnavailable', 'This server has no headless host: it cannot run modules.', 'module');
  let path: string;
  try {
    path = host.resolveDataPath(request.module!);
  } catch (e) {
    if (e instanceof HttpError) throw new HttpError(e.status, e.code, e.message, 'module');
    throw e;
  }
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new ValidationError('module', "module names no file in the server's data directory.");
  }
  return path;
}

export function sessionsRoutes(host: SessionHost) {
  const idempotency = new IdempotencyKeys<CreateAnswer>();
  const statsAnswer = (request: FastifyRequest) => {
    const records = host.registry.ownedBy(callerOf(request).owner);
    const stats = statsOf(records);
    const remote = host.options.redis === undefined ? {} : { remoteWorkers: remoteWorkersOf(records.flatMap((r) => host.engineOf(r.id) ?? [])) };
    return { ...stats, workers: { ...stats.workers, available: availableParallelism() }, ...remote, limits: { maxSessions: host.options.maxSessions } };
  };
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/v1/sessions', {
      bodyLimit: CREATE_BODY_LIMIT,
      schema: {
        tags,
        security,
        summary: 'Create a session (or N replicas): 201 with the new ids in replica order; 207 {ids, errors} when some replicas failed',
        body: createBodySchema,
        headers: createHeadersSchema,
        response: { 201: { type: 'array', items: { type: 'string' } }, 207: partialCreateSchema, 403: errorSchema, 409: errorSchema, 422: errorSchema, ...errorResponses },
      },
    }, async (request, reply) => {
      const caller = callerOf(request);
      const key = request.headers['idempotency-key'] as string | undefined;
      const digest = key === undefined ? '' : bodyDigest(request.body);
      const replayed = key === undefined ? undefined : idempotency.replay(caller.owner, key, digest);
      if (replayed) return reply.code(replayed.status).header('idempotent-replayed', 'true').send(replayed.body);
      const create = parseCreateRequest(request.body);
      const modulePath = create.kind === 'headless' ? modulePathOf(host, create) : undefined;
      const replicas = expandReplicas(create);
      const max = host.options.maxSessions;
      if (host.activeCount() + replicas.length > max) {
        throw new HttpError(
          409,
          'MaxSessions',
          `The server hosts at most ${max} active (Pending or Running) sessions and cannot add ${replicas.length} more now: ` +
            'delete sessions you no longer need, or ask for fewer replicas.',
        );
      }
      const ids: string[] = [];
      const errors: ReplicaError[] = [];
      let firstError: unknown;
      for (const replica of replicas) {
        try {
          ids.push(host.create(caller.owner, { request: create, replica, ...(modulePath ? { modulePath } : {}) }).id);
        } catch (e) {
          // Never dropped silently (§C.2, unlike Skaha's client): the answer is a 207 naming each failed replica.
          firstError ??= e;
          errors.push(replicaError(host, replica.replica.id, e));
          logEngine('warn', `Replica ${replica.name} of a ${create.kind} session could not be created: ${(e as Error)?.message ?? e}`, {
            code: 'TESSERA_REPLICA_FAILED',
          });
        }
      }
      if (ids.length === 0) throw firstError;
      const answer: CreateAnswer = errors.length === 0 ? { status: 201, body: ids } : { status: 207, body: { ids, errors } };
      if (key !== undefined) idempotency.remember(caller.owner, key, digest, answer);
      return reply.code(answer.status).send(answer.body);
    });

    app.get('/v1/sessions', {
      schema: {
        tags,
        security,
        summary: "The caller's sessions, by kind and status; with limit or cursor, one page of them; with view=all, every token's sessions, public fields only; view=stats is GET /v1/stats",
        querystring: listQuerySchema,
        response: {
          200: {
            anyOf: [
              { type: 'array', items: publicViewSchema },
              { type: 'array', items: sessionSchema },
              { type: 'object', properties: { items: { type: 'array', items: sessionSchema }, nextCursor: { type: ['string', 'null'] } }, required: ['items', 'nextCursor'] },
              // Last: the serializer takes the first schema an answer fits, and the stats schema requires nothing.
              statsSchema,
            ],
          },
          ...errorResponses,
        },
      },
    }, async (request) => {
      const query = request.query as FilterQuery & PageQuery & { view?: string };
      const view = query.view ? parseView(query.view) : undefined;
      if (view === 'stats') {
        // Skaha's alias of GET stats: the caller's whole count, so a filter or a page would be ignored.
        if (wantsPage(query) || query.kind || query.status || query.prefix) throw new ValidationError('view', 'view=stats counts all of your sessions: leave out kind, status, prefix, limit and cursor.');
        return statsAnswer(request);
      }
      const filter = parseFilter(query);
      if (view === 'all') {
        // Not paged: a cursor names the place of the last session listed, another token's id included.
        if (wantsPage(query)) throw new ValidationError('view', 'view=all answers the whole list: leave out limit and cursor.');
        return Object.values(host.registry.state.sessions).filter((r) => matchesFilter(r, filter)).map(publicView);
      }
      const mine = host.registry.ownedBy(callerOf(request).owner).filter((r) => matchesFilter(r, filter));
      if (!wantsPage(query)) return mine.map(publicRecord);
      const page = pageOf(mine, query);
      return { items: page.items.map(publicRecord), nextCursor: page.nextCursor };
    });

    app.get('/v1/context', {
      schema: { tags, security, summary: "What a session may ask for here (Skaha's GET context)", response: { 200: contextSchema, ...errorResponses } },
    }, async () => ({
      version: 1,
      kinds: SESSION_KINDS,
      modes: MODES,
      workers: { min: 1, max: WORKERS_MAX, default: defaultWorkers() },
      memory: { min: 1, max: MEMORY_MAX, default: DEFAULT_MEMORY, defaultText: sizeText(DEFAULT_MEMORY), syntax: "bytes, or a size such as '512Mi', '2Gi', '1.5G'" },
      replicas: { min: 1, max: REPLICAS_MAX },
      nameMaxLength: NAME_MAX,
      userCode: host.options.allowUserCode,
      headless: host.hostsHeadless && host.options.allowUserCode,
      limits: {
        maxSessions: host.options.maxSessions,
        danglingTimeoutSeconds: host.options.danglingTimeout,
        sessionTtlSeconds: host.options.sessionTtl ?? DEFAULT_SESSION_TTL,
      },
    }));

    app.get('/v1/sessions/:id', {
      schema: { tags, security, summary: 'One session', params: idParamsSchema, response: { 200: sessionSchema, ...errorResponses } },
    }, async (request) => publicRecord(host.recordFor(callerOf(request), (request.params as { id: string }).id)));

    app.post('/v1/sessions/:id/renew', {
      schema: {
        tags,
        security,
        summary: 'Extend expiryTime by the session TTL; a finished session is a 409',
        params: idParamsSchema,
        response: { 200: sessionSchema, 409: errorSchema, ...errorResponses },
      },
    }, async (request) => publicRecord(host.renew(callerOf(request), (request.params as { id: string }).id)));

    app.delete('/v1/sessions/:id', {
      schema: {
        tags,
        security,
        summary: 'Close and remove a session: 204 once it is gone; purge=all also drops what it persisted and named',
        params: idParamsSchema,
        querystring: purgeQuerySchema,
        response: { 204: { type: 'null' }, 500: errorSchema, ...errorResponses },
      },
    }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const { purge = 'transient' } = request.query as { purge?: Purge };
      host.recordFor(callerOf(request), id);
      if (!(await host.delete(id, `deleted by its client (purge=${purge})`, purge))) {
        throw new HttpError(500, 'CloseFailed', `Session '${id}' was removed, but closing it failed; the server's log says why.`);
      }
      return reply.code(204).send();
    });

    app.delete('/v1/sessions', {
      schema: {
        tags,
        security,
        summary: 'Delete the sessions a selector matches: {id: true|false} per session, honest per id; purge as for one session',
        querystring: deleteQuerySchema,
        response: { 200: { type: 'object', additionalProperties: { type: 'boolean' } }, ...errorResponses },
      },
    }, async (request) => {
      const { purge = 'transient', ...query } = request.query as FilterQuery & { purge?: Purge };
      const selector = parseDeleteSelector(query);
      const chosen = host.registry.ownedBy(callerOf(request).owner).filter((r) => matchesFilter(r, selector));
      const outcomes = await Promise.all(chosen.map((r) => host.delete(r.id, `deleted by its client (by selector, purge=${purge})`, purge)));
      return Object.fromEntries(chosen.map((r, i) => [r.id, outcomes[i]!]));
    });

    app.get('/v1/stats', {
      schema: { tags, security, summary: "The caller's sessions by kind and status, workers, memory and store", response: { 200: statsSchema, ...errorResponses } },
    }, async (request) => statsAnswer(request));
  };
}
