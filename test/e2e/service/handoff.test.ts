/**
 * The shared-memory hand-off of big results (server/handoff.ts, client/fetchValue.ts): a client on the
 * server's host gets exact bytes through /dev/shm, and no hand-off file outlives its use — not after
 * the fetch, not after a client that dies before reading it, not after the server closes. A session
 * made with `sharedMemory: false` uses the socket; another token cannot get a hand-off of an object
 * that is not its own, and a request without the secret gets the socket's answer.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newSession, type RemoteSession, tensor as tt } from '../../../src/index.js';
import { encodeFrame, frameBytes } from '../../../src/service/wire/frame.js';
import { FRAME_TYPE } from '../../../src/service/wire/values.js';
import { failOnUnhandledRejections } from '../../support/lifecycle.js';
import { startTestServer, type TestServer } from '../../support/remoteServer.js';

failOnUnhandledRejections();

const MiB = 2 ** 20;
let server: TestServer;
beforeAll(async () => {
  // A short danglingTimeout: hand-off files nobody read are removed after it.
  server = await startTestServer({ danglingTimeout: 1 });
});
afterAll(async () => {
  await server.close();
});
const opened: RemoteSession[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
function open(options: { sharedMemory?: boolean } = {}): RemoteSession {
  // The client heartbeats every third of its danglingTimeout: within the server's 1 s.
  const s = newSession({ address: server.address, token: 't1', default: false, mode: 'lazy', danglingTimeout: 1, ...options }) as RemoteSession;
  opened.push(s);
  return s;
}

/** Where the server hands results off (asked as a client does). */
async function handoffDir(token = 't1'): Promise<{ dir: string; probe: string }> {
  const r = await fetch(`${server.address}/v1/handoff`, { headers: { authorization: `Bearer ${token}` } });
  return (await r.json()) as { dir: string; probe: string };
}

/** The files in the hand-off directory (it is not listable, so it is opened to list it). */
function filesIn(dir: string): string[] {
  chmodSync(dir, 0o700);
  try {
    return readdirSync(dir).sort();
  } finally {
    chmodSync(dir, 0o300);
  }
}

