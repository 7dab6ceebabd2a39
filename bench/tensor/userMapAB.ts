/**
 * What checking user-function results costs in the generated loops (kernels/tensor/expr.ts: a result
 * that is not a number fails the task): the loops of this tree against those of a baseline tree, on the
 * same 4M float64 values in one process, alternating, CPU time per call, median of 36 calls each.
 * Cases: a map, a map fused into a sum, two maps fused into a sum.
 *
 *   git archive <baseline-commit> src | tar -x -C /tmp/baseline
 *   BASELINE_SRC=/tmp/baseline/src npx tsx bench/tensor/userMapAB.ts
 */
import type { Expr } from '../../src/base/expr.js';
import * as current from '../../src/kernels/tensor/codegen.js';
import { HELPERS } from '../../src/kernels/tensor/expr.js';
import { compileUserFunctions } from '../../src/kernels/tensor/userfn.js';

type Kernels = { codegen: typeof current; helpers: typeof HELPERS; compile: typeof compileUserFunctions };

async function baseline(src: string): Promise<Kernels> {
  const codegen = (await import(`${src}/kernels/tensor/codegen.ts`)) as typeof current;
  const expr = (await import(`${src}/kernels/tensor/expr.ts`)) as { HELPERS: typeof HELPERS };
  const userfn = (await import(`${src}/kernels/tensor/userfn.ts`)) as { compileUserFunctions: typeof compileUserFunctions };
  return { codegen, helpers: expr.HELPERS, compile: userfn.compileUserFunctions };
}

const N = 4_000_000;
const CASES = [
  ['map', undefined, ['(v) => v * 2 + 1']],
  ['map.sum', 'sum', ['(v) => v * 2 + 1']],
  ['map2.sum', 'sum', ['(v) => Math.sqrt(v) + 1', '(v) => v * v']],
] as const;

function runner(k: Kernels, x: Float64Array, reduce: 'sum' | undefined, fns: readonly string[]): () => number {
  let expr: Expr = { t: 'in', i: 0, dtype: 'float64' };
  fns.forEach((_, f) => (expr = { t: 'fn', f, a: expr, dtype: 'float64' }));
  const loop = k.codegen.compileLoop({ expr, nIn: 1, access: '1', mode: 'flat', ...(reduce ? { reduce } : {}) });
  const F = k.compile(fns);
  return () => {
    const out = new Float64Array(reduce ? 1 : N);
    loop([x], [[1]], [N], [], out, null, null, 0, F, k.helpers);
    return out[0]!;
  };
}

const median = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1]!;

const src = process.env.BASELINE_SRC;
if (!src) throw new Error('set BASELINE_SRC to the src folder of the baseline tree');
const old = await baseline(src);
const now: Kernels = { codegen: current, helpers: HELPERS, compile: compileUserFunctions };
const x = new Float64Array(N).map(() => Math.random());
for (const [name, reduce, fns] of CASES) {
  const pair = [['baseline', runner(old, x, reduce, fns)], ['current', runner(now, x, reduce, fns)]] as const;
  const times: Record<string, number[]> = { baseline: [], current: [] };
  for (let r = 0; r < 41; r++) {
    for (const [tag, run] of r % 2 ? pair : [...pair].reverse()) {
      const t0 = process.cpuUsage();
      run();
      const d = process.cpuUsage(t0);
      if (r >= 5) times[tag]!.push((d.user + d.system) / 1000);
    }
  }
  const [b, c] = [median(times.baseline!), median(times.current!)];
  console.log(`${name.padEnd(9)} baseline ${b.toFixed(2)} ms  current ${c.toFixed(2)} ms  ratio ${(c / b).toFixed(3)}`);
}
