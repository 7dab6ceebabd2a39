/**
 * `sess.store` of a remote session is Vineyard's RPC client: put, get (values and blobs, also as a byte
 * stream), metadata, list, exists, delete, persist, names (waiting for a name another session binds),
 * status — and objects and names belong to the token: another token's do not exist for it, in every
 * call. Results persisted by one remote session are read by another of the same token with getNamed,
 * data as values and graphs as handles to compute with; another token cannot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { graph as gs, type NdArray, newSession, ObjectNotExistsError, type RemoteSession, tensor as tt } from '../../src/index.js';
import type { ObjectMeta } from '../../src/store/objectMeta.js';
import { sessionBackend } from '../support/backends.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';
import { rejection } from '../support/rejection.js';

const values = (a: unknown): number[] => Array.from((a as NdArray).data);
const items = (a: unknown): number[] => Array.from(a as Float64Array);

failOnUnhandledRejections();

const backend = sessionBackend('remote');
const opened: RemoteSession[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
function open(token = 't1'): RemoteSession {
  const s = newSession({ address: backend.server().address, token, mode: 'lazy', default: false });
  opened.push(s);
  return s;
}


describe('the store over the wire', () => {
  it('puts, gets, describes, lists, deletes and reports status', async () => {
    const s = open();
    const data = Float64Array.from({ length: 1000 }, (_, i) => i / 3);
    const id = await s.store.put(data, { labels: { kind: 'demo' } });
    expect(id).toMatch(/^o[0-9a-f]{16}$/);
    expect(await s.store.exists(id)).toBe(true);
    const got = (await s.store.get(id)) as Float64Array;
    expect(got).toBeInstanceOf(Float64Array);
    expect(Array.from(got)).toEqual(Array.from(data));
    const meta = await s.store.getMeta(id);
    expect(meta.labels).toEqual({ kind: 'demo' });
    expect(meta.nbytes).toBe(8000);
    const listed = await s.store.list('*', { limit: 100 });
    expect(listed.map((m: ObjectMeta) => m.id.toString())).toContain(id);
    const status = await s.store.status();
    expect(status.memoryUsage).toBeGreaterThanOrEqual(8000);
    const report = await s.store.delete(id);
    expect(report.deleted.map(String)).toContain(id);
    expect(await s.store.exists(id)).toBe(false);
    expect(await rejection(s.store.get(id))).toBeInstanceOf(ObjectNotExistsError);
  });

  it('streams an object\'s bytes as they come, and they decode to its value', async () => {
    const s = open();
    const data = Int32Array.from({ length: 300_000 }, (_, i) => i * 7);
    const id = await s.store.put(data);
    const chunks: Uint8Array[] = [];
    for await (const chunk of s.store.stream(id)) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBe(data.byteLength);
    expect(bytes.equals(Buffer.from(data.buffer))).toBe(true);
  });

  it('names: persist, bind, look up (waiting for one another session binds), list, drop', async () => {
    const a = open();
    const b = open();
    const waiting = b.store.getName('shared', { wait: true, timeoutMs: 20_000 });
    const id = await a.store.put(Float64Array.from([1, 2, 3]), { persist: true, name: 'shared' });
    expect(await waiting).toBe(id);
    expect(items(await b.store.get({ name: 'shared' }))).toEqual([1, 2, 3]);
    const other = await a.store.put(Float64Array.from([4]));
    await a.store.persist(other);
    await a.store.putName(other, 'shared-2');
    expect([...(await b.store.listNames('shared*')).keys()]).toEqual(['shared', 'shared-2']);
    await a.store.dropName('shared-2');
    expect([...(await b.store.listNames('shared*', { limit: 10 })).keys()]).toEqual(['shared']);
    expect((await rejection(b.store.getName('shared-2'))).code).toBe('ObjectNotExists');
  });
});

describe('store requests are validated by their schemas', () => {
  it('a malformed body is a 400 that names the field', async () => {
    const s = open();
    await s.ready();
    const response = await fetch(`${backend.server().address}/v1/sessions/${s.id}/store/list`, {
      method: 'POST',
      headers: { authorization: 'Bearer t1', 'content-type': 'application/json' },
      body: JSON.stringify({ pattern: { not: 'a string' } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('pattern');
  });
});

describe('one token never sees another\'s objects or names', () => {
  it('by id, by name, in listings and in counts', async () => {
    const mine = open('t1');
    const theirs = open('t2');
    const id = await mine.store.put(Float64Array.from([9, 9]), { persist: true, name: 'secret' });
    const meta = await mine.store.getMeta(id);
    const blob = Object.values(meta.members)[0]!.toString();
    const missing = await rejection(theirs.store.get('o00000000000000ff'));
    for (const attempt of [theirs.store.get(id), theirs.store.getMeta(id), theirs.store.get(blob), theirs.store.delete(id), theirs.store.persist(id), theirs.store.putName(id, 'x')]) {
      const e = await rejection(attempt);
      expect(e).toBeInstanceOf(ObjectNotExistsError);
      expect(e.message.replace(/o[0-9a-f]{16}/, 'ID')).toBe(missing.message.replace(/o[0-9a-f]{16}/, 'ID'));
    }
    expect(await theirs.store.exists(id)).toBe(false);
    expect((await rejection(theirs.store.getName('secret'))).code).toBe('ObjectNotExists');
    expect((await theirs.store.list('*', { limit: 1000 })).map((m: ObjectMeta) => m.id.toString())).not.toContain(id);
    expect((await theirs.store.listNames('*', { limit: 1000 })).size).toBe(0);
    expect((await theirs.store.status()).names).toBe(0);
    // The same name is free for the other token.
    const theirsId = await theirs.store.put(Float64Array.from([1]), { persist: true, name: 'secret' });
    expect(items(await mine.store.get({ name: 'secret' }))).toEqual([9, 9]);
    expect(items(await theirs.store.get({ name: 'secret' }))).toEqual([1]);
    expect(theirsId).not.toBe(id);
  });
});

describe('persisted results between remote sessions', () => {
  it('data comes back as its value; a graph as a handle of the reading session; not for another token', async () => {
    const a = open();
    const b = open();
    const sum = tt.arange(10).sum();
    await sum.execute({ session: a });
    await a.persist(sum, { name: 'total' });
    expect(values(await b.getNamed('total'))).toEqual([45]);

    const g = a.scope(() => gs.g().addEdges({ s: [0, 1, 2], t: [1, 2, 3] }));
    await g.execute({ session: a });
    await a.persist(g, { name: 'chain' });
    const shared = (await b.getNamed('chain')) as ReturnType<typeof gs.g>;
    expect(values(await b.run(b.scope(() => gs.bfs(shared, 0).toArray('r'))))).toEqual([0, 1, 2, 3]);

    const other = open('t2');
    expect((await rejection(other.getNamed('total'))).code).toBe('ObjectNotExists');
  });
});
