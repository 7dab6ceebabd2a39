/**
 * Bearer tokens. Every request carries `Authorization: Bearer <token>` unless its route is marked
 * public (`config: { public: true }`: the dashboard's page, the OpenAPI document); a missing or unknown
 * token is a 401. A caller is known by its owner hash — sha256 of the token, hex, first 16 characters —
 * which is all records keep: tokens never enter the registry, logs or events. Requests are checked
 * against the full digest, so two tokens sharing an owner prefix are still told apart.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from './context.js';
import { unauthorized } from './httpErrors.js';

const callers = new WeakMap<FastifyRequest, Caller>();

function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function ownerOf(token: string): string {
  return digest(token).slice(0, 16);
}

/** The token of an `Authorization` header, or undefined when it is not a bearer token. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** The caller of an authenticated request (every route not marked public has one). */
export function callerOf(request: FastifyRequest): Caller {
  const caller = callers.get(request);
  if (!caller) throw unauthorized('This request carries no accepted token.');
  return caller;
}

/**
 * Checks every request's token before anything else runs; `onCaller` then sees the request with its
 * caller (the server marks the named session's client alive there).
 */
export function registerAuth(
  app: FastifyInstance,
  tokens: readonly string[],
  onCaller: (request: FastifyRequest, caller: Caller) => void,
): void {
  const accepted = new Set(tokens.map(digest));
  app.addHook('onRequest', async (request) => {
    if ((request.routeOptions.config as { public?: boolean } | undefined)?.public === true) return;
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      throw unauthorized(request.headers.authorization === undefined ? 'No Authorization header.' : 'The Authorization header is not a bearer token.');
    }
    const hash = digest(token);
    if (!accepted.has(hash)) throw unauthorized('The token is not one of this server\'s tokens.');
    const caller: Caller = { owner: hash.slice(0, 16) };
    callers.set(request, caller);
    onCaller(request, caller);
  });
}
