/**
 * A small driver run goes nowhere (executors/threads.ts): a BFS small enough to run alone
 * (kernels/graph/apps.ts `appInPlace`) runs whole on the calling thread (kernels/task.ts
 * `runDriverTaskNow`), with no gang entry in the pool; an app that shares its ranges (PageRank) still leads a gang,
 * and so does the BFS when the session sends every task to the pool (`inlineTinyTasks: false`). The
 * depths are checked against a reference either way.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as task from '../../../src/kernels/task.js';
import { Lane } from '../../../src/executors/fairPool.js';
import { ThreadsExecutor } from '../../../src/executors/threads.js';
import { graph as gs, type NdArray, newSession } from '../../../src/index.js';
import { Session } from '../../../src/session/session.js';

vi.mock('../../../src/kernels/task.js', async (original) => {
  const actual = await original<typeof task>();
  return { ...actual, runDriverTaskNow: vi.fn(actual.runDriverTaskNow) };
});

const N = 5_000;
const src = new Int32Array(2 * N);
const dst = new Int32Array(2 * N);
for (let i = 0; i < N; i++) {
  [src[i], dst[i]] = [i, (i + 1) % N];
  [src[N + i], dst[N + i]] = [i, (i * 7919 + 13) % N];
}

function referenceDepths(source: number): number[] {
  const out = new Map<number, number[]>();
  for (let e = 0; e < src.length; e++) (out.get(src[e]!) ?? out.set(src[e]!, []).get(src[e]!)!).push(dst[e]!);
  const depth = new Array<number>(N).fill(Infinity);
  const queue = [source];
  depth[source] = 0;
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (const t of out.get(v) ?? []) if (depth[t] === Infinity) (depth[t] = depth[v]! + 1), queue.push(t);
  }
  return depth;
}

/** Apps run whole on this thread, and the apps' gangs led through the pool, while `body` runs. */
async function observed(body: () => Promise<void>): Promise<{ appsHere: number; gangs: number }> {
  vi.mocked(task.runDriverTaskNow).mockClear();
  let gangs = 0;
  const run = Lane.prototype.run;
  vi.spyOn(Lane.prototype, 'run').mockImplementation(function (this: Lane, t, options) {
    if (options?.name === 'leadGang' && (t as { task?: { kernel?: string } }).task?.kernel === 'graph.app') gangs++;
    return run.call(this, t, options);
  });
  await body();
  const appsHere = vi.mocked(task.runDriverTaskNow).mock.calls.filter(([m]) => m.kernel === 'graph.app').length;
  return { appsHere, gangs };
}

const opened: Session[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

function open(inlineTinyTasks = true): Session {
  const sess = inlineTinyTasks
    ? newSession({ mode: 'lazy', executor: 'threads', workers: 2, default: false })
    : new Session({ mode: 'lazy', executor: 'threads', default: false }, { executor: new ThreadsExecutor({ workers: 2, inlineTinyTasks }) });
  opened.push(sess);
  return sess;
}

describe('a small driver run on the threads executor', () => {
  it('a small BFS runs whole on the calling thread, with no gang, and its depths are right', async () => {
    const sess = open();
    const g = sess.scope(() => gs.loadFrom({ edges: { src, dst }, directed: true }));
    // The first two apps build the projection and the BFS's layouts (ops/graph/apps.ts): warm up first.
    for (const source of [0, 1]) await sess.run(sess.scope(() => gs.bfs(g, source).toArray('r')));
    for (const source of [7, 4321]) {
      let depths: ArrayLike<number> = [];
      const seen = await observed(async () => {
        depths = ((await sess.run(sess.scope(() => gs.bfs(g, source).toArray('r')))) as NdArray).data as ArrayLike<number>;
      });
      expect(Array.from(depths)).toEqual(referenceDepths(source));
      expect(seen.gangs).toBe(0);
      expect(seen.appsHere).toBe(1);
    }
  });

  it('with every task sent to the pool, the same BFS leads a gang there', async () => {
    const sess = open(false);
    const g = sess.scope(() => gs.loadFrom({ edges: { src, dst }, directed: true }));
    for (const source of [0, 1]) await sess.run(sess.scope(() => gs.bfs(g, source).toArray('r')));
    const seen = await observed(async () => {
      expect(Array.from(((await sess.run(sess.scope(() => gs.bfs(g, 7).toArray('r')))) as NdArray).data as ArrayLike<number>)).toEqual(referenceDepths(7));
    });
    expect(seen.gangs).toBe(1);
    expect(seen.appsHere).toBe(0);
  });

  it('PageRank, which shares its ranges, still leads a gang in the pool', async () => {
    const sess = open();
    const g = sess.scope(() => gs.loadFrom({ edges: { src, dst }, directed: true }));
    for (const maxRound of [3, 4]) await sess.run(sess.scope(() => gs.pagerank(g, { maxRound }).toArray('r')));
    const seen = await observed(async () => {
      const ranks = ((await sess.run(sess.scope(() => gs.pagerank(g, { maxRound: 5 }).toArray('r')))) as NdArray).data;
      expect(ranks).toHaveLength(N);
    });
    expect(seen.gangs).toBe(1);
    expect(seen.appsHere).toBe(0);
  });
});
