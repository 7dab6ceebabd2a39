/**
 * A chunk's lifetime through the public API (issue 9 §2), on both executors: results are held by the
 * handles that asked for them and released when those are collected or released; release, eviction and
 * close may happen while a run is reading the chunks involved — the run still completes (or, for close,
 * is cancelled) with exact values; an eager failure is reported, not rerun, by a later execute.
 */
import { describe, expect, it } from 'vitest';
import { type NdArray, type Session, type Tensor, tensor as tt, CancelledError } from '../../src/index.js';
import { failOnUnhandledRejections, sessionsOn } from '../support/lifecycle.js';

const MiB = 2 ** 20;
const gc = (globalThis as { gc?: () => void }).gc!;
const values = (a: unknown) => [...(a as NdArray).data];

async function collect(sess: Session, until: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !until(); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(until(), `after collecting: ${JSON.stringify(sess.bookkeeping)}`).toBe(true);
}

failOnUnhandledRejections();

describe.each(['local', 'threads'] as const)('chunk lifetime on %s', (executor) => {
  const session = sessionsOn(executor);

  it('an eager session keeps only what live handles refer to once they are collected', async () => {
    const sess = session({ mode: 'eager' });
    let kept: Tensor | undefined;
    await sess.scope(async () => {
      kept = tt.ones([100], { chunkSize: 50 }).mul(3);
      for (let i = 0; i < 40; i++) {
        const a = tt.random.rand([60, 60], { chunkSize: 30, seed: i });
        expect((await a.mul(2).add(i).sum().fetch()).item()).toBeGreaterThan(0);
      }
    });
    await collect(sess, () => sess.info.results === 1);
    expect(sess.bookkeeping).toEqual({ results: 1, holders: 1, eager: 1 });
    expect(sess.store.usedBytes).toBe(800);
    expect(values(await kept!.fetch())).toEqual(new Array(100).fill(3));
  });

  it('a lazy session keeps nothing of runs whose handles are gone', async () => {
    const sess = session();
    for (let i = 0; i < 40; i++) {
      const v = (await sess.run(tt.random.rand([50, 50], { chunkSize: 25, seed: i }).mul(2).sum())) as NdArray;
      expect(v.item()).toBeGreaterThan(0);
    }
    await collect(sess, () => sess.info.results === 0);
    expect(sess.store.usedBytes).toBe(0);
    expect(sess.store.status().objects).toBe(0);
  });

  it('releasing an input while a run reads it: the run completes exactly, the chunks go when it ends', async () => {
    const sess = session({ fuse: false });
    const x = tt.arange(8, undefined, undefined, { chunkSize: 8 });
    await x.execute({ session: sess });
    const xChunks = (await sess.fetchInfos(x)).map((i) => i.key!);
    let released: boolean | undefined;
    sess.on('progress', (e: { done: number }) => {
      if (e.done === 1 && released === undefined) {
        released = x.release({ session: sess });
        expect(x.isExecuted({ session: sess })).toBe(false);
        expect(xChunks.every((k) => sess.store.chunks.has(k))).toBe(true);
      }
    });
    const y = tt.ones([8], { chunkSize: 8 }).map((v) => v * 10).add(x);
    expect(values(await sess.run(y))).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    expect(released).toBe(true);
    expect(xChunks.some((k) => sess.store.chunks.has(k))).toBe(false);
    expect(sess.info.results).toBe(1);
  });

  it('eviction during a run never takes its pinned inputs; an evicted result is recomputed exactly on fetch', async () => {
    const sess = session({ memoryLimit: 2.5 * MiB });
    let runs = 0;
    sess.on('run', () => runs++);
    const x = tt.random.rand([MiB / 8], { seed: 1, chunkSize: MiB / 8 });
    const z = tt.random.rand([MiB / 8], { seed: 2, chunkSize: MiB / 8 });
    await x.execute({ session: sess });
    const zValues = values(await sess.run(z));
    const xValues = values(await x.fetch({ session: sess }));
    const y = x.mul(2);
    expect(values(await sess.run(y))).toEqual(xValues.map((v) => v * 2));
    expect(z.isExecuted({ session: sess })).toBe(false);
    const before = runs;
    expect(values(await z.fetch({ session: sess }))).toEqual(zValues);
    expect(runs).toBe(before + 1);
  });

  it('closing during a run cancels it, frees everything, and later use says the session is closed', async () => {
    const sess = session({ fuse: false });
    const x = tt.arange(16, undefined, undefined, { chunkSize: 4 });
    await x.execute({ session: sess });
    let closing: Promise<void> | undefined;
    sess.on('progress', (e: { done: number }) => {
      if (e.done === 1) closing ??= sess.close();
    });
    const run = sess.run(x.map((v) => v + 1).mul(x).sum());
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    await closing;
    expect(sess.info).toMatchObject({ status: 'closed', results: 0, memory: { used: 0 } });
    await expect(sess.run(x)).rejects.toThrow('Attempted to use a closed Session.');
  });

  it('an eager failure is reported by a later execute and run, never computed again', async () => {
    const sess = session({ mode: 'eager' });
    let runs = 0;
    sess.on('run', () => runs++);
    const bad = sess.scope(() =>
      tt.ones([4]).map((v) => {
        if (v > 0) throw new RangeError('no positives');
        return v;
      }),
    );
    const first = await bad.fetch().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(RangeError);
    const after = runs;
    expect(await bad.execute().catch((e: unknown) => e)).toBe(first);
    expect(await sess.run(bad).catch((e: unknown) => e)).toBe(first);
    expect(runs).toBe(after);
  });
});
