/**
 * Skaha's rules for creating sessions (reference/vineyard-skaha.md §B.2), as pure functions the server
 * and a client can both run: the name, workers, memory, replicas and what only headless sessions take.
 * The route schemas check the same bounds (they document them in the OpenAPI text); these functions
 * give Skaha's wording, the cross-field rules a schema cannot say, and the replica expansion.
 */
import { MAX_TIMER_SECONDS } from '../../base/async.js';
import { parseSize } from '../../base/size.js';
import { show } from '../../base/show.js';
import { ValidationError } from './httpErrors.js';
import { SESSION_KINDS, type SessionKind } from './registry.js';

/** Skaha's job-name cap: the 63-character k8s label minus a 6-character pod suffix. */
export const NAME_MAX = 57;
export const NAME_PATTERN = '^[A-Za-z0-9-]+$';
export const WORKERS_MAX = 256;
export const REPLICAS_MAX = 512;
/** Skaha's `ram` bound (1..512 GB), in the size syntax. */
export const MEMORY_MAX = 512 * 1024 ** 3;
export const MODES = ['eager', 'lazy'] as const;
export type SessionMode = (typeof MODES)[number];
/** Set by the server on every replica; a caller may not set them. */
export const REPLICA_ENV = ['REPLICA_ID', 'REPLICA_COUNT'] as const;
const HEADLESS_ONLY = ['module', 'args', 'env'] as const;
/** What the headless loader runs (headless/moduleLoader.ts). */
const MODULE_EXTENSIONS = ['.js', '.mjs', '.ts', '.mts'];
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface CreateRequest {
  readonly name: string;
  readonly kind: SessionKind;
  readonly workers: number | undefined;
  /** Bytes, and the text the caller wrote. */
  readonly memory: { readonly bytes: number; readonly text: string } | undefined;
  readonly replicas: number;
  readonly env: Readonly<Record<string, string>>;
  readonly module: string | undefined;
  readonly args: readonly string[];
  /** Interactive sessions only: the engine session's mode (default eager, as newSession's). */
  readonly mode: SessionMode | undefined;
  /** Interactive sessions only: seconds its client may stay silent (default: the server's --dangling-timeout). */
  readonly danglingTimeout: number | undefined;
}

/** One replica to create: its name, place and environment. */
export interface ReplicaSpec {
  readonly name: string;
  readonly replica: { readonly id: number; readonly count: number };
  readonly env: Readonly<Record<string, string>>;
}

/** Skaha's name rule, plus its length cap. */
export function checkName(name: unknown): string {
  if (name === undefined || name === null || name === '') throw new ValidationError('name', 'name must have a value.');
  if (typeof name !== 'string') throw new ValidationError('name', `name must be a string, got ${show(name)}.`);
  if (!new RegExp(NAME_PATTERN).test(name)) {
    throw new ValidationError('name', `name can only contain alpha-numeric chars and '-', got ${show(name)}.`);
  }
  if (name.length > NAME_MAX) {
    throw new ValidationError('name', `name must be at most ${NAME_MAX} characters, got ${name.length}.`);
  }
  return name;
}

function integerIn(field: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, `${field} must be an integer from ${min} to ${max}, got ${show(value)}.`);
  }
  return value;
}

/** `memory` in the size syntax ('2Gi', '512M') or bytes, at least one byte and at most 512Gi. */
export function checkMemory(value: unknown): { bytes: number; text: string } | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new ValidationError('memory', `memory must be a size like '2Gi' or a number of bytes, got ${show(value)}.`);
  }
  let bytes: number;
  try {
    bytes = parseSize(value, 'memory');
  } catch (e) {
    throw new ValidationError('memory', (e as Error).message);
  }
  if (bytes < 1 || bytes > MEMORY_MAX) {
    throw new ValidationError('memory', `memory must be from 1 byte to 512Gi, got ${show(value)}.`);
  }
  return { bytes, text: String(value) };
}

function checkEnv(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('env', `env must be an object of string values, got ${show(value)}.`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (!ENV_KEY.test(k)) throw new ValidationError(`env.${k}`, `env names are letters, digits and '_', not starting with a digit; got ${show(k)}.`);
    if ((REPLICA_ENV as readonly string[]).includes(k)) {
      throw new ValidationError(`env.${k}`, `${k} is set by the server on every replica; leave it out of env.`);
    }
    if (typeof v !== 'string') throw new ValidationError(`env.${k}`, `env values must be strings, got ${show(v)} for ${k}.`);
  }
  return { ...(value as Record<string, string>) };
}

