/**
 * Live views of sessions: `GET /v1/events` streams the registry's immer patches as server-sent events,
 * narrowed to the caller's sessions (a `snapshot` event first, then `patch` events); `GET
 * /v1/sessions/:id/events` lists a session's events; `GET /v1/sessions/:id/logs` is its log as text,
 * and with `?follow=1` keeps streaming lines until the session ends or the client goes. Every stream
 * ends when the server closes, so no client is left hanging on a server that is gone.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { callerOf } from '../auth.js';
import type { ServerContext } from '../context.js';
import { errorResponses, idParamsSchema, journalEventSchema } from '../schemas.js';
import { patchesFor, publicRecord } from '../sessionView.js';

const tags = ['sessions'];
const security = [{ bearer: [] }];
/** A comment line this often keeps proxies from closing a quiet event stream. */
const KEEPALIVE_MS = 15_000;
/**
 * What a streaming client may leave unread before it is dropped: the server would otherwise hold every
 * patch or line for a client that never reads. A dropped client reconnects and gets a fresh snapshot.
 */
export const MAX_UNREAD_BYTES = 16 * 2 ** 20;

export async function eventsRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  /**
   * A response that stays open, written as things happen. It is taken over from fastify (hijacked) so
   * its headers go out at once: a client following an empty log must not wait for a first line to learn
   * that the request was accepted. `cleanup` runs once, when the response ends for any reason.
   */
  const stream = (reply: FastifyReply, contentType: string, cleanup: () => void): { write: (text: string) => void; end: () => void } => {
    const res = reply.raw;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      open.delete(end);
      cleanup();
      res.end();
    };
    reply.hijack();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    open.add(end);
    res.once('close', end);
    const write = (text: string): void => {
      if (ended) return;
      res.write(text);
      if (res.writableLength > MAX_UNREAD_BYTES) {
        end();
        res.destroy();
      }
    };
    return { write, end };
  };

  app.get('/v1/events', {
    schema: {
      tags,
      security,
      summary: "Server-sent events: a snapshot of the caller's sessions, then the registry's immer patches on them",
      produces: ['text/event-stream'],
      response: errorResponses,
    },
  }, async (request, reply) => {
    const { owner } = callerOf(request);
    const mine = ctx.registry.ownedBy(owner);
    const visible = new Set(mine.map((r) => r.id));
    let unsubscribe = (): void => {};
    let keepalive: NodeJS.Timeout | undefined;
    const body = stream(reply, 'text/event-stream; charset=utf-8', () => {
      unsubscribe();
      clearInterval(keepalive);
    });
    keepalive = setInterval(() => body.write(': keepalive\n\n'), KEEPALIVE_MS);
    const send = (event: string, data: unknown): void => {
      body.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    send('snapshot', { sessions: Object.fromEntries(mine.map((r) => [r.id, publicRecord(r)])) });
    unsubscribe = ctx.registry.subscribe((patches) => {
      const forwarded = patchesFor(owner, visible, patches);
      if (forwarded.length > 0) send('patch', forwarded);
    });
  });

  app.get('/v1/sessions/:id/events', {
    schema: {
      tags,
      security,
      summary: "A session's events (status changes, renewals, failures), oldest first",
      params: idParamsSchema,
      response: { 200: { type: 'array', items: journalEventSchema }, ...errorResponses },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    ctx.recordFor(callerOf(request), id);
    return ctx.journalOf(id).events;
  });

  app.get('/v1/sessions/:id/logs', {
    schema: {
      tags,
      security,
      summary: "A session's log as text; follow=1 streams new lines until the session ends",
      params: idParamsSchema,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { follow: { type: 'string', enum: ['1', 'true', '0', 'false', ''] } },
      },
      produces: ['text/plain'],
      response: errorResponses,
    },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    ctx.recordFor(callerOf(request), id);
    const journal = ctx.journalOf(id);
    const follow = ['1', 'true'].includes((request.query as { follow?: string }).follow ?? '');
    if (!follow) return reply.type('text/plain; charset=utf-8').send(journal.text());
    let unfollow = (): void => {};
    const body = stream(reply, 'text/plain; charset=utf-8', () => unfollow());
    body.write(journal.text());
    unfollow = journal.follow((line) => body.write(`${line}\n`), body.end);
  });
}
