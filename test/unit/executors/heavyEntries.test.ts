/**
 * How ready tasks travel to the pool (executors/threads.ts). With more ready tasks than workers and a
 * place per worker, a run that has the pool to itself sends them as one claimed batch, one entry per
 * worker, each worker taking the next task from a shared counter; when every task is a safe tensor
 * kernel the calling thread takes tasks from that counter too, in place of one worker (observed
 * through `runTask`, passed through on this thread only), and a task that reads only a few elements
 * through a view of a big chunk, or is a run's only task and small, runs on the calling thread; another session's waiting task makes
 * those workers stop at their next task boundary, and what they left unclaimed runs later; a task whose
 * worker dies in a batch is retried alone once. With one worker, heavy tasks share entries of
 * ready / (2 · workers), at most four (MAX_HEAVY_BATCH). Observed by spying on the lane every entry goes through.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as task from '../../../src/kernels/task.js';
import type { ArrayData } from '../../../src/base/ndarray.js';
import type { Expr } from '../../../src/base/expr.js';
import { WorkerCrashedError } from '../../../src/base/errors.js';
import { ChunkGraphBuilder, type ChunkSpec } from '../../../src/dag/chunkGraph.js';
import { Lane } from '../../../src/executors/fairPool.js';
import { ThreadsExecutor } from '../../../src/executors/threads.js';
import type { ClaimedBatch } from '../../../src/kernels/claimed.js';
import type { TaskMessage } from '../../../src/kernels/task.js';
import { type NdArray, newSession, tensor as tt } from '../../../src/index.js';
import { Session } from '../../../src/session/session.js';
import { MemoryChunkStore } from '../../../src/store/chunkStore.js';
import { settles, until } from '../../support/events.js';

interface Entries {
  /** Tasks per entry of reduce_map tasks sent as plain entries. */
  readonly plain: number[];
  /** Claimed batches of reduce_map tasks (by their shared control block): their tasks, and in how many entries. */
  readonly claimed: Map<Int32Array, { tasks: number; entries: number }>;
}

/** Every entry of reduce_map tasks sent to the pool while `body` runs (which may read them as they come). */
async function entries(body: (live: Entries) => Promise<void>): Promise<Entries> {
  const seen: Entries = { plain: [], claimed: new Map() };
  const run = Lane.prototype.run;
  vi.spyOn(Lane.prototype, 'run').mockImplementation(function (this: Lane, task, options) {
    const isMap = (m: TaskMessage): boolean => m.kernel === 'tensor.reduce_map';
    if (Array.isArray(task) && (task as TaskMessage[]).some(isMap)) seen.plain.push(task.length);
    const batch = task as ClaimedBatch;
    if (options?.name === 'runClaimed' && batch.tasks.some(isMap)) {
      seen.claimed.set(batch.control, { tasks: batch.tasks.length, entries: (seen.claimed.get(batch.control)?.entries ?? 0) + 1 });
    }
    return run.call(this, task, options);
  });
  await body(seen);
  return seen;
}

// runTask as this thread calls it (workers load their own copy of the module): counted, then run.
vi.mock('../../../src/kernels/task.js', async (original) => {
  const actual = await original<typeof task>();
  return { ...actual, runTask: vi.fn(actual.runTask) };
});
const mapsRunHere = (): number => vi.mocked(task.runTask).mock.calls.filter(([m]) => m.kernel === 'tensor.reduce_map').length;

afterEach(() => {
  vi.restoreAllMocks();
  vi.mocked(task.runTask).mockClear();
});

/** `body` on a lazy threads session of `workers` workers, closed after. */
async function withThreads<T>(workers: number, body: (sess: Session) => Promise<T>): Promise<T> {
  const sess = newSession({ mode: 'lazy', executor: 'threads', workers, default: false });
  try {
    return await body(sess);
  } finally {
    await sess.close();
  }
}

/** Row sums of 16 chunks of `rows`x512 (65,536 elements each by default: heavy), checked against the data. */
async function rowSums(workers: number, rows = 128): Promise<Entries> {
  return withThreads(workers, async (sess) => {
    const x = tt.random.rand([16 * rows, 512], { seed: 3, chunkSize: [rows, 512] });
    await sess.execute([x.node]);
    return await entries(async () => {
      const sums = ((await sess.run(x.sum({ axis: 1 }))) as NdArray).data;
      const reference = ((await sess.run(x)) as NdArray).data;
      for (const r of [0, 1000, 16 * rows - 1]) {
        let s = 0;
        for (let c = 0; c < 512; c++) s += reference[r * 512 + c] as number;
        expect(sums[r]).toBeCloseTo(s, 9);
      }
    });
  });
}

