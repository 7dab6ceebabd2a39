/**
 * Session options, resolved once at the boundary. Precedence: explicit arguments, then the `config`
 * object or JSON file, then the file named by `TESSERA_CONFIG`. Every source is checked for unknown keys
 * (named in the error, with the source they came from) and bad values, before anything is created.
 * Options that cannot apply together are refused too: `workers` or `pool` with `executor: 'local'`
 * (which runs every chunk on the calling thread) is an error unless the executor comes from a stronger
 * source than they do (a script choosing `local` over a machine-wide config that sets workers).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { OptionError, UnknownOptionError } from '../base/errors.js';
import { show } from '../base/show.js';
import { checkRedisUrl } from '../base/redisUrl.js';
import { parseSize } from '../base/size.js';
import { type S3Option, s3Option } from './s3Option.js';

export type Mode = 'eager' | 'lazy';
export type ExecutorKind = 'local' | 'threads' | 'distributed';
export type PoolKind = 'shared' | 'private';

export interface SessionOptions {
  /** `eager` (default): every op runs as it is built. `lazy`: nothing runs until asked. */
  readonly mode?: Mode;
  /**
   * How many of this session's tasks run at once on worker threads (default: the machine's cores). On
   * the shared pool this caps the session's share of the process's one machine-sized pool — a value
   * above the machine's cores gets the machine's cores; with `pool: 'private'` it is also the number
   * of threads the session's own pool starts.
   */
  readonly workers?: number;
  readonly executor?: ExecutorKind;
  /**
   * `shared` (default): the session runs on the process's one worker pool, sized to the machine and
   * shared fairly with every other session (opening a session starts no thread). `private`: a pool of
   * `workers` threads of its own, started when its tasks need them and ended when it closes — for a
   * session that must not share threads, at the cost of starting them (and their memory) per session.
   */
  readonly pool?: PoolKind;
  /** Make this session the default one (default true). */
  readonly default?: boolean;
  /** A config object, or the path of a JSON file holding one. */
  readonly config?: string | Readonly<Record<string, unknown>>;
  /**
   * Store memory limit: a positive integer number of bytes, Vineyard's size syntax ('2Gi'), or
   * `Infinity`. Default: half of the machine's memory.
   */
  readonly memoryLimit?: string | number;
  /** Where evicted results are spilled under the memory limit (default: dropped and recomputed). */
  readonly spillDir?: string;
  /** Fuse elementwise chains into one kernel pass (default true). */
  readonly fuse?: boolean;
  readonly name?: string;
  /**
   * The Redis server of the `distributed` executor ('redis://host:6379'): its tasks go to
   * `tessera worker` processes through a queue there, and chunk bytes are kept there.
   */
  readonly redis?: string;
  /** The queue name the distributed executor's workers serve (`tessera worker --queue`; default 'tessera'). */
  readonly queue?: string;
  /**
   * Seconds a distributed session outlives its driver process (default 20, from 2 to 86400): the driver
   * refreshes its lease in Redis every quarter of this; if it dies, workers drop its tasks and delete
   * its keys within this plus half a second.
   */
  readonly driverTtl?: number;
  /**
   * Keep the distributed executor's chunk bytes in S3-compatible storage instead of Redis (Redis keeps
   * the queue): `{ endpoint, bucket, region?, prefix?, accessKeyId?, secretAccessKey? }`. Workers sign
   * with their own AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
   */
  readonly s3?: S3Option;
}

export interface ResolvedOptions {
  readonly mode: Mode;
  readonly workers: number;
  readonly executor: ExecutorKind;
  readonly pool: PoolKind;
  readonly default: boolean;
  readonly memoryLimit: number;
  readonly spillDir: string | undefined;
  readonly fuse: boolean;
  readonly name: string | undefined;
  /** Set exactly when the executor is 'distributed'. */
  readonly redis: string | undefined;
  readonly queue: string;
  /** Set exactly when the executor is 'distributed'. */
  readonly driverTtl: number | undefined;
  readonly s3: S3Option | undefined;
}

