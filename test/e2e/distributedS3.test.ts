/**
 * A distributed session that keeps its chunk bytes in S3-compatible storage (an `s3rver` the test starts
 * on a free port), with Redis carrying only the queue: results equal the local executor's bit for bit,
 * chunk objects appear under the session's prefix and no chunk key in Redis, closing deletes the
 * session's objects, credentials the server refuses fail the run with its error code, and bad `s3`
 * options are refused when the session is made. s3rver checks the access key but does not recompute
 * SigV4 signatures; the signing is checked against AWS's documented example (s3Sign.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
// @ts-expect-error s3rver ships no types; the test uses its documented constructor, run() and close().
import S3rver from 's3rver';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { S3Client } from '../../src/executors/distributed/s3Client.js';
import { type NdArray, newSession, OptionError, type Session, type SessionOptions, tensor as tt } from '../../src/index.js';
import { clusterForSuite } from '../support/distributed.js';
import { EVENT_SAFETY_MS } from '../support/events.js';

/** s3rver's built-in account. */
const KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const BUCKET = 'tessera-chunks';
const cluster = clusterForSuite(2, 1, { ...process.env, AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey });

let server: { run(): Promise<{ port: number }>; close(): Promise<void> };
let dir: string;
let endpoint: string;
let s3: S3Client;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-s3-'));
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  s3 = new S3Client({ endpoint, bucket: BUCKET }, KEYS);
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const opened: Session[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
function open(s3Options: Record<string, unknown> = {}): Session {
  const s = newSession({ mode: 'lazy', default: false, executor: 'distributed', redis: cluster().url, s3: { endpoint, bucket: BUCKET, ...KEYS, ...s3Options } as SessionOptions['s3'] });
  opened.push(s);
  return s;
}
const bytes = (a: unknown): Buffer => {
  const d = (a as NdArray).data as Float64Array;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
};

describe('distributed sessions with chunk bytes in S3', () => {
  it('compute what local computes, with chunks as objects under the session prefix and none in Redis; close deletes them', async () => {
    const redis = new Redis(cluster().url);
    try {
      const sess = open();
      const build = () => tt.random.rand([40_000], { seed: 5, chunkSize: 10_000 }).map((v) => v * 3 - 1).mul(tt.random.rand([40_000], { seed: 6, chunkSize: 10_000 }));
      const objects = new Set<string>();
      const redisKeys = new Set<string>();
      const watch = setInterval(() => {
        void s3.list('tessera/').then((ks) => ks.forEach((k) => objects.add(k)), () => {});
        void redis.keys('tessera:*:chunk:*').then((ks) => ks.forEach((k) => redisKeys.add(k)));
      }, 10);
      let got: unknown;
      try {
        got = await sess.run(build());
      } finally {
        clearInterval(watch);
      }
      const local = newSession({ mode: 'lazy', default: false, executor: 'local' });
      try {
        expect(bytes(got).equals(bytes(await local.run(build())))).toBe(true);
      } finally {
        await local.close();
      }
      const id = sess.info.id;
      expect([...objects].some((k) => k.startsWith(`tessera/${id}/chunk/`))).toBe(true);
      expect([...redisKeys]).toEqual([]);
      expect(await redis.get(`tessera:${id}:store`)).toContain('"kind":"s3"');
      await sess.close();
      expect(await s3.list(`tessera/${id}/`)).toEqual([]);
      expect(await redis.keys(`tessera:${id}:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('credentials the server refuses fail the run with its error code; a session with good ones runs', async () => {
    // The driver reads the result's chunks from S3 itself (the workers sign with their own keys).
    const bad = open({ accessKeyId: 'NOSUCHKEY' });
    const e = (await bad.run(tt.random.rand([40_000], { seed: 1, chunkSize: 10_000 }).mul(2)).catch((x: unknown) => x)) as Error & { code?: string };
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('S3RequestError');
    expect(e.message).toMatch(/InvalidAccessKeyId \(403\)/);
    expect(e.message).toContain(BUCKET);
    // Its close cannot delete what the workers wrote (its key is refused): they do, with their own keys.
    const id = bad.info.id;
    expect((await s3.list(`tessera/${id}/`)).length).toBeGreaterThan(0);
    await bad.close();
    const deadline = Date.now() + EVENT_SAFETY_MS;
    while ((await s3.list(`tessera/${id}/`)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await s3.list(`tessera/${id}/`)).toEqual([]);
    const good = open({ prefix: 'other/' });
    expect(((await good.run(tt.ones([8], { chunkSize: 4 }).sum())) as NdArray).item()).toBe(8);
  });

  it('refuses bad s3 options when the session is made', () => {
    const make = (o: SessionOptions) => () => newSession({ default: false, mode: 'lazy', ...o });
    const url = cluster().url;
    expect(make({ executor: 'threads', s3: { endpoint, bucket: BUCKET } })).toThrow(/s3 is an option of executor 'distributed'/);
    expect(make({ executor: 'distributed', redis: url, s3: { endpoint: 'ftp://x', bucket: BUCKET, ...KEYS } })).toThrow(/s3.endpoint must be an http\(s\) URL/);
    expect(make({ executor: 'distributed', redis: url, s3: { endpoint, bucket: 'No_Such Bucket', ...KEYS } })).toThrow(/s3.bucket must be an S3 bucket name/);
    expect(make({ executor: 'distributed', redis: url, s3: { endpoint, bucket: BUCKET, accessKeyId: 'x' } })).toThrow(/go together/);
    expect(make({ executor: 'distributed', redis: url, s3: { endpoint, bucket: BUCKET, ...KEYS, bogus: 1 } as never })).toThrow(/Unknown option 'bogus' in the s3 option/);
    const saved = [process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY];
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      expect(make({ executor: 'distributed', redis: url, s3: { endpoint, bucket: BUCKET } })).toThrow(OptionError);
      expect(make({ executor: 'distributed', redis: url, s3: { endpoint, bucket: BUCKET } })).toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    } finally {
      if (saved[0] !== undefined) process.env.AWS_ACCESS_KEY_ID = saved[0];
      if (saved[1] !== undefined) process.env.AWS_SECRET_ACCESS_KEY = saved[1];
    }
  });
});
