/**
 * Locality on the distributed executor (issue 12 §1), against a private redis-server and two
 * `tessera worker` processes (1 thread each): a task whose input another task made runs on the worker
 * that made it and reads it from that worker's memory — Redis sees no GET of the input's key (watched
 * with MONITOR), the run's events name the same worker, the executor counts the routed jobs and cache
 * hits — and the result is bit-identical to the local executor's; the workers report their cache in
 * `sess.info`; a worker SIGKILLed while running a task routed to it has that task sent to the shared
 * queue once its heartbeat expires, and the run ends exact.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArrayData } from '../../src/base/ndarray.js';
import type { Expr } from '../../src/base/expr.js';
import { ChunkGraphBuilder, type ChunkSpec } from '../../src/dag/chunkGraph.js';
import { DistributedExecutor } from '../../src/executors/distributed/executor.js';
import type { ExecEvent } from '../../src/executors/executor.js';
import { LocalExecutor } from '../../src/executors/local.js';
import { chunkKey } from '../../src/executors/distributed/redisChunkStore.js';
import { workerKey } from '../../src/executors/distributed/protocol.js';
import { type NdArray, newSession, tensor as tt } from '../../src/index.js';
import { MemoryChunkStore } from '../../src/store/chunkStore.js';
import { clusterForSuite } from '../support/distributed.js';
import { type CommandWatch, watchCommands } from '../support/redisMonitor.js';
import { settles } from '../support/events.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';

failOnUnhandledRejections();
const cluster = clusterForSuite(2, 1);

/** Elements per chunk: 80 KB of float64, above the bytes a task must have on one worker to be routed. */
const N = 10_000;
const IN0: Expr = { t: 'in', i: 0, dtype: 'float64' };
const full = (key: string, value: number): ChunkSpec => ({ key, kernel: 'tensor.full', params: { shape: [N], dtype: 'float64', value }, inputs: [], meta: { shape: [N], dtype: 'float64' } });
const fn = (key: string, input: string, source: string): ChunkSpec => ({
  key,
  kernel: 'tensor.ew',
  params: { expr: { t: 'fn', f: 0, a: IN0, dtype: 'float64' }, shape: [N], dtype: 'float64', fns: [source] },
  inputs: [input],
  meta: { shape: [N], dtype: 'float64' },
});
function build(specs: ChunkSpec[]) {
  const b = new ChunkGraphBuilder();
  for (const s of specs) b.add(s);
  return b.build();
}
const bytes = (v: unknown): Buffer => {
  const d = (v as ArrayData).data as Float64Array;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
};

let client: Redis;
let monitor: CommandWatch;
/** Chunk keys (`{run}/{chunk}`) Redis was asked to GET, per session. */
const gets = new Map<string, string[]>();
beforeAll(async () => {
  client = new Redis(cluster().url);
  monitor = await watchCommands(cluster().url, (args) => {
    const m = args[0] === 'get' ? /^tessera:([^:]+):chunk:(.+)$/.exec(args[1] ?? '') : null;
    if (m) gets.set(m[1]!, [...(gets.get(m[1]!) ?? []), m[2]!]);
  });
});
afterAll(() => {
  monitor?.close();
  client?.disconnect();
});

/** The GETs Redis saw for a session's chunks so far (MONITOR lines trail the replies: a marker GET ends them). */
async function chunkGets(session: string): Promise<string[]> {
  await client.get(chunkKey(session, 'marker'));
  await settles(
    (async () => {
      while (!(gets.get(session) ?? []).includes('marker')) await new Promise((r) => setTimeout(r, 5));
    })(),
    'the MONITOR marker',
  );
  return (gets.get(session) ?? []).filter((k) => k !== 'marker').map((k) => k.slice(k.indexOf('/') + 1));
}

function executor(session = `l${randomBytes(5).toString('hex')}`): DistributedExecutor {
  return new DistributedExecutor({ redis: cluster().url, queue: 'tessera', session });
}

