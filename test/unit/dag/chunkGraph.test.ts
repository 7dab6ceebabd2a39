import { describe, expect, it } from 'vitest';
import { CycleError } from '../../../src/base/errors.js';
import { ChunkGraph, ChunkGraphBuilder, cull } from '../../../src/dag/chunkGraph.js';
import { chunkGraphToDot, tileableToDot } from '../../../src/dag/dot.js';
import { makeTileable } from '../../../src/dag/nodes.js';
import { depthFirstPriority, topologicalOrder } from '../../../src/dag/topo.js';
import { topoSortTileables } from '../../../src/dag/walk.js';

function chain(builder: ChunkGraphBuilder, spec: Record<string, string[]>): void {
  for (const [key, inputs] of Object.entries(spec)) builder.add({ key, kernel: 'k', params: null, inputs, meta: null });
}

describe('ChunkGraphBuilder', () => {
  it('keeps input order, duplicates and forward references, and dedupes by key', () => {
    const b = new ChunkGraphBuilder();
    b.add({ key: 'c', kernel: 'add', params: 1, inputs: ['a', 'a', 'b'], meta: null });
    b.add({ key: 'a', kernel: 'src', params: 2, inputs: [], meta: null });
    b.add({ key: 'b', kernel: 'src', params: 3, inputs: [], meta: null });
    expect(b.add({ key: 'a', kernel: 'other', params: 9, inputs: [], meta: null })).toBe(1);
    const g = b.build();
    expect(g.size).toBe(3);
    expect(g.spec(0)).toEqual({ key: 'c', kernel: 'add', params: 1, inputs: ['a', 'a', 'b'], meta: null });
    expect(g.params[1]).toBe(2);
    expect([...g.consumersOf(g.indexOf('a'))]).toEqual([0, 0]);
  });

  it('buildFor: the part some keys need, culled at fetch chunks, while other chunks still lack inputs', () => {
    const b = new ChunkGraphBuilder();
    chain(b, { a: [], b: ['a'], c: ['b'], later: ['not-yet'] });
    b.addFetch('s', null);
    chain(b, { d: ['s', 'b'] });
    const g = b.buildFor(['c', 'd']);
    expect([...g.keys].sort()).toEqual(['a', 'b', 'c', 'd', 's']);
    expect(g.isFetch(g.indexOf('s'))).toBe(true);
    expect(g.spec(g.indexOf('d')).inputs).toEqual(['s', 'b']);
    expect(() => b.buildFor(['nope'])).toThrow(/never added/);
    expect(() => b.buildFor(['later'])).toThrow(/not-yet/);
  });

  it('refuses an input that was never added', () => {
    const b = new ChunkGraphBuilder();
    b.add({ key: 'x', kernel: 'k', params: null, inputs: ['missing'], meta: null });
    expect(() => b.build()).toThrow(/missing/);
  });

  it('markFetch turns a chunk into a fetch chunk without inputs', () => {
    const b = new ChunkGraphBuilder();
    chain(b, { a: [], b: ['a'] });
    b.markFetch('b');
    const g = b.build();
    expect(g.isFetch(g.indexOf('b'))).toBe(true);
    expect(g.inputsOf(g.indexOf('b')).length).toBe(0);
  });
});

describe('cull', () => {
  it('keeps only what the targets need and stops at fetch chunks', () => {
    const b = new ChunkGraphBuilder();
    chain(b, { a: [], b: ['a'], unused: ['a'] });
    b.addFetch('f', null);
    chain(b, { c: ['b', 'f'] });
    const g = b.build();
    const c = cull(g, [g.indexOf('c')]);
    expect([...c.keys].sort()).toEqual(['a', 'b', 'c', 'f']);
    expect(c.spec(c.indexOf('c')).inputs).toEqual(['b', 'f']);
  });
});

