/**
 * Files of the data directory a remote client needs described while it builds a handle, before any run:
 * `POST /v1/data/ldbc` describes an LDBC Graphalytics folder (or its `.properties` file) — the graph's
 * direction and edge properties are in a graph handle's meta, so the client cannot build one without
 * them, and the folder is the server's. Every path read is checked against `--data-dir` (a path that
 * leaves it is a 403 quoting nothing), and errors about files inside it name them relative to it.
 * Clients in this very process ask the server directly (service/client/remoteFiles.ts).
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { describeLdbc, type LdbcGraphSpec } from '../../../kernels/graph/ldbcSpec.js';
import { registerLocalServer } from '../../client/remoteFiles.js';
import type { ServerContext } from '../context.js';
import { unauthorized, ValidationError } from '../httpErrors.js';
import { withDataDirHidden } from '../paths.js';
import { sendFrame } from './remote.js';
import { sendError } from './remoteHost.js';

const ldbcSchema = {
  summary: 'Describe an LDBC folder',
  description:
    "The description (`.properties`) of an LDBC Graphalytics folder inside the server's data directory, as a wire frame `{spec}`: what a client needs to build `gs.loadFrom({ldbc})`.",
  tags: ['data'],
  body: {
    type: 'object',
    properties: { path: { type: 'string', minLength: 1, maxLength: 4096, description: 'The folder or its .properties file, relative to the data directory.' } },
    required: ['path'],
    additionalProperties: false,
  },
} as const;

function describeFor(ctx: ServerContext, path: string): LdbcGraphSpec {
  try {
    const guard = (p: string): string => ctx.resolveDataPath(p);
    return describeLdbc(guard(path), guard).spec;
  } catch (e) {
    throw withDataDirHidden(ctx.options.dataDir, e);
  }
}

export async function dataFileRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  app.post('/v1/data/ldbc', { schema: ldbcSchema as unknown as FastifySchema }, async (request, reply) => {
    try {
      return sendFrame(reply, { spec: describeFor(ctx, (request.body as { path: string }).path) });
    } catch (e) {
      return sendError(reply, e);
    }
  });
  const tokens = new Set(ctx.options.tokens);
  const unregister = registerLocalServer({
    port: () => (app.server.listening ? (app.server.address() as AddressInfo).port : undefined),
    describeLdbc: (token, path) => {
      if (!tokens.has(token)) throw unauthorized("The token is not one of this server's tokens.");
      if (typeof path !== 'string' || path === '') throw new ValidationError('path', 'path must be a non-empty string.');
      return describeFor(ctx, path);
    },
  });
  app.addHook('onClose', async () => unregister());
}

