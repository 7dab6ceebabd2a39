/**
 * Reaching Redis, or saying at once why not. ioredis retries a refused connection forever by default,
 * so a session or worker pointed at a wrong address would hang; the first connection here is a probe
 * with a short timeout and no retries, and its failure is a typed error naming the URL and the fix.
 * Only after the probe answers are the long-lived connections (which do reconnect) opened.
 */
import { Redis } from 'ioredis';
import { registerErrorClass, TesseraError } from '../../base/errors.js';

export class RedisUnreachableError extends TesseraError {
  readonly url: string;
  constructor(url: string, reason: string) {
    super(
      'RedisUnreachable',
      `Cannot reach Redis at ${url} (${reason}). Start it (e.g. \`redis-server --port ${portOf(url)}\`), or pass the ` +
        `address of a running one; the distributed executor keeps its tasks and chunks there.`,
    );
    this.url = url;
  }
}
registerErrorClass(RedisUnreachableError);

function portOf(url: string): string {
  try {
    return new URL(url).port || '6379';
  } catch {
    return '6379';
  }
}

export { checkRedisUrl } from '../../base/redisUrl.js';

export const PROBE_TIMEOUT_MS = 3_000;

/** Resolves once Redis at `url` answers PING; rejects with RedisUnreachableError within about PROBE_TIMEOUT_MS. */
export async function probeRedis(url: string): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    commandTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    throw new RedisUnreachableError(url, (e as Error)?.message || String(e));
  } finally {
    probe.disconnect();
  }
}

/** Deletes every key that starts with `prefix` (SCAN, so the server never blocks on a big KEYS). */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  const escaped = prefix.replace(/[*?[\]\\]/g, '\\$&');
  for await (const batch of redis.scanStream({ match: `${escaped}*`, count: 500 })) {
    const keys = batch as string[];
    if (keys.length > 0) await redis.unlink(...keys);
  }
}
