/** RedisChunkStore against a private redis-server: binary round trips, session prefixes, TTL, misses. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisChunkStore } from '../../../../src/executors/distributed/redisChunkStore.js';
import { encodeChunk } from '../../../../src/store/chunkCodec.js';
import { redisForSuite } from '../../../support/redisServer.js';

const redisServer = redisForSuite();

describe('RedisChunkStore', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(redisServer().url);
  });
  afterAll(() => redis.disconnect());

  it('round-trips a 4 MiB float64 chunk byte for byte under the session prefix, with a TTL', async () => {
    const store = new RedisChunkStore(redis, 'sessA', 600);
    const data = new Float64Array(new SharedArrayBuffer(2 ** 22));
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i) * 1e6;
    const [size] = await store.put([['k1', { dtype: 'float64', shape: [data.length], data }]]);
    expect(size).toBeGreaterThan(2 ** 22);
    expect(await redis.exists('tessera:sessA:chunk:k1')).toBe(1);
    const ttl = await redis.ttl('tessera:sessA:chunk:k1');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
    const [back] = (await store.get(['k1'])) as { data: Float64Array }[];
    expect(Buffer.from(back!.data.buffer).equals(Buffer.from(data.buffer))).toBe(true);
  });

  it('keeps sessions apart: the same chunk key in two sessions is two values', async () => {
    const a = new RedisChunkStore(redis, 'sA');
    const b = new RedisChunkStore(redis, 'sB');
    await a.put([['same', { v: 1 }]]);
    await b.put([['same', { v: 2 }]]);
    expect(await a.get(['same'])).toEqual([{ v: 1 }]);
    expect(await b.get(['same'])).toEqual([{ v: 2 }]);
    await a.delete(['same']);
    await expect(a.get(['same'])).rejects.toMatchObject({ code: 'ObjectNotExists' });
    expect(await b.get(['same'])).toEqual([{ v: 2 }]);
  });

  it('stores big values (written to the socket in pieces) and small ones in one put, each byte for byte its encoding', async () => {
    const store = new RedisChunkStore(redis, 'sD');
    // Parts of odd lengths (padding between pieces), shared and not, a part named twice, and a string column.
    const odd = new Uint8Array(new SharedArrayBuffer(3 * 2 ** 20 + 3)).map((_, i) => i * 7);
    const big = { columns: { a: odd, b: Int32Array.from({ length: 100_001 }, (_, i) => i - 50_000), again: odd }, names: ['x', 'y'] };
    const small = { dtype: 'int16', shape: [3], data: Int16Array.from([1, -2, 3]) };
    const sizes = await store.put([
      ['big', big],
      ['small', small],
      ['big2', { data: new Float64Array(2 ** 16).fill(0.5) }],
    ]);
    for (const [key, value, size] of [['big', big, sizes[0]], ['small', small, sizes[1]]] as const) {
      const stored = await redis.getBuffer(`tessera:sD:chunk:${key}`);
      expect(stored!.equals(encodeChunk(value))).toBe(true);
      expect(stored!.byteLength).toBe(size);
    }
    const [back, backSmall, back2] = (await store.get(['big', 'small', 'big2'])) as [typeof big, typeof small, { data: Float64Array }];
    expect(Buffer.from(back.columns.a).equals(Buffer.from(odd))).toBe(true);
    expect(back.columns.again).toBe(back.columns.a);
    expect([...back.columns.b.subarray(0, 3)]).toEqual([-50_000, -49_999, -49_998]);
    expect(back.names).toEqual(['x', 'y']);
    expect([...backSmall.data]).toEqual([1, -2, 3]);
    expect(back2.data.every((v) => v === 0.5)).toBe(true);
  });

  it('a missing key rejects with ObjectNotExists naming it', async () => {
    const store = new RedisChunkStore(redis, 'sC');
    await expect(store.get(['nope'])).rejects.toThrow(/No chunk with key nope/);
  });
});