describe('locality', () => {
  it('a task runs on the worker that made its input and reads it from memory, not Redis', async () => {
    const session = `l${randomBytes(5).toString('hex')}`;
    const ex = executor(session);
    try {
      // Two chains a -> b -> c: each chain's head runs wherever, the rest follow it.
      const specs = [0, 1].flatMap((k) => [full(`a${k}`, k + 1), fn(`b${k}`, `a${k}`, '(v) => v * 3 + 1'), fn(`c${k}`, `b${k}`, '(v) => Math.sqrt(v)')]);
      const g = build(specs);
      const ranOn = new Map<string, string>();
      const onEvent = (e: ExecEvent) => {
        if (e.type === 'finished' && e.worker) ranOn.set(g.keys[e.index]!, e.worker);
      };
      const store = new MemoryChunkStore();
      await settles(ex.run(g, store, { targets: [g.indexOf('c0'), g.indexOf('c1')], onEvent }), 'the run');
      for (const k of [0, 1]) {
        expect(ranOn.get(`b${k}`)).toBe(ranOn.get(`a${k}`));
        expect(ranOn.get(`c${k}`)).toBe(ranOn.get(`a${k}`));
      }
      expect(new Set(ranOn.values()).size).toBeGreaterThan(0);
      // The only chunk GETs are the driver's, of the two targets.
      expect((await chunkGets(session)).sort()).toEqual(['c0', 'c1']);
      expect(ex.locality).toMatchObject({ routedJobs: 4, inputsFromCache: 4, inputsFetched: 0, rescuedJobs: 0 });
      const local = new MemoryChunkStore();
      await new LocalExecutor().run(g, local, { targets: [g.indexOf('c0'), g.indexOf('c1')] });
      for (const k of ['c0', 'c1']) expect(bytes(store.get(k)).equals(bytes(local.get(k)))).toBe(true);
    } finally {
      await ex.close();
    }
  }, 60_000);

  it('a session pipeline whose reductions read big chunks gives the local bits and shows cache hits in sess.info', async () => {
    const build = () => {
      const y = tt.random.rand([80_000], { seed: 5, chunkSize: 20_000 }).map((v) => Math.sqrt(v) * 3 + 1);
      return [y, y.sum(), y.mul(2).max()];
    };
    const sess = newSession({ mode: 'lazy', default: false, executor: 'distributed', redis: cluster().url });
    const local = newSession({ mode: 'lazy', default: false, executor: 'local' });
    try {
      const got = (await sess.run(sess.scope(build))) as NdArray[];
      const want = (await local.run(local.scope(build))) as NdArray[];
      got.forEach((g, k) => expect(bytes(g).equals(bytes(want[k]))).toBe(true));
      const hits = await settles(
        (async () => {
          for (;;) {
            const total = (sess.info.remoteWorkers ?? []).reduce((s, w) => s + (w.cache?.hits ?? 0), 0);
            if (total > 0) return total;
            await new Promise((r) => setTimeout(r, 100));
          }
        })(),
        'sess.info to list cache hits',
      );
      expect(hits).toBeGreaterThan(0);
      expect((sess.info.remoteWorkers ?? []).every((w) => w.cache !== undefined && w.cache.limit > 0)).toBe(true);
    } finally {
      await Promise.all([sess.close(), local.close()]);
    }
  }, 60_000);

  it("a worker SIGKILLed while running a task routed to it: the task goes to the shared queue and the run ends exact", async () => {
    const ex = executor();
    try {
      // b is slow (a busy loop per element that leaves the value alone): surely running when we strike.
      const g = build([full('a', 4), fn('b', 'a', '(v) => { let s = 0; for (let i = 0; i < 20000; i++) s += Math.sqrt(i); return v * 5 + s * 0; }')]);
      let aRanOn: string | undefined;
      const onEvent = (e: ExecEvent) => {
        if (e.type === 'finished' && g.keys[e.index] === 'a') aRanOn = e.worker;
      };
      const store = new MemoryChunkStore();
      const running = ex.run(g, store, { targets: [g.indexOf('b')], onEvent });
      running.catch(() => {});
      const victim = await settles(
        (async () => {
          for (;;) {
            if (aRanOn !== undefined && ex.locality.routedJobs > 0) {
              const beat = await client.get(workerKey('tessera', aRanOn));
              if (beat && (JSON.parse(beat) as { running: number }).running > 0) return cluster().workers.find((w) => w.id === aRanOn)!;
            }
            await new Promise((r) => setTimeout(r, 20));
          }
        })(),
        'the routed task to start on the worker that made its input',
      );
      await cluster().kill(victim);
      const killedAt = performance.now();
      const rescuedAt = await settles(
        (async () => {
          while (ex.locality.rescuedJobs === 0) await new Promise((r) => setTimeout(r, 20));
          return performance.now();
        })(),
        'the routed job to be sent again',
      );
      await settles(running, 'the run after the kill');
      process.stdout.write(`worker killed → its routed job sent to the shared queue after ${Math.round(rescuedAt - killedAt)} ms\n`);
      // Its heartbeat lives HEARTBEAT_TTL_SECONDS (6 s) and the driver looks every 2 s: within the 10 s.
      expect(rescuedAt - killedAt).toBeLessThan(10_000);
      expect([...(store.get('b') as ArrayData).data].every((v) => v === 20)).toBe(true);
    } finally {
      await ex.close();
    }
  }, 90_000);
});
