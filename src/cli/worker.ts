/**
 * `tessera worker --redis URL [--threads N] [--queue NAME] [--cache-bytes N]`: runs chunk tasks for distributed sessions
 * (executors/distributed/worker.ts). The first stdout line is `tessera worker <id> ready` once it
 * serves; SIGINT or SIGTERM stops taking jobs, lets running ones finish and exits.
 */
import { availableParallelism, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { TesseraError } from '../base/errors.js';
import { checkRedisUrl, probeRedis } from '../executors/distributed/connect.js';
import { defaultCacheBytes } from '../executors/distributed/chunkCache.js';
import { DEFAULT_QUEUE } from '../executors/distributed/protocol.js';
import { startWorker } from '../executors/distributed/worker.js';

export const WORKER_HELP = `Usage: tessera worker --redis URL [options]

  --redis URL      the Redis server of the distributed sessions (redis://host:port)
  --threads N      kernel threads, and jobs run at once (default: the machine's cores)
  --queue NAME     the queue name sessions use (default ${DEFAULT_QUEUE})
  --cache-bytes N  bytes of chunk values kept in memory for later tasks on this worker, which the
                   sessions then route those tasks to (default an eighth of memory, at most 256 MiB,
                   here ${defaultCacheBytes(totalmem())}; 0 turns it off)
`;

export async function runWorker(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { redis: { type: 'string' }, threads: { type: 'string' }, queue: { type: 'string' }, 'cache-bytes': { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`tessera worker: ${(e as Error).message}\n\n${WORKER_HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(WORKER_HELP);
    return 0;
  }
  const threads = values.threads === undefined ? Math.max(1, availableParallelism()) : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    process.stderr.write(`tessera worker: --threads must be an integer from 1 to 256, got '${values.threads}'.\n`);
    return 2;
  }
  const queue = values.queue ?? DEFAULT_QUEUE;
  if (!/^[A-Za-z0-9_.-]+$/.test(queue)) {
    process.stderr.write(`tessera worker: --queue must be letters, digits, '_', '.' or '-', got '${queue}'.\n`);
    return 2;
  }
  const cacheText = values['cache-bytes'];
  const cacheBytes = cacheText === undefined ? undefined : Number(cacheText);
  if (cacheBytes !== undefined && (!/^\d+$/.test(cacheText!) || !Number.isSafeInteger(cacheBytes))) {
    process.stderr.write(`tessera worker: --cache-bytes must be a whole number of bytes (0 turns the cache off), got '${cacheText}'.\n`);
    return 2;
  }
  let redis: string;
  try {
    redis = checkRedisUrl(values.redis, '--redis');
    await probeRedis(redis);
  } catch (e) {
    process.stderr.write(`tessera worker: ${(e as Error).message}\n`);
    return e instanceof TesseraError ? 1 : 2;
  }
  const worker = await startWorker({ redis, threads, queue, ...(cacheBytes !== undefined ? { cacheBytes } : {}), log: (line) => process.stderr.write(`tessera worker: ${line}\n`) });
  process.stdout.write(`tessera worker ${worker.id} ready\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await worker.close();
  return 0;
}
