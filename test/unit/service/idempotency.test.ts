/**
 * The memory of Idempotency-Keys: a key answers its first ids for a day (then it is a new key), at most
 * `perOwner` keys a token (the oldest forgotten first), per token, and the body digest ignores key order.
 */
import { describe, expect, it } from 'vitest';
import { bodyDigest, IdempotencyKeys } from '../../../src/service/server/idempotency.js';

describe('IdempotencyKeys', () => {
  it('replays for its lifetime, then forgets; keeps at most perOwner keys a token, oldest out first', () => {
    let now = 0;
    const keys = new IdempotencyKeys({ ttlMs: 1000, perOwner: 2, now: () => now });
    const body = bodyDigest({ a: 1, b: [1, { c: 2, d: 3 }] });
    expect(bodyDigest({ b: [1, { d: 3, c: 2 }], a: 1 })).toBe(body);
    expect(bodyDigest({ b: [{ d: 3, c: 2 }, 1], a: 1 })).not.toBe(body);
    keys.remember('o1', 'k1', body, ['x']);
    now = 1000;
    expect(keys.replay('o1', 'k1', body)).toEqual(['x']);
    expect(keys.replay('o2', 'k1', body)).toBeUndefined();
    now = 1001;
    expect(keys.replay('o1', 'k1', body)).toBeUndefined();
    keys.remember('o1', 'k2', body, ['y']);
    keys.remember('o1', 'k3', body, ['z']);
    keys.remember('o1', 'k4', body, ['w']);
    expect(['k2', 'k3', 'k4'].map((k) => keys.replay('o1', k, body))).toEqual([undefined, ['z'], ['w']]);
    expect(() => keys.replay('o1', 'k3', bodyDigest({ other: true }))).toThrow(expect.objectContaining({ code: 'IdempotencyKeyReused', status: 422 }));
  });
});