const IN0: Expr = { t: 'in', i: 0, dtype: 'float64' };
const full = (key: string): ChunkSpec => ({ key, kernel: 'tensor.full', params: { shape: [4], dtype: 'float64', value: 1 }, inputs: [], meta: { shape: [4], dtype: 'float64' } });
/** A chunk of four float64 elements: a user function of chunk 'a'. */
const fn = (key: string, source: string): ChunkSpec => ({
  key, kernel: 'tensor.ew', inputs: ['a'], meta: { shape: [4], dtype: 'float64' },
  params: { expr: { t: 'fn', f: 0, a: IN0, dtype: 'float64' } satisfies Expr, shape: [4], dtype: 'float64', fns: [source] },
});
function build(specs: ChunkSpec[]) {
  const g = new ChunkGraphBuilder();
  for (const spec of specs) g.add(spec);
  return g.build();
}

describe('ready tasks on threads', () => {
  it('go as one claimed batch of every ready task while the run has the pool: this thread and a worker take them from one counter', async () => {
    // 16 tasks of 1M elements (~1 ms each): this thread claims its first task right after sending the
    // entry, long before a worker could have taken all of them.
    const seen = await rowSums(2, 2048);
    expect(seen.plain).toEqual([]);
    expect([...seen.claimed.values()]).toEqual([{ tasks: 16, entries: 1 }]);
    expect(mapsRunHere()).toBeGreaterThan(0);
    expect(mapsRunHere()).toBeLessThan(16);
  });

  it('go as one claimed batch with an entry per worker when the executor runs nothing on this thread', async () => {
    const sess = new Session({ mode: 'lazy', executor: 'threads', default: false }, { executor: new ThreadsExecutor({ workers: 2, inlineTinyTasks: false }) });
    try {
      const x = tt.random.rand([2048, 512], { seed: 3, chunkSize: [128, 512] });
      await sess.execute([x.node]);
      const seen = await entries(async () => {
        const sums = ((await sess.run(x.sum({ axis: 1 }))) as NdArray).data;
        expect(sums).toHaveLength(2048);
      });
      expect([...seen.claimed.values()]).toEqual([{ tasks: 16, entries: 2 }]);
      expect(mapsRunHere()).toBe(0);
    } finally {
      await sess.close();
    }
  });

  it('run here when they read only a few elements through a view of a big chunk', () =>
    withThreads(2, async (sess) => {
      // One chunk of 1M elements; the sum reads nine of them in place.
      const x = tt.random.rand([2048, 512], { seed: 3, chunkSize: [2048, 512] });
      const whole = ((await sess.run(x)) as NdArray).data;
      const seen = await entries(async () => {
        const s = ((await sess.run(x.slice('0:3, 0:3').sum())) as NdArray).item() as number;
        let expected = 0;
        for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) expected += whole[r * 512 + c] as number;
        expect(s).toBeCloseTo(expected, 12);
      });
      expect(seen.plain).toEqual([]);
      expect(seen.claimed.size).toBe(0);
      expect(mapsRunHere()).toBe(1);
    }));

  it("run here when a run's only task is small, and go to the pool when it is not", () =>
    withThreads(2, async (sess) => {
      // One chunk each: 90,000 elements (under SOLO_TASK_ELEMENTS) and 524,288 (over it).
      const small = tt.random.rand([300, 300], { seed: 4 });
      const big = tt.random.rand([1024, 512], { seed: 5, chunkSize: [1024, 512] });
      await sess.execute([small.node, big.node]);
      let afterSmall: { plain: number; here: number } | undefined;
      const seen = await entries(async (live) => {
        expect(((await sess.run(small.mul(2).sum())) as NdArray).item()).toBeGreaterThan(0);
        afterSmall = { plain: live.plain.length, here: mapsRunHere() };
        expect(((await sess.run(big.mul(2).sum())) as NdArray).item()).toBeGreaterThan(0);
      });
      expect(afterSmall).toEqual({ plain: 0, here: 1 });
      expect(seen.plain).toEqual([1]);
      expect(mapsRunHere()).toBe(1);
      // A product's work is not its elements: 250x250 reads and makes fewer, and still goes to the pool.
      const a = tt.random.rand([250, 250], { seed: 6 });
      await sess.execute([a.node]);
      const product = ((await sess.run(a.matmul(a))) as NdArray).data;
      expect(product).toHaveLength(250 * 250);
      expect(vi.mocked(task.runTask).mock.calls.some(([m]) => m.kernel === 'tensor.matmul')).toBe(false);
    }));

  it('with one worker, share entries while many wait, shrinking toward the end, and every one runs once', async () => {
    const { plain, claimed } = await rowSums(1);
    expect(claimed.size).toBe(0);
    expect(plain.reduce((a, b) => a + b, 0)).toBe(16);
    expect(plain[0]).toBe(4); // min(4, 16 ready / (2 · 1 worker))
    expect(Math.max(...plain)).toBeLessThanOrEqual(4);
    expect(plain.at(-1)).toBe(1);
  });

  it("give their places up to another executor's task on the shared pool: its run ends before most of the batch starts, and every chunk of the batch runs once", async () => {
    // Two executors, each with its lane of the process's shared pool. A's 24 chunks each say on a
    // channel, per element, that they run, and take a while; B's one chunk is quick.
    const channel = new BroadcastChannel(`tessera-claimed-${randomUUID()}`);
    const a = new ThreadsExecutor({ workers: 2 });
    const b = new ThreadsExecutor({ workers: 2 });
    try {
      const heard = new Map<number, number>();
      channel.onmessage = (m) => {
        const k = (m as MessageEvent).data as number;
        heard.set(k, (heard.get(k) ?? 0) + 1);
      };
      const slow = (k: number): string =>
        `(x) => { new BroadcastChannel(${JSON.stringify(channel.name)}).postMessage(${k}); let s = 0; for (let i = 0; i < 3e5; i++) s += Math.sqrt(i); return x + ${k} + s * 0; }`;
      const manyStore = new MemoryChunkStore();
      const many = build([full('a'), ...[...Array(24).keys()].map((k) => fn(`s${k}`, slow(k)))]);
      const order: string[] = [];
      const runA = a.run(many, manyStore, { targets: [...Array(24).keys()].map((k) => k + 1) }).then(() => order.push('a'));
      await until(() => heard.size > 0, "A's first chunk to start");
      const oneStore = new MemoryChunkStore();
      let startedWhenBEnded = -1;
      const runB = b.run(build([full('a'), fn('q', '(x) => x * 2')]), oneStore, { targets: [1] }).then(() => {
        startedWhenBEnded = heard.size;
        order.push('b');
      });
      await settles(Promise.all([runA, runB]), 'both runs');
      expect(order).toEqual(['b', 'a']);
      // B waited for the tasks A's workers were running, not for A's batch: most of A had not started.
      expect(startedWhenBEnded).toBeLessThanOrEqual(12);
      expect([...(oneStore.get('q') as ArrayData).data]).toEqual([2, 2, 2, 2]);
      expect([...Array(24).keys()].map((k) => (manyStore.get(`s${k}`) as ArrayData).data[0])).toEqual([...Array(24).keys()].map((k) => 1 + k));
      // Four elements a chunk: four messages from each chunk that ran once.
      await until(() => [...heard.values()].reduce((x, y) => x + y, 0) >= 96, "every message of A's chunks");
      expect([...Array(24).keys()].map((k) => heard.get(k))).toEqual(new Array(24).fill(4));
    } finally {
      channel.close();
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('retry a task whose worker died in a claimed batch once, alone, then fail it with WorkerCrashedError; the executor stays usable', async () => {
    const ex = new ThreadsExecutor({ workers: 2, pool: 'private' });
    try {
      const crash = build([full('a'), ...[0, 1, 2, 3, 4].map((k) => fn(`f${k}`, k === 2 ? '(x) => { process.exit(3); }' : `(x) => x + ${k}`))]);
      const store = new MemoryChunkStore();
      const err = await settles(ex.run(crash, store, { targets: [1, 2, 3, 4, 5] }).catch((e: unknown) => e), 'the crashing run');
      expect(err).toBeInstanceOf(WorkerCrashedError);
      expect((err as WorkerCrashedError).chunkKey).toBe('f2');
      // The targets that completed stay (nothing is lost); the crashed one has nothing.
      expect(store.has('f2')).toBe(false);
      for (const key of store.keys()) expect([...(store.get(key) as ArrayData).data]).toEqual(new Array(4).fill(1 + Number(key.slice(1))));
      const fine = build([full('a'), ...[0, 1, 2, 3].map((k) => fn(`g${k}`, `(x) => x * ${k}`))]);
      await settles(ex.run(fine, store, { targets: [1, 2, 3, 4] }), 'a run after the crash');
      expect([0, 1, 2, 3].map((k) => [...(store.get(`g${k}`) as ArrayData).data])).toEqual([[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]);
    } finally {
      await ex.close();
    }
  });
});
