/**
 * Fusion must not change a single bit: random elementwise chains (unary math, arithmetic with scalars
 * and with other — possibly broadcast — tensors, comparisons, casts across integer and float dtypes)
 * feeding a random reduction, run in a fused session (`fuse: true`, the default) and an unfused one
 * (`fuse: false`), give identical results. The comparison is exact (Object.is, so even -0 vs 0 counts):
 * the fused kernel normalises every intermediate to its dtype exactly as storing it would.
 *
 * And fusion must actually happen: the run's `fused` count (RunStats) is checked against the chunk
 * graph the expression tiles to. An elementwise chunk that is not a result and feeds exactly one
 * elementwise chunk of its own shape, or one reduction map, must be fused away; nothing else may be.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DType, newSession, type RunStats, type Session, tensor as tt, type Tensor } from '../../src/index.js';
import type { NdArray } from '../../src/base/ndarray.js';
import { tileTargets } from '../../src/session/tiler.js';
import { axisArb, broadcastPairArb, caseOfShape, floatArb, type TensorCase } from '../support/arbitraries.js';
import { EXECUTORS, propertySessions } from '../support/cases.js';

/** Fused runs go through each executor's session; the unfused reference runs locally. */
const sessions = propertySessions();
let unfused: Session;
beforeAll(() => {
  unfused = newSession({ mode: 'lazy', executor: 'local', fuse: false, default: false });
});
afterAll(() => unfused.close());

const DTYPES: readonly DType[] = ['float64', 'float32', 'int32', 'int16', 'uint8', 'int64'];
/** Mostly float64, where a different order of additions would show. */
const dtypeArb: fc.Arbitrary<DType> = fc.oneof({ arbitrary: fc.constant<DType>('float64'), weight: 3 }, { arbitrary: fc.constantFrom(...DTYPES), weight: 2 });

type Step =
  | { readonly k: 'un'; readonly op: 'neg' | 'abs' | 'square' | 'sqrt' | 'exp' | 'floor' | 'round' | 'sin' }
  | { readonly k: 'scalar'; readonly op: 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'mod' | 'floorDiv'; readonly s: number; readonly left: boolean }
  | { readonly k: 'other'; readonly op: 'add' | 'sub' | 'mul' | 'minimum' | 'gt' }
  | { readonly k: 'cast'; readonly dtype: DType }
  | { readonly k: 'where' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ k: fc.constant('un' as const), op: fc.constantFrom('neg', 'abs', 'square', 'sqrt', 'exp', 'floor', 'round', 'sin') }),
  fc.record({
    k: fc.constant('scalar' as const),
    op: fc.constantFrom('add', 'sub', 'mul', 'div', 'maximum', 'mod', 'floorDiv'),
    s: fc.oneof(fc.integer({ min: -300, max: 300 }), fc.double({ min: -10, max: 10, noNaN: true })),
    left: fc.boolean(),
  }),
  fc.record({ k: fc.constant('other' as const), op: fc.constantFrom('add', 'sub', 'mul', 'minimum', 'gt') }),
  fc.record({ k: fc.constant('cast' as const), dtype: fc.constantFrom(...DTYPES) }),
  fc.record({ k: fc.constant('where' as const) }),
);

function apply(x: Tensor, other: Tensor, step: Step): Tensor {
  switch (step.k) {
    case 'un':
      return x.apply(step.op);
    case 'scalar':
      if (step.left) return tt.full([], step.s)[step.op](x);
      return x[step.op](step.s);
    case 'other':
      return x[step.op](other);
    case 'cast':
      return x.astype(step.dtype);
    case 'where':
      return tt.where(other.gt(0), x, x.neg());
  }
}

const REDUCTIONS = ['sum', 'mean', 'min', 'max', 'var', 'prod', 'argmax', 'any', 'countNonzero', 'none'] as const;

function sameBits(a: NdArray, b: NdArray): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join() || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (!Object.is(a.data[i], b.data[i])) return false;
  return true;
}

/**
 * Counts, in the chunk graph `t` tiles to with nothing cached, the elementwise chunks that are not
 * results and have a single consumer edge: `possible` when that consumer is elementwise or a reduction
 * map (what the fusion pass may substitute), `certain` when it is moreover a reduction map or an
 * elementwise chunk of the producer's own shape (no broadcast), which fusion must never leave alone.
 */
