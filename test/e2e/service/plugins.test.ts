/**
 * Route plugins of other parts of the service (remote execution, dashboard) registered through
 * `buildServer(options, { plugins })`: they sit behind the same auth, error body and session touch,
 * reach sessions through the context, and can mark a route public.
 */
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { callerOf } from '../../../src/service/server/auth.js';
import type { ServerContext } from '../../../src/service/server/context.js';
import { ValidationError } from '../../../src/service/server/httpErrors.js';
import { failOnUnhandledRejections } from '../../support/lifecycle.js';
import { TOKEN_A, TOKEN_B, api, hostedServers, until } from '../../support/hostedServer.js';

failOnUnhandledRejections();
const start = hostedServers();

async function probePlugin(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  app.get('/probe/page', { config: { public: true } }, async () => 'public page');
  app.get('/v1/sessions/:id/probe', async (request) => {
    const { id } = request.params as { id: string };
    const session = ctx.engineSessionFor(callerOf(request), id);
    return { engineMode: session.mode, owner: callerOf(request).owner.length };
  });
  app.post('/v1/probe', { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } }, additionalProperties: false } } }, async (request) => {
    const { n } = request.body as { n: number };
    if (n < 0) throw new ValidationError('n', 'n must not be negative.');
    return { n };
  });
}

describe('route plugins', () => {
  it('get the context, the caller and the auth, error and touch rules of every other route', async () => {
    const server = await start({ danglingTimeout: 1 }, { plugins: [probePlugin] });
    const a = api(server, TOKEN_A);
    expect(await api(server, undefined).get('/probe/page')).toMatchObject({ status: 200, text: 'public page' });
    expect((await api(server, undefined).post('/v1/probe', { n: 1 })).status).toBe(401);
    expect(await a.post('/v1/probe', { n: 2 })).toMatchObject({ status: 200, body: { n: 2 } });
    expect(await a.post('/v1/probe', { n: 'two' })).toMatchObject({ status: 400, body: { error: { code: 'ValidationError', field: 'n' } } });
    expect(await a.post('/v1/probe', { n: -1 })).toMatchObject({ status: 400, body: { error: { code: 'ValidationError', field: 'n' } } });

    const [kept] = await a.create({ name: 'probed', kind: 'interactive', mode: 'lazy', workers: 1 });
    const [other] = await a.create({ name: 'silent', kind: 'interactive', workers: 1 });
    expect(await a.get(`/v1/sessions/${kept}/probe`)).toMatchObject({ status: 200, body: { engineMode: 'lazy', owner: 16 } });
    expect((await api(server, TOKEN_B).get(`/v1/sessions/${kept}/probe`)).status).toBe(404);
    // Requests to the plugin's route naming the session keep it alive, as any route's do.
    let otherGone = false;
    void until(server.ctx.registry, (s) => s.sessions[other!] === undefined).then(() => {
      otherGone = true;
    });
    while (!otherGone) {
      expect((await a.get(`/v1/sessions/${kept}/probe`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(server.ctx.registry.get(kept!)?.status).toBe('Running');
  });
});
