/**
 * The remote client: `newSession({ address, token, ... })` gives a `RemoteSession` (a session hosted by
 * `tessera serve`); without `address`, a local `Session` as before. While a remote session is the
 * default, a graph file path, an LDBC folder and an output target are the server's (ops/graph/sources.ts).
 */
import { setServerFiles } from '../../ops/graph/sources.js';
import { getDefaultSession, newSession as newLocalSession, Session, type SessionOptions } from '../../session/index.js';
import type { RemoteSessionOptions } from './options.js';
import { RemoteSession } from './remoteSession.js';

export { RemoteSession } from './remoteSession.js';
export { RemoteStore, type RemoteGetNameOptions } from './remoteStore.js';
export { RemoteExecutor } from './remoteExecutor.js';
export type { RemoteSessionOptions } from './options.js';
export { RemoteError, RemoteSessionLostError, ServerUnreachableError } from './errors.js';

setServerFiles(() => {
  const session = getDefaultSession();
  return session instanceof RemoteSession ? session : undefined;
});

/** A session: remote when `address` is given (a server hosts it), else local. */
export function newSession(options: RemoteSessionOptions): RemoteSession;
export function newSession(options?: SessionOptions): Session;
export function newSession(options: SessionOptions | RemoteSessionOptions = {}): Session | RemoteSession {
  if (typeof options === 'object' && options !== null && 'address' in options && options.address !== undefined) return new RemoteSession(options);
  return newLocalSession(options as SessionOptions);
}
