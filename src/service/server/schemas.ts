/**
 * JSON schemas of the sessions API. Fastify validates every request against them (the body strictly:
 * no coercion, no unknown field) and @fastify/swagger builds `GET /openapi.json` from them; responses
 * are serialized through them. Bounds come from sessionRules.ts, so the document and the checks agree.
 */
import { MAX_TIMER_SECONDS } from '../../base/async.js';
import { SESSION_KINDS, SESSION_STATUSES } from './registry.js';
import { PAGE_MAX } from './sessionPages.js';
import { MODES, NAME_MAX, PURGES, REPLICAS_MAX, WORKERS_MAX } from './sessionRules.js';

export const errorSchema = {
  type: 'object',
  description: 'Every error: a stable code, what happened and what to do, and the request field at fault if any.',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

export const sessionSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string', enum: SESSION_KINDS },
    mode: { type: 'string', enum: MODES },
    status: { type: 'string', enum: SESSION_STATUSES },
    startTime: { type: 'string', format: 'date-time' },
    expiryTime: { type: 'string', format: 'date-time' },
    workers: { type: 'integer' },
    memory: { type: 'integer', description: 'Requested memory, bytes.' },
    memoryRequested: { type: 'string', description: "Requested memory as written ('2Gi')." },
    memoryInUse: { type: 'integer', description: "Bytes of the session's store in memory." },
    storeObjects: { type: 'integer' },
    replica: { type: 'object', properties: { id: { type: 'integer' }, count: { type: 'integer' } } },
    module: { type: 'string' },
    args: { type: 'array', items: { type: 'string' } },
    env: { type: 'object', additionalProperties: { type: 'string' } },
    dag: {
      type: 'object',
      properties: {
        runs: { type: 'integer' },
        chunksTotal: { type: 'integer' },
        chunksDone: { type: 'integer' },
        running: { type: 'boolean' },
        failedRuns: { type: 'integer' },
      },
    },
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
    resultName: { type: 'string', description: "Headless, Completed: the stored result's name." },
  },
} as const;

export const createBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind'],
  properties: {
    name: {
      type: 'string',
      description: `Letters, digits and '-', at most ${NAME_MAX} characters (replica names name-1 … name-N included).`,
    },
    kind: { type: 'string', enum: SESSION_KINDS },
    workers: { type: 'integer', minimum: 1, maximum: WORKERS_MAX },
    memory: { type: 'string', description: "The store's memory limit in the size syntax ('2Gi', '512M', '1048576'), up to 512Gi." },
    replicas: { type: 'integer', minimum: 1, maximum: REPLICAS_MAX, description: 'name-1 … name-N; every env gets REPLICA_ID and REPLICA_COUNT.' },
    env: { type: 'object', additionalProperties: { type: 'string' }, description: 'Headless only.' },
    module: { type: 'string', description: 'Headless only, required: a .js/.mjs/.ts/.mts file in the data directory.' },
    args: { type: 'array', items: { type: 'string' }, description: 'Headless only.' },
    mode: { type: 'string', enum: MODES, description: 'Interactive only (default eager).' },
    danglingTimeout: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: MAX_TIMER_SECONDS,
      description: "Interactive only: seconds the server keeps the session while its client is silent (default: the server's --dangling-timeout).",
    },
  },
} as const;

/** The longest `match` selector of a bulk delete (names are at most 57 characters). */
export const MATCH_MAX = 256;

export const partialCreateSchema = {
  type: 'object',
  description: 'Some replicas were created (ids, in replica order) and some not: each failed replica with its 1-based number and why.',
  required: ['ids', 'errors'],
  properties: {
    ids: { type: 'array', items: { type: 'string' } },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['replica', 'code', 'message'],
        properties: { replica: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

const filterText = (values: readonly string[]): string => `One of ${values.join(', ')}, any case.`;

export const filterQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: { type: 'string', description: filterText(SESSION_KINDS) },
    status: { type: 'string', description: `${filterText(SESSION_STATUSES)} Succeeded means Completed.` },
  },
} as const;

export const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...filterQuerySchema.properties,
    view: {
      type: 'string',
      description:
        "all (any case): every token's sessions, each reduced to {userid, kind, status, startTime} (Skaha's view=all); userid is a label of the owning token, never the token. Takes no limit or cursor.",
    },
    limit: { type: 'string', description: `With limit or cursor the answer is one page, {items, nextCursor}: at most limit sessions (1 to ${PAGE_MAX}, default 100).` },
    cursor: { type: 'string', maxLength: 400, description: 'The nextCursor of the previous page (opaque).' },
  },
} as const;

