/**
 * Every failure becomes `{error: {code, message, field?}}` with its status: schema failures name the
 * field, bodies that are not JSON or too large say so, engine errors keep their code, and anything
 * unexpected is a 500 that says nothing of its insides. The remote routes answer the same statuses and
 * bodies, plus the error's class and fields.
 */
import { describe, expect, it } from 'vitest';
import { OptionError } from '../../../src/base/errors.js';
import { toErrorReply, toRemoteErrorReply } from '../../../src/service/server/errorReply.js';
import { HttpError, sessionNotFound } from '../../../src/service/server/httpErrors.js';
import { WireError } from '../../../src/service/wire/errors.js';
import { ObjectNotExistsError } from '../../../src/store/errors.js';

const schemaError = (issue: object, validationContext = 'body'): object => ({
  message: 'body/x must be…',
  statusCode: 400,
  code: 'FST_ERR_VALIDATION',
  validation: [{ instancePath: '', schemaPath: '#', params: {}, ...issue }],
  validationContext,
});

describe('toErrorReply', () => {
  it('names the field of a schema failure', () => {
    expect(toErrorReply(schemaError({ keyword: 'maximum', instancePath: '/workers', message: 'must be <= 256' }))).toEqual({
      status: 400,
      body: { error: { code: 'ValidationError', field: 'workers', message: 'workers must be <= 256.' } },
    });
    expect(toErrorReply(schemaError({ keyword: 'required', params: { missingProperty: 'name' } })).body.error).toMatchObject({ field: 'name', message: 'name is required.' });
    expect(toErrorReply(schemaError({ keyword: 'additionalProperties', params: { additionalProperty: 'cores' } })).body.error).toMatchObject({ field: 'cores' });
    expect(toErrorReply(schemaError({ keyword: 'type', instancePath: '/env/A~1B', message: 'must be string' })).body.error.field).toBe('env.A/B');
    expect(toErrorReply(schemaError({ keyword: 'enum', instancePath: '/kind', params: { allowedValues: ['interactive', 'headless'] } })).body.error.message).toBe(
      'kind must be one of "interactive", "headless".',
    );
    expect(toErrorReply(schemaError({ keyword: 'type', message: 'must be object' })).body.error.field).toBe('body');
    expect(toErrorReply(schemaError({ keyword: 'additionalProperties', params: { additionalProperty: 'view' } }, 'querystring')).body.error.message).toBe(
      'view is not a field of this query.',
    );
  });

  it('answers malformed, empty, oversized and non-JSON bodies with their own status', () => {
    expect(toErrorReply({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400, message: 'bad' })).toMatchObject({ status: 400, body: { error: { code: 'ValidationError', field: 'body' } } });
    expect(toErrorReply({ code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400, message: '' }).status).toBe(400);
    expect(toErrorReply({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413, message: '' })).toMatchObject({ status: 413, body: { error: { code: 'BodyTooLarge' } } });
    expect(toErrorReply({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415, message: '' }).status).toBe(415);
  });

  it('passes HttpErrors through and keeps the code of engine errors (400)', () => {
    expect(toErrorReply(new HttpError(409, 'SessionNotActive', 'no'))).toEqual({ status: 409, body: { error: { code: 'SessionNotActive', message: 'no' } } });
    expect(toErrorReply(new OptionError('workers must be…'))).toEqual({ status: 400, body: { error: { code: 'InvalidOption', message: 'workers must be…' } } });
  });

  it('says nothing of an unexpected error', () => {
    const reply = toErrorReply(new Error('secret at /home/me/.ssh/id_rsa'));
    expect(reply.status).toBe(500);
    expect(JSON.stringify(reply.body)).not.toContain('secret');
  });
});

describe('toRemoteErrorReply', () => {
  it('answers as toErrorReply does, with the class and fields a remote client rebuilds the error from', () => {
    const errors: unknown[] = [
      sessionNotFound('abc'),
      new WireError('UnknownInput', 'send them', { missing: ['k1'] }),
      new ObjectNotExistsError('o0000000000000001'),
      new OptionError('workers must be…'),
      new HttpError(403, 'PathRefused', 'refused'),
    ];
    for (const e of errors) {
      const plain = toErrorReply(e);
      const remote = toRemoteErrorReply(e);
      expect(remote.status).toBe(plain.status);
      expect(remote.body.error).toMatchObject(plain.body.error);
      expect(remote.body.error.name).toBe((e as Error).name);
    }
    expect(toRemoteErrorReply(new WireError('UnknownInput', 'send them', { missing: ['k1'] }))).toMatchObject({ status: 409, body: { error: { code: 'UnknownInput', props: { missing: ['k1'] } } } });
    expect(toErrorReply(new ObjectNotExistsError('o0000000000000001')).status).toBe(404);
  });

  it('says nothing of an unexpected error either', () => {
    const reply = toRemoteErrorReply(Object.assign(new TypeError('secret at /home/me/.ssh/id_rsa'), { code: 'ENOENT', path: '/home/me/.ssh/id_rsa' }));
    expect(reply.status).toBe(500);
    expect(reply.body.error).toEqual({ code: 'InternalError', message: expect.any(String), name: 'Error', props: {} });
    expect(JSON.stringify(reply.body)).not.toContain('secret');
  });
});
