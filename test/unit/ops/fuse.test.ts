/**
 * The fusion pass (ops/tensor/fuse.ts) on chunk graphs tiled from real tensor ops: which chunks it
 * substitutes into their consumer — elementwise chains, an elementwise producer of a reduction map —
 * and which it must leave alone: results, producers read by more than one consumer (or twice by one),
 * reductions, and elementwise chunks split from their consumer by a change of chunking. Every fused
 * graph is also run next to the unfused one on the local executor: the values must be identical.
 */
import { describe, expect, it } from 'vitest';
import type { ArrayData } from '../../../src/base/ndarray.js';
import type { Expr } from '../../../src/base/expr.js';
import { type ChunkGraph, ChunkGraphBuilder } from '../../../src/dag/chunkGraph.js';
import { LocalExecutor } from '../../../src/executors/local.js';
import {
  binaryNode, fullNode, fuseElementwise, linspaceNode, mapNode, rechunkNode, reduceNode, type TensorNode, unaryNode,
} from '../../../src/ops/tensor/index.js';
import { tileTargets } from '../../../src/session/tiler.js';
import { MemoryChunkStore } from '../../../src/store/chunkStore.js';

/** Tiles `targets` with nothing cached and fuses, with the tiler's targets as the results. */
function plan(...targets: TensorNode[]) {
  const p = tileTargets(targets, { executed: () => undefined, stored: () => false });
  const results = new Set(p.targets);
  const resultKeys = p.targets.map((i) => p.graph.keys[i]!);
  // Chunk keys end in their grid index, so sorting keeps a 1-d tileable's chunks in grid order.
  const chunksOf = (t: TensorNode): string[] => p.graph.keys.filter((k) => p.ownerOf.get(k) === t).sort();
  return { before: p.graph, after: fuseElementwise(p.graph, (i) => results.has(i)), resultKeys, chunksOf };
}

async function valuesOf(g: ChunkGraph, keys: readonly string[]): Promise<number[][]> {
  const store = new MemoryChunkStore();
  await new LocalExecutor().run(g, store, { targets: keys.map((k) => g.indexOf(k)) });
  return keys.map((k) => Array.from((store.get(k) as ArrayData).data, Number));
}

/** Runs both graphs: fusion must not change a value. */
async function expectSameValues(p: ReturnType<typeof plan>): Promise<void> {
  expect(await valuesOf(p.after, p.resultKeys)).toEqual(await valuesOf(p.before, p.resultKeys));
}

const inputKeys = (g: ChunkGraph, key: string): string[] => [...g.inputsOf(g.indexOf(key))].map((d) => g.keys[d]!);
const has = (g: ChunkGraph, key: string): boolean => g.indexOf(key) >= 0;
const x6 = (): TensorNode => linspaceNode(-2, 3, 6, { chunkSize: 3 });

describe('fuseElementwise fuses', () => {
  it('an elementwise chain into one chunk per grid cell that reads the chain\'s inputs', async () => {
    const x = x6();
    const y = unaryNode('neg', x);
    const z = binaryNode('mul', y, 3);
    const w = binaryNode('add', z, 1);
    const p = plan(w);
    expect(p.before.size).toBe(8);
    expect(p.after.size).toBe(4);
    for (const [i, k] of p.chunksOf(w).entries()) expect(inputKeys(p.after, k)).toEqual([p.chunksOf(x)[i]]);
    for (const k of [...p.chunksOf(y), ...p.chunksOf(z)]) expect(has(p.after, k)).toBe(false);
    await expectSameValues(p);
  });

  it('an elementwise producer into the reduction map that reads it', async () => {
    const x = x6();
    const y = binaryNode('mul', unaryNode('abs', x), 2);
    const p = plan(reduceNode('sum', y));
    for (const k of p.chunksOf(y)) expect(has(p.after, k)).toBe(false);
    const maps = p.after.keys.filter((_, i) => p.after.kernels[i] === 'tensor.reduce_map');
    expect(maps).toHaveLength(2);
    for (const m of maps) expect(p.chunksOf(x)).toContain(inputKeys(p.after, m)[0]);
    await expectSameValues(p);
  });

  it('user functions with the expression, each consumer\'s own first', async () => {
    const y = mapNode(x6(), '(v) => v * 10');
    const z = mapNode(y, '(v) => v + 0.5');
    const p = plan(z);
    const params = p.after.params[p.after.indexOf(p.chunksOf(z)[0]!)] as { fns: string[] };
    expect(params.fns).toEqual(['(v) => v + 0.5', '(v) => v * 10']);
    await expectSameValues(p);
  });

  it('one expression object for every chunk of a tileable', () => {
    const w = binaryNode('add', unaryNode('neg', x6()), 1);
    const p = plan(w);
    const [a, b] = p.chunksOf(w).map((k) => p.after.params[p.after.indexOf(k)]);
    expect(a).toBe(b);
  });

  it('at most 16 inputs into one chunk: a longer sum of tensors stays in several passes', async () => {
    let acc = fullNode([4], 0, { chunkSize: 2 });
    for (let i = 1; i <= 20; i++) acc = binaryNode('add', acc, fullNode([4], i, { chunkSize: 2 }));
    const p = plan(acc);
    expect(p.after.size).toBeLessThan(p.before.size);
    for (let i = 0; i < p.after.size; i++) expect(p.after.inputsOf(i).length).toBeLessThanOrEqual(16);
    expect(p.after.kernels.filter((k) => k === 'tensor.ew').length).toBeGreaterThan(2);
    await expectSameValues(p);
  });
});