function fusableProducers(t: Tensor): { readonly possible: number; readonly certain: number } {
  const plan = tileTargets([t.node], { executed: () => undefined, stored: () => false });
  const g = plan.graph;
  const results = new Set(plan.targets);
  const shapeOf = (i: number): string => String((g.metas[i] as { shape: readonly number[] }).shape);
  let possible = 0;
  let certain = 0;
  for (let p = 0; p < g.size; p++) {
    const consumers = g.consumersOf(p);
    if (g.kernels[p] !== 'tensor.ew' || results.has(p) || consumers.length !== 1) continue;
    const c = consumers[0]!;
    if (g.kernels[c] === 'tensor.reduce_map' || (g.kernels[c] === 'tensor.ew' && shapeOf(c) === shapeOf(p))) certain++;
    if (g.kernels[c] === 'tensor.reduce_map' || g.kernels[c] === 'tensor.ew') possible++;
  }
  return { possible, certain };
}

const build = (c: TensorCase, dtype: DType): Tensor =>
  tt.array(Float64Array.from(c.data), { shape: c.shape, chunkSize: c.chunks }).astype(dtype);

describe.each(EXECUTORS)('fused (%s executor) and unfused runs give identical results, and fusion fires wherever a chain allows it', (kind) => {
  const { session, numRuns } = sessions(kind);

  it('random elementwise chains feeding a reduction', async () => {
    const fused = session();
    const cases = numRuns(200);
    const runs: RunStats[] = [];
    const onRun = (stats: RunStats): void => {
      runs.push(stats);
    };
    fused.on('run', onRun);
    /** Cases whose run was checked against the graph, and how many of them had to fuse something. */
    const checked = { runs: 0, fusing: 0 };
    const arb = broadcastPairArb({ maxDims: 3, maxExtent: 8, maxSize: 200 }).chain(([sa, sb]) =>
      fc.record({
        a: caseOfShape(sa, floatArb()),
        b: caseOfShape(sb, floatArb()),
        dtypeA: dtypeArb,
        dtypeB: dtypeArb,
        steps: fc.array(stepArb, { minLength: 1, maxLength: 5 }),
        reduction: fc.constantFrom(...REDUCTIONS),
        axis: axisArb(Math.max(sa.length, sb.length)),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ a, b, dtypeA, dtypeB, steps, reduction, axis }) => {
        const x = build(a, dtypeA);
        const y = build(b, dtypeB);
        let t = steps.reduce((acc, s) => apply(acc, y, s), x);
        // Broadcast x against y at least once so the chain's shape is the full broadcast shape.
        t = t.add(y.mul(0).astype(t.dtype));
        const size = t.shape.reduce((p, d) => p * d, 1);
        if (reduction === 'argmax') {
          if (size > 0) t = t.argmax();
        } else if (reduction !== 'none') {
          if (!((reduction === 'min' || reduction === 'max') && size === 0)) {
            const reducedEmpty = axis !== null && (Array.isArray(axis) ? axis : [axis]).some((ax) => t.shape.at(ax) === 0);
            t = reducedEmpty && (reduction === 'min' || reduction === 'max') ? t.sum({ axis }) : t[reduction]({ axis });
          }
        }
        let expected: NdArray | Error;
        try {
          expected = (await unfused.run(t)) as NdArray;
        } catch (e) {
          expected = e as Error;
        }
        let actual: NdArray | Error;
        runs.length = 0;
        try {
          actual = (await fused.run(t)) as NdArray;
        } catch (e) {
          actual = e as Error;
        }
        // A case equal to an earlier one (shrinking makes many) reuses its result: nothing is tiled anew.
        const stats = runs.at(-1);
        if (stats && stats.reused === 0) {
          const { possible, certain } = fusableProducers(t);
          if (stats.fused < certain || stats.fused > possible) {
            throw new Error(`fused ${stats.fused} chunks where the graph has ${certain} that must fuse and ${possible} that may`);
          }
          checked.runs++;
          if (certain > 0) checked.fusing++;
        }
        if (expected instanceof Error || actual instanceof Error) {
          // A kernel error (an integer to a negative power) must be the same error either way.
          if (!(expected instanceof Error && actual instanceof Error && expected.name === actual.name)) {
            throw new Error(`one run failed, the other did not: unfused ${String(expected)} / fused ${String(actual)}`);
          }
          return;
        }
        if (!sameBits(actual, expected)) {
          throw new Error(`fused ${actual.dtype} [${actual.shape}] ${Array.from(actual.data)} != unfused ${expected.dtype} [${expected.shape}] ${Array.from(expected.data)}`);
        }
      }),
      { numRuns: cases },
    );
    fused.off('run', onRun);
    expect(checked.runs).toBeGreaterThan(0.75 * cases);
    expect(checked.fusing).toBeGreaterThan(0.5 * cases);
  });
});
