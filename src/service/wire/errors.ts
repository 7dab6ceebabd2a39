/**
 * Why a request's wire data was refused. Each carries the HTTP status the server answers with, and its
 * code is stable: a client branches on it. Nothing of a refused request runs.
 */
import { registerErrorClass, TesseraError } from '../../base/errors.js';

export type WireErrorCode =
  /** The bytes are not a frame, or a field has the wrong type. */
  | 'MalformedWire'
  /** A node names an op the server does not know. */
  | 'UnknownOp'
  /** A node refers to an input that is neither in the request nor held by the session. */
  | 'UnknownInput'
  /** A node's key or meta is not what its op, params and inputs make. */
  | 'KeyMismatch'
  | 'MetaMismatch'
  /** The server runs no user code (`--no-user-code`). */
  | 'UserCodeRefused';

const STATUS: Record<WireErrorCode, number> = {
  MalformedWire: 400,
  UnknownOp: 400,
  UnknownInput: 409,
  KeyMismatch: 400,
  MetaMismatch: 400,
  UserCodeRefused: 403,
};

export class WireError extends TesseraError {
  readonly status: number;
  /** For UnknownInput: the keys the server does not hold (the client resends them). */
  readonly missing: readonly string[] | undefined;

  constructor(code: WireErrorCode, message: string, options: { readonly missing?: readonly string[] } = {}) {
    super(code, message);
    this.status = STATUS[code] ?? 400;
    this.missing = options.missing;
  }
}
registerErrorClass(WireError);

export function malformed(message: string): WireError {
  return new WireError('MalformedWire', message);
}
