/**
 * Tiny outputs skip the chunk store on the distributed executor (inlineResults.ts), against a private
 * redis-server and two `tessera worker` processes (1 thread each), with Redis's MONITOR watching which
 * chunk keys are written:
 * - a tiny output comes back in its job's result and is never SET in Redis; a tiny task whose inputs
 *   the driver all holds runs on the driver (no job: its 'finished' event names no worker); a worker
 *   task that reads a driver-held chunk has it uploaded first; results are bit-identical to `local`;
 * - with `inlineBytes: 0` every output goes through the store, as before;
 * - a reduction whose partials live only in the driver still ends exact when a worker is SIGKILLed
 *   mid-run (the killed job reruns elsewhere; nothing the driver holds is lost with the worker).
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
import { workerPattern } from '../../src/executors/distributed/protocol.js';
import { MemoryChunkStore } from '../../src/store/chunkStore.js';
import { clusterForSuite } from '../support/distributed.js';
import { settles } from '../support/events.js';
import { type CommandWatch, watchCommands } from '../support/redisMonitor.js';
import { failOnUnhandledRejections } from '../support/lifecycle.js';

failOnUnhandledRejections();
const cluster = clusterForSuite(2, 1);

const IN0: Expr = { t: 'in', i: 0, dtype: 'float64' };
const full = (key: string, value: number): ChunkSpec => ({ key, kernel: 'tensor.full', params: { shape: [4], dtype: 'float64', value }, inputs: [], meta: { shape: [4], dtype: 'float64' } });
const fn = (key: string, input: string, source: string): ChunkSpec => ({
  key,
  kernel: 'tensor.ew',
  params: { expr: { t: 'fn', f: 0, a: IN0, dtype: 'float64' }, shape: [4], dtype: 'float64', fns: [source] },
  inputs: [input],
  meta: { shape: [4], dtype: 'float64' },
});
const add = (key: string, a: string, b: string): ChunkSpec => ({
  key,
  kernel: 'tensor.ew',
  params: { expr: { t: 'bin', op: 'add', a: IN0, b: { t: 'in', i: 1, dtype: 'float64' }, dtype: 'float64' }, shape: [4], dtype: 'float64' },
  inputs: [a, b],
  meta: { shape: [4], dtype: 'float64' },
});
function build(specs: ChunkSpec[]) {
  const b = new ChunkGraphBuilder();
  for (const s of specs) b.add(s);
  return b.build();
}
const values = (store: MemoryChunkStore, key: string): number[] => [...((store.get(key) as ArrayData).data as Float64Array)];
/** A busy loop per element that leaves the value alone: the task is surely running when we look. */
const slow = (ms: number) => `(v) => { const until = Date.now() + ${ms}; while (Date.now() < until); return v * 3; }`;

let client: Redis;
let monitor: CommandWatch;
/** Chunk keys (`{chunk}` without the run) Redis was asked to SET, per session. */
const sets = new Map<string, string[]>();
beforeAll(async () => {
  client = new Redis(cluster().url);
  monitor = await watchCommands(cluster().url, (args) => {
    const m = args[0]?.toLowerCase() === 'set' ? /^tessera:([^:]+):chunk:[^/]+\/(.+)$/.exec(args[1] ?? '') : null;
    if (m) sets.set(m[1]!, [...(sets.get(m[1]!) ?? []), m[2]!]);
  });
});
afterAll(() => {
  monitor?.close();
  client?.disconnect();
});

/** The chunks Redis was asked to SET for a session so far (MONITOR lines trail the replies: a marker SET ends them). */
async function chunkSets(session: string): Promise<string[]> {
  await client.set(`tessera:${session}:chunk:x/marker`, '1', 'EX', 5);
  await settles(
    (async () => {
      while (!(sets.get(session) ?? []).includes('marker')) await new Promise((r) => setTimeout(r, 5));
    })(),
    'the MONITOR marker',
  );
  await client.del(`tessera:${session}:chunk:x/marker`);
  return (sets.get(session) ?? []).filter((k) => k !== 'marker').sort();
}

function executor(session: string, inlineBytes?: number): DistributedExecutor {
  return new DistributedExecutor({ redis: cluster().url, queue: 'tessera', session, ...(inlineBytes !== undefined ? { inlineBytes } : {}) });
}

