/**
 * Compiled loops are found again by their expression's text (a worker receives every task's expression
 * as a new object): expressions that differ only in a constant JSON cannot tell apart — NaN, ±Infinity,
 * -0 and 0 — must still get loops of their own.
 */
import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../src/base/expr.js';
import { compileLoop } from '../../../src/kernels/tensor/codegen.js';
import { HELPERS } from '../../../src/kernels/tensor/expr.js';

const CONSTANTS = [NaN, Infinity, -Infinity, 0, -0, 1];

/** x * c for x = [1, -1], with the expression cloned as a task message would be. */
function times(c: number): number[] {
  const expr: Expr = { t: 'bin', op: 'mul', a: { t: 'in', i: 0, dtype: 'float64' }, b: { t: 'const', v: c, dtype: 'float64' }, dtype: 'float64' } as Expr;
  const out = new Float64Array(2);
  compileLoop({ expr: structuredClone(expr), nIn: 1, access: '1', mode: 'flat' })([Float64Array.of(1, -1)], [[1, 0]], [2], [], out, null, null, 0, [], HELPERS);
  return [...out];
}

describe('compiled loops found by their text', () => {
  it('keep constants JSON cannot tell apart apart, whichever comes first', () => {
    for (const order of [CONSTANTS, [...CONSTANTS].reverse()]) {
      for (const c of order) {
        const got = times(c);
        expect(Object.is(got[0], 1 * c) && Object.is(got[1], -1 * c)).toBe(true);
      }
    }
  });
});
