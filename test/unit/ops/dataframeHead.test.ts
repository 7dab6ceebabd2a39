/**
 * `head` over a frame whose chunk rows the plan does not know (what a filter gives): it runs the chunks
 * it needs to measure — one, then two, then four… — and no more, takes whole chunks by key and slices
 * the last. The unknown-rows frame is a test op that re-tiles a source chunk by chunk with the real
 * `frame.select` kernel but claims not to know its rows, so both executors run it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeTileable } from '../../../src/dag/nodes.js';
import { DataFrame, dataframe as df, newSession, type RunStats, type Session } from '../../../src/index.js';
import { frameMeta, type FrameNode, tileChunkwise } from '../../../src/ops/dataframe/index.js';
import { registerOp } from '../../../src/ops/op.js';

registerOp({
  name: 'test.frame.unknownRows',
  tile: (node, ctx) => tileChunkwise(node, ctx, ctx.input(0), 'frame.select', { params: { names: node.params.names }, keepsRows: false }),
});

function unknownRows(d: DataFrame): DataFrame {
  const node = makeTileable('test.frame.unknownRows', { names: d.columns }, [d.node], frameMeta(d.node.meta.fields)) as FrameNode;
  return new DataFrame(node);
}

const opened: Session[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

describe.each(['local', 'threads'] as const)('head of a frame of unknown rows on the %s executor', (executor) => {
  const open = (): Session => {
    const s = newSession({ mode: 'lazy', executor, default: false, ...(executor === 'threads' ? { workers: 2 } : {}) });
    opened.push(s);
    return s;
  };
  const values = Array.from({ length: 20 }, (_, i) => i);

  it('a result of unknown rows is registered with the rows its chunks turned out to have', async () => {
    const s = open();
    const d = unknownRows(df.fromColumns({ v: values }, { chunkRows: 6 }));
    await d.execute({ session: s });
    expect(s.tiledOf(d.node)!.nsplits).toEqual([[6, 6, 6, 2]]);
    expect((await d.toRecords({ session: s })).length).toBe(20);
    const runs: RunStats[] = [];
    s.on('run', (r: RunStats) => runs.push(r));
    await d.head(7).execute({ session: s });
    // The executed input's rows are known now: head needs no pre-run.
    expect(runs.at(-1)!.preRuns).toBe(0);
  });

  it.each([
    [0, 1],
    [1, 1],
    [2, 1],
    [3, 3],
    [7, 7],
    [8, 7],
    [20, 10],
    [50, 10],
  ])('head(%i) measures %i chunks and gives the first rows', async (n, measured) => {
    const s = open();
    const d = unknownRows(df.fromColumns({ v: values }, { chunkRows: 2 }));
    expect(d.shape[0]).toBeNaN();
    const h = d.head(n);
    const runs: RunStats[] = [];
    s.on('run', (r: RunStats) => runs.push(r));
    await h.execute({ session: s });
    expect(await h.toRecords({ session: s })).toEqual(values.slice(0, n).map((v) => ({ v })));
    const plan = runs.at(-1)!.plans.find((p) => p.op === 'frame.head')!;
    expect(plan.decisions[0]).toContain(`${measured} run to measure their rows`);
    // Pre-runs ran the measured chunks (and their sources); nothing beyond what head needed.
    expect(runs.at(-1)!.executed).toBeLessThanOrEqual(2 * measured + 1);
    for (const k of s.tiledOf(h.node)!.chunks) expect(s.store.chunks.pins(k)).toBe(0);
  });
});
