/**
 * Sessions as a user drives them (DESIGN §1, Mars §4, GraphScope §1): eager and lazy modes,
 * execute/fetch/run, the exact "Cannot fetch unexecuted tileable" and "Attempted to use a closed
 * Session." failures, slices of executed tensors, batched fetch, the per-session cache (nothing
 * executed is ever recomputed), closing, default sessions, `withSession`, `await using`, progress and
 * info. Every test runs against a local session (on the `local` executor) and against a remote one
 * (hosted by a server on loopback, test/support/backends.ts); every session is closed after each test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CancelledError, getDefaultSession, InvalidArgumentError, NoSessionError, type ProgressEvent, SessionClosedError, type SessionLike, type SessionOptions,
  tensor as tt, type Tensor, UnexecutedError, withSession,
} from '../../src/index.js';
import type { NdArray } from '../../src/base/ndarray.js';
import { BACKENDS, sessionBackend } from '../support/backends.js';
import * as R from '../support/reference.js';
import { rejection } from '../support/rejection.js';

type Session = SessionLike;

const opened: Session[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await getDefaultSession()?.close();
});

/** Records progress events of a session, grouped by run. */
function recorder(s: Session): { runs: () => ProgressEvent[][]; computed: () => number } {
  const events: ProgressEvent[] = [];
  s.on('progress', (e: ProgressEvent) => events.push(e));
  const runs = (): ProgressEvent[][] => [...new Set(events.map((e) => e.run))].map((r) => events.filter((e) => e.run === r));
  // Chunks computed over all runs: each run's last event reports its total.
  const computed = (): number => runs().reduce((n, r) => n + r.at(-1)!.total, 0);
  return { runs, computed };
}


const values = (a: unknown): number[] => Array.from((a as NdArray).data);
const raw10x10 = Float64Array.from({ length: 100 }, (_, i) => (i * 37) % 11);