const KNOWN = ['mode', 'workers', 'executor', 'pool', 'default', 'config', 'memoryLimit', 'spillDir', 'fuse', 'name', 'redis', 'queue', 'driverTtl', 's3'] as const;

function checkKeys(source: Readonly<Record<string, unknown>>, where: string, allowConfig: boolean): void {
  const known = allowConfig ? KNOWN : KNOWN.filter((k) => k !== 'config');
  const unknown = Object.keys(source).filter((k) => !(known as readonly string[]).includes(k));
  if (unknown.length > 0) throw new UnknownOptionError(unknown, where, known);
}

function readJson(path: string, where: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new OptionError(`cannot read the config file ${path} (${where}): ${(e as Error).message}.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new OptionError(`the config file ${path} (${where}) is not valid JSON: ${(e as Error).message}.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OptionError(`the config file ${path} (${where}) must hold a JSON object of options.`);
  }
  return value as Record<string, unknown>;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** Where a merged option came from, weakest first. */
const SOURCES = ['the TESSERA_CONFIG file', 'the config', 'the arguments'] as const;
type Source = (typeof SOURCES)[number];

export function resolveOptions(args: SessionOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new OptionError(`newSession takes an options object, got ${show(args)}.`);
  }
  checkKeys(args as Record<string, unknown>, 'the session arguments', true);
  let fromConfig: Record<string, unknown> = {};
  if (typeof args.config === 'string') fromConfig = readJson(args.config, 'config');
  else if (args.config !== undefined) {
    if (typeof args.config !== 'object' || args.config === null) throw new OptionError('config must be an object or a path to a JSON file.');
    fromConfig = { ...args.config };
  }
  checkKeys(fromConfig, typeof args.config === 'string' ? `config file ${args.config}` : 'the config object', false);
  const envPath = env.TESSERA_CONFIG;
  const fromEnv = envPath ? readJson(envPath, 'TESSERA_CONFIG') : {};
  checkKeys(fromEnv, `TESSERA_CONFIG file ${envPath}`, false);
  const fromArgs = Object.fromEntries(Object.entries(args).filter(([k, v]) => v !== undefined && k !== 'config'));
  const merged: Record<string, unknown> = {};
  const origin = new Map<string, Source>();
  const bySource: readonly [Source, Record<string, unknown>][] = [[SOURCES[0], fromEnv], [SOURCES[1], fromConfig], [SOURCES[2], fromArgs]];
  for (const [source, values] of bySource) {
    for (const [k, v] of Object.entries(values)) {
      merged[k] = v;
      origin.set(k, source);
    }
  }
  const resolved = validate(merged);
  refuseIdleWorkers(resolved, origin);
  return resolved;
}

/** `workers` or `pool` with the local executor would be ignored, unless a stronger source chose the executor. */
function refuseIdleWorkers(o: ResolvedOptions, origin: ReadonlyMap<string, Source>): void {
  if (o.executor === 'distributed') return refuseDistributedIdle(o, origin);
  if (o.executor !== 'local') return;
  for (const key of ['workers', 'pool'] as const) {
    const from = origin.get(key);
    if (from === undefined || SOURCES.indexOf(from) < SOURCES.indexOf(origin.get('executor')!)) continue;
    throw new OptionError(
      `${key} (${show(o[key])}, set in ${from}) does nothing with executor 'local', which runs every chunk on the ` +
        `calling thread: drop ${key}, or use executor 'threads' for worker threads.`,
    );
  }
}

/** `workers` and `pool` size threads of this process, which runs no kernel with executor 'distributed'. */
function refuseDistributedIdle(o: ResolvedOptions, origin: ReadonlyMap<string, Source>): void {
  for (const key of ['workers', 'pool'] as const) {
    const from = origin.get(key);
    if (from === undefined || SOURCES.indexOf(from) < SOURCES.indexOf(origin.get('executor')!)) continue;
    throw new OptionError(
      `${key} (${show(o[key])}, set in ${from}) does nothing with executor 'distributed', whose tasks run on ` +
        `\`tessera worker\` processes: drop ${key}, and give each worker its threads with \`tessera worker --threads N\`.`,
    );
  }
}

