/**
 * The executor conformance suite: every executor must pass it unchanged. Graphs are built directly
 * from tensor kernels (what a worker can run), so the suite exercises the executor contract alone:
 * targets stay, intermediates go, fetch chunks are read and never recomputed or deleted, kernel errors
 * keep their class and chunk key, continue-on-error isolates failures, cancellation does not wait for
 * running tasks and leaves nothing behind. The remote executor runs each graph on a session hosted by a
 * server on loopback (the fetch chunks' values travel with it, the targets' values come back); the
 * distributed executor on two `tessera worker` processes and a private redis-server.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { ArrayData } from '../../src/base/ndarray.js';
import { CancelledError, WorkerCrashedError } from '../../src/base/errors.js';
import { ChunkGraphBuilder, type ChunkSpec } from '../../src/dag/chunkGraph.js';
import type { ExecEvent, Executor } from '../../src/executors/executor.js';
import { LocalExecutor } from '../../src/executors/local.js';
import { ThreadsExecutor } from '../../src/executors/threads.js';
import type { Expr } from '../../src/base/expr.js';
import { MemoryChunkStore } from '../../src/store/chunkStore.js';
import { remoteExecutor, sessionBackend } from '../support/backends.js';
import { clusterForSuite, distributedExecutor } from '../support/distributed.js';
import { settles } from '../support/events.js';

const IN0: Expr = { t: 'in', i: 0, dtype: 'float64' };

function full(key: string, value: number, n = 4): ChunkSpec {
  return { key, kernel: 'tensor.full', params: { shape: [n], dtype: 'float64', value }, inputs: [], meta: { shape: [n], dtype: 'float64' } };
}
function add(key: string, a: string, b: string, n = 4): ChunkSpec {
  const expr: Expr = { t: 'bin', op: 'add', a: IN0, b: { t: 'in', i: 1, dtype: 'float64' }, dtype: 'float64' };
  return { key, kernel: 'tensor.ew', params: { expr, shape: [n], dtype: 'float64' }, inputs: [a, b], meta: { shape: [n], dtype: 'float64' } };
}
function fn(key: string, input: string, source: string, n = 4): ChunkSpec {
  const expr: Expr = { t: 'fn', f: 0, a: IN0, dtype: 'float64' };
  return { key, kernel: 'tensor.ew', params: { expr, shape: [n], dtype: 'float64', fns: [source] }, inputs: [input], meta: { shape: [n], dtype: 'float64' } };
}

function build(specs: ChunkSpec[], fetch: string[] = []) {
  const b = new ChunkGraphBuilder();
  for (const f of fetch) b.addFetch(f, null);
  for (const s of specs) b.add(s);
  const g = b.build();
  return { g, idx: (k: string) => g.indexOf(k) };
}

const values = (store: MemoryChunkStore, key: string) => [...(store.get(key) as ArrayData).data];

const remote = sessionBackend('remote');
const cluster = clusterForSuite(2, 1);

const executors: [string, () => Executor][] = [
  ['local', () => new LocalExecutor()],
  ['threads', () => new ThreadsExecutor({ workers: 2 })],
  ['remote', () => remoteExecutor(remote)],
  ['distributed', () => distributedExecutor(cluster)],
];

describe.each(executors)('executor conformance: %s', (name, make) => {
  const ex = make();
  afterAll(() => ex.close());

  it('keeps targets, releases intermediates, reports counts', async () => {
    const { g, idx } = build([full('a', 1), full('b', 2), add('c', 'a', 'b'), add('d', 'c', 'c')]);
    const store = new MemoryChunkStore();
    const events: ExecEvent[] = [];
    const report = await ex.run(g, store, { targets: [idx('d')], onEvent: (e) => events.push(e) });
    expect([...store.keys()]).toEqual(['d']);
    expect(values(store, 'd')).toEqual([6, 6, 6, 6]);
    expect(report.executed).toBe(4);
    expect(report.failures).toEqual([]);
    expect(events.filter((e) => e.type === 'finished')).toHaveLength(4);
    expect(events.at(-1)).toMatchObject({ type: 'finished', done: 4, total: 4 });
    expect(report.peakBytes).toBeGreaterThanOrEqual(64);
  });

  it('reads fetch chunks without recomputing or deleting them', async () => {
    const store = new MemoryChunkStore();
    store.put('a', { dtype: 'float64', shape: [4], data: Float64Array.from([1, 2, 3, 4]) });
    const { g, idx } = build([add('c', 'a', 'a')], ['a']);
    const report = await ex.run(g, store, { targets: [idx('c')] });
    expect(report.executed).toBe(1);
    expect(values(store, 'a')).toEqual([1, 2, 3, 4]);
    expect(values(store, 'c')).toEqual([2, 4, 6, 8]);
  });

  it('fails with the kernel error class, its code-less message, the chunk key and the build site', async () => {
    const { g, idx } = build([full('a', 1), fn('bad', 'a', '(x) => { throw new RangeError("no " + x); }'), add('c', 'bad', 'a')]);
    const store = new MemoryChunkStore();
    const err = (await ex
      .run(g, store, { targets: [idx('c')], buildStackOf: () => 'Error\n    at buildSite (user.ts:7:1)' })
      .catch((e: unknown) => e)) as Error & { chunkKey?: string };
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe('no 1');
    expect(err.chunkKey).toBe('bad');
    expect(err.stack).toContain('user.ts:7:1');
    expect(store.size).toBe(0);
  });

  it('with continueOnError, fails only what depends on the failure', async () => {
    const { g, idx } = build([
      full('a', 1),
      fn('bad', 'a', '(x) => { throw new TypeError("bad"); }'),
      add('dep', 'bad', 'a'),
      add('ok', 'a', 'a'),
    ]);
    const store = new MemoryChunkStore();
    const report = await ex.run(g, store, { targets: [idx('dep'), idx('ok')], continueOnError: true });
    expect(report.failures.map((f) => f.key)).toEqual(['bad']);
    expect(report.failures[0]!.error).toBeInstanceOf(TypeError);
    expect(report.blockedBy.get(idx('dep'))).toBe(idx('bad'));
    expect([...store.keys()]).toEqual(['ok']);
    expect(values(store, 'ok')).toEqual([2, 2, 2, 2]);
  });

  it('stops at an abort between tasks, leaves nothing behind, and stays usable', async () => {
    const specs: ChunkSpec[] = [full('c0', 1)];
    for (let i = 1; i < 50; i++) specs.push(add(`c${i}`, `c${i - 1}`, `c${i - 1}`));
    const { g, idx } = build(specs);
    const store = new MemoryChunkStore();
    const ctl = new AbortController();
    const run = ex.run(g, store, {
      targets: [idx('c49')],
      signal: ctl.signal,
      onEvent: (e) => {
        if (e.type === 'finished' && e.done === 3) ctl.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(store.size).toBe(0);
    const again = build([full('z', 3), add('w', 'z', 'z')]);
    await ex.run(again.g, store, { targets: [again.idx('w')] });
    expect(values(store, 'w')).toEqual([6, 6, 6, 6]);
  });

  it('runs thousands of tiny tasks', async () => {
    const specs: ChunkSpec[] = [];
    for (let i = 0; i < 3000; i++) specs.push(full(`s${i}`, i, 1), add(`t${i}`, `s${i}`, `s${i}`, 1));
    const { g } = build(specs);
    const store = new MemoryChunkStore();
    const targets = Array.from({ length: 3000 }, (_, i) => g.indexOf(`t${i}`));
    const report = await ex.run(g, store, { targets });
    expect(report.executed).toBe(6000);
    expect(store.size).toBe(3000);
    expect(values(store, 't2999')).toEqual([5998]);
  });
});

describe('threads executor: in-flight tasks and worker deaths', () => {
  const ex = new ThreadsExecutor({ workers: 2 });
  afterAll(() => ex.close());

  it('an abort settles the run with CancelledError while its tasks still run, and stops them', async () => {
    // Each slow task says on a BroadcastChannel that it is running, then spins until its thread is
    // terminated: it never finishes on its own, so the run can only settle by not waiting for it, and
    // the pool can only run another task once the spinning ones were stopped.
    const channel = new BroadcastChannel(`tessera-in-flight-${randomUUID()}`);
    try {
      const running = new Set<unknown>();
      const bothRunning = new Promise<void>((resolve) => {
        channel.onmessage = (m) => {
          running.add((m as MessageEvent).data);
          if (running.size === 2) resolve();
        };
      });
      const spin = (tag: string): string => `(x) => { new BroadcastChannel(${JSON.stringify(channel.name)}).postMessage('${tag}'); for (;;) {} }`;
      const { g, idx } = build([full('a', 1), fn('slow', 'a', spin('slow')), fn('slow2', 'a', spin('slow2'))]);
      const store = new MemoryChunkStore();
      const ctl = new AbortController();
      const run = ex.run(g, store, { targets: [idx('slow'), idx('slow2')], signal: ctl.signal });
      await settles(bothRunning, 'both slow tasks to start on the pool');
      ctl.abort();
      await expect(settles(run, 'the aborted run to settle')).rejects.toBeInstanceOf(CancelledError);
      expect(store.size).toBe(0);
      // A user function never runs on the calling thread: this needs a pool worker no slow task holds.
      const again = build([full('z', 1), fn('w', 'z', '(x) => x * 2')]);
      await settles(ex.run(again.g, store, { targets: [again.idx('w')] }), 'a task after the abort to run on the pool');
      expect(values(store, 'w')).toEqual([2, 2, 2, 2]);
    } finally {
      channel.close();
    }
  });

  it('retries a task whose worker died once, then fails with WorkerCrashedError and stays usable', async () => {
    const { g, idx } = build([full('a', 1), fn('crash', 'a', '(x) => { process.exit(3); }')]);
    const store = new MemoryChunkStore();
    const err = await ex.run(g, store, { targets: [idx('crash')] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerCrashedError);
    expect((err as WorkerCrashedError).chunkKey).toBe('crash');
    expect(store.size).toBe(0);
    const again = build([full('z', 2), add('w', 'z', 'z')]);
    await ex.run(again.g, store, { targets: [again.idx('w')] });
    expect(values(store, 'w')).toEqual([4, 4, 4, 4]);
  });
});
