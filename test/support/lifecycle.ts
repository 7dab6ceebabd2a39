/**
 * Test-file lifecycle helpers: fail a test that leaves an unhandled promise rejection behind, and open
 * sessions on a given executor that are closed after each test.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { newSession, type Session } from '../../src/index.js';

/** Every test in the calling file fails if a promise rejection goes unhandled during it. */
export function failOnUnhandledRejections(): void {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => {
    unhandled.push(e);
  };
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    // A stray rejection surfaces within a few turns of the event loop.
    await new Promise((r) => setTimeout(r, 20));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
}

/** `session(opts)`: a lazy, non-default session on `executor` (2 workers on threads), closed after each test. */
export function sessionsOn(executor: 'local' | 'threads'): (opts?: Parameters<typeof newSession>[0]) => Session {
  const open: Session[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return (opts = {}) => {
    const s = newSession({ mode: 'lazy', executor, default: false, ...(executor === 'threads' ? { workers: 2 } : {}), ...opts });
    open.push(s);
    return s;
  };
}

/**
 * One lazy, non-default session on each executor (2 workers on threads) for the whole calling file:
 * opened before its tests, closed after them. The record is filled in `beforeAll`.
 */
export function sessionsForFile(): Record<'local' | 'threads', Session> {
  const sessions = {} as Record<'local' | 'threads', Session>;
  beforeAll(() => {
    sessions.local = newSession({ mode: 'lazy', executor: 'local', default: false });
    sessions.threads = newSession({ mode: 'lazy', executor: 'threads', workers: 2, default: false });
  });
  afterAll(async () => {
    await Promise.all([sessions.local.close(), sessions.threads.close()]);
  });
  return sessions;
}
