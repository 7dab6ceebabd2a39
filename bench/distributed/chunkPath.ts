/**
 * One chunk's way into Redis and back, in this process against a loopback redis-server, A/B in the same
 * run (interleaved, medians of `runs`):
 * - put: the chunk store's `put` (the encoding's pieces written to the socket, setPieces.ts) against the
 *   earlier way (`encodeChunk` into one buffer, then SET in a pipeline: ioredis copies it into its
 *   command buffer and the pipeline's), and a plain SET of a ready 64 MiB Buffer (the floor);
 * - get: the chunk store's `get` (GET, then decode into shared memory; or big parts as views over the
 *   reply, as the driver reads a target) against a plain GET.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/distributed/chunkPath.js [--runs 7] [--mib 64]
 */
import { parseArgs } from 'node:util';
import { Redis as IORedis } from 'ioredis';
import { RedisChunkStore, chunkKey } from '../../src/executors/distributed/redisChunkStore.js';
import { encodeChunk } from '../../src/store/chunkCodec.js';
import { fmt, summarize, writeResult } from '../harness.js';
import { startRedis } from './cluster.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '7' }, mib: { type: 'string', default: '64' } } });
const runs = Number(args.runs);
const bytes = Number(args.mib) * 2 ** 20;

const timed = async (f: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
};

async function main(): Promise<void> {
  const redis = await startRedis();
  const client = new IORedis(redis.url);
  try {
    const data = new Float64Array(new SharedArrayBuffer(bytes));
    for (let i = 0; i < data.length; i += 512) data[i] = i;
    const value = { dtype: 'float64', shape: [data.length], data };
    const store = new RedisChunkStore(client, 'bench');
    const plain = Buffer.alloc(bytes, 7);
    const cases: Record<string, () => Promise<unknown>> = {
      putPieces: () => store.put([['k', value]]),
      putEncodedPipeline: async () => {
        const replies = await client.pipeline().set(chunkKey('bench', 'k'), encodeChunk(value), 'EX', 3600).exec();
        if (replies?.[0]?.[0]) throw replies[0][0];
      },
      plainSet: () => client.set('plain', plain),
      getDecoded: () => store.get(['k']),
      getViews: () => store.get(['k'], { viewAtLeast: 2 ** 20 }),
      plainGet: () => client.getBuffer('plain'),
    };
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    for (const f of Object.values(cases)) await f(); // warm up every path once
    for (let r = 0; r < runs; r++) for (const [name, f] of Object.entries(cases)) samples[name]!.push(await timed(f));
    const median = (k: string): number => summarize(samples[k]!).median;
    const result = {
      mib: bytes / 2 ** 20,
      runs,
      medianMs: Object.fromEntries(Object.keys(cases).map((k) => [k, +median(k).toFixed(1)])),
      putPiecesVsEncodedPipeline: +(median('putPieces') / median('putEncodedPipeline')).toFixed(2),
      putPiecesVsPlainSet: +(median('putPieces') / median('plainSet')).toFixed(2),
      getDecodedVsPlainGet: +(median('getDecoded') / median('plainGet')).toFixed(2),
      getViewsVsPlainGet: +(median('getViews') / median('plainGet')).toFixed(2),
    };
    for (const k of Object.keys(cases)) console.log(`${k}: ${fmt(median(k))}`);
    console.log(`put in pieces / encoded+pipeline: ${result.putPiecesVsEncodedPipeline}; put in pieces / plain SET: ${result.putPiecesVsPlainSet}; get+decode / plain GET: ${result.getDecodedVsPlainGet}; get as views / plain GET: ${result.getViewsVsPlainGet}`);
    writeResult('distributed-chunk-path', result);
  } finally {
    client.disconnect();
    await redis.stop();
  }
}

await main();
