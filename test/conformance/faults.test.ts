/**
 * Executors never lose a run to an exception (issue 9 §3). On both executors: a throwing progress
 * listener, a chunk deleted from the store mid-run, a spilled chunk whose file is gone, and a kernel
 * whose output does not fit its chunk each end in a rejected run with a typed error — never an
 * unhandled rejection or an unsettled run — and the same session (or executor) then runs the next DAG
 * correctly. The throwing listener and the wrong kernel output are checked on a remote session too (a
 * server on loopback): the listener's error stops the server's run, which keeps nothing of it. The
 * wrong kernel output is also checked on the distributed executor (a worker process and a redis-server).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ArrayData } from '../../src/base/ndarray.js';
import { ChunkGraphBuilder, type ChunkSpec } from '../../src/dag/chunkGraph.js';
import type { Executor } from '../../src/executors/executor.js';
import { LocalExecutor } from '../../src/executors/local.js';
import { ThreadsExecutor } from '../../src/executors/threads.js';
import { type NdArray, tensor as tt, TesseraError } from '../../src/index.js';
import { MemoryChunkStore } from '../../src/store/chunkStore.js';
import { type RemoteSession, type Session } from '../../src/index.js';
import { remoteExecutor, sessionBackend } from '../support/backends.js';
import { clusterForSuite, distributedExecutor } from '../support/distributed.js';
import { failOnUnhandledRejections, sessionsOn } from '../support/lifecycle.js';

const MiB = 2 ** 20;
const values = (a: unknown) => [...(a as NdArray).data];

failOnUnhandledRejections();

async function rejection(p: Promise<unknown>): Promise<TesseraError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TesseraError);
  return e as TesseraError;
}

const remote = sessionBackend('remote');
// One `tessera worker` and a private redis-server, for the wrong kernel output on the distributed executor.
const cluster = clusterForSuite(1, 1);

describe.each(['local', 'threads', 'remote'] as const)('a throwing listener in a session on %s', (executor) => {
  const local = sessionsOn(executor === 'remote' ? 'local' : executor);
  const opened: RemoteSession[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  const session = (): Session | RemoteSession => {
    if (executor !== 'remote') return local();
    const s = remote.open({ mode: 'lazy', default: false }) as RemoteSession;
    opened.push(s);
    return s;
  };

  it('a throwing progress listener rejects the run with ListenerError and keeps nothing of it', async () => {
    const sess = session();
    const x = tt.arange(12, undefined, undefined, { chunkSize: 3 });
    const listener = (): void => {
      throw new Error('listener bug');
    };
    sess.on('progress', listener);
    const e = await rejection(sess.run(x.mul(2).sum()));
    expect(e.code).toBe('ListenerFailed');
    expect(e.message).toContain('listener bug');
    expect(sess.info.results).toBe(0);
    expect((await sess.store.status()).memoryUsage).toBe(0);
    sess.off('progress', listener);
    expect(((await sess.run(x.mul(2).sum())) as NdArray).item()).toBe(132);
  });

});

describe.each(['local', 'threads'] as const)('faults in a session on %s', (executor) => {
  const session = sessionsOn(executor);

  it('a chunk deleted from the store mid-run rejects the run with ObjectNotExists; the next run recomputes it', async () => {
    const sess = session({ fuse: false });
    const x = tt.arange(8, undefined, undefined, { chunkSize: 8 });
    await x.execute({ session: sess });
    const objectId = (await sess.fetchInfos(x, { fields: ['objectId'] }))[0]!.objectId!;
    const globalId = sess.store.list('tessera::GlobalTensor')[0]!.id;
    sess.on('progress', (ev: { done: number }) => {
      // After the first task and before the one that reads x: the user deletes x's objects by id.
      if (ev.done === 1 && sess.store.exists(objectId)) sess.store.delete(globalId, { force: true, deep: true });
    });
    const y = tt.ones([8], { chunkSize: 8 }).map((v) => v * 10).add(x);
    const e = await rejection(sess.run(y));
    expect(e.code).toBe('ObjectNotExists');
    expect(x.isExecuted({ session: sess })).toBe(false);
    expect(values(await sess.run(y))).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
  });

  it('a spilled chunk that cannot be read back rejects the run with IOError; the next run recomputes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-faults-'));
    try {
      const sess = session({ memoryLimit: 2.5 * MiB, spillDir: dir });
      const a = tt.random.rand([MiB / 8], { seed: 11, chunkSize: MiB / 8 });
      const expected = values(await sess.run(a));
      await tt.random.rand([MiB / 8], { seed: 12, chunkSize: MiB / 8 }).execute({ session: sess });
      await tt.random.rand([MiB / 8], { seed: 13, chunkSize: MiB / 8 }).execute({ session: sess });
      expect((await sess.fetchInfos(a, { fields: ['level'] }))[0]!.level).toBe('disk');
      for (const f of readdirSync(dir)) rmSync(join(dir, f));
      const e = await rejection(sess.run(a.mul(2)));
      expect(e.code).toBe('IOError');
      expect(e.message).toMatch(/cannot be read back/);
      expect(values(await sess.run(a.mul(2)))).toEqual(expected.map((v) => v * 2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function full(key: string, value: number, n: number, metaN = n): ChunkSpec {
  return { key, kernel: 'tensor.full', params: { shape: [n], dtype: 'float64', value }, inputs: [], meta: { shape: [metaN], dtype: 'float64' } };
}

describe.each([
  ['local', () => new LocalExecutor()],
  ['threads', () => new ThreadsExecutor({ workers: 2 })],
  ['remote', () => remoteExecutor(remote)],
  ['distributed', () => distributedExecutor(cluster)],
] as [string, () => Executor][])('a wrong kernel output on the %s executor', (_name, make) => {
  const ex = make();
  afterAll(() => ex.close());

  it('rejects with KernelOutputError naming the chunk, stores nothing, and the next graph runs', async () => {
    const store = new MemoryChunkStore();
    const b = new ChunkGraphBuilder();
    // Big enough (64k elements) that the threads executor sends it to a worker.
    b.add(full('wrong', 1, 65_536, 65_537));
    const g = b.build();
    const e = await rejection(ex.run(g, store, { targets: [g.indexOf('wrong')] }));
    expect(e.code).toBe('KernelOutput');
    expect(e.message).toMatch(/chunk wrong: shape \[65536\], expected \[65537\]/);
    expect([...store.keys()]).toEqual([]);
    const ok = new ChunkGraphBuilder();
    ok.add(full('right', 2, 4));
    const g2 = ok.build();
    await ex.run(g2, store, { targets: [g2.indexOf('right')] });
    expect([...(store.get('right') as ArrayData).data]).toEqual([2, 2, 2, 2]);
  });
});
