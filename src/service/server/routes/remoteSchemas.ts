/**
 * The route schemas of remote execution and the remote store: fastify validates every request against
 * them (a bad field is a 400 naming it) and @fastify/swagger documents them in `/openapi.json`. Frame
 * bodies (`application/x-tessera-frame`, wire/frame.ts) are binary, so for those routes the schema
 * checks the session id and documents the body; the frame's own fields are checked as it is decoded.
 */
import type { FastifySchema } from 'fastify';
import { FRAME_TYPE, STREAM_TYPE } from '../../wire/values.js';

const params = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 128, description: 'The hosted session.' } },
  required: ['id'],
} as const;

/** What any request of a remote session may carry besides its own fields: the client's releases, forgets and read hand-off files. */
const pending = {
  handoffDone: { type: 'array', maxItems: 10_000, items: { type: 'string', maxLength: 64 }, description: 'Hand-off files the client has read: the server may write them again.' },
  release: { type: 'array', maxItems: 100_000, description: 'Keys whose results the client no longer holds ([key, keepCached] or key).' },
  forget: { type: 'array', maxItems: 100_000, items: { type: 'string' }, description: 'Keys no object of the client can name any more.' },
} as const;

export function frameRoute(summary: string, description: string, answers = 'a frame'): { schema: FastifySchema } {
  return {
    schema: {
      summary,
      description: `${description} Body: a wire frame (${FRAME_TYPE}). Answer: ${answers}.`,
      tags: ['remote'],
      params,
      consumes: [FRAME_TYPE, 'application/json'],
      produces: [answers === 'a stream of frames' ? STREAM_TYPE : FRAME_TYPE, 'application/octet-stream', 'application/vnd.apache.arrow.stream'],
    } as FastifySchema,
  };
}

export function infoRoute(summary: string): { schema: FastifySchema } {
  return { schema: { summary, tags: ['remote'], params } as FastifySchema };
}

/** `GET /v1/handoff`: where a client on this host finds the probe proving it (server/handoff.ts). */
export function handoffRoute(): { schema: FastifySchema } {
  return {
    schema: {
      summary: 'Shared-memory hand-off',
      description: 'The hand-off directory and its probe file: a client that can read the probe sends its content in `x-tessera-handoff` with its fetches and gets big results through /dev/shm. `{}` when the server has none.',
      tags: ['remote'],
      response: { 200: { type: 'object', properties: { dir: { type: 'string' }, probe: { type: 'string' } }, additionalProperties: false } },
    } as FastifySchema,
  };
}

const id = { type: 'string', pattern: '^o[0-9a-f]{16}$' } as const;
const name = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const listing = { pattern: { type: 'string', maxLength: 1024 }, regex: { type: 'boolean' }, limit: { type: 'integer', minimum: 0 } } as const;

/** JSON bodies of the store routes, by path. */
const STORE_BODIES: Readonly<Record<string, { properties: Record<string, unknown>; required?: readonly string[] }>> = {
  '/status': { properties: {} },
  '/list': { properties: listing, required: ['pattern'] },
  '/metas': { properties: { ids: { type: 'array', items: id, maxItems: 100_000 } }, required: ['ids'] },
  '/exists': { properties: { id }, required: ['id'] },
  '/get': { properties: { id, name } },
  '/delete': { properties: { ids: { type: 'array', items: id, maxItems: 100_000 }, force: { type: 'boolean' }, deep: { type: 'boolean' } }, required: ['ids'] },
  '/persist': { properties: { id }, required: ['id'] },
  '/names/put': { properties: { id, name, overwrite: { type: 'boolean' } }, required: ['id', 'name'] },
  '/names/get': { properties: { name, wait: { type: 'boolean' }, timeoutMs: { type: 'integer', minimum: 0 } }, required: ['name'] },
  '/names/drop': { properties: { name }, required: ['name'] },
  '/names/list': { properties: listing, required: ['pattern'] },
  '/clear': { properties: { includePersisted: { type: 'boolean' } } },
  '/label': {
    properties: { id, labels: { type: 'object', minProperties: 1, maxProperties: 1024, additionalProperties: { type: 'string', maxLength: 65_536 } } },
    required: ['id', 'labels'],
  },
  '/shallow-copy': { properties: { id, extra: { type: 'object', maxProperties: 1024 } }, required: ['id'] },
};

export function storeRoute(path: string): { schema: FastifySchema } {
  if (path === '/put') return frameRoute('Put a value', 'Stores `value` with `options` (typename, persist, name, labels) in the session\'s store.', '{id}');
  const body = STORE_BODIES[path];
  if (!body) throw new Error(`no schema for store route ${path}`);
  return {
    schema: {
      summary: `Store ${path.slice(1).replace('/', ' ')}`,
      tags: ['remote store'],
      params,
      body: { type: 'object', properties: { ...body.properties, ...pending }, ...(body.required ? { required: body.required } : {}) },
    } as FastifySchema,
  };
}
