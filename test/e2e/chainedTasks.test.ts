/**
 * Chained tasks through a session (ops/tensor/chain.ts, kernels/chain.ts), on both executors: a random
 * draw, a matrix product or a slice copy that only one consumer reads runs in that consumer's task —
 * counted in `RunStats.chained`, never stored — and every value equals the unchained run's (a session
 * with `fuse: false` neither fuses nor chains). A producer that is also asked for is stored as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSession, type NdArray, type RunStats, type Session, tensor as tt, type Tensor } from '../../src/index.js';

const sessions: Record<'local' | 'threads', Session> = {} as never;
let plain: Session;
beforeAll(() => {
  sessions.local = newSession({ mode: 'lazy', executor: 'local', default: false });
  sessions.threads = newSession({ mode: 'lazy', executor: 'threads', workers: 2, default: false });
  plain = newSession({ mode: 'lazy', executor: 'local', fuse: false, default: false });
});
afterAll(async () => {
  await Promise.all([sessions.local.close(), sessions.threads.close(), plain.close()]);
});

async function runWithStats(sess: Session, ...ts: Tensor[]): Promise<{ values: NdArray[]; stats: RunStats }> {
  const seen: RunStats[] = [];
  const listener = (s: RunStats): void => void seen.push(s);
  sess.on('run', listener);
  try {
    const values = (await sess.run(ts)) as NdArray[];
    return { values, stats: seen[0]! };
  } finally {
    sess.off('run', listener);
  }
}

const numbers = (a: NdArray): number[] => Array.from(a.data, Number);

describe.each(['local', 'threads'] as const)('chained tasks on %s', (kind) => {
  it('draw random chunks inside the reduction that reads them, with the unchained values', async () => {
    const build = (): Tensor[] => [
      tt.random.rand([300_000], { seed: 21, chunkSize: 50_000 }).sum(),
      tt.random.randn([40, 500], { seed: 22, chunkSize: [10, 500] }).max({ axis: 1 }),
    ];
    const { values, stats } = await runWithStats(sessions[kind], ...build());
    expect(stats.chained).toBe(6 + 4);
    const expected = (await plain.run(build())) as NdArray[];
    expect(values.map(numbers)).toEqual(expected.map(numbers));
  });

  it('chain a matrix product of draws and a slice copy into their consumers, with the unchained values', async () => {
    const build = (): Tensor => {
      const a = tt.random.rand([60, 80], { seed: 23, chunkSize: 30 });
      const b = tt.random.rand([80, 50], { seed: 24, chunkSize: 40 });
      return a.matmul(b).slice('1:59:3').T.mul(2).sum({ axis: 0 });
    };
    const { values, stats } = await runWithStats(sessions[kind], build());
    expect(stats.chained).toBeGreaterThan(0);
    const expected = (await plain.run([build()])) as NdArray[];
    expect(numbers(values[0]!)).toEqual(numbers(expected[0]!));
  });

  it('store a producer that is also asked for, and read it from the store in a later run', async () => {
    const x = tt.random.rand([100_000], { seed: 25, chunkSize: 25_000 });
    const s = x.mul(3).sum();
    const { values, stats } = await runWithStats(sessions[kind], s, x);
    expect(stats.chained).toBe(0);
    const [sum, drawn] = values as [NdArray, NdArray];
    expect(sum.data[0]).toBeCloseTo(3 * numbers(drawn).reduce((acc, v) => acc + v, 0), 6);
    const again = await runWithStats(sessions[kind], x.mul(4).sum());
    expect(again.stats.chained).toBe(0); // x's chunks are stored now: nothing left to chain
    expect(again.values[0]!.data[0]).toBeCloseTo(4 * numbers(drawn).reduce((acc, v) => acc + v, 0), 6);
  });
});
