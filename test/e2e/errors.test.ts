/**
 * Failures as a user meets them, on both executors (`local` and a two-worker `threads` pool shared by
 * the file): a kernel that throws fails its handle with the kernel's own error class, the chunk key
 * and the line that built the op; handles built on it fail the same way; independent handles in the
 * same eager batch succeed; nothing surfaces as an unhandled rejection; the session stays usable with
 * its results intact. Cancellation with an AbortSignal stops a slow run, marks nothing executed and
 * leaves the session ready for the next job.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CancelledError, getDefaultSession, newSession, type ProgressEvent, type Session, tensor as tt, type Tensor,
} from '../../src/index.js';
import type { NdArray } from '../../src/base/ndarray.js';

let threadsEager: Session;
let threadsLazy: Session;
beforeAll(() => {
  threadsEager = newSession({ mode: 'eager', executor: 'threads', workers: 2, default: false });
  threadsLazy = newSession({ mode: 'lazy', executor: 'threads', workers: 2, default: false });
});
afterAll(async () => {
  await threadsEager.close();
  await threadsLazy.close();
});

const localSessions: Session[] = [];
afterEach(async () => {
  await Promise.all(localSessions.splice(0).map((s) => s.close()));
});

type Kind = 'local' | 'threads';
function eagerSession(kind: Kind): Session {
  if (kind === 'threads') return threadsEager.asDefault();
  const s = newSession({ mode: 'eager', executor: 'local' });
  localSessions.push(s);
  return s;
}
function lazySession(kind: Kind): Session {
  if (kind === 'threads') return threadsLazy.asDefault();
  const s = newSession({ mode: 'lazy', executor: 'local' });
  localSessions.push(s);
  return s;
}

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; chunkKey?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
const values = (a: unknown): number[] => Array.from((a as NdArray).data);
/**
 * One turn of the event loop: Node reports a rejection nobody handled once the microtasks of the turn
 * that rejected it have run, so after this every rejection made before it has been reported.
 */
const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A slow pure function: about a millisecond of work per element. */
const heavy = (x: number): number => {
  let s = 0;
  for (let i = 0; i < 200000; i++) s += Math.sqrt(i + x);
  return s;
};

