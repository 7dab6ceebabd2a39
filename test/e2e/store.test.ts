/**
 * Sessions on the object store (issue 5): results as objects, fetchInfos, sharing through persist and
 * names, the memory limit (eviction, spill, recompute, NotEnoughMemory), and closing to zero bytes.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type NdArray, newSession, type RunStats, type Session, tensor as tt, UnexecutedError } from '../../src/index.js';
import { EVENT_SAFETY_MS, until } from '../support/events.js';

const open: Session[] = [];
function session(opts: Parameters<typeof newSession>[0] = {}): Session {
  const s = newSession({ mode: 'lazy', executor: 'local', default: false, ...opts });
  open.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const MiB = 2 ** 20;
const same = (a: NdArray, b: NdArray) => expect([...a.data]).toEqual([...b.data]);

describe('results live in the object store', () => {
  it('every executed result is a global object whose members are its chunk objects', async () => {
    const sess = session();
    const x = tt.arange(12, undefined, undefined, { chunkSize: 5 }).mul(2);
    await x.execute({ session: sess });
    const infos = await sess.fetchInfos(x);
    expect(infos).toHaveLength(3);
    for (const info of infos) {
      expect(info.objectId).toMatch(/^o[0-9a-f]{16}$/);
      expect(info.level).toBe('memory');
      const meta = sess.store.getMeta(info.objectId!);
      expect(meta.typename).toBe('tessera::Tensor');
      expect(meta.nbytes).toBe(info.nbytes);
    }
    expect(infos.map((i) => i.nbytes)).toEqual([40, 40, 16]);
    const globals = sess.store.list('tessera::Global*', { limit: 10 });
    expect(globals).toHaveLength(1);
    expect(globals[0]!.get('shape')).toEqual([12]);
    await expect(sess.fetchInfos(x, { fields: ['objectId', 'bands' as never] })).rejects.toThrow(/unexpected field name: bands/);
    expect(await sess.fetchInfos(x, { fields: ['objectId', 'level'] })).toEqual(infos.map((i) => ({ objectId: i.objectId, level: i.level })));
  });

  it('fetchInfos of something never executed fails with the documented text', async () => {
    const sess = session();
    await expect(sess.fetchInfos(tt.ones([3]))).rejects.toBeInstanceOf(UnexecutedError);
  });

  it('releasing a result removes its global object and frees its chunks', async () => {
    const sess = session();
    const x = tt.ones([1000], { chunkSize: 100 }).add(1);
    await x.execute({ session: sess });
    expect(sess.store.usedBytes).toBeGreaterThanOrEqual(8000);
    x.release({ session: sess });
    expect(sess.store.list('tessera::Global*')).toHaveLength(0);
    expect(x.isExecuted({ session: sess })).toBe(false);
    expect(sess.store.usedBytes).toBe(0);
  });
});

describe('sharing between sessions', () => {
  it('a plain fetch from another session fails; persist + name shares the data', async () => {
    const a = session();
    const b = session();
    const x = tt.random.rand([50, 4], { seed: 7, chunkSize: 20 }).mul(10);
    await x.execute({ session: a });
    await expect(x.fetch({ session: b })).rejects.toThrow(/^Cannot fetch unexecuted tileable: Tensor <op=tensor.ew/);
    const id = await a.persist(x, { name: 'scaled' });
    expect(a.store.getName('scaled').toString()).toBe(id);
    const shared = (await b.getNamed('scaled')) as NdArray;
    same(shared, await x.fetch({ session: a }));
    expect(shared.shape).toEqual([50, 4]);
  });

  it('getName with wait resolves once another session names the result, and times out otherwise', async () => {
    const a = session();
    const b = session();
    const waiting = b.getNamed('late', { wait: true, timeoutMs: EVENT_SAFETY_MS });
    const x = tt.full([3], 4);
    await x.execute({ session: a });
    await a.persist(x, { name: 'late' });
    expect([...((await waiting) as NdArray).data]).toEqual([4, 4, 4]);
    await expect(b.getNamed('never', { wait: true, timeoutMs: 50 })).rejects.toThrow();
    await expect(b.getNamed('never')).rejects.toMatchObject({ code: 'ObjectNotExists' });
  });

  it('a persisted result outlives the session that made it', async () => {
    const a = newSession({ mode: 'lazy', executor: 'local', default: false });
    const x = tt.arange(6).add(1);
    await x.execute({ session: a });
    await a.persist(x, { name: 'survivor' });
    await a.close();
    const b = session();
    expect([...((await b.getNamed('survivor')) as NdArray).data]).toEqual([1, 2, 3, 4, 5, 6]);
    b.store.dropName('survivor');
  });
});

describe('the memory limit', () => {
  it('runs a pipeline whose intermediates are 4x the limit, with exactly the unlimited result', async () => {
    const build = () => tt.random.rand([4 * 2 ** 20], { seed: 11, chunkSize: 2 ** 18 }).mul(3).add(1).sqrt().sum();
    for (const executor of ['local', 'threads'] as const) {
      const limited = session({ memoryLimit: 8 * MiB, executor });
      let stats: RunStats | undefined;
      limited.on('run', (s: RunStats) => (stats = s));
      const got = (await limited.run(build())) as NdArray;
      const want = (await session({ executor }).run(build())) as NdArray;
      expect(got.item()).toBe(want.item());
      expect(stats!.peakBytes).toBeLessThanOrEqual(8 * MiB);
    }
  });

  it('evicts unheld results first, then drops held ones and recomputes them exactly when asked again', async () => {
    const sess = session({ memoryLimit: 3 * MiB });
    let runs = 0;
    sess.on('run', () => runs++);
    const a = tt.random.rand([2 ** 18], { seed: 1 }).mul(2); // 2 MiB
    const b = tt.random.rand([2 ** 18], { seed: 2 }).mul(2); // 2 MiB: evicts a
    await a.execute({ session: sess });
    const aValues = await a.fetch({ session: sess });
    await b.execute({ session: sess });
    expect(sess.store.status().evictions).toBeGreaterThan(0);
    expect(a.isExecuted({ session: sess })).toBe(false);
    const before = runs;
    same(await a.fetch({ session: sess }), aValues);
    expect(runs).toBe(before + 1);
  });

  it('evicts a released (unheld) result before any held one', async () => {
    const sess = session({ memoryLimit: 3 * MiB });
    const a = tt.ones([2 ** 17], { chunkSize: 2 ** 17 }).mul(2); // 1 MiB
    const b = tt.ones([2 ** 17], { chunkSize: 2 ** 17 }).mul(3); // 1 MiB
    // 2 MiB: more than fits (the ones are drawn inside the product's task, so only the result is stored).
    const c = tt.ones([2 ** 18], { chunkSize: 2 ** 18 }).mul(4);
    await a.execute({ session: sess });
    await b.execute({ session: sess });
    a.release({ session: sess, keepCached: true });
    expect(sess.store.chunks.has(`${a.key}:0`)).toBe(true); // released, but kept as cache
    await c.execute({ session: sess });
    expect(sess.store.chunks.has(`${a.key}:0`)).toBe(false);
    expect(b.isExecuted({ session: sess })).toBe(true);
    expect(c.isExecuted({ session: sess })).toBe(true);
  });

  it('a result whose every handle was garbage-collected is released and its chunks deleted', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc).toBeTypeOf('function');
    const sess = session({ memoryLimit: 3 * MiB });
    const keys: string[] = [];
    await (async () => {
      const a = tt.ones([2 ** 17], { chunkSize: 2 ** 17 }).mul(5); // 1 MiB, referenced only in here
      await a.execute({ session: sess });
      keys.push(a.key);
    })();
    const b = tt.ones([2 ** 17], { chunkSize: 2 ** 17 }).mul(6);
    await b.execute({ session: sess });
    expect(sess.info.results).toBe(2);
    await until(() => sess.info.results === 1, 'the result of the collected handle to be let go', gc);
    expect(sess.store.chunks.has(`${keys[0]}:0`)).toBe(false);
    expect(sess.store.usedBytes).toBe(2 ** 20);
    expect(b.isExecuted({ session: sess })).toBe(true);
  });

  it('spills to spillDir instead of dropping, and reads back without recomputing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-spill-'));
    try {
      const sess = session({ memoryLimit: 3 * MiB, spillDir: dir });
      let runs = 0;
      sess.on('run', () => runs++);
      const a = tt.random.rand([2 ** 18], { seed: 1 }).mul(2);
      const b = tt.random.rand([2 ** 18], { seed: 2 }).mul(2);
      await a.execute({ session: sess });
      const aValues = await a.fetch({ session: sess });
      await b.execute({ session: sess });
      expect((await sess.fetchInfos(a, { fields: ['level'] }))[0]!.level).toBe('disk');
      expect(readdirSync(dir).length).toBeGreaterThan(0);
      const before = runs;
      same(await a.fetch({ session: sess }), aValues);
      expect(runs).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with NotEnoughMemory only when nothing can be freed, and stays usable', async () => {
    const sess = session({ memoryLimit: 1 * MiB });
    const kept = tt.arange(10).add(1);
    await kept.execute({ session: sess });
    const tooBig = tt.ones([2 ** 18], { chunkSize: 2 ** 18 }).mul(2); // one 2 MiB chunk
    await expect(tooBig.execute({ session: sess })).rejects.toMatchObject({ code: 'NotEnoughMemory' });
    expect([...(await kept.fetch({ session: sess })).data]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await sess.run(tt.arange(4).sum())) as NdArray).toMatchObject({ shape: [] });
  });

  it('closing a session leaves its store at zero bytes', async () => {
    const sess = newSession({ mode: 'lazy', executor: 'local', default: false });
    const x = tt.random.rand([100_000], { seed: 5 });
    await x.execute({ session: sess });
    const store = sess.store;
    expect(store.usedBytes).toBeGreaterThan(0);
    await sess.close();
    expect(store.usedBytes).toBe(0);
    expect(sess.info.memory.used).toBe(0);
  });
});
