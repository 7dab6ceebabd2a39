/**
 * The public surface the README and DESIGN promise, imported from the package entry as a user does:
 * object ids as Vineyard's users write them (`ObjectID('o…')`), the store's metadata types and error
 * classes, and the engine's process-wide options (`setOption` / `getOption`).
 */
import { describe, expect, it } from 'vitest';
import {
  InvalidError, newSession, NotEnoughMemoryError, ObjectExistsError, ObjectID, type ObjectMeta, ObjectNotExistsError,
  StoreError, UserInputError,
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
