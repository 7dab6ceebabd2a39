/**
 * The fused pipeline `(x*2+y).sum()` on float64 vectors through a lazy session: x and y are executed
 * (cached) first, then only the pipeline is timed. Baselines in the same run: a hand-written single
 * loop on one thread over the same values, and NumPy's eager expression (when python3 with numpy is on
 * the machine), which materialises two temporaries.
 */
import { spawnSync } from 'node:child_process';
import { newSession, tensor as tt, type NdArray } from '../../src/index.js';
import { fmt, time, type Timing, writeResult } from '../harness.js';

const SIZES = (process.env.BENCH_SIZES ?? '5000000,50000000').split(',').map(Number);
const RUNS = 7;

function handLoop(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * 2 + y[i]!;
  return s;
}

function numpy(n: number): Timing | undefined {
  const script = `
import json, time, numpy as np
n = ${n}
rng = np.random.default_rng(1)
x = rng.random(n); y = rng.random(n)
ts = []
for i in range(${RUNS + 2}):
    t0 = time.perf_counter(); (x*2+y).sum(); ts.append((time.perf_counter() - t0) * 1000)
print(json.dumps(ts[2:]))`;
  const r = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const samples = JSON.parse(r.stdout) as number[];
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[s.length >> 1]!, min: s[0]!, max: s[s.length - 1]!, runs: s.length };
}

export async function benchFused(): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const n of SIZES) {
    for (const executor of ['threads', 'local'] as const) {
      const sess = newSession({ mode: 'lazy', executor, default: false });
      try {
        const x = tt.random.rand([n], { seed: 1 });
        const y = tt.random.rand([n], { seed: 2 });
        await sess.execute([x.node, y.node]);
        let value = 0;
        const engine = await time(async () => {
          const s = x.mul(2).add(y).sum();
          value = ((await sess.run(s)) as NdArray).item() as number;
          sess.release(s.node);
        }, RUNS, 2);
        const xs = ((await sess.fetch(x.node)) as NdArray).data as Float64Array;
        const ys = ((await sess.fetch(y.node)) as NdArray).data as Float64Array;
        let expected = 0;
        const loop = await time(() => (expected = handLoop(xs, ys)), RUNS, 2);
        const np = executor === 'threads' ? numpy(n) : undefined;
        const row = {
          n,
          executor,
          workers: sess.info.workers,
          engineMs: engine,
          handLoopMs: loop,
          ratioToHandLoop: +(engine.median / loop.median).toFixed(3),
          ...(np ? { numpyMs: np, speedupOverNumpy: +(np.median / engine.median).toFixed(3) } : {}),
          relativeDifference: Math.abs(value - expected) / Math.abs(expected),
        };
        rows.push(row);
        console.log(
          `${n.toLocaleString().padStart(11)} ${executor.padEnd(8)} engine ${fmt(engine.median)}  hand loop ${fmt(loop.median)}  ` +
            `ratio ${row.ratioToHandLoop}${np ? `  numpy ${fmt(np.median)} (${row.speedupOverNumpy}x slower than engine)` : ''}`,
        );
      } finally {
        await sess.close();
      }
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchFused();
  console.log(`wrote ${writeResult('fused', { rows })}`);
}
