/**
 * The errors the server answers with. Every error body is `{error: {code, message, field?}}`: `code` is
 * stable (clients branch on it), `field` names the request field at fault when there is one. Route
 * plugins throw these; the error handler (app.ts) turns them, fastify's own errors and engine errors into
 * that body with the right status.
 */
import { TesseraError } from '../../base/errors.js';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}

export class HttpError extends TesseraError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly field?: string,
  ) {
    super(code, message);
  }

  get body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.field !== undefined ? { field: this.field } : {}) } };
  }
}

/** A request field that breaks a rule: 400 naming the field. */
export class ValidationError extends HttpError {
  constructor(field: string, message: string) {
    super(400, 'ValidationError', message, field);
  }
}

/**
 * A session id the caller cannot see: missing, or another token's. Both answer this very body, so a
 * token cannot tell the two apart.
 */
export function sessionNotFound(id: string): HttpError {
  return new HttpError(404, 'SessionNotFound', `No session '${id.slice(0, 64)}': list yours with GET /v1/sessions.`);
}

export function unauthorized(reason: string): HttpError {
  return new HttpError(401, 'Unauthorized', `${reason} Send 'Authorization: Bearer <token>' with one of the server's tokens.`);
}
