/**
 * `sess.store` of a remote session is Vineyard's RPC client: put, get (values and blobs, also as a byte
 * stream), metadata, list, exists, delete, persist, names (waiting for a name another session binds),
 * status — and objects and names belong to the token: another token's do not exist for it, in every
 * call. Results persisted by one remote session are read by another of the same token with getNamed,
 * data as values and graphs as handles to compute with; another token cannot.
 */
import { getEventListeners } from 'node:events';
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

describe('clear, label and shallowCopy over the wire (Vineyard semantics)', () => {
  it('clear drops the session\'s transient objects (usage to 0); persisted ones stay unless asked, and never another token\'s', async () => {
    const s = open();
    const other = open('t2');
    const transient = await s.store.put(Float64Array.from({ length: 500 }, (_, i) => i));
    const kept = await s.store.put(Float64Array.from([7, 8]), { persist: true, name: 'kept' });
    const theirs = await other.store.put(Float64Array.from([5]), { persist: true, name: 'theirs' });
    const before = await s.store.status();
    expect(before.memoryUsage).toBeGreaterThanOrEqual(4000);
    await s.store.clear();
    const after = await s.store.status();
    expect(after.memoryUsage).toBe(0);
    expect(after.memoryLimit).toBe(before.memoryLimit);
    expect(await s.store.exists(transient)).toBe(false);
    expect(items(await s.store.get({ name: 'kept' }))).toEqual([7, 8]);
    await s.store.clear({ includePersisted: true });
    expect(await s.store.exists(kept)).toBe(false);
    expect(items(await other.store.get(theirs))).toEqual([5]);
    expect(items(await other.store.get({ name: 'theirs' }))).toEqual([5]);
    // Its names go with what it persisted: the other token is left with none.
    await other.store.clear({ includePersisted: true });
    expect((await other.store.listNames('*', { limit: 100 })).size).toBe(0);
    expect(await other.store.exists(theirs)).toBe(false);
  });

  it('label adds and overwrites labels, one or several; values must be strings', async () => {
    const s = open();
    const id = await s.store.put(Float64Array.from([1]), { labels: { kind: 'demo' } });
    await s.store.label(id, 'stage', 'raw');
    expect((await s.store.getMeta(id)).labels).toEqual({ kind: 'demo', stage: 'raw' });
    await s.store.label(id, 'stage', 'clean');
    await s.store.label(id, { owner: 'me', kind: 'final' });
    expect((await s.store.getMeta(id)).labels).toEqual({ kind: 'final', stage: 'clean', owner: 'me' });
    const e = await rejection(s.store.label(id, 'n', 3 as unknown as string));
    expect(e).toMatchObject({ name: 'InvalidError', code: 'Invalid', message: "Label 'n' must be a string, got number." });
    expect((await s.store.getMeta(id)).labels).not.toHaveProperty('n');
    const none = await rejection(s.store.label(id, null as unknown as Record<string, string>));
    expect(none).toMatchObject({ name: 'InvalidError', message: 'Labels must be a key and a string value or an object of strings, got null.' });
  });

  it('shallowCopy shares members and data, keeps the transient flag, adds primitive fields; each copy deletes on its own', async () => {
    const s = open();
    const source = await s.store.put(Float64Array.from([3, 1, 4]), { persist: true });
    const copy = await s.store.shallowCopy(source, { note: 'copy', n: 2 });
    expect(copy).not.toBe(source);
    const [a, b] = await s.store.getMetas([source, copy]);
    expect(b!.transient).toBe(false);
    expect(b!.fields).toMatchObject({ note: 'copy', n: 2 });
    expect(Object.values(b!.members).map(String)).toEqual(Object.values(a!.members).map(String));
    expect(items(await s.store.get(copy))).toEqual([3, 1, 4]);
    await s.store.delete(copy);
    expect(items(await s.store.get(source))).toEqual([3, 1, 4]);
    const transientCopy = await s.store.shallowCopy(await s.store.put(Float64Array.from([2])));
    expect((await s.store.getMeta(transientCopy)).transient).toBe(true);
    const blob = Object.values(a!.members)[0]!.toString();
    expect(await rejection(s.store.shallowCopy(blob))).toMatchObject({ name: 'AssertionFailedError', code: 'AssertionFailed', message: expect.stringContaining('The blobs cannot be shallow copied') });
    expect(await rejection(s.store.shallowCopy(source, { nested: { no: 1 } }))).toMatchObject({ code: 'AssertionFailed', message: expect.stringContaining("'nested' is a object") });
  });

  it('another token\'s objects do not exist for these calls (404, the same body as a missing id), nor do its copies', async () => {
    const mine = open('t1');
    const theirs = open('t2');
    await theirs.ready();
    const id = await mine.store.put(Float64Array.from([9]), { persist: true });
    const copy = await mine.store.shallowCopy(id);
    const ask = async (path: string, body: Record<string, unknown>): Promise<{ status: number; body: unknown }> => {
      const r = await fetch(`${backend.server().address}/v1/sessions/${theirs.id}/store/${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer t2', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: JSON.parse((await r.text()).replace(/o[0-9a-f]{16}/g, 'ID')) };
    };
    const missing = 'o00000000000000ff';
    for (const [path, extra] of [['label', { labels: { k: 'v' } }], ['shallow-copy', {}]] as const) {
      const forId = await ask(path, { id, ...extra });
      expect(forId.status).toBe(404);
      expect(forId).toEqual(await ask(path, { id: missing, ...extra }));
    }
    expect(await theirs.store.exists(copy)).toBe(false);
    expect(await rejection(theirs.store.get(copy))).toBeInstanceOf(ObjectNotExistsError);
    await theirs.store.clear({ includePersisted: true });
    expect(items(await mine.store.get(id))).toEqual([9]);
    expect((await mine.store.getMeta(id)).labels).toEqual({});
  });

  it('malformed bodies are 400s naming the field', async () => {
    const s = open();
    await s.ready();
    const post = async (path: string, body: unknown): Promise<{ status: number; message: string }> => {
      const r = await fetch(`${backend.server().address}/v1/sessions/${s.id}/store/${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer t1', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, message: ((await r.json()) as { error: { message: string } }).error.message };
    };
    const id = await s.store.put(Float64Array.from([1]));
    for (const [path, body, field] of [
      ['clear', { includePersisted: 'yes' }, 'includePersisted'],
      ['label', { id }, 'labels'],
      ['label', { id, labels: {} }, 'labels'],
      ['label', { id, labels: { k: 1 } }, 'labels.k'],
      ['label', { id: 'not-an-id', labels: { k: 'v' } }, 'id'],
      ['shallow-copy', {}, 'id'],
      ['shallow-copy', { id, extra: [1] }, 'extra'],
    ] as const) {
      const r = await post(path, body);
      expect({ path, body, status: r.status }).toEqual({ path, body, status: 400 });
      expect(r.message).toContain(field);
    }
  });
});

describe('a signal the caller keeps', () => {
  it('gathers no listener per request, and still aborts a waiting getName', async () => {
    const s = open();
    await s.store.put(Float64Array.from([1]), { persist: true, name: 'kept-signal' });
    const ctl = new AbortController();
    for (let i = 0; i < 20; i++) await s.store.getName('kept-signal', { signal: ctl.signal });
    expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
    const waiting = s.store.getName('never-bound', { wait: true, timeoutMs: 60_000, signal: ctl.signal });
    ctl.abort(new Error('no longer wanted'));
    expect((await rejection(waiting)).message).toBe('no longer wanted');
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

describe('list patterns from a client', () => {
  async function listNamesRaw(s: RemoteSession, body: Record<string, unknown>): Promise<Response> {
    return fetch(`${backend.server().address}/v1/sessions/${s.id}/store/names/list`, {
      method: 'POST',
      headers: { authorization: 'Bearer t1', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  it('a regex cannot reach past the caller\'s own names', async () => {
    const mine = open('t1');
    const theirs = open('t2');
    await mine.store.put(Float64Array.from([1]), { persist: true, name: 'secretA' });
    // Closes the server's group early and adds an alternative that matches every name.
    const theirNames = [...(await theirs.store.listNames('*', { limit: 100 })).keys()];
    expect(theirNames).not.toContain('secretA');
    expect([...(await theirs.store.listNames('x)|(?:.*', { regex: true, limit: 100 })).keys()]).toEqual(theirNames);
    expect([...(await theirs.store.listNames('.*', { regex: true, limit: 100 })).keys()]).toEqual(theirNames);
    expect([...(await mine.store.listNames('sec.*A', { regex: true, limit: 100 })).keys()]).toEqual(['secretA']);
  });

  it('a catastrophic regex or glob answers at once and the server stays up', async () => {
    const s = open();
    const id = await s.store.put(Float64Array.from([1]), { persist: true });
    await s.store.putName(id, 'a'.repeat(28));
    await s.store.putName(id, 'a'.repeat(1000));
    // On a backtracking engine the first costs ~2^28 steps, the second ~1000^7: the test's timeout (or
    // the client's request timeout) fails it then, not a wall-clock bound of its own.
    expect((await s.store.listNames('(a+)+b', { regex: true, limit: 100 })).size).toBe(0);
    expect((await s.store.listNames('*a*a*a*a*a*a*a*b', { limit: 100 })).size).toBe(0);
    expect([...(await s.store.listNames('(a+)+', { regex: true, limit: 100 })).keys()]).toEqual(['a'.repeat(28), 'a'.repeat(1000)]);
    expect(await s.store.exists(id)).toBe(true);
  });

  it('a regex the server cannot run in linear time is a 400 naming pattern; an invalid one lists nothing', async () => {
    const s = open();
    await s.ready();
    for (const pattern of ['(a)\\1', '(?=a)a', 'a{0,5000}']) {
      const response = await listNamesRaw(s, { pattern, regex: true });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/^pattern: .*linear time/);
    }
    const tooLong = await listNamesRaw(s, { pattern: 'a'.repeat(1025) });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: { message: string } }).error.message).toContain('pattern');
    expect((await s.store.listNames('(', { regex: true })).size).toBe(0);
    // Typenames are matched too, so their length is bounded as a name's is.
    const longTypename = await rejection(s.store.put(Float64Array.from([1]), { typename: `tessera::Tensor${'x'.repeat(1024)}` }));
    expect(longTypename.code).toBe('MalformedWire');
    expect(longTypename.message).toContain('options.typename');
  });

  it('typenames are listed by glob and regex as the local store does, blobs only for a glob naming them', async () => {
    const s = open();
    const id = await s.store.put(Float64Array.from([1, 2]));
    const meta = await s.store.getMeta(id);
    const blob = Object.values(meta.members)[0]!.toString();
    const remote = async (pattern: string, regex = false): Promise<string[]> => (await s.store.list(pattern, { regex, limit: 1000 })).map((m: ObjectMeta) => m.id.toString());
    // The engine's own store, limited to what this token sees.
    const visible = new Set(await remote('*'));
    const local = (pattern: string, regex = false): string[] =>
      backend.server().engines.get(s.id)!.store.list(pattern, { regex, limit: 1000 }).map((m) => m.id.toString()).filter((i) => visible.has(i));
    for (const [pattern, regex] of [[meta.typename, false], ['tessera::*', false], ['tessera::.*', true], ['*', false], ['.*', true], ['(a+)+b', true], ['(', true], ['[t]essera::Blo?', false]] as const) {
      expect(await remote(pattern, regex)).toEqual(local(pattern, regex));
    }
    expect(await remote(meta.typename)).toContain(id);
    expect(await remote('tessera::*')).toContain(blob);
    expect(await remote('tessera::.*', true)).not.toContain(blob);
  });
});