/** A memory limit: a positive integer number of bytes, a size string ('2Gi'), or Infinity. */
function limitOption(value: unknown, key: string): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  const bytes = typeof value === 'string' ? parseSize(value, key) : value;
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 1) {
    throw new OptionError(
      `${key} must be a positive integer number of bytes, a size like '2Gi', or Infinity, got ${show(value)}: ` +
        `a session with less than one byte can run nothing.`,
    );
  }
  return bytes;
}

function validate(o: Record<string, unknown>): ResolvedOptions {
  const mode = o.mode ?? 'eager';
  if (mode !== 'eager' && mode !== 'lazy') throw new OptionError(`mode must be 'eager' or 'lazy', got ${show(mode)}.`);
  const executor = o.executor ?? 'threads';
  if (executor !== 'local' && executor !== 'threads' && executor !== 'distributed') {
    throw new OptionError(`executor must be 'local', 'threads' or 'distributed', got ${show(executor)}.`);
  }
  const { redis, queue } = distributedOptions(executor, o.redis, o.queue);
  const driverTtl = driverTtlOption(executor, o.driverTtl);
  const s3 = s3Option(executor, o.s3);
  const pool = o.pool ?? 'shared';
  if (pool !== 'shared' && pool !== 'private') {
    throw new OptionError(
      `pool must be 'shared' (the process's one worker pool, sized to the machine and shared fairly between ` +
        `sessions; the default) or 'private' (a pool of \`workers\` threads for this session alone, ended when it ` +
        `closes), got ${show(pool)}.`,
    );
  }
  const workers = o.workers ?? defaultWorkers();
  if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new OptionError(`workers must be an integer from 1 to 256, got ${show(workers)}.`);
  }
  for (const k of ['default', 'fuse'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new OptionError(`${k} must be true or false, got ${show(o[k])}.`);
  }
  for (const k of ['spillDir', 'name'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') throw new OptionError(`${k} must be a string, got ${show(o[k])}.`);
  }
  return {
    mode,
    workers,
    executor,
    pool,
    default: (o.default as boolean | undefined) ?? true,
    memoryLimit: o.memoryLimit === undefined ? Math.floor(totalmem() / 2) : limitOption(o.memoryLimit, 'memoryLimit'),
    spillDir: o.spillDir as string | undefined,
    fuse: (o.fuse as boolean | undefined) ?? true,
    name: o.name as string | undefined,
    redis,
    queue,
    driverTtl,
    s3,
  };
}

/** `driverTtl`: whole seconds, with executor 'distributed' only. */
function driverTtlOption(executor: ExecutorKind, ttl: unknown): number | undefined {
  if (ttl === undefined) return undefined;
  if (executor !== 'distributed') {
    throw new OptionError(`driverTtl is an option of executor 'distributed' (how long its tasks outlive a dead driver), but the executor is ${show(executor)}: drop it.`);
  }
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 2 || ttl > 86_400) {
    throw new OptionError(`driverTtl must be a whole number of seconds from 2 to 86400, got ${show(ttl)}.`);
  }
  return ttl;
}

/** `redis` (a Redis URL) goes with executor 'distributed' and only with it; `queue` is a plain name. */
function distributedOptions(executor: ExecutorKind, redis: unknown, queue: unknown): { redis: string | undefined; queue: string } {
  if (executor !== 'distributed') {
    if (redis !== undefined || queue !== undefined) {
      throw new OptionError(
        `${redis !== undefined ? 'redis' : 'queue'} is an option of executor 'distributed' (tasks on \`tessera worker\` ` +
          `processes through Redis), but the executor is ${show(executor)}: add executor: 'distributed', or drop it.`,
      );
    }
    return { redis: undefined, queue: 'tessera' };
  }
  if (redis === undefined) {
    throw new OptionError(`executor 'distributed' needs redis, the URL of the Redis server its workers use (e.g. 'redis://127.0.0.1:6379').`);
  }
  checkRedisUrl(redis, 'redis');
  const name = queue ?? 'tessera';
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new OptionError(`queue must be 1 to 64 letters, digits, '_', '.' or '-' (the name \`tessera worker --queue\` serves), got ${show(name)}.`);
  }
  return { redis: redis as string, queue: name };
}
