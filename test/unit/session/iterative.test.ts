/**
 * Iterative tiling (Mars's generator tiling) through a real session: a small test op whose tile is a
 * generator asks for its input's chunks to run, reads their measured rows with `ctx.chunkInfo`, and only
 * then emits its second stage — a chunk whose length and value come from what it measured — while its
 * output reuses the measured chunks themselves as fetch chunks. Built on tensor kernels so both
 * executors (same thread and worker threads) run it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../../src/base/errors.js';
import type { NdArray } from '../../../src/base/ndarray.js';
import { makeTileable, type TileableNode } from '../../../src/dag/nodes.js';
import { newSession, type ProgressEvent, type RunStats, type Session, tensor as tt } from '../../../src/index.js';
import { chunkKey, registerOp } from '../../../src/ops/op.js';
import { rejection } from '../../support/rejection.js';

let tiles = 0;
registerOp({
  name: 'test.measured',
  *tile(node, ctx) {
    tiles++;
    const input = ctx.input(0);
    yield input.chunks;
    const rows = input.chunks.map((k) => ctx.chunkInfo(k)!.rows!);
    const nbytes = input.chunks.map((k) => ctx.chunkInfo(k)!.nbytes);
    ctx.plan(`measured rows ${rows.join(',')}`);
    ctx.plan(`measured bytes ${nbytes.reduce((a, b) => a + b, 0)}`);
    const tail = rows.filter((r) => r > 0).length;
    const last = ctx.add({
      key: chunkKey(node.key, [0], 'tail'),
      kernel: 'tensor.full',
      params: { shape: [tail], dtype: 'float64', value: rows.reduce((a, b) => a + b, 0) },
      inputs: [],
      meta: { shape: [tail], dtype: 'float64' },
    });
    return { nsplits: [[...rows, tail]], chunks: [...input.chunks, last] };
  },
});

/** The input's values followed by one copy of its length per chunk (what the op computes). */
function measured(input: TileableNode, n: number, chunks: number): { node: TileableNode; expected: (data: readonly number[]) => number[] } {
  const meta = { type: 'tensor', shape: [n + chunks], dtype: 'float64', nsplits: [[n + chunks]] };
  return { node: makeTileable('test.measured', {}, [input], meta), expected: (data) => [...data, ...Array.from({ length: chunks }, () => n)] };
}

