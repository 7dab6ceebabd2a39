/**
 * A closing distributed session gets every worker off its queues before its keys go
 * (sessionLeave.ts): when `close()` resolves, each worker that served the session has left it, so no
 * BullMQ worker of theirs writes the session's keys again (their stalled checks run every 50 ms here,
 * ten times in one discovery period). A listener that never answers delays the close by at most the
 * leave wait, and the keys still go.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedChannel } from '../../../../src/executors/distributed/protocol.js';
import { type RunningWorker, startWorker } from '../../../../src/executors/distributed/worker.js';
import { type NdArray, newSession, tensor as tt } from '../../../../src/index.js';
import { settles } from '../../../support/events.js';
import { redisForSuite } from '../../../support/redisServer.js';

const server = redisForSuite();
const QUEUE = 'leaveq';

describe('closing a distributed session', () => {
  let redis: Redis;
  const workers: RunningWorker[] = [];
  const logs: string[][] = [[], []];
  beforeAll(async () => {
    redis = new Redis(server().url);
    for (const lines of logs) {
      workers.push(await startWorker({ redis: server().url, threads: 1, queue: QUEUE, stalledIntervalMs: 50, log: (line) => lines.push(line) }));
    }
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    redis.disconnect();
  });

  const open = () => newSession({ mode: 'lazy', default: false, executor: 'distributed', redis: server().url, queue: QUEUE });
  const sum = async (s: ReturnType<typeof open>, seed: number) => ((await s.run(tt.random.rand([20_000], { seed, chunkSize: 5_000 }).mul(2).sum())) as NdArray).item();

  it('resolves once every worker that served the session has left it, and no key comes back', async () => {
    const a = open();
    expect(await sum(a, 1)).toBeGreaterThan(0);
    const served = logs.filter((lines) => lines.includes(`serving session ${a.id}`));
    expect(served.length).toBeGreaterThan(0);
    await a.close();
    for (const lines of served) expect(lines).toContain(`left session ${a.id}`);
    expect(await redis.keys(`tessera:${a.id}:*`)).toEqual([]);
    // Another session's run takes at least a discovery period (its workers must find it): a worker
    // still on a's queue would have rewritten a's stalled-check key many times by now.
    const b = open();
    try {
      expect(await sum(b, 2)).toBeGreaterThan(0);
    } finally {
      await b.close();
    }
    expect(await redis.keys(`tessera:${a.id}:*`)).toEqual([]);
    expect(await redis.keys(`tessera:${b.id}:*`)).toEqual([]);
  });

  it('a listener that never answers delays the close by at most the leave wait; the keys still go', async () => {
    const mute = new Redis(server().url);
    await mute.subscribe(closedChannel(QUEUE));
    const a = open();
    try {
      expect(await sum(a, 3)).toBeGreaterThan(0);
      await settles(a.close(), 'the close past a listener that never answers');
      expect(await redis.keys(`tessera:${a.id}:*`)).toEqual([]);
    } finally {
      mute.disconnect();
    }
    const b = open();
    try {
      expect(await sum(b, 4)).toBeGreaterThan(0);
    } finally {
      await b.close();
    }
  });
});
