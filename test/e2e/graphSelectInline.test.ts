/**
 * Reading results out of an executed context (`toArray`, `toArrow` of results and ids) runs on the
 * session's own thread: the selection is a view of results already in shared memory, so a trip to the
 * pool — and a wait behind whatever the pool is running — would cost more than the work. Observed from
 * the shared pool's dispatch events, never timed. A property column of strings still goes to the pool.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sharedPoolState } from '../../src/executors/pool.js';
import type { DispatchEvent } from '../../src/executors/fairPool.js';
import { graph as gs, type NdArray, newSession } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';

failOnUnhandledRejections();

const sess = newSession({ mode: 'lazy', default: false });
afterAll(() => sess.close());

/** Runs `f` and counts this session's tasks handed to the shared pool meanwhile. */
async function dispatchesDuring<T>(f: () => Promise<T>): Promise<{ value: T; dispatched: number }> {
  const { dispatcher } = sharedPoolState()!;
  let dispatched = 0;
  const listener = (e: DispatchEvent): void => void (e.owner === sess.id && dispatched++);
  dispatcher.on('dispatch', listener);
  try {
    return { value: await f(), dispatched };
  } finally {
    dispatcher.off('dispatch', listener);
  }
}

describe('selections of an executed context', () => {
  const g = sess.scope(() =>
    sess.g({ directed: false })
      .addVertices({ id: [3, 1, 2, 4], name: ['çà', 'a', '', '😀 z'] }, { label: 'person' })
      .addEdges({ a: [1, 2], b: [2, 3] }, { label: 'knows', src: 'a', dst: 'b' }),
  );
  const wcc = sess.scope(() => gs.wcc(g));
  const bfs = sess.scope(() => gs.bfs(g, 1));

  it('results, ids and tables of them run without the pool, exact', async () => {
    await sess.run([wcc, bfs]);
    const r = await dispatchesDuring(() => sess.run([wcc.toArray('r'), bfs.toArray('r'), wcc.toArray('v.id'), bfs.toArrow({ id: 'v.id', depth: 'r' })]));
    expect(r.dispatched).toBe(0);
    const [labels, depths, ids, table] = r.value as [NdArray, NdArray, NdArray, import('apache-arrow').Table];
    expect(Array.from(ids.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(labels.data)).toEqual([1, 1, 1, 4]);
    expect(Array.from(depths.data)).toEqual([0, 1, 2, Infinity]);
    expect(Array.from(table.getChild('depth')!.toArray() as Float64Array)).toEqual([0, 1, 2, Infinity]);
  });

  it('a string property column is decoded on the pool', async () => {
    const r = await dispatchesDuring(() => sess.run(wcc.toArray('v.data')));
    expect(r.value).toEqual(['a', '', 'çà', '😀 z']);
    expect(r.dispatched).toBe(1);
  });
});