/** A fetch sent by hand with `secret`, answered up to its headers; the body is never read and the socket is dropped. */
function rawFetch(token: string, sessionId: string, key: string, secret: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  const body = frameBytes(encodeFrame({ key }));
  return new Promise((resolve, reject) => {
    const req = request(`${server.address}/v1/sessions/${sessionId}/remote/fetch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': FRAME_TYPE, 'content-length': body.byteLength, 'x-tessera-handoff': secret },
    });
    req.on('response', (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.destroy();
      req.destroy();
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** An executed float64 result of `bytes` bytes in three chunks along its only axis: element i is i / 2. */
async function bigResult(s: RemoteSession, bytes = 3 * MiB) {
  const x = s.scope(() => tt.arange(bytes / 8, undefined, undefined, { chunkSize: bytes / 8 / 3 }).mul(0.5));
  await x.execute({ session: s });
  return x;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the shared-memory hand-off', () => {
  it('returns exact bytes: chunks along the first axis, chunks along both axes, a slice', async () => {
    const s = open();
    const x = await bigResult(s);
    const v = await x.fetch({ session: s });
    expect(v.shape).toEqual([(3 * MiB) / 8]);
    expect(v.data.every((e, i) => e === i * 0.5)).toBe(true);
    // Chunked along both axes: assembled on the server, then handed off.
    const m = s.scope(() => tt.arange(1024 * 512, undefined, undefined, { dtype: 'int32' }).reshape([1024, 512]).rechunk([300, 200]).add(1));
    await m.execute({ session: s });
    const mv = await m.fetch({ session: s });
    expect([mv.dtype, mv.shape]).toEqual(['int32', [1024, 512]]);
    expect(mv.data.every((e, i) => e === i + 1)).toBe(true);
    // A slice of an executed result is computed on the server, then handed off.
    const sl = await x.slice({ start: MiB / 8 }).fetch({ session: s });
    expect(sl.data.length).toBe((2 * MiB) / 8);
    expect(sl.data.every((e, i) => e === (i + MiB / 8) * 0.5)).toBe(true);
    expect(s.transfers).toEqual({ sharedMemory: 3, socket: 0 });
    // A small result does not use it.
    expect(Array.from((await x.slice({ stop: 3 }).fetch({ session: s })).data)).toEqual([0, 0.5, 1]);
    expect(s.transfers).toEqual({ sharedMemory: 3, socket: 1 });
  });

  it('leaves no file once fetched; its directory holds only the probe, unlistable, and the probe is 0600', async () => {
    const s = open();
    const x = await bigResult(s);
    for (let i = 0; i < 3; i++) await x.fetch({ session: s });
    expect(s.transfers.sharedMemory).toBe(3);
    const { dir, probe } = await handoffDir();
    expect(filesIn(dir)).toEqual([probe]);
    expect(statSync(dir).mode & 0o777).toBe(0o300);
    expect(statSync(join(dir, probe)).mode & 0o777).toBe(0o600);
  });

  it('uses the socket when the session says sharedMemory: false, with the same bytes', async () => {
    const s = open({ sharedMemory: false });
    const x = await bigResult(s);
    const v = await x.fetch({ session: s });
    expect(v.data.every((e, i) => e === i * 0.5)).toBe(true);
    expect(s.transfers).toEqual({ sharedMemory: 0, socket: 1 });
  });

  it('removes a file whose client died before reading it, after danglingTimeout; the file is 0600', async () => {
    const s = open();
    const x = await bigResult(s);
    const { dir, probe } = await handoffDir();
    const secret = readFileSync(join(dir, probe), 'utf8');
    const answer = await rawFetch('t1', s.id, x.node.key, secret);
    expect(answer.status).toBe(200);
    const name = String(answer.headers['x-tessera-handoff-file']);
    expect(name).toMatch(/^[0-9a-f]{32}$/);
    expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    // The server's timer (danglingTimeout: 1 s here) removes what no client took.
    for (let i = 0; i < 40 && existsSync(join(dir, name)); i++) await pause(100);
    expect(existsSync(join(dir, name))).toBe(false);
    expect(filesIn(dir)).toEqual([probe]);
  });

  it('gives another token nothing: its request for a session not its own is a 404 and writes no file', async () => {
    const s = open();
    const x = await bigResult(s);
    const { dir, probe } = await handoffDir('t2');
    const secret = readFileSync(join(dir, probe), 'utf8');
    const answer = await rawFetch('t2', s.id, x.node.key, secret);
    expect(answer.status).toBe(404);
    expect(filesIn(dir)).toEqual([probe]);
  });

  it('answers a fetch without the right secret over the socket, writing no file', async () => {
    const s = open();
    const x = await bigResult(s);
    const { dir, probe } = await handoffDir();
    const answer = await rawFetch('t1', s.id, x.node.key, 'f'.repeat(64));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/octet-stream');
    expect(answer.headers['x-tessera-handoff-file']).toBeUndefined();
    expect(filesIn(dir)).toEqual([probe]);
  });
});

describe('closing the server', () => {
  it('removes its hand-off directory, files no client read included', async () => {
    const own = await startTestServer();
    try {
      const s = newSession({ address: own.address, token: 't1', default: false, mode: 'lazy' }) as RemoteSession;
      const x = s.scope(() => tt.arange(MiB / 4, undefined, undefined, { chunkSize: MiB / 8 }).mul(2));
      await x.execute({ session: s });
      await s.ready();
      const where = (await (await fetch(`${own.address}/v1/handoff`, { headers: { authorization: 'Bearer t1' } })).json()) as { dir: string; probe: string };
      const secret = readFileSync(join(where.dir, where.probe), 'utf8');
      const body = frameBytes(encodeFrame({ key: x.node.key }));
      const answer = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = request(`${own.address}/v1/sessions/${s.id}/remote/fetch`, {
          method: 'POST',
          headers: { authorization: 'Bearer t1', 'content-type': FRAME_TYPE, 'content-length': body.byteLength, 'x-tessera-handoff': secret },
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers));
        });
        req.on('error', reject);
        req.end(body);
      });
      const file = join(where.dir, String(answer['x-tessera-handoff-file']));
      expect(existsSync(file)).toBe(true);
      await s.close();
      await own.close();
      expect(existsSync(file)).toBe(false);
      expect(existsSync(where.dir)).toBe(false);
    } finally {
      await own.close();
    }
  });
});
