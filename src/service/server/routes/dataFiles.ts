/**
 * Files of the data directory a remote client needs described while it builds a handle, before any run:
 * `POST /v1/data/ldbc` describes an LDBC Graphalytics folder (or its `.properties` file) — the graph's
 * direction and edge properties are in a graph handle's meta, so the client cannot build one without
 * them, and the folder is the server's; `POST /v1/data/frame` builds a dataframe file source (CSV header
 * and sampled dtypes, Parquet footer, Arrow schema) from the server's file, for the same reason. Every path read is checked against `--data-dir` (a path that
 * leaves it is a 403 quoting nothing), and errors about files inside it name them relative to it.
 * Clients in this very process ask the server directly (service/client/remoteFiles.ts).
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { existsSync } from 'node:fs';
import { InvalidArgumentError } from '../../../base/errors.js';
import { show } from '../../../base/show.js';
import { describeLdbc, type LdbcGraphSpec } from '../../../kernels/graph/ldbcSpec.js';
import type { TileableNode } from '../../../dag/nodes.js';
import { readArrowNode, readCsvNode, readParquetNode } from '../../../ops/dataframe/index.js';
import type { ServerFileNode } from '../../../ops/graph/sources.js';
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

const frameSchema = {
  summary: 'Build a dataframe file source',
  description:
    "A CSV, Parquet or Arrow file inside the server's data directory as the server's builder reads it (header and sampled dtypes, footer, schema), " +
    'as a wire frame `{node: {key, op, params, meta}}`: what a client needs to build `dataframe.readCsv(path)` and friends in a remote session.',
  tags: ['data'],
  body: {
    type: 'object',
    properties: {
      op: { type: 'string', enum: ['frame.read_csv', 'frame.read_parquet', 'frame.read_arrow'] },
      path: { type: 'string', minLength: 1, maxLength: 4096, description: 'The file, relative to the data directory.' },
      options: { type: 'object', description: "The reader's options, as the client passed them." },
    },
    required: ['op', 'path'],
    additionalProperties: false,
  },
} as const;

const FRAME_READERS: Readonly<Record<string, (path: string, options: never) => TileableNode>> = {
  'frame.read_csv': readCsvNode,
  'frame.read_parquet': readParquetNode,
  'frame.read_arrow': readArrowNode,
};

/** `v` with every string equal to `from` replaced by `to` (the server's path by the client's name for it). */
function renamed(v: unknown, from: string, to: string): unknown {
  if (v === from) return to;
  if (Array.isArray(v)) return v.map((x) => renamed(x, from, to));
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renamed(x, from, to)]));
  }
  return v;
}

function describeFrameFor(ctx: ServerContext, op: string, path: string, options: unknown): ServerFileNode {
  const read = Object.hasOwn(FRAME_READERS, op) ? FRAME_READERS[op]! : undefined;
  if (!read) throw new ValidationError('op', `op must be one of ${Object.keys(FRAME_READERS).join(', ')}.`);
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) throw new ValidationError('options', 'options must be an object.');
  const full = ctx.resolveDataPath(path);
  if (!existsSync(full)) {
    throw new InvalidArgumentError(
      `${op.replace('frame.read_', 'read ')}: the server has no file ${show(path)} in its data directory. A remote session reads the server's files: ` +
        'put the file inside the --data-dir the server was started with and name it relative to it, or read it in a local session.',
    );
  }
  try {
    const node = read(full, (options ?? {}) as never);
    // The client names the file as it did; the server resolves that name again when it rebuilds the node.
    return { key: node.key, op: node.op, params: renamed(node.params, full, path) as Record<string, unknown>, meta: node.meta };
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
  app.post('/v1/data/frame', { schema: frameSchema as unknown as FastifySchema }, async (request, reply) => {
    try {
      const { op, path, options } = request.body as { op: string; path: string; options?: unknown };
      return sendFrame(reply, { node: describeFrameFor(ctx, op, path, options) });
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
    describeFrameFile: (token, op, path, options) => {
      if (!tokens.has(token)) throw unauthorized("The token is not one of this server's tokens.");
      if (typeof path !== 'string' || path === '') throw new ValidationError('path', 'path must be a non-empty string.');
      return describeFrameFor(ctx, op, path, options);
    },
  });
  app.addHook('onClose', async () => unregister());
}

