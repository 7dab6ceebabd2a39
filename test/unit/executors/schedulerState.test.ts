import { describe, expect, it } from 'vitest';
import { ChunkGraphBuilder } from '../../../src/dag/chunkGraph.js';
import { SchedulerState } from '../../../src/executors/schedulerState.js';

function graph(spec: Record<string, string[]>, fetch: string[] = []) {
  const b = new ChunkGraphBuilder();
  for (const f of fetch) b.addFetch(f, null);
  for (const [key, inputs] of Object.entries(spec)) b.add({ key, kernel: 'k', params: null, inputs, meta: null });
  const g = b.build();
  return { g, i: (k: string) => g.indexOf(k), k: (i: number) => g.keys[i]! };
}

function drain(s: SchedulerState): number[] {
  const out: number[] = [];
  for (let i = s.next(); i >= 0; i = s.next()) out.push(i);
  return out;
}

describe('SchedulerState', () => {
  it('starts with chunks whose inputs are all fetch chunks, and never runs fetch chunks', () => {
    const { g, i, k } = graph({ a: ['f'], b: ['a'], c: [] }, ['f']);
    const s = new SchedulerState(g, [i('b')]);
    expect(s.total).toBe(3);
    expect(drain(s).map(k).sort()).toEqual(['a', 'c']);
  });

  it('takes back a chunk that was taken and did not run, in priority order, and only such a chunk', () => {
    const { g, i, k } = graph({ a: [], b: [], c: ['a'] });
    const s = new SchedulerState(g, [i('b'), i('c')]);
    expect(drain(s).map(k)).toEqual(['a', 'b']);
    s.putBack(i('b'));
    s.putBack(i('a'));
    expect(s.readyCount).toBe(2);
    expect(drain(s).map(k)).toEqual(['a', 'b']);
    s.complete(i('a'));
    expect(() => s.putBack(i('a'))).toThrow(/not taken/);
    expect(() => s.putBack(i('c'))).toThrow(/not taken/);
    expect(drain(s).map(k)).toEqual(['c']);
    s.complete(i('b'));
    s.complete(i('c'));
    expect(s.finished()).toBe(true);
  });

  it('makes a chunk ready only when every input completed, counting repeated inputs', () => {
    const { g, i, k } = graph({ a: [], b: ['a', 'a'], c: ['a', 'b'] });
    const s = new SchedulerState(g, [i('c')]);
    expect(drain(s).map(k)).toEqual(['a']);
    s.complete(i('a'));
    expect(drain(s).map(k)).toEqual(['b']);
    s.complete(i('b'));
    expect(drain(s).map(k)).toEqual(['c']);
    s.complete(i('c'));
    expect(s.finished()).toBe(true);
  });

  it('releases an intermediate exactly when its last consumer completes, never targets or fetch chunks', () => {
    const { g, i, k } = graph({ a: ['f'], b: ['a'], c: ['a'], d: ['b', 'c'] }, ['f']);
    const s = new SchedulerState(g, [i('d'), i('b')]);
    drain(s);
    expect(s.complete(i('a')).map(k)).toEqual([]);
    drain(s);
    expect(s.complete(i('b')).map(k)).toEqual([]);
    expect(s.complete(i('c')).map(k)).toEqual(['a']);
    drain(s);
    // b is a target: not released; c is released by d; f is a fetch chunk: never released.
    expect(s.complete(i('d')).map(k)).toEqual(['c']);
    expect(s.finished()).toBe(true);
  });

  it('releases a computed chunk nobody consumes and nobody asked for', () => {
    const { g, i, k } = graph({ lonely: [], t: [] });
    const s = new SchedulerState(g, [i('t')]);
    drain(s);
    expect(s.complete(i('lonely')).map(k)).toEqual(['lonely']);
    expect(s.complete(i('t')).map(k)).toEqual([]);
  });

  it('hands out ready chunks by priority, then by index', () => {
    const { g, i, k } = graph({ a: [], b: [], c: [] });
    const priority = new Int32Array(3);
    priority[i('a')] = 2;
    priority[i('b')] = 0;
    priority[i('c')] = 1;
    const s = new SchedulerState(g, [i('a'), i('b'), i('c')], priority);
    expect(drain(s).map(k)).toEqual(['b', 'c', 'a']);
  });

  it('a failure blocks everything downstream, remembers the cause, and still finishes', () => {
    const { g, i, k } = graph({ a: [], b: ['a'], c: ['b'], x: [], y: ['x', 'b'] });
    const s = new SchedulerState(g, [i('c'), i('y')]);
    expect(drain(s).map(k).sort()).toEqual(['a', 'x']);
    s.complete(i('a'));
    s.complete(i('x'));
    drain(s);
    const released = s.fail(i('b')).map(k).sort();
    // a fed only b; x fed only y, which can no longer run.
    expect(released).toEqual(['a', 'x']);
    expect(s.blockedBy.get(i('c'))).toBe(i('b'));
    expect(s.blockedBy.get(i('y'))).toBe(i('b'));
    expect(s.finished()).toBe(true);
    expect(s.readyCount).toBe(0);
  });
});
