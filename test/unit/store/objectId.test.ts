import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/store/errors.js';
import { EMPTY_BLOB_ID, INVALID_OBJECT_ID, ObjectID, mintId, signatureOfKey } from '../../../src/store/objectId.js';

describe('ObjectID (Vineyard A.1, strict parsing per C.1)', () => {
  it('prints as o + 16 lowercase zero-padded hex digits and parses back', () => {
    const id = ObjectID.fromBigInt(0x2ec13bc81226n);
    expect(id.toString()).toBe('o00002ec13bc81226');
    expect(ObjectID.parse('o00002ec13bc81226').equals(id)).toBe(true);
    expect(JSON.stringify({ id })).toBe('{"id":"o00002ec13bc81226"}');
  });

  it.each([
    ['bare hex (Vineyard would drop the first digit)', '00002ec13bc81226a'],
    ['bare hex of 16 digits', '00002ec13bc81226'],
    ['wrong prefix', 'x00002ec13bc81226'],
    ['signature prefix', 's00002ec13bc81226'],
    ['too short', 'o2ec13bc81226'],
    ['too long', 'o00002ec13bc812260'],
    ['upper case', 'o00002EC13BC81226'],
    ['upper-case prefix', 'O00002ec13bc81226'],
    ['non-hex digit', 'o00002ec13bc8122g'],
    ['whitespace', ' o00002ec13bc81226'],
    ['empty', ''],
  ])('refuses %s with UserInputError', (_what, text) => {
    expect(() => ObjectID.parse(text)).toThrow(UserInputError);
    try {
      ObjectID.parse(text);
    } catch (err) {
      expect((err as UserInputError).code).toBe('UserInputError');
    }
  });

  it('has a tessera:// uri; fromUri refuses anything else', () => {
    const id = ObjectID.fromBigInt(42n);
    expect(id.toUri()).toBe('tessera://o000000000000002a');
    expect(ObjectID.fromUri(id.toUri()).equals(id)).toBe(true);
    expect(() => ObjectID.fromUri('o000000000000002a')).toThrow(/Not a valid uri/);
    expect(() => ObjectID.fromUri('vineyard://o000000000000002a')).toThrow(UserInputError);
  });

  it('is a uint64: out-of-range values are refused', () => {
    expect(() => ObjectID.fromBigInt(-1n)).toThrow(UserInputError);
    expect(() => ObjectID.fromBigInt(1n << 64n)).toThrow(UserInputError);
    expect(INVALID_OBJECT_ID.toString()).toBe('offffffffffffffff');
    expect(EMPTY_BLOB_ID.isBlob).toBe(true);
    expect(EMPTY_BLOB_ID.toString()).toBe('o8000000000000000');
  });

  it('packs a 41-bit ms timestamp, a 10-bit instance id and a 12-bit sequence; blobs set the top bit', () => {
    const before = Date.now();
    const obj = ObjectID.fromBigInt(mintId(937, false));
    const blob = ObjectID.fromBigInt(mintId(937, true));
    const after = Date.now();
    expect(obj.isBlob).toBe(false);
    expect(obj.value < 1n << 63n).toBe(true);
    expect(blob.isBlob).toBe(true);
    expect(obj.instanceId).toBe(937);
    expect(blob.instanceId).toBe(937);
    expect(obj.timestamp).toBeGreaterThanOrEqual(before);
    expect(obj.timestamp).toBeLessThanOrEqual(after + 1);
    expect(blob.value & ((1n << 63n) - 1n)).toBeGreaterThan(obj.value);
  });

  it('mints unique, increasing ids even past 4096 per millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => mintId(5, false));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('gives chunk keys deterministic signatures with the top bit clear', () => {
    expect(signatureOfKey('add-3f9a:0.0')).toBe(signatureOfKey('add-3f9a:0.0'));
    expect(signatureOfKey('add-3f9a:0.0')).not.toBe(signatureOfKey('add-3f9a:0.1'));
    expect(signatureOfKey('k')).toMatch(/^s[0-7][0-9a-f]{15}$/);
  });
});
