/**
 * The data plane of the distributed executor: chunk bytes by key, outside every process, so a worker
 * on any machine can read a task's inputs and write its output (job data carries only keys). The
 * interface is small on purpose (an S3-compatible store fits behind it); `RedisChunkStore` keeps each
 * chunk as one binary Redis string under `tessera:{session}:chunk:{key}`, with a TTL as a backstop for
 * a driver that dies without cleaning up. Values cross as `encodeChunk` bytes (store/chunkCodec.ts).
 *
 * Named `RemoteChunkStore` because `ChunkStore` is already the executors' in-process store contract
 * (store/chunkStore.ts); this is the bytes-only store the distributed executor and its workers share.
 */
import type { Redis } from 'ioredis';
import { decodeChunk, encodeChunk } from '../../store/chunkCodec.js';
import { ChunkNotFoundError } from '../../store/chunkStore.js';

export interface RemoteChunkStore {
  /** Stores values under keys (one round trip); returns each value's encoded size. */
  put(entries: readonly (readonly [key: string, value: unknown])[]): Promise<number[]>;
  /** The values under keys, in order; rejects with `ObjectNotExists` naming the first missing key. */
  get(keys: readonly string[]): Promise<unknown[]>;
  delete(keys: readonly string[]): Promise<void>;
}

/** Default lifetime of a chunk key: far longer than any task, short enough that an orphan goes away. */
export const CHUNK_TTL_SECONDS = 24 * 3600;

export function chunkKey(session: string, key: string): string {
  return `tessera:${session}:chunk:${key}`;
}

export class RedisChunkStore implements RemoteChunkStore {
  constructor(
    readonly redis: Redis,
    readonly session: string,
    readonly ttlSeconds = CHUNK_TTL_SECONDS,
  ) {}

  async put(entries: readonly (readonly [string, unknown])[]): Promise<number[]> {
    if (entries.length === 0) return [];
    const sizes: number[] = [];
    const pipe = this.redis.pipeline();
    for (const [key, value] of entries) {
      const bytes = encodeChunk(value);
      sizes.push(bytes.byteLength);
      pipe.set(chunkKey(this.session, key), bytes, 'EX', this.ttlSeconds);
    }
    const results = (await pipe.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
    return sizes;
  }

  async get(keys: readonly string[]): Promise<unknown[]> {
    if (keys.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const key of keys) pipe.getBuffer(chunkKey(this.session, key));
    const results = (await pipe.exec()) ?? [];
    return results.map(([err, bytes], k) => {
      if (err) throw err;
      if (bytes === null) throw new ChunkNotFoundError(keys[k]!);
      return decodeChunk(bytes as Buffer);
    });
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.redis.unlink(...keys.map((k) => chunkKey(this.session, k)));
  }
}
