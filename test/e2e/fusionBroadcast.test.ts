/**
 * Fusion and broadcasting, seen through `RunStats` (the session's 'run' event): an elementwise
 * producer that is broadcast into a larger consumer is not fused (fused, it would be recomputed for
 * every row of the consumer), and the values are the same as without fusion; a producer of the
 * consumer's own shape still fuses. On both executors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSession, type NdArray, type RunStats, type Session, tensor as tt, type Tensor } from '../../src/index.js';

const sessions: Record<'local' | 'threads', Session> = {} as never;
let unfused: Session;
beforeAll(() => {
  sessions.local = newSession({ mode: 'lazy', executor: 'local', default: false });
  sessions.threads = newSession({ mode: 'lazy', executor: 'threads', workers: 2, default: false });
  unfused = newSession({ mode: 'lazy', executor: 'local', fuse: false, default: false });
});
afterAll(async () => {
  await Promise.all([sessions.local.close(), sessions.threads.close(), unfused.close()]);
});

async function runWithStats(sess: Session, t: Tensor): Promise<{ value: NdArray; stats: RunStats }> {
  const seen: RunStats[] = [];
  const listener = (s: RunStats): void => void seen.push(s);
  sess.on('run', listener);
  try {
    const value = (await sess.run(t)) as NdArray;
    expect(seen).toHaveLength(1);
    return { value, stats: seen[0]! };
  } finally {
    sess.off('run', listener);
  }
}

describe.each(['local', 'threads'] as const)('fusion on %s', (kind) => {
  it('does not fuse a producer broadcast into a larger consumer, and the values are unchanged', async () => {
    const row = tt.random.rand([300], { seed: 11 }).mul(2).add(1);   // one chunk of 300
    const grid = tt.random.rand([200, 300], { seed: 12 });           // one chunk of 200 x 300
    const sum = grid.add(row);
    const { value, stats } = await runWithStats(sessions[kind], sum);
    expect(stats.fused).toBe(1); // mul(2) into add(1), both of 300; the row stays out of the 200 x 300 sum

    const reference = (await unfused.run(sum)) as NdArray;
    expect(Array.from(value.data)).toEqual(Array.from(reference.data));
  });

  it('still fuses a producer of the consumer’s own shape', async () => {
    const grid = tt.random.rand([200, 300], { seed: 13 });
    const chain = grid.mul(2).add(1).sqrt();
    const { value, stats } = await runWithStats(sessions[kind], chain);
    expect(stats.fused).toBe(2);
    const reference = (await unfused.run(chain)) as NdArray;
    expect(Array.from(value.data)).toEqual(Array.from(reference.data));
  });

  it('fuses the same-shape part of a chain and keeps the broadcast part apart', async () => {
    const column = tt.random.rand([200, 1], { seed: 14 }).mul(3);     // broadcast along the 300 columns
    const grid = tt.random.rand([200, 300], { seed: 15 }).add(1);     // same shape as the consumer
    const out = grid.sub(column).sum({ axis: 1 });
    const { value, stats } = await runWithStats(sessions[kind], out);
    expect(stats.fused).toBe(2); // grid.add(1) into the subtraction, the subtraction into the reduction
    const reference = (await unfused.run(out)) as NdArray;
    expect(Array.from(value.data)).toEqual(Array.from(reference.data));
  });
});