describe.each(['local', 'threads'] as const)('eager errors on the %s executor', (kind) => {
  it('a failing kernel rejects its handle with its own class, chunk key and build site', async () => {
    eagerSession(kind);
    const a = tt.arange(6, undefined, undefined, { chunkSize: 2 });
    const bad = a.map((x) => {
      if (x > 2) throw new RangeError('bad value');
      return x;
    });
    const e = await rejection(bad.fetch());
    expect(e).toBeInstanceOf(RangeError);
    expect(e.name).toBe('RangeError');
    expect(e.message).toBe('bad value');
    expect(e.chunkKey).toMatch(new RegExp(`^${bad.key}:\\d+$`));
    expect(e.stack).toContain('the failing op was built at');
    expect(e.stack).toContain('errors.test.ts');
  });

  it('handles built on it fail with the same error; independent handles in the batch succeed', async () => {
    eagerSession(kind);
    const a = tt.arange(6, undefined, undefined, { chunkSize: 2 });
    const bad = a.map(() => {
      throw new TypeError('no good');
    });
    const after = bad.add(1).sum();
    const independent = a.mul(10);
    const [eBad, eAfter] = await Promise.all([rejection(bad.fetch()), rejection(after.fetch())]);
    expect(eAfter).toBeInstanceOf(TypeError);
    expect(eAfter.message).toBe(eBad.message);
    expect(eAfter.chunkKey).toBe(eBad.chunkKey);
    expect(values(await independent.fetch())).toEqual([0, 10, 20, 30, 40, 50]);
    expect(after.isExecuted()).toBe(false);
  });

  it('a dependent reports the failing op\'s first failed chunk, whichever of its chunks failed first', async () => {
    eagerSession(kind);
    const a = tt.arange(8, undefined, undefined, { chunkSize: 2 });
    // Chunk 0 fails last: it works a while first, so on the pool the later chunks' failures arrive sooner.
    const bad = a.map((x) => {
      let s = 0;
      if (x < 2) for (let i = 0; i < 6_000_000; i++) s += Math.sqrt(i + x);
      throw new TypeError(`no good at ${x}${s < 0 ? '!' : ''}`);
    });
    const after = bad.add(1).sum();
    const [eBad, eAfter] = await Promise.all([rejection(bad.fetch()), rejection(after.fetch())]);
    expect(eBad.chunkKey).toBe(`${bad.key}:0`);
    expect(eAfter.chunkKey).toBe(eBad.chunkKey);
    expect(eAfter.message).toBe(eBad.message);
  });

  it('an eager failure nobody awaits is never an unhandled rejection', async () => {
    const spy = vi.fn();
    process.on('unhandledRejection', spy);
    try {
      eagerSession(kind);
      const a = tt.arange(4);
      a.map(() => {
        throw new RangeError('ignored');
      }).add(1);
      // `a` ran in the failing batch: once it is fetched, that batch has settled and its failures were rejected.
      await a.fetch();
      await nextTurn();
      await a.add(1).fetch();
      await nextTurn();
      expect(spy).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', spy);
    }
  });

  it('a failed run leaves the session usable and earlier results intact', async () => {
    const s = eagerSession(kind);
    const good = tt.arange(5).mul(2);
    expect(values(await good.fetch())).toEqual([0, 2, 4, 6, 8]);
    const results = s.info.results;
    const bad = good.map(() => {
      throw new Error('boom');
    });
    expect(await rejection(bad.fetch())).toBeInstanceOf(Error);
    expect(s.info.results).toBe(results);
    expect(values(await good.fetch())).toEqual([0, 2, 4, 6, 8]);
    expect(values(await good.add(1).fetch())).toEqual([1, 3, 5, 7, 9]);
  });

  it('lazy: run rejects with the kernel\'s error and registers nothing from the failed run', async () => {
    const s = lazySession(kind);
    const ok = await tt.arange(3).add(100).execute({ session: s });
    const results = s.info.results;
    const used = s.info.memory.used;
    const bad = tt.arange(3).map((x) => {
      if (x === 1) throw new RangeError('lazy bad');
      return x;
    });
    const e = await rejection(s.run([bad.sum(), ok]));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.stack).toContain('errors.test.ts');
    expect(s.info.results).toBe(results);
    expect(s.info.memory.used).toBe(used);
    expect(values(await ok.fetch({ session: s }))).toEqual([100, 101, 102]);
    expect(values(await s.run(tt.arange(3).sum()))).toEqual([3]);
  });
});

describe('bad input fails at the line that builds it and leaves the session intact', () => {
  it('typed errors at build time, nothing submitted, cached results untouched', async () => {
    const s = eagerSession('local');
    const kept = tt.arange(6).mul(2);
    const [m23, v4, empty] = [tt.ones([2, 3]), tt.ones([4]), tt.zeros([0])];
    await Promise.all([kept, m23, v4, empty].map((t) => t.fetch()));
    const { results, used } = { results: s.info.results, used: s.info.memory.used };
    const k = 3;
    const bad: [() => unknown, string][] = [
      [() => tt.ones([4], { chunkSize: -1 }), 'InvalidChunkSize'],
      [() => tt.ones([4], { chunkSize: [[1, 2]] }), 'InvalidChunkSize'],
      [() => m23.add(v4), 'ShapeMismatch'],
      [() => kept.sum({ axis: 1 }), 'AxisOutOfRange'],
      [() => kept.reshape(4, 2), 'ShapeMismatch'],
      [() => tt.arange(0, 1, 0), 'InvalidArgument'],
      [() => tt.arange(0, Infinity), 'InvalidArgument'],
      [() => m23.matmul(m23), 'ShapeMismatch'],
      [() => kept.slice(0, 0), 'IndexOutOfRange'],
      [() => kept.slice('::0'), 'InvalidSlice'],
      [() => empty.max(), 'InvalidArgument'],
      [() => kept.map((x) => x * k), 'InvalidUserFunction'],
    ];
    for (const [build, code] of bad) {
      let caught: (Error & { code?: string }) | undefined;
      try {
        build();
      } catch (e) {
        caught = e as Error;
      }
      expect(caught?.code, String(build)).toBe(code);
    }
    // A run queued now starts after anything those builds could have submitted has finished.
    await s.execute([]);
    expect(s.info.results).toBe(results);
    expect(s.info.memory.used).toBe(used);
    expect(values(await kept.fetch())).toEqual([0, 2, 4, 6, 8, 10]);
  });
});

