/**
 * The server core: `buildServer` checks the options, builds fastify (strict JSON schemas on every
 * route, body limits, bearer-token auth, the error body of errorReply.ts, `GET /openapi.json` generated
 * by @fastify/swagger from the route schemas), hosts the sessions (hosting.ts), registers the sessions
 * and events routes and every route plugin it is given (remote execution, dashboard), and listens.
 * `close()` ends every stream, closes every connection and every hosted session, and the server.
 */
import type { AddressInfo } from 'node:net';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { MAX_TIMER_SECONDS } from '../../base/async.js';
import { OptionError } from '../../base/errors.js';
import { logEngine } from '../../base/log.js';
import { show } from '../../base/show.js';
import { registerAuth } from './auth.js';
import type { ServerContext, ServerOptions, StartHeadless } from './context.js';
import { toErrorReply } from './errorReply.js';
import { HttpError } from './httpErrors.js';
import { SessionHost } from './hosting.js';
import { dataPathGuard } from './paths.js';
import { eventsRoutes } from './routes/events.js';
import { sessionsRoutes } from './routes/sessions.js';
import { checkRedisUrl } from '../../executors/distributed/connect.js';

/** A route plugin of another part of the service: it gets the app (encapsulated) and the context. */
export type RoutePlugin = (app: FastifyInstance, ctx: ServerContext) => Promise<void>;

export interface ServerDeps {
  /** Runs headless sessions' modules (src/service/headless/); without it headless creation is a 501. */
  readonly startHeadless?: StartHeadless;
  /** Registered after the sessions and events routes, behind the same auth and error handling. */
  readonly plugins?: readonly RoutePlugin[];
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly ctx: ServerContext;
  /** `http://host:port`, with the port actually bound (for port 0). */
  readonly url: string;
  close(): Promise<void>;
}

/** Default body limit; routes that take more (remote DAGs, uploads) set their own `bodyLimit`. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export function checkServerOptions(o: ServerOptions): void {
  if (!Array.isArray(o.tokens) || o.tokens.length === 0 || o.tokens.some((t) => typeof t !== 'string' || !/^\S+$/.test(t))) {
    throw new OptionError('tokens must be a non-empty list of tokens without whitespace: every request must carry one.');
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new OptionError(`port must be an integer from 0 to 65535, got ${show(o.port)}.`);
  if (!Number.isInteger(o.maxSessions) || o.maxSessions < 1) {
    throw new OptionError(`maxSessions must be a positive integer, got ${show(o.maxSessions)}.`);
  }
  if (o.redis !== undefined) checkRedisUrl(o.redis, 'redis');
  if (o.queue !== undefined && (typeof o.queue !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(o.queue))) {
    throw new OptionError(`queue must be 1 to 64 letters, digits, '_', '.' or '-' (the name \`tessera worker --queue\` serves), got ${show(o.queue)}.`);
  }
  if (o.queue !== undefined && o.redis === undefined) throw new OptionError('queue names the queue of distributed workers: give redis too.');
  for (const [key, value] of [['danglingTimeout', o.danglingTimeout], ['sessionTtl', o.sessionTtl]] as const) {
    if (value === undefined && key === 'sessionTtl') continue;
    if (typeof value !== 'number' || !(value > 0) || value > MAX_TIMER_SECONDS) {
      throw new OptionError(`${key} must be a number of seconds above 0 and at most ${MAX_TIMER_SECONDS}, got ${show(value)}.`);
    }
  }
}

function dataGuardFor(dataDir: string): (path: string) => string {
  try {
    return dataPathGuard(dataDir);
  } catch (e) {
    throw new OptionError(`The data directory ${show(dataDir)} cannot be used (${(e as Error).message}); create it or pass another --data-dir.`);
  }
}

export async function buildServer(options: ServerOptions, deps: ServerDeps = {}): Promise<RunningServer> {
  checkServerOptions(options);
  const host = new SessionHost(options, {
    resolveDataPath: dataGuardFor(options.dataDir),
    ...(deps.startHeadless ? { startHeadless: deps.startHeadless } : {}),
  });
  const app = Fastify({
    logger: false,
    bodyLimit: DEFAULT_BODY_LIMIT,
    // A HEAD twin of every GET would open event streams that never send a body.
    exposeHeadRoutes: false,
    // On close every connection goes at once: a client waiting on a stream or a slow call gets an error, not a hang.
    forceCloseConnections: true,
    // Bodies are checked as sent: no coercion of "4" into 4, no silent dropping of unknown fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  app.setErrorHandler(async (err, request, reply) => {
    const { status, body } = toErrorReply(err);
    if (status >= 500 && !(err instanceof HttpError)) {
      logEngine('error', `${request.method} ${request.url} failed: ${(err as Error)?.stack ?? String(err)}`, { code: 'TESSERA_SERVER_ERROR' });
    }
    if (status === 401) void reply.header('www-authenticate', 'Bearer');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({ error: { code: 'NotFound', message: `No route ${request.method} ${request.url.split('?')[0]}.` } }),
  );
  registerAuth(app, options.tokens, (request, caller) => {
    // Any authenticated request naming one of the caller's sessions counts as its client being alive.
    const id = (request.params as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string' && host.registry.get(id)?.owner === caller.owner) host.touch(id);
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Tessera sessions API', version: '1', description: "Hosted Tessera sessions with Skaha's session API." },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  await app.register(sessionsRoutes(host));
  await app.register(async (child) => eventsRoutes(child, host));
  for (const plugin of deps.plugins ?? []) await app.register(async (child) => plugin(child, host));
  app.addHook('onClose', async () => host.close());
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (e) {
    await app.close();
    throw e;
  }
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  let closing: Promise<void> | undefined;
  return { app, ctx: host, url, close: () => (closing ??= app.close()) };
}
