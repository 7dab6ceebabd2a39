/**
 * The dashboard (issue 10 §6): `GET /` serves the page and `/dashboard/*.js` its modules — neither needs
 * a token, since they hold no data; the page asks for the token and sends it with every API call. The
 * API it adds: `GET /v1/sessions/:id/dag` (the latest run's DAG with each chunk's state) and
 * `GET /v1/sessions/:id/dag/events` (server-sent events: that snapshot, then batched state changes, and
 * a fresh snapshot per run; a client that leaves more than MAX_UNREAD_BYTES unread is dropped, as on
 * every live stream, liveStreams.ts). Both answer only the session's owner: to another token it does not exist.
 */
// The OpenAPI keywords of route schemas (hide, tags, summary) come with @fastify/swagger's types.
import type {} from '@fastify/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../auth.js';
import type { ServerContext } from '../context.js';
import { APP_JS } from '../dashboard/assets/appJs.js';
import { DAG_JS } from '../dashboard/assets/dagJs.js';
import { PAGE_HTML } from '../dashboard/assets/pageHtml.js';
import { STATE_JS } from '../dashboard/assets/stateJs.js';
import type { DagMessage } from '../dashboard/dagTracker.js';
import { SessionTrackers } from '../dashboard/trackers.js';
import { LiveStreams } from '../liveStreams.js';

const SCRIPTS: Readonly<Record<string, string>> = { 'app.js': APP_JS, 'state.js': STATE_JS, 'dag.js': DAG_JS };

const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

const dagSnapshotSchema = {
  type: 'object',
  description: "The session's latest run: drawn nodes by level, edges, and chunk counts by state (pending, running, done, failed).",
  properties: {
    run: { type: 'integer' },
    status: { type: 'string', enum: ['idle', 'running', 'done', 'failed'] },
    chunks: { type: 'integer' },
    totals: { type: 'array', items: { type: 'integer' } },
    grouped: { type: 'boolean' },
    nodes: {
      type: 'array',
      items: { type: 'object', properties: { label: { type: 'string' }, level: { type: 'integer' }, size: { type: 'integer' } } },
    },
    edges: { type: 'array', items: { type: 'integer' } },
    counts: { type: 'array', items: { type: 'integer' } },
    hiddenChunks: { type: 'integer' },
    hiddenEdges: { type: 'integer' },
    store: {
      type: 'object',
      properties: { memoryInUse: { type: 'integer' }, memoryLimit: { type: 'integer' }, objects: { type: 'integer' } },
    },
  },
} as const;

export async function dashboardRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const trackers = new SessionTrackers(ctx);
  const streams = new LiveStreams();
  // Before the server waits for open requests to finish: these streams never would on their own.
  app.addHook('preClose', async () => {
    streams.endAll();
    trackers.close();
  });

  // Public (the server's auth hook lets `config.public` routes through): the page and its scripts hold no data.
  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').header('content-security-policy', CSP).send(PAGE_HTML),
  );
  for (const [name, text] of Object.entries(SCRIPTS)) {
    app.get(`/dashboard/${name}`, { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(text),
    );
  }

  app.get(
    '/v1/sessions/:id/dag',
    { schema: { tags: ['dashboard'], summary: "The session's latest run as the dashboard draws it", params: idParams, response: { 200: dagSnapshotSchema } } },
    async (request) => {
      const caller = callerOf(request);
      const { id } = request.params as { id: string };
      ctx.recordFor(caller, id);
      return trackers.snapshot(caller, id);
    },
  );

  app.get(
    '/v1/sessions/:id/dag/events',
    {
      schema: {
        tags: ['dashboard'],
        summary: "Server-sent events of the session's DAG: `snapshot` (as GET /dag, again at every new run), then `update` (changed nodes' counts, flat: node, pending, running, done, failed)",
        params: idParams,
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { id } = request.params as { id: string };
      ctx.recordFor(caller, id);
      let unfollow = (): void => {};
      const body = streams.open(reply, 'text/event-stream; charset=utf-8', () => unfollow());
      const send = (message: DagMessage): void => {
        const data = message.type === 'snapshot' ? message.snapshot : message.update;
        body.write(`event: ${message.type}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      unfollow = trackers.follow(caller, id, { send, end: body.end });
      // The first snapshot goes out inside follow(): if writing it dropped the client, let go now.
      if (body.ended) unfollow();
    },
  );
}