describe('fuseElementwise leaves alone', () => {
  it('a result, even with a single consumer', async () => {
    const y = unaryNode('neg', x6());
    const z = binaryNode('mul', y, 3);
    const p = plan(y, z);
    for (const k of [...p.chunksOf(y), ...p.chunksOf(z)]) expect(has(p.after, k)).toBe(true);
    for (const [i, k] of p.chunksOf(z).entries()) expect(inputKeys(p.after, k)).toEqual([p.chunksOf(y)[i]]);
    expect(p.after).toBe(p.before);
  });

  it('a producer with two consumers: computed once, read by both', async () => {
    const y = unaryNode('exp', x6());
    const p = plan(binaryNode('add', y, 1), binaryNode('mul', y, 2));
    for (const k of p.chunksOf(y)) {
      expect(has(p.after, k)).toBe(true);
      expect(p.after.consumersOf(p.after.indexOf(k))).toHaveLength(2);
    }
    await expectSameValues(p);
  });

  it('a producer one consumer reads twice (the same input in two slots)', async () => {
    const b = new ChunkGraphBuilder();
    const meta = { shape: [3], dtype: 'float64' };
    const at = (i: number): Expr => ({ t: 'in', i, dtype: 'float64' });
    b.add({ key: 'x', kernel: 'tensor.full', params: { shape: [3], dtype: 'float64', value: 2 }, inputs: [], meta });
    const ew = (expr: Expr) => ({ expr, ...meta });
    b.add({ key: 'y', kernel: 'tensor.ew', params: ew({ t: 'un', op: 'square', a: at(0), dtype: 'float64' }), inputs: ['x'], meta });
    b.add({ key: 'z', kernel: 'tensor.ew', params: ew({ t: 'bin', op: 'sub', a: at(0), b: at(1), dtype: 'float64' }), inputs: ['y', 'y'], meta });
    const g = b.build();
    const fused = fuseElementwise(g, (i) => g.keys[i] === 'z');
    expect(fused).toBe(g);
    expect(await valuesOf(fused, ['z'])).toEqual([[0, 0, 0]]);
  });

  it('reductions: a reduced value feeding an elementwise op stays its own chunk', async () => {
    const s = reduceNode('sum', fullNode([6], 1, { chunkSize: 2 }));
    const p = plan(binaryNode('mul', s, 2));
    expect(p.after).toBe(p.before);
    expect(await valuesOf(p.after, p.resultKeys)).toEqual([[12]]);
  });

  it('elementwise chunks on different chunkings: the rechunk between them ends the chain', async () => {
    // The sum takes the first operand's grid (4 + 4), so `a` (2 + 2 + 2 + 2) is rechunked: each of its
    // chunks has one consumer, a rechunk piece, and stays.
    const a = unaryNode('neg', linspaceNode(0, 7, 8, { chunkSize: 2 }));
    const p = plan(binaryNode('add', linspaceNode(0, 1, 8, { chunkSize: 4 }), a));
    expect(p.chunksOf(a)).toHaveLength(4);
    for (const k of p.chunksOf(a)) {
      expect(has(p.after, k)).toBe(true);
      const consumers = p.after.consumersOf(p.after.indexOf(k));
      expect(consumers).toHaveLength(1);
      expect(p.after.kernels[consumers[0]!]).not.toBe('tensor.ew');
    }
    await expectSameValues(p);
  });
});
