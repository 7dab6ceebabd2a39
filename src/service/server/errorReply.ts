/**
 * Every failure as the API's error body `{error: {code, message, field?}}` with its status: our
 * HttpErrors as they are; fastify's schema failures as a 400 ValidationError naming the field
 * (`workers`, `env.FOO`, `body`, `kind` of the query); a body that is not JSON, too large or of another
 * type with its own status; engine errors (bad input the engine refused) with their code, and their own
 * status (wire errors carry one) or the one STATUS_BY_CODE gives, else 400. Anything else is a 500 that
 * says nothing of its insides. The remote routes answer the same, plus the error's class `name` and
 * fields `props` so the client rebuilds it (toRemoteErrorReply).
 */
import { errorToData, TesseraError } from '../../base/errors.js';
import { HttpError, type ErrorBody } from './httpErrors.js';

export interface ErrorReply {
  readonly status: number;
  readonly body: ErrorBody;
}

interface SchemaIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

interface FastifyLikeError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message: string;
  readonly validation?: readonly SchemaIssue[];
  readonly validationContext?: string;
}

function reply(status: number, code: string, message: string, field?: string): ErrorReply {
  return { status, body: { error: { code, message, ...(field !== undefined ? { field } : {}) } } };
}

/** The field a schema issue is about, and what is wrong with it, in words. */
export function describeIssue(issue: SchemaIssue, part: string): { field: string; message: string } {
  const path = issue.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const at = path.join('.');
  const within = at === '' ? part : at;
  switch (issue.keyword) {
    case 'required': {
      const field = [...path, String(issue.params.missingProperty)].join('.');
      return { field, message: `${field} is required.` };
    }
    case 'additionalProperties': {
      const field = [...path, String(issue.params.additionalProperty)].join('.');
      return { field, message: `${field} is not a field of this ${part === 'body' ? 'request body' : part}.` };
    }
    case 'enum':
      return { field: within, message: `${within} must be one of ${(issue.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}.` };
    default:
      return { field: within, message: `${within} ${issue.message ?? 'is not valid'}.` };
  }
}

/** Engine error codes whose status is not 400. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  SessionClosed: 409, Unexecuted: 409, ObjectNotExists: 404, ObjectExists: 409, Cancelled: 409, NotEnoughMemory: 507, PathRefused: 403, Unauthorized: 401,
};

function engineReply(err: TesseraError): ErrorReply {
  const own = (err as { status?: unknown }).status;
  const field = (err as { field?: unknown }).field;
  return reply(typeof own === 'number' ? own : (STATUS_BY_CODE[err.code] ?? 400), err.code, err.message, typeof field === 'string' ? field : undefined);
}

export interface RemoteErrorBody {
  readonly error: ErrorBody['error'] & { readonly name: string; readonly props: Readonly<Record<string, unknown>> };
}

/** toErrorReply's answer with the error's class and fields for a remote client; nothing of them for a 500. */
export function toRemoteErrorReply(err: unknown): { readonly status: number; readonly body: RemoteErrorBody } {
  const { status, body } = toErrorReply(err);
  const data = status >= 500 && !(err instanceof TesseraError) ? { name: 'Error', props: {} } : errorToData(err);
  return { status, body: { error: { ...body.error, name: data.name, props: data.props ?? {} } } };
}

export function toErrorReply(err: unknown): ErrorReply {
  if (err instanceof HttpError) return { status: err.status, body: err.body };
  const e = (err ?? {}) as FastifyLikeError;
  if (e.validation && e.validation.length > 0) {
    const part = e.validationContext === 'querystring' ? 'query' : (e.validationContext ?? 'body');
    const { field, message } = describeIssue(e.validation[0]!, part);
    return reply(400, 'ValidationError', message, field);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return reply(400, 'ValidationError', `The body is not valid JSON: ${e.message}`, 'body');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return reply(400, 'ValidationError', 'The body is empty but its content-type says JSON.', 'body');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply(413, 'BodyTooLarge', 'The request body is larger than this route accepts.', 'body');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply(415, 'UnsupportedMediaType', 'Send the body as application/json.', 'body');
    default:
  }
  if (err instanceof TesseraError) return engineReply(err);
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return reply(status, typeof e.code === 'string' ? e.code : 'BadRequest', e.message);
  return reply(500, 'InternalError', 'The server failed while handling this request; its log has the details.');
}