const values = (a: unknown): number[] => Array.from((a as NdArray).data);
const opened: Session[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

describe.each(['local', 'threads'] as const)('iterative tiling on the %s executor', (executor) => {
  const open = (mode: 'lazy' | 'eager' = 'lazy'): Session => {
    const s = newSession({ mode, executor, default: false, ...(executor === 'threads' ? { workers: 2 } : {}) });
    opened.push(s);
    return s;
  };
  const data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it('runs the yielded chunks, resumes with their measured rows and bytes, and reuses them in the final graph', async () => {
    const s = open();
    const x = tt.array(Float64Array.from(data), { chunkSize: 4 }).add(1);
    const m = measured(x.node, 10, 3);
    const stats: RunStats[] = [];
    const progress: ProgressEvent[] = [];
    s.on('run', (r: RunStats) => stats.push(r));
    s.on('progress', (e: ProgressEvent) => progress.push(e));
    await s.execute([m.node]);
    expect(values(await s.fetch(m.node))).toEqual(m.expected(data.map((v) => v + 1)));
    const run = stats.at(-1)!;
    expect(run.preRuns).toBe(1);
    // The final graph holds only the tail chunk to compute: the measured chunks came in as fetch chunks.
    expect(run.chunks).toBe(4);
    expect(run.reused).toBe(3);
    // Executed counts the pre-run's tasks (three chunks of the input, at least) and the tail.
    expect(run.executed).toBeGreaterThanOrEqual(4);
    expect(progress.at(-1)!.total).toBe(run.executed);
    expect(run.plans).toEqual([{ key: m.node.key, op: 'test.measured', decisions: ['measured rows 4,4,2', 'measured bytes 80'] }]);
    expect(s.info.plans.find((p) => p.key === m.node.key)?.decisions).toEqual(['measured rows 4,4,2', 'measured bytes 80']);
    expect(progress.at(-1)!.progress).toBe(1);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
      expect(progress[i]!.progress).toBeGreaterThanOrEqual(progress[i - 1]!.progress);
    }
  });

  it('keeps no pre-run chunk the result does not hold, and holds or pins nothing after the plan', async () => {
    const s = open();
    const x = tt.array(Float64Array.from(data), { chunkSize: 4 }).add(1);
    const m = measured(x.node, 10, 3);
    await s.execute([m.node]);
    const tiled = s.tiledOf(m.node)!;
    for (const k of tiled.chunks) {
      expect(s.store.chunks.has(k)).toBe(true);
      expect(s.store.chunks.holds(k)).toBe(1);
      expect(s.store.chunks.pins(k)).toBe(0);
    }
    s.release(m.node);
    await s.execute([]);
    for (const k of tiled.chunks) expect(s.store.chunks.has(k)).toBe(false);
    expect(s.info.results).toBe(0);
  });

  it('reuses stored chunks: an executed input needs no pre-run task, and a re-run tiles from the cache', async () => {
    const s = open();
    const x = tt.array(Float64Array.from(data), { chunkSize: 4 }).mul(2);
    await s.execute([x]);
    const stats: RunStats[] = [];
    s.on('run', (r: RunStats) => stats.push(r));
    const m = measured(x.node, 10, 3);
    await s.execute([m.node]);
    expect(stats.at(-1)!.executed).toBe(1);
    expect(values(await s.fetch(m.node))).toEqual(m.expected(data.map((v) => v * 2)));
    // The input's own result keeps its chunks once the plan let go of them.
    expect(values(await s.fetch(x.node))).toEqual(data.map((v) => v * 2));
    const before = tiles;
    await s.execute([m.node]);
    expect(tiles).toBe(before);
  });

  it('a failure in a pre-run fails the run, keeps the other results and leaves the session usable', async () => {
    const s = open();
    const kept = tt.array(Float64Array.from(data), { chunkSize: 5 }).add(3);
    await s.execute([kept]);
    const bad = tt.array(Float64Array.from(data), { chunkSize: 4 }).map((v) => {
      if (v > 8) throw new RangeError('too big');
      return v;
    });
    const m = measured(bad.node, 10, 3);
    const e = await rejection(s.execute([m.node]));
    expect(e).toBeInstanceOf(Error);
    expect(String((e as Error).message)).toContain('too big');
    expect(s.isExecuted(m.node)).toBe(false);
    expect(values(await s.fetch(kept.node))).toEqual(data.map((v) => v + 3));
    const good = measured(tt.array(Float64Array.from(data), { chunkSize: 3 }).node, 10, 4);
    await s.execute([good.node]);
    expect(values(await s.fetch(good.node))).toEqual(good.expected(data));
    const keys = s.tiledOf(good.node)!.chunks;
    for (const k of keys) expect(s.store.chunks.pins(k)).toBe(0);
  });

  it('a cancellation during a pre-run rejects with CancelledError and releases what it kept', async () => {
    const s = open();
    const x = tt.array(Float64Array.from({ length: 64 }, (_, i) => i), { chunkSize: 4 }).map((v) => v + 1);
    const m = measured(x.node, 64, 16);
    const ac = new AbortController();
    const onProgress = (e: ProgressEvent): void => {
      if (e.done > 0 && e.done < e.total) ac.abort();
    };
    s.on('progress', onProgress);
    const e = await rejection(s.execute([m.node], { signal: ac.signal }));
    s.off('progress', onProgress);
    expect(e).toBeInstanceOf(CancelledError);
    expect(s.isExecuted(m.node)).toBe(false);
    expect(s.info.results).toBe(0);
    expect(s.store.status().objects).toBe(0);
    await s.execute([m.node]);
    expect(values(await s.fetch(m.node))).toEqual(m.expected(Array.from({ length: 64 }, (_, i) => i + 1)));
  });

  it('eager mode runs an iterative op when it is built', async () => {
    const s = open('eager');
    const { node, expected } = s.scope(() => measured(tt.array(Float64Array.from(data), { chunkSize: 6 }).sub(1).node, 10, 2));
    await s.submitEager(node);
    expect(s.isExecuted(node)).toBe(true);
    expect(values(await s.fetch(node))).toEqual(expected(data.map((v) => v - 1)));
  });

  it('eager mode: a failing pre-run fails its own node, not an independent one of the same batch', async () => {
    const s = open('eager');
    const { bad, good } = s.scope(() => {
      const failing = tt.array(Float64Array.from(data), { chunkSize: 4 }).map((v) => {
        if (v > 8) throw new RangeError('too big');
        return v;
      });
      return { bad: measured(failing.node, 10, 3).node, good: measured(tt.array(Float64Array.from(data), { chunkSize: 5 }).add(2).node, 10, 2) };
    });
    const failing = s.submitEager(bad);
    const passing = s.submitEager(good.node);
    expect(String((await rejection(failing)).message)).toContain('too big');
    await passing;
    expect(values(await s.fetch(good.node))).toEqual(good.expected(data.map((v) => v + 2)));
  });
});
