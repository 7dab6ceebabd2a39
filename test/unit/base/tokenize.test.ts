import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenize, viewHash128 } from '../../../src/base/tokenize.js';

const BIG = 1 << 16;

describe('tokenize of big typed arrays (viewHash128)', () => {
  it('changes when any one byte changes, and is equal for equal contents wherever they sit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: BIG + 6 }), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: 7 }), (at, flip, offset) => {
        const bytes = new Uint8Array(BIG + 7 + offset);
        for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 255;
        const view = bytes.subarray(offset, offset + BIG + 7);
        const copy = new Uint8Array(view);
        expect(tokenize(view)).toBe(tokenize(copy));
        const changed = new Uint8Array(view);
        changed[at] = changed[at]! ^ flip;
        expect(viewHash128(changed)).not.toBe(viewHash128(view));
        expect(tokenize(changed)).not.toBe(tokenize(view));
      }),
      { numRuns: 60 },
    );
  });

  it('tells typed arrays of equal bytes but different types and lengths apart', () => {
    const a = new Float64Array(BIG);
    for (let i = 0; i < a.length; i++) a[i] = i;
    const asInt32 = new Int32Array(a.buffer);
    expect(tokenize(a)).not.toBe(tokenize(asInt32));
    expect(tokenize(a)).not.toBe(tokenize(a.subarray(0, BIG - 1)));
    expect(tokenize(a)).toBe(tokenize(Float64Array.from(a)));
  });

  it('hashes a change of the last, unaligned bytes and of high bits', () => {
    const base = new Uint8Array(BIG + 3);
    const tail = new Uint8Array(base);
    tail[BIG + 2] = 1;
    const high = new Uint8Array(base);
    high[3] = 0x80;
    const hashes = new Set([base, tail, high].map(viewHash128));
    expect(hashes.size).toBe(3);
  });
});
