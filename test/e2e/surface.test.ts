/**
 * The public surface the README and DESIGN promise, imported from the package entry as a user does:
 * object ids as Vineyard's users write them (`ObjectID('o…')`), the store's metadata types and error
 * classes, and the engine's process-wide options (`setOption` / `getOption`).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DataFrame, dataframe, getDefaultSession, Series, getOption, InvalidError, newSession, NotEnoughMemoryError, ObjectExistsError, ObjectID,
  type ObjectMeta, ObjectNotExistsError, OptionError, setOption, StoreError, tensor as tt, UnknownOptionError,
  UserInputError,
} from '../../src/index.js';

describe('ObjectID from the package entry', () => {
  const printed = 'o0000018f3a2b4c5d';

  it('is callable as Vineyard users write it, and parses, prints and compares', () => {
    const id = ObjectID(printed);
    expect(id.toString()).toBe(printed);
    expect(`${id}`).toBe(printed);
    expect(ObjectID.parse(printed).equals(id)).toBe(true);
    expect(new ObjectID(printed).equals(id)).toBe(true);
    expect(ObjectID(id)).toBe(id);
    expect(ObjectID(0x18f3a2b4c5dn).equals(id)).toBe(true);
    expect(ObjectID(0x18f3a2b4c5d).equals(id)).toBe(true);
    expect(ObjectID.fromUri(`tessera://${printed}`).equals(id)).toBe(true);
    expect(ObjectID.name).toBe('ObjectID');
  });

  it('ObjectID() is the invalid id, 2^64 - 1, as in Vineyard', () => {
    expect(ObjectID().toString()).toBe('offffffffffffffff');
    expect(ObjectID().value).toBe(2n ** 64n - 1n);
  });

  it.each([
    ['bare hex', '0000018f3a2b4c5d'],
    ['upper case', 'o0000018F3A2B4C5D'],
    ['a negative number', -1],
    ['a fraction', 1.5],
    ['null', null],
    ['an object', {}],
  ])('refuses %s with UserInputError (code UserInputError)', (_what, input) => {
    let caught: unknown;
    try {
      ObjectID(input as string);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UserInputError);
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as UserInputError).code).toBe('UserInputError');
  });

  it('ids the store hands out are instances of it, and it addresses the store', async () => {
    const sess = newSession({ executor: 'local', default: false });
    try {
      const id = sess.store.put(new Float64Array([1, 2, 3]));
      expect(id).toBeInstanceOf(ObjectID);
      const meta: ObjectMeta = sess.store.getMeta(ObjectID(id.toString()));
      expect(meta.id.equals(id)).toBe(true);
      expect(meta.nbytes).toBe(24);
    } finally {
      await sess.close();
    }
  });
});

describe("the store's error classes from the package entry", () => {
  it('a missing id throws ObjectNotExistsError with Vineyard’s code', async () => {
    const sess = newSession({ executor: 'local', default: false });
    try {
      let caught: unknown;
      try {
        sess.store.getMeta(ObjectID('o0000000000000001'));
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ObjectNotExistsError);
      expect((caught as ObjectNotExistsError).code).toBe('ObjectNotExists');
    } finally {
      await sess.close();
    }
  });

  it('exports every class under its Vineyard code', () => {
    expect(new ObjectExistsError('x').code).toBe('ObjectExists');
    expect(new InvalidError('x').code).toBe('Invalid');
    const nem = new NotEnoughMemoryError('x', { requested: 1, memoryUsage: 0, memoryLimit: 0, freeable: 0 });
    expect(nem.code).toBe('NotEnoughMemory');
    expect(nem).toBeInstanceOf(StoreError);
  });
});

describe('process-wide options: setOption / getOption', () => {
  const saved = { logLevel: getOption('logLevel'), defaultChunkBytes: getOption('defaultChunkBytes'), buildSiteCapture: getOption('buildSiteCapture') };
  afterEach(() => {
    setOption('logLevel', saved.logLevel);
    setOption('defaultChunkBytes', saved.defaultChunkBytes);
    setOption('buildSiteCapture', saved.buildSiteCapture);
    vi.restoreAllMocks();
  });

  it('has documented defaults', () => {
    expect(saved).toEqual({ logLevel: 'warn', defaultChunkBytes: 16 * 1024 * 1024, buildSiteCapture: true });
  });

  it('defaultChunkBytes sets the automatic chunk grid of tensors built afterwards (bytes or a size string)', () => {
    setOption('defaultChunkBytes', 800);
    expect(tt.zeros([250]).nsplits).toEqual([[100, 100, 50]]);
    setOption('defaultChunkBytes', '1Ki');
    expect(getOption('defaultChunkBytes')).toBe(1024);
    expect(tt.zeros([250]).nsplits).toEqual([[128, 122]]);
  });

  it('buildSiteCapture decides whether a failure names the line that built the op', async () => {
    const sess = newSession({ mode: 'lazy', executor: 'local', default: false });
    try {
      const failing = (): Promise<unknown> =>
        sess.run(tt.arange(3).map((x) => { if (x === 2) throw new RangeError('two'); return x; }));
      const withSite = await failing().catch((e: Error & { buildStack?: string }) => e);
      expect(withSite).toBeInstanceOf(RangeError);
      expect((withSite as { buildStack?: string }).buildStack).toMatch(/surface\.test\.ts/);
      setOption('buildSiteCapture', false);
      expect(tt.arange(3).node.origin).toBeUndefined();
      const without = await failing().catch((e: Error) => e);
      expect(without).toBeInstanceOf(RangeError);
      expect((without as { buildStack?: string }).buildStack).toBeUndefined();
    } finally {
      await sess.close();
    }
  });

  it("logLevel 'silent' keeps the engine's warnings (an implicit session) off stderr", async () => {
    expect(getDefaultSession()).toBeUndefined();
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    setOption('logLevel', 'silent');
    await tt.ones([2]).execute();
    const implicit = getDefaultSession()!;
    expect(implicit).toBeDefined();
    await implicit.close();
    expect(emitted).not.toHaveBeenCalled();
  });

  it('refuses unknown names and wrong value types with typed errors naming the known options', () => {
    let unknown: unknown;
    try {
      setOption('chunkBytes' as never, 1 as never);
    } catch (e) {
      unknown = e;
    }
    expect(unknown).toBeInstanceOf(UnknownOptionError);
    expect((unknown as UnknownOptionError).code).toBe('UnknownOption');
    expect((unknown as Error).message).toMatch(/'chunkBytes'.*logLevel, defaultChunkBytes, persistLimit, buildSiteCapture/);
    expect(() => getOption('constructor' as never)).toThrow(UnknownOptionError);
    expect(() => setOption('__proto__' as never, {} as never)).toThrow(UnknownOptionError);
    expect(() => setOption('logLevel', 'INFO' as never)).toThrow(OptionError);
    expect(() => setOption('logLevel', 'INFO' as never)).toThrow(/'warn', 'error', 'silent'/);
    expect(() => setOption('buildSiteCapture', 'yes' as never)).toThrow(OptionError);
    expect(() => setOption('defaultChunkBytes', 'lots')).toThrow(OptionError);
    expect(() => setOption('defaultChunkBytes', 0)).toThrow(OptionError);
    expect(getOption('logLevel')).toBe('warn');
    expect(getOption('defaultChunkBytes')).toBe(16 * 1024 * 1024);
  });
});

describe('the dataframe surface from the package entry', () => {
  it('exports the dataframe namespace and the DataFrame and Series classes', async () => {
    expect(Object.keys(dataframe).sort()).toEqual(['DataFrame', 'GroupBy', 'Series', 'fromArrow', 'fromColumns', 'fromRecords', 'readArrow', 'readCsv', 'readParquet', 'unifyDictionaries']);
    expect(dataframe.DataFrame).toBe(DataFrame);
    expect(dataframe.Series).toBe(Series);
    const sess = newSession({ mode: 'lazy', executor: 'local', default: false });
    try {
      const d = dataframe.fromRecords([{ a: 1 }, { a: 2 }]);
      expect(d).toBeInstanceOf(DataFrame);
      expect(d.col('a')).toBeInstanceOf(Series);
      await d.execute({ session: sess });
      expect((await d.fetch({ session: sess })).numRows).toBe(2);
    } finally {
      await sess.close();
    }
  });
});
