/**
 * Live views of sessions: `GET /v1/events` streams the registry's immer patches as server-sent events,
 * narrowed to the caller's sessions (a `snapshot` event first, then `patch` events); `GET
 * /v1/sessions/:id/events` lists a session's events; `GET /v1/sessions/:id/logs` is its log as text,
 * and with `?follow=1` keeps streaming lines until the session ends or the client goes. The streams
 * follow liveStreams.ts: dropped past MAX_UNREAD_BYTES unread, ended when the server closes.
 */
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../auth.js';
import type { ServerContext } from '../context.js';
import { LiveStreams } from '../liveStreams.js';
import { errorResponses, idParamsSchema, journalEventSchema } from '../schemas.js';
import { patchesFor, publicRecord } from '../sessionView.js';

const tags = ['sessions'];
const security = [{ bearer: [] }];
/** A comment line this often keeps proxies from closing a quiet event stream. */
const KEEPALIVE_MS = 15_000;

export async function eventsRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const streams = new LiveStreams();
  app.addHook('preClose', async () => streams.endAll());

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
    const body = streams.open(reply, 'text/event-stream; charset=utf-8', () => {
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
    const body = streams.open(reply, 'text/plain; charset=utf-8', () => unfollow());
    body.write(journal.text());
    unfollow = journal.follow((line) => body.write(`${line}\n`), body.end);
  });
}
