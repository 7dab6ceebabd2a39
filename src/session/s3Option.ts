/**
 * The session option `s3`: keep a distributed session's chunk bytes in S3-compatible storage instead of
 * Redis (executors/distributed/s3ChunkStore.ts). Checked when the session is made, like every option:
 * the endpoint is an http(s) URL, the bucket a valid name, and credentials are at hand (given, or in
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) — the workers need their own, from their environment.
 */
import { OptionError, UnknownOptionError } from '../base/errors.js';
import { show } from '../base/show.js';
import { credentialsFromEnv } from '../executors/distributed/s3Client.js';
import type { S3StoreOptions } from '../executors/distributed/s3ChunkStore.js';

/** The option's shape is the S3 store's own options (executors/distributed/s3ChunkStore.ts). */
export type S3Option = S3StoreOptions;

const KEYS = ['endpoint', 'bucket', 'region', 'prefix', 'accessKeyId', 'secretAccessKey'] as const;

export function s3Option(executor: string, value: unknown, env: NodeJS.ProcessEnv = process.env): S3Option | undefined {
  if (value === undefined) return undefined;
  if (executor !== 'distributed') {
    throw new OptionError(`s3 is an option of executor 'distributed' (where its workers keep chunk bytes), but the executor is ${show(executor)}: drop it.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OptionError(`s3 must be an object such as { endpoint: 'http://127.0.0.1:9000', bucket: 'chunks' }, got ${show(value)}.`);
  }
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new UnknownOptionError(unknown, 'the s3 option', KEYS);
  let url: URL | undefined;
  try {
    url = typeof o.endpoint === 'string' ? new URL(o.endpoint) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new OptionError(`s3.endpoint must be an http(s) URL such as 'http://127.0.0.1:9000', got ${show(o.endpoint)}.`);
  }
  if (typeof o.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(o.bucket)) {
    throw new OptionError(`s3.bucket must be an S3 bucket name (3 to 63 lowercase letters, digits, '.' or '-'), got ${show(o.bucket)}.`);
  }
  for (const k of ['region', 'prefix', 'accessKeyId', 'secretAccessKey'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') throw new OptionError(`s3.${k} must be a string, got ${show(o[k])}.`);
  }
  if ((o.accessKeyId === undefined) !== (o.secretAccessKey === undefined)) {
    throw new OptionError('s3.accessKeyId and s3.secretAccessKey go together: give both, or neither (then AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are used).');
  }
  if (o.accessKeyId === undefined && !credentialsFromEnv(env)) {
    throw new OptionError(
      's3 needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (for this process and for every `tessera worker`), or give s3.accessKeyId and s3.secretAccessKey.',
    );
  }
  return o as unknown as S3Option;
}
