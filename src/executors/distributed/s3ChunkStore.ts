/**
 * Chunk bytes in S3-compatible storage instead of Redis (RemoteChunkStore, redisChunkStore.ts): for
 * chunks that would not fit in Redis's memory, or a cluster whose data should outlive it. Redis still
 * carries the control plane (jobs, events, leases); only the bytes move. Each chunk is one object under
 * `{prefix}{session}/chunk/{key}` holding its `encodeChunk` bytes, so closing a session deletes one prefix.
 *
 * Where a session's chunks live is published in Redis (`tessera:{session}:store`, no credentials): each
 * worker reads it when it starts serving the session and signs with its own credentials (its
 * environment's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), so secrets never cross Redis. S3 has no
 * per-object TTL: a dead driver's objects are deleted by the worker that drops its session (worker.ts),
 * as its Redis keys are.
 */
import type { Redis } from 'ioredis';
import { InvalidArgumentError } from '../../base/errors.js';
import { decodeChunk, type DecodeOptions, encodeChunkPieces } from '../../store/chunkCodec.js';
import { ChunkNotFoundError } from '../../store/chunkStore.js';
import { queuePrefix } from './protocol.js';
import { type EncodedPieces, RedisChunkStore, type RemoteChunkStore } from './redisChunkStore.js';
import { credentialsFromEnv, S3Client, type S3Credentials, type S3Location } from './s3Client.js';

/** Where a session keeps its chunk bytes (the session option `s3`). */
export interface S3StoreOptions extends S3Location {
  /** Prepended to every object key (default 'tessera/'); a session's objects are under `{prefix}{session id}/`. */
  readonly prefix?: string;
  /** Default: the environment's AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
}

/** Requests in flight per call: enough to hide latency, few enough not to flood a small server. */
const PARALLEL = 16;

/** `fn` over `items` with at most PARALLEL running at once, results in order. */
async function inParallel<T, R>(items: readonly T[], fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, lane));
  return out;
}

export class S3ChunkStore implements RemoteChunkStore {
  readonly #root: string;

  constructor(
    readonly client: S3Client,
    readonly session: string,
    prefix = 'tessera/',
  ) {
    this.#root = `${prefix}${session}/`;
  }

  readonly #key = (key: string): string => `${this.#root}chunk/${key}`;

  async put(entries: readonly (readonly [string, unknown])[]): Promise<number[]> {
    return this.putEncoded(entries.map(([key, value]) => [key, encodeChunkPieces(value)] as const));
  }

  async putEncoded(entries: readonly (readonly [string, EncodedPieces])[]): Promise<number[]> {
    return inParallel(entries, async ([key, { pieces, byteLength }]) => {
      // One piece in plain memory goes as it is; shared-memory parts are copied into one body (fetch sends plain buffers).
      const one = pieces.length === 1 && pieces[0]!.buffer instanceof ArrayBuffer;
      await this.client.put(this.#key(key), one ? pieces[0]! : Buffer.concat(pieces, byteLength));
      return byteLength;
    });
  }

  async get(keys: readonly string[], options?: DecodeOptions): Promise<unknown[]> {
    return inParallel(keys, async (key) => {
      const bytes = await this.client.get(this.#key(key));
      if (!bytes) throw new ChunkNotFoundError(key);
      return decodeChunk(bytes, options);
    });
  }

  async getUnlessHeld(keys: readonly string[], held: ReadonlyMap<string, unknown>): Promise<{ values: unknown[]; sizes: number[] }> {
    const sizes = new Array<number>(keys.length).fill(0);
    const values = await inParallel(keys, async (key, i) => {
      if (held.has(key)) {
        // A chunk deleted from the store is gone, whatever this process remembers (as in Redis).
        if (!(await this.client.exists(this.#key(key)))) throw new ChunkNotFoundError(key);
        return held.get(key);
      }
      const bytes = await this.client.get(this.#key(key));
      if (!bytes) throw new ChunkNotFoundError(key);
      sizes[i] = bytes.byteLength;
      return decodeChunk(bytes);
    });
    return { values, sizes };
  }

  async delete(keys: readonly string[]): Promise<void> {
    await this.client.deleteMany(keys.map(this.#key));
  }

  /** Deletes every object of the session (closing it, or dropping a dead driver's). */
  async deleteAll(): Promise<void> {
    await this.client.deleteMany(await this.client.list(this.#root));
  }
}

/** The session's store description as published in Redis: no credentials. */
interface PublishedS3 {
  readonly kind: 's3';
  readonly endpoint: string;
  readonly bucket: string;
  readonly region?: string;
  readonly prefix: string;
}

export const storeKey = (session: string): string => `${queuePrefix(session)}:store`;

/** The driver's S3 store (the session's options checked the location and that credentials are at hand). */
export function s3StoreForDriver(options: S3StoreOptions, session: string, where: string): { store: S3ChunkStore; published: string } {
  const credentials = options.accessKeyId && options.secretAccessKey ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } : credentialsFromEnv();
  if (!credentials) throw new S3CredentialsMissing(where);
  const prefix = options.prefix ?? 'tessera/';
  const published: PublishedS3 = { kind: 's3', endpoint: options.endpoint, bucket: options.bucket, ...(options.region ? { region: options.region } : {}), prefix };
  return { store: new S3ChunkStore(new S3Client(options, credentials), session, prefix), published: JSON.stringify(published) };
}


class S3CredentialsMissing extends InvalidArgumentError {
  constructor(where: string) {
    super(`${where}: an S3 chunk store needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (for the session and for every \`tessera worker\`), or give s3.accessKeyId and s3.secretAccessKey.`);
  }
}

/**
 * The store a worker uses for a session: S3 when the session published one (signed with the worker's
 * own credentials), Redis otherwise. A worker without credentials for an S3 session fails its tasks
 * with a message saying what to set, instead of writing the chunks where the driver will not look.
 */
export async function storeForWorker(redis: Redis, session: string, credentials: S3Credentials | undefined = credentialsFromEnv()): Promise<RemoteChunkStore & { deleteAll?: () => Promise<void> }> {
  const published = await redis.get(storeKey(session));
  if (!published) return new RedisChunkStore(redis, session);
  const p = JSON.parse(published) as PublishedS3;
  if (!credentials) throw new S3CredentialsMissing(`tessera worker serving session ${session}`);
  return new S3ChunkStore(new S3Client(p, credentials), session, p.prefix);
}
