/**
 * `tessera worker`'s command line refuses a bad --cache-bytes (exit 2, naming the flag and the value)
 * before it reaches for Redis, and its help documents the cache and its default.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runWorker, WORKER_HELP } from '../../../src/cli/worker.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('tessera worker options', () => {
  it.each(['lots', '12MB', '1.5', '1e9', ''])('refuses --cache-bytes %j', async (value) => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    // No Redis listens here: a refusal must come before any connection.
    expect(await runWorker(['--redis', 'redis://127.0.0.1:1', '--cache-bytes', value])).toBe(2);
    expect(written.join('')).toContain(`--cache-bytes must be a whole number of bytes (0 turns the cache off), got '${value}'`);
  });

  it('documents --cache-bytes and its default', () => {
    expect(WORKER_HELP).toMatch(/--cache-bytes N {2}bytes of chunk values kept in memory/);
    expect(WORKER_HELP).toMatch(/at most 256 MiB,\s+here \d+; 0 turns it off/);
  });
});
