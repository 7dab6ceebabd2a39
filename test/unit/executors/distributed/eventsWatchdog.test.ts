/**
 * The job-event watchdog's arithmetic against a real stream (a private redis-server): a reader that
 * is merely behind, or whose read entries were trimmed, is fine; one that never read entries Redis
 * trimmed — before or after its last read id — is reported with what it read and how far the loss goes.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamPosition, unreadTrimmed } from '../../../../src/executors/distributed/eventsWatchdog.js';
import { redisForSuite } from '../../../support/redisServer.js';

const server = redisForSuite();

describe('unreadTrimmed', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(server().url);
  });
  afterAll(() => redis.disconnect());

  it('tells a reader behind or caught up from one that missed trimmed entries', async () => {
    const key = 's1';
    expect(await unreadTrimmed(redis, key, { entriesRead: 0, lastReadId: '0-0' })).toBeUndefined();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await redis.xadd(key, '*', 'n', String(i)))!);
    expect(await streamPosition(redis, key)).toEqual({ lastId: ids[4], added: 5 });
    // Caught up, or behind with nothing trimmed.
    expect(await unreadTrimmed(redis, key, { entriesRead: 5, lastReadId: ids[4]! })).toBeUndefined();
    expect(await unreadTrimmed(redis, key, { entriesRead: 2, lastReadId: ids[1]! })).toBeUndefined();
    // The first three trimmed: lost for a reader that read two, not for one that read three.
    await redis.xtrim(key, 'MAXLEN', 2);
    expect(await unreadTrimmed(redis, key, { entriesRead: 2, lastReadId: ids[1]! })).toEqual([2, 3]);
    expect(await unreadTrimmed(redis, key, { entriesRead: 3, lastReadId: ids[2]! })).toBeUndefined();
    expect(await unreadTrimmed(redis, key, { entriesRead: 5, lastReadId: ids[4]! })).toBeUndefined();
  });

  it('an entry added and trimmed unseen is a loss, even once the reader has read past it', async () => {
    const key = 's2';
    const first = (await redis.xadd(key, '*', 'n', '0'))!;
    await redis.multi().xadd(key, '*', 'n', 'unseen').xtrim(key, 'MAXLEN', 0).exec();
    expect(await unreadTrimmed(redis, key, { entriesRead: 1, lastReadId: first })).toEqual([1, 2]);
    const third = (await redis.xadd(key, '*', 'n', '2'))!;
    // The reader read the first and the third entry: the third's position is 3.
    expect(await unreadTrimmed(redis, key, { entriesRead: 2, lastReadId: third })).toEqual([2, 3]);
    expect(await unreadTrimmed(redis, key, { entriesRead: 3, lastReadId: third })).toBeUndefined();
  });
});
