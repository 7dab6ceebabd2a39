/**
 * What a remote session fails with when the trouble is the server, not the work: the server cannot be
 * reached (down, wrong address, no answer in time), the server no longer has the session (it restarted,
 * or closed it after the client was silent for `danglingTimeout`), or it answered with an error of a
 * class this process does not know. Each says what happened and what to do; none leaves a call hanging.
 */
import { errorFromData, type ErrorData, registerErrorClass, TesseraError } from '../../base/errors.js';

export class ServerUnreachableError extends TesseraError {
  constructor(address: string, detail: string) {
    super('ServerUnreachable', `The Tessera server at ${address} could not be reached (${detail}). Check that \`tessera serve\` runs there and the address is right.`);
  }
}

export class RemoteSessionLostError extends TesseraError {
  constructor(address: string, id: string) {
    super(
      'RemoteSessionLost',
      `The server at ${address} no longer has session ${id}: it restarted, or closed the session after its client was silent ` +
        `for danglingTimeout. Its results are gone; create a new session with newSession({ address, token }).`,
    );
  }
}

/** A server error whose class this process does not have, with the server's code and message. */
export class RemoteError extends TesseraError {
  readonly remoteName: string;
  constructor(code: string, message: string, remoteName = 'Error') {
    super(code, message);
    this.remoteName = remoteName;
  }
}

for (const cls of [ServerUnreachableError, RemoteSessionLostError, RemoteError]) registerErrorClass(cls as unknown as new (...args: never[]) => Error);

/** An error the server sent as data, in its own class when this process knows it. */
export function rebuildError(data: ErrorData): Error {
  const err = errorFromData(data);
  if (err.constructor === Error && data.name !== 'Error') return new RemoteError(data.code ?? 'RemoteError', data.message, data.name);
  return err;
}
