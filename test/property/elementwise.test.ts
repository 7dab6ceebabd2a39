/**
 * Chunked elementwise results equal the dense reference, for random shapes (0–4 dims, size-0 and
 * size-1 axes), random chunk sizes on every operand (int, per-axis, explicit splits, so operands
 * are rechunked to a common grid), broadcasting pairs, and scalar operands. Each element is computed
 * by the same JS expression in both, so equality is exact (NaN equal to NaN).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensor as tt, type Tensor } from '../../src/index.js';
import {
  broadcastPairArb, caseOfShape, chunkSizeArb, dyadicArb, edgyArb, floatArb, tensorCaseArb, type TensorCase,
} from '../support/arbitraries.js';
import { build, EXECUTORS, propertySessions, refOf } from '../support/cases.js';
import * as R from '../support/reference.js';

const sessions = propertySessions();

const UNARY: readonly [string, (t: Tensor) => Tensor, (x: number) => number][] = [
  ['neg', (t) => t.neg(), (x) => -x],
  ['abs', (t) => t.abs(), Math.abs],
  ['sqrt', (t) => t.sqrt(), Math.sqrt],
  ['exp', (t) => t.exp(), Math.exp],
  ['log', (t) => t.log(), Math.log],
  ['square', (t) => t.square(), (x) => x * x],
  ['floor', (t) => t.floor(), Math.floor],
  ['ceil', (t) => t.ceil(), Math.ceil],
  ['round', (t) => t.round(), R.roundHalfEven],
  ['sin', (t) => t.apply('sin'), Math.sin],
  ['tanh', (t) => t.apply('tanh'), Math.tanh],
  ['sign', (t) => t.apply('sign'), Math.sign],
  ['isnan', (t) => t.isnan(), (x) => (Number.isNaN(x) ? 1 : 0)],
  ['not', (t) => t.not(), (x) => (x === 0 ? 1 : 0)],
];

const BINARY: readonly [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
  ['add', (a, b) => a.add(b), (x, y) => x + y],
  ['sub', (a, b) => a.sub(b), (x, y) => x - y],
  ['mul', (a, b) => a.mul(b), (x, y) => x * y],
  ['div', (a, b) => a.div(b), (x, y) => x / y],
  ['maximum', (a, b) => a.maximum(b), (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y))],
  ['minimum', (a, b) => a.minimum(b), (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y))],
  ['mod', (a, b) => a.mod(b), R.pyMod],
  ['floorDiv', (a, b) => a.floorDiv(b), R.pyFloorDiv],
  ['pow', (a, b) => a.pow(b), Math.pow],
  ['eq', (a, b) => a.eq(b), (x, y) => (x === y ? 1 : 0)],
  ['ne', (a, b) => a.ne(b), (x, y) => (x !== y ? 1 : 0)],
  ['lt', (a, b) => a.lt(b), (x, y) => (x < y ? 1 : 0)],
  ['ge', (a, b) => a.ge(b), (x, y) => (x >= y ? 1 : 0)],
  ['and', (a, b) => a.and(b), (x, y) => (x !== 0 && y !== 0 ? 1 : 0)],
  ['xor', (a, b) => a.xor(b), (x, y) => ((x !== 0) !== (y !== 0) ? 1 : 0)],
];

describe.each(EXECUTORS)('elementwise ops on chunked tensors equal the dense reference (%s executor)', (kind) => {
  const { run, numRuns } = sessions(kind);

  it('every unary op, any shape and chunking', async () => {
    await fc.assert(
      fc.asyncProperty(tensorCaseArb(fc.oneof(floatArb(), edgyArb())), fc.constantFrom(...UNARY), async (c, [, op, f]) => {
        R.assertMatches(await run(op(build(c))), R.map(refOf(c), f));
      }),
      { numRuns: numRuns(120) },
    );
  });

  it('every binary op on broadcasting pairs, each operand chunked its own way', async () => {
    const pairCase = broadcastPairArb().chain(([sa, sb]) =>
      fc.tuple(caseOfShape(sa, fc.oneof(dyadicArb(), edgyArb())), caseOfShape(sb, fc.oneof(dyadicArb(), edgyArb()))),
    );
    await fc.assert(
      fc.asyncProperty(pairCase, fc.constantFrom(...BINARY), async ([a, b], [, op, f]) => {
        R.assertMatches(await run(op(build(a), build(b))), R.zip(refOf(a), refOf(b), f));
      }),
      { numRuns: numRuns(150) },
    );
  });

  it('scalar operands on either side', async () => {
    await fc.assert(
      fc.asyncProperty(tensorCaseArb(floatArb()), fc.double({ min: -10, max: 10, noNaN: true }), async (c, s) => {
        const t = build(c);
        const [a, b, d] = await Promise.all([run(t.mul(s).add(1)), run(tt.maximum(s, t)), run(t.sub(s).div(2))]);
        const r = refOf(c);
        R.assertMatches(a, R.map(r, (x) => x * s + 1));
        R.assertMatches(b, R.map(r, (x) => (Number.isNaN(x) ? NaN : Math.max(s, x))));
        R.assertMatches(d, R.map(r, (x) => (x - s) / 2));
      }),
      { numRuns: numRuns(60) },
    );
  });

  it('where and clip with broadcasting', async () => {
    const triple = broadcastPairArb({ maxDims: 3 }).chain(([sa, sb]) =>
      fc.tuple(caseOfShape(sa, fc.integer({ min: 0, max: 1 })), caseOfShape(sb, floatArb()), caseOfShape(sa, floatArb())),
    );
    await fc.assert(
      fc.asyncProperty(triple, fc.option(fc.integer({ min: -5, max: 0 })), fc.option(fc.integer({ min: 0, max: 5 })), async ([c, a, b], lo, hi) => {
        const cond = build(c).ne(0);
        R.assertMatches(await run(tt.where(cond, build(a), build(b))), R.where(refOf(c), refOf(a), refOf(b)));
        if (lo !== null || hi !== null) R.assertMatches(await run(build(a).clip(lo, hi)), R.clip(refOf(a), lo, hi));
      }),
      { numRuns: numRuns(80) },
    );
  });

  it('rechunk keeps the values, whatever the source and target grids', async () => {
    const arb = tensorCaseArb(floatArb()).chain((c) => fc.tuple(fc.constant(c), chunkSizeArb(c.shape)));
    await fc.assert(
      fc.asyncProperty(arb, async ([c, target]) => {
        const t = build(c).rechunk(target);
        R.assertMatches(await run(t), refOf(c));
      }),
      { numRuns: numRuns(80) },
    );
  });
});
