/**
 * The shared-memory hand-off of big results (server/handoff.ts, handoffPool.ts, client/fetchValue.ts):
 * a client on the server's host gets exact bytes through /dev/shm, from files its session reuses —
 * results of other sizes, several at once, two sessions at once; a file is never lent to another
 * session and never written while its client has not given it back; no file outlives its session, a
 * client that dies before reading it, or the server. A session made with `sharedMemory: false` uses
 * the socket; another token cannot get a hand-off of an object that is not its own, and a request
 * without the secret gets the socket's answer.
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

/** A fetch sent by hand with `secret`, read to its end: the hand-off file's name (nothing is given back). */
function fetchWhole(sessionId: string, key: string, secret: string): Promise<string> {
  const body = frameBytes(encodeFrame({ key }));
  return new Promise((resolve, reject) => {
    const req = request(`${server.address}/v1/sessions/${sessionId}/remote/fetch`, {
      method: 'POST',
      headers: { authorization: 'Bearer t1', 'content-type': FRAME_TYPE, 'content-length': body.byteLength, 'x-tessera-handoff': secret },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.headers['x-tessera-handoff-file'])));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Gives hand-off files back as a client's request does. */
async function giveBack(sessionId: string, names: readonly string[]): Promise<void> {
  const r = await fetch(`${server.address}/v1/sessions/${sessionId}/remote/sync`, {
    method: 'POST',
    headers: { authorization: 'Bearer t1', 'content-type': 'application/json' },
    body: JSON.stringify({ handoffDone: names }),
  });
  expect(r.status).toBe(200);
}

/** The first `bytes` bytes of a hand-off file as float64s. */
function fileValues(dir: string, name: string, bytes: number): Float64Array {
  const b = readFileSync(join(dir, name));
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + bytes));
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

/** An executed float64 result of `bytes` bytes in three chunks along its only axis: element i is i * factor. */
async function bigResult(s: RemoteSession, bytes = 3 * MiB, factor = 0.5) {
  const x = s.scope(() => tt.arange(bytes / 8, undefined, undefined, { chunkSize: Math.ceil(bytes / 8 / 3) }).mul(factor));
  await x.execute({ session: s });
  return x;
}

/** Whether a fetched value is bigResult(…, bytes, factor)'s. */
function exact(v: { data: ArrayLike<number> }, bytes: number, factor: number): boolean {
  if (v.data.length !== bytes / 8) return false;
  for (let i = 0; i < v.data.length; i++) if (v.data[i] !== i * factor) return false;
  return true;
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

  it('reuses one file per session for results of any size, exact each time; its directory is unlistable, files 0600; none once the session closes', async () => {
    const s = open();
    const sizes: [number, number][] = [[3 * MiB, 0.5], [5 * MiB, 2], [2 * MiB, 3], [3 * MiB, 0.25], [5 * MiB + 8 * 1000, 7]];
    const results = [];
    for (const [bytes, factor] of sizes) results.push(await bigResult(s, bytes, factor));
    const { dir, probe } = await handoffDir();
    const before = filesIn(dir);
    for (const [i, x] of results.entries()) expect(exact(await x.fetch({ session: s }), ...sizes[i]!)).toBe(true);
    // Again, largest first: a big file holds the small results' first bytes, and nothing else is read.
    for (const i of [4, 1, 0, 2, 3]) expect(exact(await results[i]!.fetch({ session: s }), ...sizes[i]!)).toBe(true);
    expect(s.transfers).toEqual({ sharedMemory: 10, socket: 0 });
    const made = filesIn(dir).filter((f) => !before.includes(f));
    // Fetches one after another: each gives its file back with the next request, which reuses it.
    expect(made).toHaveLength(1);
    expect(statSync(dir).mode & 0o777).toBe(0o300);
    expect(statSync(join(dir, made[0]!)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, probe)).mode & 0o777).toBe(0o600);
    await s.close();
    expect(filesIn(dir)).toEqual(before);
  });

  it('gets exact bytes for several fetches at once in one session, and in two sessions at once', async () => {
    const [s1, s2] = [open(), open()];
    const sizes: [number, number][] = [[3 * MiB, 1], [4 * MiB, 2], [2 * MiB, 3]];
    const [r1, r2] = await Promise.all([s1, s2].map((s) => Promise.all(sizes.map(([bytes, factor]) => bigResult(s, bytes, factor)))));
    for (let round = 0; round < 3; round++) {
      const fetched = await Promise.all([s1, s2].flatMap((s, k) => [r1, r2][k]!.map((x) => x.fetch({ session: s }))));
      fetched.forEach((v, i) => expect(exact(v, ...sizes[i % 3]!)).toBe(true));
    }
    expect([s1.transfers, s2.transfers]).toEqual([{ sharedMemory: 9, socket: 0 }, { sharedMemory: 9, socket: 0 }]);
  });

  it('never writes a file its client has not given back, and never lends one to another session', async () => {
    const [a, b] = [open(), open()];
    const { dir, probe } = await handoffDir();
    const secret = readFileSync(join(dir, probe), 'utf8');
    const x = await bigResult(a, 3 * MiB, 1);
    const y = await bigResult(a, 2 * MiB, 2);
    const z = await bigResult(b, 2 * MiB, 3);
    const first = await fetchWhole(a.id, x.node.key, secret);
    // Not given back: the next fetch gets another file, and the first still holds x.
    const second = await fetchWhole(a.id, y.node.key, secret);
    expect(second).not.toBe(first);
    expect(exact({ data: fileValues(dir, first, 3 * MiB) }, 3 * MiB, 1)).toBe(true);
    // Given back by a: b never gets it (b's own fetch makes b a file of its own).
    await giveBack(a.id, [first, second]);
    const other = await fetchWhole(b.id, z.node.key, secret);
    expect([first, second]).not.toContain(other);
    // b cannot give a's file back, nor take it: a's next fetch reuses one of its own.
    await giveBack(b.id, [first, second, other]);
    const reused = await fetchWhole(a.id, y.node.key, secret);
    expect([first, second]).toContain(reused);
    expect(exact({ data: fileValues(dir, reused, 2 * MiB) }, 2 * MiB, 2)).toBe(true);
    expect(exact({ data: fileValues(dir, other, 2 * MiB) }, 2 * MiB, 3)).toBe(true);
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