describe.each(['local', 'threads'] as const)('cancellation on the %s executor', (kind) => {
  /** Aborts as soon as the run has finished its first chunk, so the abort always lands mid-run. */
  function abortOnFirstChunk(s: Session): AbortController {
    const ac = new AbortController();
    const onProgress = (e: ProgressEvent): void => {
      if (e.done > 0 && e.progress < 1) {
        ac.abort();
        s.off('progress', onProgress);
      }
    };
    s.on('progress', onProgress);
    return ac;
  }

  it('execute({signal}) rejects with CancelledError, marks nothing executed, and the session goes on', async () => {
    const s = lazySession(kind);
    const earlier = await tt.arange(4).mul(3).execute({ session: s });
    const results = s.info.results;
    const used = s.info.memory.used;
    const slow: Tensor = tt.ones([400], { chunkSize: 10 }).map(heavy);
    const ac = abortOnFirstChunk(s);
    const e = await rejection(slow.execute({ session: s, signal: ac.signal }));
    expect(e).toBeInstanceOf(CancelledError);
    expect(e.code).toBe('Cancelled');
    expect(slow.isExecuted({ session: s })).toBe(false);
    expect(s.info.results).toBe(results);
    expect(s.info.memory.used).toBe(used); // nothing computed before the abort is left behind
    expect(values(await earlier.fetch({ session: s }))).toEqual([0, 3, 6, 9]);
    expect(values(await s.run(tt.arange(3).add(1)))).toEqual([1, 2, 3]);
  });

  it('run(fetches, {signal}) is cancelled the same way', async () => {
    const s = lazySession(kind);
    const slow = tt.ones([400], { chunkSize: 10 }).map(heavy).sum();
    const ac = abortOnFirstChunk(s);
    expect(await rejection(s.run(slow, { signal: ac.signal }))).toBeInstanceOf(CancelledError);
    expect(slow.isExecuted({ session: s })).toBe(false);
  });

  it('an already-aborted signal rejects with CancelledError before anything runs', async () => {
    const s = lazySession(kind);
    const t = tt.arange(5).add(1);
    const e = await rejection(t.execute({ session: s, signal: AbortSignal.abort() }));
    expect(e).toBeInstanceOf(CancelledError);
    expect(t.isExecuted({ session: s })).toBe(false);
    expect(await rejection(s.run(t, { signal: AbortSignal.abort() }))).toBeInstanceOf(CancelledError);
  });
});

describe('cancellation in eager mode', () => {
  it('execute({signal}) on a handle still being computed eagerly rejects with CancelledError', async () => {
    const s = newSession({ mode: 'eager', executor: 'local' });
    localSessions.push(s);
    const slow = tt.ones([200], { chunkSize: 10 }).map(heavy);
    const ac = new AbortController();
    s.on('progress', (e: ProgressEvent) => {
      if (e.done > 0) ac.abort();
    });
    expect(await rejection(slow.execute({ signal: ac.signal }))).toBeInstanceOf(CancelledError);
    expect(values(await s.run(tt.arange(2)))).toEqual([0, 1]);
    expect(getDefaultSession()).toBe(s);
  });
});

describe('errors from worker threads keep their class and fields', () => {
  it('built-in classes, codes and custom properties survive the thread boundary', async () => {
    const s = threadsLazy;
    const t = tt.arange(2).map(() => {
      const e = new TypeError('typed') as TypeError & { code: string; detail: number };
      e.code = 'E_CUSTOM';
      e.detail = 42;
      throw e;
    });
    const e = (await rejection(s.run(t))) as Error & { code?: string; detail?: number };
    expect(e).toBeInstanceOf(TypeError);
    expect(e.code).toBe('E_CUSTOM');
    expect(e.detail).toBe(42);
  });

  it('a user-defined class keeps its name', async () => {
    const t = tt.arange(2).map(() => {
      class MyDomainError extends Error {
        override name = 'MyDomainError';
      }
      throw new MyDomainError('mine');
    });
    const e = await rejection(threadsLazy.run(t));
    expect(e.name).toBe('MyDomainError');
    expect(e.message).toBe('mine');
  });
});