describe.each(BACKENDS)('%s sessions', (kind) => {
const backend = sessionBackend(kind);
function open(options: SessionOptions = {}): Session {
  const s = backend.open({ executor: 'local', ...options });
  opened.push(s);
  return s;
}

describe('lazy and eager modes', () => {
  it('lazy: building runs nothing; execute runs it and resolves to the same handle', async () => {
    const s = open({ mode: 'lazy' });
    const rec = recorder(s);
    const b = tt.array(raw10x10, { shape: [10, 10], chunkSize: 5 }).add(1);
    expect(rec.runs()).toEqual([]);
    expect(s.info.results).toBe(0);
    expect(b.isExecuted()).toBe(false);
    expect(await b.execute()).toBe(b);
    expect(b.isExecuted()).toBe(true);
    expect(values(await b.fetch())).toEqual(Array.from(raw10x10, (x) => x + 1));
    expect(rec.runs().at(-1)!.at(-1)!.progress).toBe(1);
  });

  it('eager (the default mode): every op runs as it is built, fetch needs no execute', async () => {
    const s = open();
    expect(s.mode).toBe('eager');
    const a = tt.arange(6, undefined, undefined, { chunkSize: 4 });
    const b = a.mul(2);
    expect(values(await b.fetch())).toEqual([0, 2, 4, 6, 8, 10]);
    expect(a.isExecuted()).toBe(true);
    expect(await b.execute()).toBe(b);
  });

  it('chaining after an executed result gives correct values (Mars: c = b + 1 after b)', async () => {
    open({ mode: 'lazy' });
    const b = await tt.array(raw10x10, { shape: [10, 10], chunkSize: 5 }).add(1).execute();
    const c = b.add(1);
    await c.execute();
    expect(values(await c.fetch())).toEqual(Array.from(raw10x10, (x) => x + 2));
  });

  it('run: one handle gives one value, an array gives an array in the same order', async () => {
    const s = open({ mode: 'lazy' });
    const a = tt.arange(4);
    const one = await s.run(a.sum());
    expect(values(one)).toEqual([6]);
    const many = await s.run([a.mul(2), a.max(), a]);
    expect(Array.isArray(many)).toBe(true);
    expect(many.map(values)).toEqual([[0, 2, 4, 6], [3], [0, 1, 2, 3]]);
    expect((await s.run([a])).length).toBe(1);
    expect(await s.run([])).toEqual([]);
  });

  it('run of something that is not a handle fails with InvalidArgumentError (GraphScope: "Expect an Operation")', async () => {
    const s = open({ mode: 'lazy' });
    for (const bad of [42, null, 'x', {}, [tt.arange(2), 7]]) {
      const e = await rejection(s.run(bad as never));
      expect(e, JSON.stringify(bad)).toBeInstanceOf(InvalidArgumentError);
    }
  });
});

describe('fetch', () => {
  it('of something never executed fails with Mars\'s exact text', async () => {
    open({ mode: 'lazy' });
    const t = tt.ones([2, 3]).add(1);
    const e = await rejection(t.fetch());
    expect(e).toBeInstanceOf(UnexecutedError);
    expect(e.code).toBe('Unexecuted');
    expect(e.message).toBe(`Cannot fetch unexecuted tileable: ${String(t)}`);
  });

  it('of something executed in another session fails the same way (sessions are isolated)', async () => {
    const s1 = open({ mode: 'lazy' });
    const s2 = open({ mode: 'lazy', default: false });
    const t = await tt.arange(5).execute({ session: s1 });
    expect(values(await t.fetch({ session: s1 }))).toEqual([0, 1, 2, 3, 4]);
    const e = await rejection(t.fetch({ session: s2 }));
    expect(e).toBeInstanceOf(UnexecutedError);
    expect(e.message).toBe(`Cannot fetch unexecuted tileable: ${String(t)}`);
    expect(t.isExecuted({ session: s2 })).toBe(false);
    expect(await rejection(t.slice('0:2').fetch({ session: s2 }))).toBeInstanceOf(UnexecutedError);
  });

  it('slices of an executed tensor fetch without executing them; derived ops do not (Mars §4.2, §4.3)', async () => {
    const s = open({ mode: 'lazy' });
    const rec = recorder(s);
    const t = await tt.random.rand([10, 8], { chunkSize: 3, seed: 7 }).execute();
    const full = R.ref([10, 8], (await t.fetch()).data);
    const runsBefore = rec.runs().length;
    R.assertMatches(await t.slice(':2, 3:9').fetch(), R.slice(full, [{ stop: 2 }, { start: 3, stop: 9 }]));
    R.assertMatches(await t.slice(0).fetch(), R.slice(full, [0]));
    R.assertMatches(await t.slice('::-2', -1).fetch(), R.slice(full, [{ step: -2 }, -1]));
    R.assertMatches(await t.slice('1:').slice(0, '::3').fetch(), R.slice(R.slice(full, [{ start: 1 }]), [0, { step: 3 }]));
    expect(rec.runs().length).toBe(runsBefore);
    expect(t.slice(0).isExecuted()).toBe(false);
    expect(await rejection(t.add(1).fetch())).toBeInstanceOf(UnexecutedError);
    expect(await rejection(t.slice(0).add(1).fetch())).toBeInstanceOf(UnexecutedError);
  });

  it('with batchSize: an async iterator of row batches that together are the whole', async () => {
    open({ mode: 'lazy' });
    const t = await tt.arange(80, undefined, undefined, { chunkSize: 7 }).reshape(10, 8).execute();
    const batches: NdArray[] = [];
    for await (const b of t.fetch({ batchSize: 3 })) batches.push(b);
    expect(batches.map((b) => b.shape)).toEqual([[3, 8], [3, 8], [3, 8], [1, 8]]);
    expect(batches.flatMap(values)).toEqual(Array.from({ length: 80 }, (_, i) => i));
  });

  it('with a batchSize that is not a positive integer fails with InvalidArgumentError', async () => {
    open({ mode: 'lazy' });
    const t = await tt.arange(4).execute();
    for (const batchSize of [0, -1, 1.5]) {
      const e = await rejection(t.fetch({ batchSize }).next());
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect(e.code).toBe('InvalidArgument');
    }
  });

  it('returns a copy: writing into fetched data never changes the cached result', async () => {
    open({ mode: 'lazy' });
    const t = await tt.arange(4, undefined, undefined, { chunkSize: 4 }).execute();
    const first = await t.fetch();
    first.data[0] = 99;
    expect(values(await t.fetch())).toEqual([0, 1, 2, 3]);
  });
});

describe('results are cached by key', () => {
  it('an executed handle is never recomputed, nor an equal expression built again', async () => {
    const s = open({ mode: 'lazy' });
    const rec = recorder(s);
    const build = (): Tensor => tt.arange(8, undefined, undefined, { chunkSize: 2 }).add(1).mul(3);
    const b = build();
    await b.execute();
    const first = rec.computed();
    expect(first).toBeGreaterThan(0);
    await b.execute();
    await s.run(b);
    await build().execute();
    expect(values(await s.run(build()))).toEqual([3, 6, 9, 12, 15, 18, 21, 24]);
    expect(rec.computed()).toBe(first);
  });

  it('a chunk already in the session is never recomputed: only the new chunks run', async () => {
    const s = open({ mode: 'lazy' });
    const rec = recorder(s);
    const a = tt.arange(8, undefined, undefined, { chunkSize: 2 });
    const b = a.add(1);
    await b.execute();
    const before = rec.computed();
    await b.mul(2).execute();
    expect(rec.computed() - before).toBe(4); // one per chunk of b, nothing for a or b
    expect(values(await b.mul(2).fetch())).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
  });

  it('two results sharing an ancestor in one run compute it once', async () => {
    const s = open({ mode: 'lazy' });
    const rec = recorder(s);
    const a = tt.arange(6, undefined, undefined, { chunkSize: 3 }).map((x) => x * x);
    await s.run([a.add(1), a.sub(1)]);
    // 2 map chunks (each with its arange chunk chained in) + 2 + 2 elementwise chunks: the shared map
    // chunks run once (and are not fused twice).
    expect(rec.computed()).toBe(6);
    expect(values(await s.run(a.add(1)))).toEqual([1, 2, 5, 10, 17, 26]);
  });

  it('intermediates nobody asked for are freed after the run: only results hold memory', async () => {
    const s = open({ mode: 'lazy', fuse: false });
    await tt.ones([1000], { chunkSize: 100 }).add(1).mul(2).sub(3).execute();
    expect(s.info.results).toBe(1);
    expect(s.info.memory.used).toBe(1000 * 8);
  });

  it('release drops a result: it is recomputed when asked again', async () => {
    const s = open({ mode: 'lazy' });
    const t = await tt.arange(4).add(1).execute();
    expect(t.release()).toBe(true);
    expect(t.isExecuted()).toBe(false);
    expect(await rejection(t.fetch())).toBeInstanceOf(UnexecutedError);
    expect(values(await s.run(t))).toEqual([1, 2, 3, 4]);
  });
});

describe('closing', () => {
  it('is idempotent, frees every result and reports closed', async () => {
    const s = open({ mode: 'lazy' });
    await tt.ones([100]).add(1).execute();
    expect(s.info.memory.used).toBeGreaterThan(0);
    await Promise.all([s.close(), s.close()]);
    await s.close();
    expect(s.closed).toBe(true);
    expect(s.info.status).toBe('closed');
    expect(s.info.results).toBe(0);
    expect(s.info.memory.used).toBe(0);
  });

  it('any later use fails with GraphScope\'s exact text', async () => {
    const s = open({ mode: 'lazy' });
    const t = await tt.arange(3).execute();
    await s.close();
    const uses: (() => unknown)[] = [
      () => s.run(t),
      () => s.run([t, t]),
      () => t.execute({ session: s }),
      () => t.add(1).execute({ session: s }),
      () => t.fetch({ session: s }),
      () => s.asDefault(),
      () => withSession(s, () => 1),
    ];
    for (const use of uses) {
      const e = await rejection(use);
      expect(e).toBeInstanceOf(SessionClosedError);
      expect(e.code).toBe('SessionClosed');
      expect(e.message).toBe('Attempted to use a closed Session.');
    }
  });

  it('a handle whose eager session was closed fails with SessionClosedError, not a misleading "not executed"', async () => {
    const s = open();
    const t = tt.arange(3).add(1);
    expect(values(await t.fetch())).toEqual([1, 2, 3]);
    await s.close();
    const e = await rejection(t.fetch());
    expect(e).toBeInstanceOf(SessionClosedError);
    expect(e.message).toBe('Attempted to use a closed Session.');
  });

  it('clears the default only if it was the default', async () => {
    const a = open({ mode: 'lazy' });
    const b = open({ mode: 'lazy' });
    expect(getDefaultSession()).toBe(b);
    await a.close();
    expect(getDefaultSession()).toBe(b);
    await b.close();
    expect(getDefaultSession()).toBeUndefined();
  });
});

/** Closes `s` from its own progress listener once the run is under way and not finished: the abort lands mid-run. */
function closeMidRun(s: Session): { readonly closing: () => Promise<void> | undefined } {
  let closing: Promise<void> | undefined;
  const onProgress = (e: ProgressEvent): void => {
    if (e.done === 0 || e.done === e.total) return;
    s.off('progress', onProgress);
    closing = s.close();
  };
  s.on('progress', onProgress);
  return { closing: () => closing };
}

describe.each(kind === 'local' ? (['local', 'threads'] as const) : (['server'] as const))('closing during a fetch on the %s executor', (executor) => {
  // Close marks the session closed, rejects every eager submission whose batch has not started with
  // SessionClosedError, and aborts the run in progress, which rejects with CancelledError.
  const session = (mode: 'eager' | 'lazy'): Session => open({ mode, ...(executor === 'server' ? {} : { executor }), ...(executor === 'threads' ? { workers: 2 } : {}) });
  const chain = (): Tensor => tt.ones([64], { chunkSize: 8 }).map((x) => x + 1).sum();

  it('before the eager batch has started: the fetch rejects with SessionClosedError', async () => {
    const s = session('eager');
    const fetching = chain().fetch();
    const closing = s.close();
    const e = await rejection(fetching);
    expect(e).toBeInstanceOf(SessionClosedError);
    expect(e.message).toBe('Attempted to use a closed Session.');
    await closing;
    expect(s.info.status).toBe('closed');
  });

  it('while the eager batch runs: the fetch rejects with CancelledError, and later uses with SessionClosedError', async () => {
    const s = session('eager');
    const close = closeMidRun(s);
    const t = chain();
    const e = await rejection(t.fetch());
    expect(close.closing()).toBeDefined();
    expect(e).toBeInstanceOf(CancelledError);
    expect(e.code).toBe('Cancelled');
    await close.closing();
    expect(s.info).toMatchObject({ status: 'closed', results: 0 });
    expect(await rejection(t.fetch())).toBeInstanceOf(SessionClosedError);
  });

  it('while a lazy run is in flight: the run rejects with CancelledError and nothing is registered', async () => {
    const s = session('lazy');
    const close = closeMidRun(s);
    const t = chain();
    const e = await rejection(s.run(t));
    expect(close.closing()).toBeDefined();
    expect(e).toBeInstanceOf(CancelledError);
    await close.closing();
    expect(s.info).toMatchObject({ status: 'closed', results: 0 });
    expect(t.isExecuted({ session: s })).toBe(false);
  });
});

describe('default sessions', () => {
  it('newSession becomes the default unless {default: false}; asDefault returns the session', async () => {
    const a = open({ mode: 'lazy' });
    expect(getDefaultSession()).toBe(a);
    const b = open({ mode: 'lazy', default: false });
    expect(getDefaultSession()).toBe(a);
    expect(b.asDefault()).toBe(b);
    expect(getDefaultSession()).toBe(b);
  });

  it('a handle executes in the default session, or the one it is given', async () => {
    const a = open({ mode: 'lazy' });
    const b = open({ mode: 'lazy', default: false });
    const t = tt.arange(3);
    await t.execute();
    expect(t.isExecuted({ session: a })).toBe(true);
    expect(t.isExecuted({ session: b })).toBe(false);
    await t.execute({ session: b });
    expect(t.isExecuted({ session: b })).toBe(true);
  });

  it('withSession isolates two concurrent pipelines that interleave their awaits', async () => {
    const s1 = open({ mode: 'lazy', default: false });
    const s2 = open({ mode: 'lazy', default: false });
    const outside = open({ mode: 'lazy' });
    const order: string[] = [];
    // Neither pipeline goes on to its second step before both finished their first: they interleave by construction.
    let arrive!: () => void;
    const bothArrived = new Promise<void>((resolve) => {
      let waiting = 2;
      arrive = () => {
        if (--waiting === 0) resolve();
      };
    });
    const pipeline = async (name: string, k: number): Promise<[Session | undefined, number[]]> => {
      const x = tt.arange(4).mul(k);
      await x.execute();
      order.push(`${name}1`);
      arrive();
      await bothArrived;
      const y = x.add(1);
      await y.execute();
      order.push(`${name}2`);
      return [getDefaultSession(), values(await y.fetch())];
    };
    const [[d1, v1], [d2, v2]] = await Promise.all([withSession(s1, () => pipeline('a', 1)), withSession(s2, () => pipeline('b', 10))]);
    expect(order.slice(0, 2).sort()).toEqual(['a1', 'b1']);
    expect(d1).toBe(s1);
    expect(d2).toBe(s2);
    expect(v1).toEqual([1, 2, 3, 4]);
    expect(v2).toEqual([1, 11, 21, 31]);
    expect(s1.info.results).toBe(2);
    expect(s2.info.results).toBe(2);
    expect(outside.info.results).toBe(0);
    expect(getDefaultSession()).toBe(outside);
  });

  it('await using closes the session at the end of its scope', async () => {
    let kept: Session | undefined;
    {
      await using s = backend.open({ mode: 'lazy', executor: 'local' });
      kept = s;
      expect(values(await s.run(tt.arange(2)))).toEqual([0, 1]);
    }
    expect(kept.closed).toBe(true);
    expect(getDefaultSession()).toBeUndefined();
  });

});

describe('progress and info', () => {
  it('progress is in [0, 1], never goes back within a run, and ends at exactly 1', async () => {
    const s = open({ mode: 'lazy' });
    const rec = recorder(s);
    await tt.random.rand([40, 40], { chunkSize: 5, seed: 1 }).mul(2).sum({ axis: 0 }).execute();
    await tt.arange(10).execute();
    await tt.arange(10).execute(); // cached: a run with nothing to do still ends at 1
    const runs = rec.runs();
    expect(runs.length).toBe(3);
    for (const run of runs) {
      const ps = run.map((e) => e.progress);
      expect(ps.every((p) => p >= 0 && p <= 1)).toBe(true);
      expect(ps.every((p, i) => i === 0 || p >= ps[i - 1]!)).toBe(true);
      expect(ps.at(-1)).toBe(1);
    }
    expect(runs[0]!.length).toBeGreaterThan(10);
  });

  it('info: id, name, mode, status, executor, workers, results, memory', async () => {
    const s = open({ mode: 'lazy', name: 'explore', memoryLimit: '1Mi' });
    const other = open({ mode: 'lazy', default: false });
    await Promise.all([backend.ready(s), backend.ready(other)]);
    expect(s.info).toMatchObject({ name: 'explore', mode: 'lazy', status: 'active', ...backend.executorInfo, results: 0 });
    // A remote session's id is the server's (Skaha's 8 characters), a local one the engine's.
    expect(s.info.id).toMatch(backend.kind === 'remote' ? /^[a-z0-9]{8}$/ : /^[A-Za-z0-9]{24}$/);
    expect(other.info.id).not.toBe(s.info.id);
    expect(s.info.memory).toEqual({ used: 0, limit: 1024 * 1024 });
    await tt.ones([1000]).execute();
    expect(s.info.results).toBe(1);
    expect(s.info.memory.used).toBeGreaterThanOrEqual(8000);
    expect(s.config).toMatchObject({ mode: 'lazy', name: 'explore', ...backend.configExtra });
  });
});
});

describe('without a session', () => {
  it('with no session anywhere fails with NoSessionError', async () => {
    const t = tt.arange(3);
    expect(getDefaultSession()).toBeUndefined();
    const e = await rejection(t.fetch());
    expect(e).toBeInstanceOf(NoSessionError);
    expect(e.code).toBe('NoSession');
  });

  it('execute() with no session creates a local default session, with a warning', async () => {
    expect(getDefaultSession()).toBeUndefined();
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }): void => {
      warnings.push(w.code ?? w.name);
    };
    process.on('warning', onWarning);
    try {
      const t = tt.arange(3).add(1);
      expect(await t.execute()).toBe(t);
      const created = getDefaultSession();
      expect(created).toBeDefined();
      expect(created!.mode).toBe('eager');
      expect(values(await t.fetch())).toEqual([1, 2, 3]);
      await new Promise((r) => setImmediate(r));
      expect(warnings).toContain('TESSERA_IMPLICIT_SESSION');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
