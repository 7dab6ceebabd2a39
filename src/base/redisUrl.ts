/**
 * The form of a Redis URL, checked where options are read (a session's `redis`, `tessera worker
 * --redis`, `tessera serve --redis`) without loading a Redis client.
 */
import { OptionError } from './errors.js';
import { show } from './show.js';

/** Checks a Redis URL's form (redis:// or rediss://, a host); throws OptionError naming `what`. */
export function checkRedisUrl(url: unknown, what: string): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') || parsed.hostname === '') {
    throw new OptionError(`${what} must be a Redis URL like 'redis://127.0.0.1:6379' (or rediss:// for TLS), got ${show(url)}.`);
  }
  return url as string;
}
