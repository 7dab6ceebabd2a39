/**
 * Signature Version 4 as AWS documents it: the worked example of the SigV4 guide (an IAM ListUsers
 * request on 2015-08-30 with the documentation's example keys) must sign to the signature printed
 * there, and an S3 request carries its payload hash and date headers.
 */
import { describe, expect, it } from 'vitest';
import { credentialsFromEnv, signV4 } from '../../../../src/executors/distributed/s3Client.js';

const EXAMPLE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('SigV4 signing', () => {
  it("signs AWS's documented example to the documented signature", () => {
    const headers = signV4(
      {
        method: 'GET',
        url: new URL('https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08'),
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        region: 'us-east-1',
        service: 'iam',
        date: new Date('2015-08-30T12:36:00Z'),
      },
      EXAMPLE,
    );
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, ' +
        'Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
  });

  it('an S3 request signs its payload hash, and a key with spaces and unicode is encoded once', () => {
    const sign = (key: string) =>
      signV4({ method: 'PUT', url: new URL(`http://127.0.0.1:9000/b/${encodeURIComponent(key)}`), headers: {}, payloadHash: 'UNSIGNED-PAYLOAD', region: 'us-east-1', service: 's3', date: new Date('2026-01-02T03:04:05Z') }, EXAMPLE);
    const h = sign('a b/ü');
    expect(h['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(h.authorization).toContain('SignedHeaders=host;x-amz-content-sha256;x-amz-date,');
    // Another key, another signature; the same key, the same one.
    expect(sign('a b/ü').authorization).toBe(h.authorization);
    expect(sign('a b/u').authorization).not.toBe(h.authorization);
  });

  it('takes credentials from the environment only when both variables are set', () => {
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' })).toEqual({ accessKeyId: 'k', secretAccessKey: 's' });
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'k' })).toBeUndefined();
  });
});
