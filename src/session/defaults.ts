/**
 * Which session is "the default". One process-wide default (set by `newSession`, `asDefault`), which an
 * async context can override with `withSession(sess, fn)` — AsyncLocalStorage, so two pipelines running
 * concurrently in one process each see their own session, something neither Mars nor GraphScope can do.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface DefaultCandidate {
  readonly closed: boolean;
}

const scoped = new AsyncLocalStorage<DefaultCandidate>();
let processDefault: DefaultCandidate | undefined;

export function currentDefault<S extends DefaultCandidate>(): S | undefined {
  const s = scoped.getStore() ?? processDefault;
  return s && !s.closed ? (s as S) : undefined;
}

export function setProcessDefault(s: DefaultCandidate | undefined): void {
  processDefault = s;
}

export function isProcessDefault(s: DefaultCandidate): boolean {
  return processDefault === s;
}

export function runWithDefault<T>(s: DefaultCandidate, fn: () => T): T {
  return scoped.run(s, fn);
}