export const createHeadersSchema = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'A retried create with the same key (and body) answers the first request\'s ids and creates nothing; the same key with another body is a 422.',
    },
  },
} as const;

export const contextSchema = {
  type: 'object',
  description: "What a session may ask for on this server (Skaha's GET context): the bounds create checks, its defaults, and the server's limits.",
  properties: {
    version: { type: 'integer' },
    kinds: { type: 'array', items: { type: 'string' } },
    modes: { type: 'array', items: { type: 'string' } },
    workers: { type: 'object', properties: { min: { type: 'integer' }, max: { type: 'integer' }, default: { type: 'integer' } } },
    memory: {
      type: 'object',
      properties: { min: { type: 'integer' }, max: { type: 'integer' }, default: { type: 'integer' }, defaultText: { type: 'string' }, syntax: { type: 'string' } },
    },
    replicas: { type: 'object', properties: { min: { type: 'integer' }, max: { type: 'integer' } } },
    nameMaxLength: { type: 'integer' },
    userCode: { type: 'boolean', description: 'Whether user functions and headless modules run here (false with --no-user-code).' },
    headless: { type: 'boolean', description: 'Whether this server hosts headless sessions.' },
    limits: {
      type: 'object',
      properties: { maxSessions: { type: 'integer' }, danglingTimeoutSeconds: { type: 'number' }, sessionTtlSeconds: { type: 'number' } },
    },
  },
} as const;

const purgeProperty = {
  type: 'string',
  enum: PURGES,
  description:
    "transient (default): the session's unnamed results go with it; persisted objects and names outlive it. all: also the objects it persisted and a headless session's result, with every name bound to them (whichever session bound it: a name never outlives its object), and the names the session bound to other sessions' objects, which stay.",
} as const;

export const deleteQuerySchema = {
  type: 'object',
  additionalProperties: false,
  description: 'At least one selector: deleting every session at once is refused.',
  properties: {
    ...filterQuerySchema.properties,
    prefix: { type: 'string', description: 'Sessions whose name starts with this (case-sensitive). Not with match.' },
    match: {
      type: 'string',
      maxLength: MATCH_MAX,
      description:
        'Sessions whose name this regex matches anywhere (anchor it with ^); run on a linear-time engine, so backreferences and lookaround are refused (400 naming match). Not with prefix.',
    },
    purge: purgeProperty,
  },
} as const;

/** `view=all`: what every token may see of every session (Skaha's view=all, B.4 #13). */
export const publicViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['userid', 'kind', 'status', 'startTime'],
  properties: {
    userid: { type: 'string', description: 'A label of the owning token (a hash of its hash): the same for all its sessions, and never the token or anything that leads to it.' },
    kind: { type: 'string', enum: SESSION_KINDS },
    status: { type: 'string', enum: SESSION_STATUSES },
    startTime: { type: 'string', format: 'date-time' },
  },
} as const;

export const purgeQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { purge: purgeProperty },
} as const;

export const idParamsSchema = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;

export const statsSchema = {
  type: 'object',
  properties: {
    version: { type: 'integer' },
    sessions: {
      type: 'object',
      properties: {
        total: { type: 'integer' },
        byKind: { type: 'object', additionalProperties: { type: 'integer' } },
        byStatus: { type: 'object', additionalProperties: { type: 'integer' } },
      },
    },
    workers: { type: 'object', properties: { requested: { type: 'integer' }, available: { type: 'integer' } } },
    memory: { type: 'object', properties: { limit: { type: 'integer' }, used: { type: 'integer' } } },
    store: { type: 'object', properties: { bytes: { type: 'integer' }, objects: { type: 'integer' } } },
    remoteWorkers: {
      type: 'array',
      description: "With `tessera serve --redis`: the distributed workers the caller's sessions see (their heartbeats).",
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          host: { type: 'string' },
          pid: { type: 'integer' },
          threads: { type: 'integer' },
          running: { type: 'integer' },
          load: { type: 'number' },
          cache: {
            type: 'object',
            description: "The worker's chunk cache: values and bytes held, its byte limit, inputs served from it (hits) and fetched from Redis (misses).",
            properties: {
              entries: { type: 'integer' },
              bytes: { type: 'integer' },
              limit: { type: 'integer' },
              hits: { type: 'integer' },
              misses: { type: 'integer' },
            },
          },
        },
      },
    },
    limits: { type: 'object', properties: { maxSessions: { type: 'integer' } } },
  },
} as const;

export const journalEventSchema = {
  type: 'object',
  properties: { time: { type: 'string', format: 'date-time' }, type: { type: 'string' }, message: { type: 'string' } },
} as const;

export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  404: errorSchema,
} as const;
