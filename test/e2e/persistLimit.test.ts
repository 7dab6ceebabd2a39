/**
 * Persisted objects outlive their session and are never evicted, so they count against a process-wide
 * limit of their own (`setOption('persistLimit', ...)`), which `status()` reports; names are non-empty;
 * and a session's own calls refuse options they do not know.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getOption, InvalidArgumentError, newSession, NotEnoughMemoryError, type Session, setOption, tensor as tt, UnknownOptionError } from '../../src/index.js';

const open: Session[] = [];
const initialLimit = getOption('persistLimit');
afterEach(async () => {
  setOption('persistLimit', initialLimit);
  await Promise.all(open.splice(0).map((s) => s.close()));
});
function session(): Session {
  const s = newSession({ mode: 'lazy', executor: 'local', default: false });
  open.push(s);
  return s;
}

describe('the persist limit', () => {
  it('a persist past the limit fails with NotEnoughMemory, moves nothing, and the result stays usable', async () => {
    const sess = session();
    const before = sess.store.status();
    setOption('persistLimit', before.persistedBytes + 4096);
    const small = tt.ones([100]).mul(2);
    await small.execute({ session: sess });
    await sess.persist(small, { name: 'limit-small' });
    expect(sess.store.status().persistedBytes).toBe(before.persistedBytes + 800);
    const big = tt.ones([1000]).mul(3);
    await big.execute({ session: sess });
    const used = sess.store.usedBytes;
    const e = await sess.persist(big, { name: 'limit-big' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotEnoughMemoryError);
    expect((e as Error).message).toMatch(/persistLimit/);
    expect(sess.store.usedBytes).toBe(used);
    expect(sess.store.status()).toMatchObject({ persistedBytes: before.persistedBytes + 800, persistLimit: before.persistedBytes + 4096 });
    expect(() => sess.store.getName('limit-big')).toThrow(/No object is named/);
    expect([...(await big.fetch({ session: sess })).data].slice(0, 2)).toEqual([3, 3]);
    setOption('persistLimit', '1Gi');
    expect(getOption('persistLimit')).toBe(2 ** 30);
    await sess.persist(big, { name: 'limit-big' });
    sess.store.delete([sess.store.getName('limit-small'), sess.store.getName('limit-big')]);
  });

  it('status counts the persisted objects list() shows', async () => {
    const sess = session();
    const x = tt.arange(10).mul(2);
    await x.execute({ session: sess });
    const id = await sess.persist(x);
    const status = sess.store.status();
    expect(status.objects).toBe(sess.store.list('*', { limit: 1000 }).filter((m) => m.typename !== 'tessera::Blob').length);
    expect(status.persisted).toBeGreaterThanOrEqual(2);
    sess.store.delete(id);
  });

  it('bad limits, empty names and unknown options of a session call are refused', async () => {
    expect(() => setOption('persistLimit', 0)).toThrow(/persistLimit/);
    expect(() => setOption('persistLimit', '2 parsecs' as never)).toThrow();
    const sess = session();
    const x = tt.arange(4).add(1);
    await x.execute({ session: sess });
    await expect(sess.persist(x, { name: '' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(sess.getNamed('')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(sess.run(x, null as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(sess.run(x, { singal: 1 } as never)).rejects.toBeInstanceOf(UnknownOptionError);
    await expect(sess.run(x, { signal: 'yes' } as never)).rejects.toThrow(/must be an AbortSignal/);
    await expect(sess.persist(x, { overwrite: 'yes' } as never)).rejects.toThrow(/overwrite must be true or false/);
    expect([...((await sess.run(x)) as { data: Float64Array }).data]).toEqual([1, 2, 3, 4]);
  });
});
