/**
 * copyStrided and copyBlock against an element-by-element reference, on random layouts: any number of
 * axes, axes of length one, reversed (negative) strides, blocks inside bigger arrays on both sides, and
 * whole-row blocks that merge into one set — every element lands where the reference puts it, and
 * nothing outside the block is written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyBlock, copyStrided } from '../../../src/base/blocks.js';
import { stridesOf } from '../../../src/base/shape.js';

/** What copyStrided should do, one element at a time. */
function reference(src: Float64Array, srcBase: number, srcStrides: readonly number[], dst: Float64Array, dstBase: number, dstStrides: readonly number[], ext: readonly number[]): void {
  const total = ext.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let s = srcBase;
    let d = dstBase;
    for (let k = ext.length - 1; k >= 0; k--) {
      const i = rest % ext[k]!;
      rest = Math.floor(rest / ext[k]!);
      s += i * srcStrides[k]!;
      d += i * dstStrides[k]!;
    }
    dst[d] = src[s]!;
  }
}

/** A block of extent `ext` inside a bigger C-order array (`outer`), read forwards or reversed per axis. */
const layoutArb = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 4 })
  .chain((ext) =>
    fc.record({
      ext: fc.constant(ext),
      srcPad: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: ext.length, maxLength: ext.length }),
      dstPad: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: ext.length, maxLength: ext.length }),
      reversed: fc.array(fc.boolean(), { minLength: ext.length, maxLength: ext.length }),
    }),
  );

describe('copyStrided', () => {
  it('puts every element where the element-by-element reference does, and nothing else', () => {
    fc.assert(
      fc.property(layoutArb, ({ ext, srcPad, dstPad, reversed }) => {
        const srcOuter = ext.map((e, k) => e + srcPad[k]!);
        const dstOuter = ext.map((e, k) => e + dstPad[k]!);
        const srcC = stridesOf(srcOuter);
        const dstStrides = stridesOf(dstOuter);
        const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
        const src = Float64Array.from({ length: size(srcOuter) }, (_, i) => i + 1);
        // Reversed axes start at their last element and step back.
        let srcBase = 0;
        const srcStrides = srcC.map((st, k) => {
          if (!reversed[k]) return st;
          srcBase += (ext[k]! - 1) * st;
          return -st;
        });
        const expected = new Float64Array(size(dstOuter)).fill(-1);
        const actual = new Float64Array(size(dstOuter)).fill(-1);
        const dstBase = dstPad.reduce((sum, p, k) => sum + (p > 0 ? dstStrides[k]! : 0), 0);
        reference(src, srcBase, srcStrides, expected, dstBase, dstStrides, ext);
        copyStrided(src, srcBase, srcStrides, actual, dstBase, dstStrides, ext);
        expect([...actual]).toEqual([...expected]);
      }),
      { numRuns: 300 },
    );
  });

  it('copies a block of whole rows exactly (the merged, single-set case), and copyBlock agrees', () => {
    const src = Float64Array.from({ length: 6 * 8 }, (_, i) => i);
    const viaStrided = new Float64Array(3 * 8);
    copyStrided(src, 2 * 8, [8, 1], viaStrided, 0, [8, 1], [3, 8]);
    expect([...viaStrided]).toEqual([...src.subarray(16, 40)]);
    const viaBlock = new Float64Array(3 * 8);
    copyBlock(src, [8, 1], [2, 0], viaBlock, [8, 1], [0, 0], [3, 8]);
    expect([...viaBlock]).toEqual([...viaStrided]);
  });
});
