/**
 * Which session is "the default". One process-wide default (set by `newSession`, `asDefault`), which an
 * async context can override with `withSession(sess, fn)` — AsyncLocalStorage, so two pipelines running
 * concurrently in one process each see their own session, something neither Mars nor GraphScope can do.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface DefaultCandidate {
  readonly closed: boolean;
}

/**
 * What a scope's async context holds: not the session itself but its one holder, emptied when the
 * session closes. Every async resource made inside a scope keeps that context for its whole life — a
 * MessagePort, a worker, a timer, a socket — so a context holding the session kept a closed session
 * alive, and through it its listeners and whatever their closures held (measured: each closed
 * session's graph handle, and so its columns, stayed reachable for good).
 */
interface Scope {
  candidate: DefaultCandidate | undefined;
}

const scoped = new AsyncLocalStorage<Scope>();
const scopeOf = new WeakMap<DefaultCandidate, Scope>();
let processDefault: DefaultCandidate | undefined;

export function currentDefault<S extends DefaultCandidate>(): S | undefined {
  const scope = scoped.getStore();
  // Inside a scope of a closed session there is no default, as before (not the process's).
  const s = scope ? scope.candidate : processDefault;
  return s && !s.closed ? (s as S) : undefined;
}

export function setProcessDefault(s: DefaultCandidate | undefined): void {
  processDefault = s;
}

export function isProcessDefault(s: DefaultCandidate): boolean {
  return processDefault === s;
}

export function runWithDefault<T>(s: DefaultCandidate, fn: () => T): T {
  let scope = scopeOf.get(s);
  if (!scope) scopeOf.set(s, (scope = { candidate: s }));
  return scoped.run(scope, fn);
}

/** A session that closes lets go of the contexts of its scopes (see `Scope`). */
export function endScopes(s: DefaultCandidate): void {
  const scope = scopeOf.get(s);
  if (scope) scope.candidate = undefined;
  scopeOf.delete(s);
}
