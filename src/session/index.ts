/**
 * Creating sessions and finding the default one: `newSession` (the default unless `{default: false}`),
 * `getDefaultSession`, `withSession` (an async-context default), and the implicit local session that
 * `execute()` creates when there is none (with a warning, as Mars does; its threads exit when idle so a
 * script that never closes it still ends).
 */
import { logEngine } from '../base/log.js';
import { currentDefault } from './defaults.js';
import type { SessionOptions } from './options.js';
import { Session } from './session.js';
import type { SessionLike } from './sessionLike.js';

export { Session, nodeOf, type ChunkRunEvent, type ExecuteOptions, type Fetchable, type ProgressEvent, type RunStats, type SessionInfo } from './session.js';
export { resolveOptions, type ResolvedOptions, type SessionOptions } from './options.js';
export { refuseOversized } from './capacity.js';
export { HELD_IN, isSessionLike, noteHeld, SESSION_BRAND, type SessionLike } from './sessionLike.js';

export function newSession(options: SessionOptions = {}): Session {
  return new Session(options);
}

/** The session handles use when none is given: local, or remote (a session hosted by a server). */
export function getDefaultSession(): SessionLike | undefined {
  return currentDefault<SessionLike>();
}

/** Runs `fn` with `session` as the default for everything it (and what it awaits) does. */
export function withSession<T>(session: SessionLike, fn: () => T): T {
  return session.scope(fn);
}

let warned = false;

export function defaultSessionOrCreate(): SessionLike {
  const existing = currentDefault<SessionLike>();
  if (existing) return existing;
  if (!warned) {
    warned = true;
    logEngine('warn', 'No session found: a local eager session is created and made the default.', {
      code: 'TESSERA_IMPLICIT_SESSION',
      detail: 'Create one with newSession() to choose its options, and close it when done.',
    });
  }
  return new Session({ mode: 'eager' }, { exitWhenIdle: true });
}
