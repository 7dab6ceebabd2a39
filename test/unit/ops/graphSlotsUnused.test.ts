/**
 * ops/graph/apps.ts decides at build time that a small graph's out-slot layout would be the "not
 * applicable" one (more arcs than its widest rows could hold the required share of) and skips the
 * chunk; graph/outSlots.ts decides it when the layout is built. The two must agree: the constants are
 * the same, and any graph meeting the build-time test gets width 0 from the builder.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupGraph } from '../../../src/graph/csr.js';
import { MIN_ARCS_IN_SLOTS, OUT_SLOT_WIDTHS, outSlots } from '../../../src/graph/outSlots.js';
import { SLOT_ARC_SHARE, WIDEST_SLOT_ROW } from '../../../src/ops/graph/apps.js';

describe('the build-time test for unused out-slots', () => {
  it('uses the layout builder constants', () => {
    expect(WIDEST_SLOT_ROW).toBe(Math.max(...OUT_SLOT_WIDTHS));
    expect(SLOT_ARC_SHARE).toBe(MIN_ARCS_IN_SLOTS);
  });

  it('never skips a layout the builder would make', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 600 }),
        fc.boolean(),
        (n, pairs, directed) => {
          const edges = pairs.length;
          fc.pre(WIDEST_SLOT_ROW * n < SLOT_ARC_SHARE * edges);
          const src = Int32Array.from(pairs, ([s]) => s % n);
          const dst = Int32Array.from(pairs, ([, d]) => d % n);
          expect(outSlots(groupGraph({ n, src, dst }, { directed })).width).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
