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
import { decodeChunk, type DecodeOptions, encodeChunkPieces } from '../../store/chunkCodec.js';
import { ChunkNotFoundError } from '../../store/chunkStore.js';
import { SetPiecesCommand } from './setPieces.js';

export type EncodedPieces = ReturnType<typeof encodeChunkPieces>;

/** Encoded values from this size on are written to the socket in pieces instead of copied into a command. */
const PIECES_BYTES = 256 * 1024;

export interface RemoteChunkStore {
  /** Stores values under keys (one round trip); returns each value's encoded size. */
  put(entries: readonly (readonly [key: string, value: unknown])[]): Promise<number[]>;
  /** As `put`, for values already encoded (`encodeChunkPieces`). */
  putEncoded(entries: readonly (readonly [key: string, value: EncodedPieces])[]): Promise<number[]>;
  /**
   * The values under keys, in order; rejects with `ObjectNotExists` naming the first missing key.
   * `options` as decodeChunk's (big parts as views over the reply, for a reader that keeps them here).
   */
  get(keys: readonly string[], options?: DecodeOptions): Promise<unknown[]>;
  delete(keys: readonly string[]): Promise<void>;
  /**
   * The values under keys, in order, where `held` has the values this process already holds for some of
   * them: for those the store is only asked whether the key still exists (a chunk deleted from the store
   * is gone, whatever a process remembers), the others are fetched. `sizes` are the fetched values'
   * encoded sizes (0 for held ones). Rejects as `get` does, also for a held key that is gone.
   */
  getUnlessHeld(keys: readonly string[], held: ReadonlyMap<string, unknown>): Promise<{ values: unknown[]; sizes: number[] }>;
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
    return this.putEncoded(entries.map(([key, value]) => [key, encodeChunkPieces(value)] as const));
  }

  /** As `put`, for values already encoded (`encodeChunkPieces`). */
  async putEncoded(entries: readonly (readonly [string, EncodedPieces])[]): Promise<number[]> {
    if (entries.length === 0) return [];
    const sizes: number[] = [];
    const pipe = this.redis.pipeline();
    const alone: Promise<unknown>[] = [];
    for (const [key, { pieces, byteLength }] of entries) {
      sizes.push(byteLength);
      // A big value goes to the socket piece by piece, never copied (setPieces.ts); small ones share a pipeline.
      if (byteLength >= PIECES_BYTES) alone.push(this.#sendAlone(new SetPiecesCommand(chunkKey(this.session, key), pieces, byteLength, this.ttlSeconds)));
      else pipe.set(chunkKey(this.session, key), Buffer.concat(pieces, byteLength), 'EX', this.ttlSeconds);
    }
    const [results] = await Promise.all([pipe.length > 0 ? pipe.exec() : [], ...alone]);
    for (const [err] of results ?? []) if (err) throw err;
    return sizes;
  }

  async get(keys: readonly string[], options?: DecodeOptions): Promise<unknown[]> {
    if (keys.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const key of keys) pipe.getBuffer(chunkKey(this.session, key));
    const results = (await pipe.exec()) ?? [];
    return results.map(([err, bytes], k) => {
      if (err) throw err;
      if (bytes === null) throw new ChunkNotFoundError(keys[k]!);
      return decodeChunk(bytes as Buffer, options);
    });
  }

  #sendAlone(command: SetPiecesCommand): Promise<unknown> {
    void this.redis.sendCommand(command);
    return command.promise;
  }

  async getUnlessHeld(keys: readonly string[], held: ReadonlyMap<string, unknown>): Promise<{ values: unknown[]; sizes: number[] }> {
    if (keys.length === 0) return { values: [], sizes: [] };
    const pipe = this.redis.pipeline();
    for (const key of keys) {
      if (held.has(key)) pipe.exists(chunkKey(this.session, key));
      else pipe.getBuffer(chunkKey(this.session, key));
    }
    const results = (await pipe.exec()) ?? [];
    const sizes: number[] = [];
    const values = results.map(([err, reply], k) => {
      if (err) throw err;
      const key = keys[k]!;
      if (reply === null || reply === 0) throw new ChunkNotFoundError(key);
      if (held.has(key)) {
        sizes.push(0);
        return held.get(key);
      }
      sizes.push((reply as Buffer).byteLength);
      return decodeChunk(reply as Buffer);
    });
    return { values, sizes };
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.redis.unlink(...keys.map((k) => chunkKey(this.session, k)));
  }
}