describe('topologicalOrder', () => {
  it('puts every chunk after its inputs', () => {
    const b = new ChunkGraphBuilder();
    chain(b, { d: ['b', 'c'], c: ['a'], b: ['a'], a: [] });
    const g = b.build();
    const order = [...topologicalOrder(g)].map((i) => g.keys[i]);
    expect(order.indexOf('a')).toBeLessThan(order.indexOf('b'));
    expect(order.indexOf('b')).toBeLessThan(order.indexOf('d'));
    expect(order.indexOf('c')).toBeLessThan(order.indexOf('d'));
  });

  it('reports a cycle with its path in data-flow order', () => {
    const g = new ChunkGraph(['a', 'b', 'c', 'd'], ['k', 'k', 'k', 'k'], [0, 0, 0, 0], [0, 0, 0, 0],
      Int32Array.from([0, 1, 2, 3, 4]), Int32Array.from([2, 0, 1, 0]));
    // a <- c, b <- a, c <- b, d <- a : a -> b -> c -> a
    let err: unknown;
    try {
      topologicalOrder(g);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CycleError);
    const path = (err as CycleError).path;
    expect(path[0]).toBe(path[path.length - 1]);
    expect(new Set(path)).toEqual(new Set(['a', 'b', 'c']));
    const pos = (k: string) => path.indexOf(k);
    // data flows a -> b -> c -> a; the path must follow it
    const rotated = path.slice(pos('a')).concat(path.slice(1, pos('a') + 1));
    expect(rotated).toEqual(['a', 'b', 'c', 'a']);
    expect((err as CycleError).code).toBe('CyclicGraph');
  });

  it('orders a 200k-chunk graph correctly', () => {
    const n = 200_000;
    const b = new ChunkGraphBuilder();
    for (let i = 0; i < n; i++) {
      const inputs = i === 0 ? [] : i < 3 ? [`c${i - 1}`] : [`c${i - 1}`, `c${(i * 7919) % i}`];
      b.add({ key: `c${i}`, kernel: 'k', params: null, inputs, meta: null });
    }
    const g = b.build();
    const order = topologicalOrder(g);
    const pos = new Int32Array(n);
    order.forEach((v, k) => (pos[v] = k));
    let misplaced = 0;
    for (let i = 0; i < n; i++) for (const d of g.inputsOf(i)) if (pos[d]! >= pos[i]!) misplaced++;
    expect(misplaced).toBe(0);
    expect(new Set(order).size).toBe(n);
  });
});

describe('depthFirstPriority', () => {
  it('finishes one branch before starting the next', () => {
    const b = new ChunkGraphBuilder();
    chain(b, { a1: [], a2: ['a1'], b1: [], b2: ['b1'], out: ['a2', 'b2'] });
    const g = b.build();
    const p = depthFirstPriority(g, [g.indexOf('out')]);
    const rank = (k: string) => p[g.indexOf(k)]!;
    expect(rank('a1')).toBeLessThan(rank('a2'));
    expect(rank('a2')).toBeLessThan(rank('b1'));
    expect(rank('b2')).toBeLessThan(rank('out'));
    expect(new Set(p).size).toBe(g.size);
  });
});

describe('tileable DAGs', () => {
  const a = makeTileable('src', { v: 1 }, [], { type: 'value' });
  const b = makeTileable('inc', {}, [a], { type: 'value' });
  const c = makeTileable('add', {}, [a, b], { type: 'value' });

  it('keys are content hashes: equal expressions, equal keys', () => {
    const a2 = makeTileable('src', { v: 1 }, [], { type: 'value' });
    expect(a2.key).toBe(a.key);
    expect(makeTileable('src', { v: 2 }, [], { type: 'value' }).key).not.toBe(a.key);
    expect(a.key.startsWith('src-')).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('walks ancestors once each, inputs first, and can stop at nodes', () => {
    expect(topoSortTileables([c]).map((n) => n.op)).toEqual(['src', 'inc', 'add']);
    expect(topoSortTileables([c], { stopAt: (n) => n.op === 'inc' }).map((n) => n.op)).toEqual(['src', 'inc', 'add']);
    expect(topoSortTileables([b], { stopAt: (n) => n.op === 'inc' }).map((n) => n.op)).toEqual(['inc']);
  });

  it('toDot draws every node and edge', () => {
    const dot = tileableToDot([c]);
    expect(dot).toMatch(/^digraph/);
    expect(dot.match(/->/g)).toHaveLength(3);
    const builder = new ChunkGraphBuilder();
    chain(builder, { x: [], y: ['x'] });
    builder.addFetch('z', null);
    const cdot = chunkGraphToDot(builder.build());
    expect(cdot).toContain('n0 -> n1');
    expect(cdot).toContain('style=dashed');
  });
});