/** a0, a1 on workers; s0, s1 read them with a user function (workers); c = s0 + s1 (tiny, no function: the driver). */
const graph = () => build([full('a0', 1), full('a1', 2), fn('s0', 'a0', '(v) => v * 2'), fn('s1', 'a1', '(v) => v * 2 + 0.5'), add('c', 's0', 's1')]);

async function expected(): Promise<number[]> {
  const g = graph();
  const store = new MemoryChunkStore();
  await new LocalExecutor().run(g, store, { targets: [g.indexOf('c')] });
  return values(store, 'c');
}

describe('tiny outputs', () => {
  it('come back in the job result, never SET by a worker; the driver runs the tiny task that reads only them, and uploads what a worker task reads', async () => {
    const session = `i${randomBytes(5).toString('hex')}`;
    const ex = executor(session);
    try {
      const g = graph();
      const ranOn = new Map<string, string | undefined>();
      const onEvent = (e: ExecEvent) => {
        if (e.type === 'finished') ranOn.set(g.keys[e.index]!, e.worker);
      };
      const store = new MemoryChunkStore();
      await settles(ex.run(g, store, { targets: [g.indexOf('c')], onEvent }), 'the run');
      expect(values(store, 'c')).toEqual(await expected());
      // a0, a1 came back in their results and went to the store only because s0, s1 (on workers) read them.
      expect(await chunkSets(session)).toEqual(['a0', 'a1']);
      expect(ranOn.get('s0')).toBeDefined();
      expect(ranOn.get('c')).toBeUndefined();
      expect(ex.locality.sharedJobs + ex.locality.routedJobs).toBe(4);
      expect(await client.keys(`tessera:${session}:chunk:*`)).toEqual([]);
    } finally {
      await ex.close();
    }
  }, 60_000);

  it('with inlineBytes 0 every output goes through the store and every task through a worker', async () => {
    const session = `i${randomBytes(5).toString('hex')}`;
    const ex = executor(session, 0);
    try {
      const g = graph();
      const store = new MemoryChunkStore();
      await settles(ex.run(g, store, { targets: [g.indexOf('c')] }), 'the run');
      expect(values(store, 'c')).toEqual(await expected());
      expect(await chunkSets(session)).toEqual(['a0', 'a1', 'c', 's0', 's1']);
      expect(ex.locality.sharedJobs + ex.locality.routedJobs).toBe(5);
    } finally {
      await ex.close();
    }
  }, 60_000);

  it('a worker SIGKILLed mid-run: partials held by the driver survive, the killed task reruns, the result is exact', async () => {
    const session = `i${randomBytes(5).toString('hex')}`;
    const ex = executor(session);
    try {
      // Eight slow partials summed by a tree of tiny adds on the driver.
      const specs: ChunkSpec[] = [];
      for (let k = 0; k < 8; k++) specs.push(full(`a${k}`, k + 1), fn(`p${k}`, `a${k}`, slow(k < 2 ? 20 : 400)));
      specs.push(add('q0', 'p0', 'p1'), add('q1', 'p2', 'p3'), add('q2', 'p4', 'p5'), add('q3', 'p6', 'p7'), add('r0', 'q0', 'q1'), add('r1', 'q2', 'q3'), add('t', 'r0', 'r1'));
      const g = build(specs);
      const done = new Set<string>();
      const store = new MemoryChunkStore();
      const running = ex.run(g, store, { targets: [g.indexOf('t')], onEvent: (e) => e.type === 'finished' && done.add(g.keys[e.index]!) });
      running.catch(() => {});
      // Strike once the driver holds a combined partial and a worker is busy with a slow one.
      const victim = await settles(
        (async () => {
          for (;;) {
            if (done.has('q0')) {
              const beats = await Promise.all((await client.keys(workerPattern('tessera'))).map((k) => client.get(k)));
              const busy = beats.flatMap((b) => (b ? [JSON.parse(b) as { id: string; running: number }] : [])).find((w) => w.running > 0);
              if (busy) return cluster().workers.find((w) => w.id === busy.id)!;
            }
            await new Promise((r) => setTimeout(r, 10));
          }
        })(),
        'a worker running a slow partial after the first combine',
      );
      await cluster().kill(victim);
      await settles(running, 'the run after a worker died');
      const local = new MemoryChunkStore();
      await new LocalExecutor().run(g, local, { targets: [g.indexOf('t')] });
      expect(values(store, 't')).toEqual(values(local, 't'));
      expect(await client.keys(`tessera:${session}:chunk:*`)).toEqual([]);
    } finally {
      await ex.close();
    }
  }, 90_000);
});