function checkModule(value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new ValidationError(
      'module',
      'module is required for headless sessions: the path, inside the server\'s data directory, of a .js, .mjs, .ts or .mts file ' +
        'whose default export is async (session, args, env) => result.',
    );
  }
  if (!MODULE_EXTENSIONS.some((ext) => value.endsWith(ext))) {
    throw new ValidationError('module', `module must be a .js, .mjs, .ts or .mts file, got ${show(value)}.`);
  }
  return value;
}

function checkArgs(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((a) => typeof a !== 'string')) {
    throw new ValidationError('args', `args must be an array of strings, got ${show(value)}.`);
  }
  return [...(value as string[])];
}

/** A create body, checked whole: the first broken rule is a ValidationError naming its field. */
export function parseCreateRequest(body: unknown): CreateRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('body', 'The body must be a JSON object {name, kind, ...}.');
  }
  const b = body as Record<string, unknown>;
  const name = checkName(b.name);
  if (!(SESSION_KINDS as readonly unknown[]).includes(b.kind)) {
    throw new ValidationError('kind', `kind must be one of ${SESSION_KINDS.join(', ')}, got ${show(b.kind)}.`);
  }
  const kind = b.kind as SessionKind;
  const workers = integerIn('workers', b.workers, 1, WORKERS_MAX);
  const replicas = integerIn('replicas', b.replicas, 1, REPLICAS_MAX) ?? 1;
  const memory = checkMemory(b.memory);
  if (kind !== 'headless') {
    const given = HEADLESS_ONLY.find((k) => b[k] !== undefined);
    if (given !== undefined) throw new ValidationError(given, 'module, args, env only allowed for headless sessions.');
  } else if (b.mode !== undefined) {
    throw new ValidationError('mode', 'mode is only for interactive sessions: a headless module opens its session itself.');
  }
  if (b.danglingTimeout !== undefined) {
    if (kind === 'headless') throw new ValidationError('danglingTimeout', 'danglingTimeout is only for interactive sessions: a headless session has no client to wait for.');
    const t = b.danglingTimeout;
    if (typeof t !== 'number' || !(t > 0) || t > MAX_TIMER_SECONDS) {
      throw new ValidationError('danglingTimeout', `danglingTimeout must be a number of seconds above 0 and at most ${MAX_TIMER_SECONDS}, got ${show(t)}.`);
    }
  }
  if (b.mode !== undefined && !(MODES as readonly unknown[]).includes(b.mode)) {
    throw new ValidationError('mode', `mode must be 'eager' or 'lazy', got ${show(b.mode)}.`);
  }
  const longest = replicas === 1 ? name : `${name}-${replicas}`;
  if (longest.length > NAME_MAX) {
    throw new ValidationError('name', `with ${replicas} replicas the names ${name}-1 … ${longest} must fit ${NAME_MAX} characters; shorten the name.`);
  }
  return {
    name,
    kind,
    workers,
    memory,
    replicas,
    env: kind === 'headless' ? checkEnv(b.env) : {},
    module: kind === 'headless' ? checkModule(b.module) : undefined,
    args: kind === 'headless' ? checkArgs(b.args) : [],
    mode: b.mode as SessionMode | undefined,
    danglingTimeout: b.danglingTimeout as number | undefined,
  };
}

/**
 * Skaha's replica expansion (skaha/utils/build.py): `name` alone when there is one, else `name-1 …
 * name-N`; every replica's env carries REPLICA_ID (1-based) and REPLICA_COUNT, also when there is one.
 */
export function expandReplicas(request: Pick<CreateRequest, 'name' | 'replicas' | 'env'>): ReplicaSpec[] {
  const count = request.replicas;
  return Array.from({ length: count }, (_, i) => ({
    name: count === 1 ? request.name : `${request.name}-${i + 1}`,
    replica: { id: i + 1, count },
    env: { ...request.env, REPLICA_ID: String(i + 1), REPLICA_COUNT: String(count) },
  }));
}

/** Bytes in the size syntax, exactly: the largest binary unit that divides them, else plain bytes. */
export function sizeText(bytes: number): string {
  for (const [unit, size] of [['Ti', 1024 ** 4], ['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** What of a session's results a delete drops with it (`DELETE /v1/sessions/:id?purge=`, hosting.ts). */
export const PURGES = ['transient', 'all'] as const;
export type Purge = (typeof PURGES)[number];
