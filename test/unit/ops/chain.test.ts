/**
 * The chaining pass (ops/tensor/chain.ts) on chunk graphs tiled from real tensor ops, after fusion as the
 * session runs it: which producers run inside their consumer's task and which must stay tasks of their
 * own — results, chunks read by two consumers or twice by one, and producers that are themselves a
 * chain. Every chained graph runs next to the plain one on the local executor: identical values.
 */
import { describe, expect, it } from 'vitest';
import type { ArrayData } from '../../../src/base/ndarray.js';
import type { ChunkGraph } from '../../../src/dag/chunkGraph.js';
import { LocalExecutor } from '../../../src/executors/local.js';
import type { ChainParams } from '../../../src/kernels/chain.js';
import {
  binaryNode, chainProducers, fuseElementwise, matmulNode, randomNode, reduceNode, sliceNode, type TensorNode, transposeNode,
} from '../../../src/ops/tensor/index.js';
import { tileTargets } from '../../../src/session/tiler.js';
import { MemoryChunkStore } from '../../../src/store/chunkStore.js';

function plan(...targets: TensorNode[]) {
  const p = tileTargets(targets, { executed: () => undefined, stored: () => false });
  const resultKeys = new Set(p.targets.map((i) => p.graph.keys[i]!));
  const fused = fuseElementwise(p.graph, (i) => resultKeys.has(p.graph.keys[i]!));
  const after = chainProducers(fused, (i) => resultKeys.has(fused.keys[i]!));
  const chunksOf = (t: TensorNode): string[] => p.graph.keys.filter((k) => p.ownerOf.get(k) === t).sort();
  return { fused, after, resultKeys: [...resultKeys], chunksOf };
}

async function valuesOf(g: ChunkGraph, keys: readonly string[]): Promise<number[][]> {
  const store = new MemoryChunkStore();
  await new LocalExecutor().run(g, store, { targets: keys.map((k) => g.indexOf(k)) });
  return keys.map((k) => Array.from((store.get(k) as ArrayData).data, Number));
}

async function expectSameValues(p: ReturnType<typeof plan>): Promise<void> {
  expect(await valuesOf(p.after, p.resultKeys)).toEqual(await valuesOf(p.fused, p.resultKeys));
}

const kernelOf = (g: ChunkGraph, key: string): string | null => g.kernels[g.indexOf(key)] ?? null;
const paramsOf = (g: ChunkGraph, key: string): ChainParams => g.params[g.indexOf(key)] as ChainParams;
const rand = (shape: number[], seed: number): TensorNode => randomNode('uniform', shape, { seed, chunkSize: 4 });

describe('chainProducers chains', () => {
  it('a random draw into the reduction map that reads it: one task per chunk, no random chunk left', async () => {
    const x = rand([12], 1);
    const s = reduceNode('sum', x);
    const p = plan(s);
    for (const k of p.chunksOf(x)) expect(p.after.indexOf(k)).toBe(-1);
    expect(p.after.size).toBe(p.fused.size - 3);
    const chains = p.after.kernels.filter((k) => k === 'chain').length;
    expect(chains).toBe(3);
    const chainKey = p.after.keys[p.after.kernels.indexOf('chain')]!;
    const params = paramsOf(p.after, chainKey);
    expect(params.consumer.kernel).toBe('tensor.reduce_map');
    expect(params.args).toEqual([expect.objectContaining({ kernel: 'tensor.random', from: 0, count: 0 })]);
    expect(p.after.inputsOf(p.after.indexOf(chainKey)).length).toBe(0);
    await expectSameValues(p);
  });

  it('two producers of one consumer, and a producer with inputs of its own (a matrix product of draws)', async () => {
    const a = rand([4, 4], 2);
    const b = rand([4, 4], 3);
    const c = reduceNode('sum', binaryNode('mul', matmulNode(a, b), 2));
    const p = plan(c);
    const mm = p.after.kernels.findIndex((k, i) => k === 'chain' && paramsOf(p.after, p.after.keys[i]!).consumer.kernel === 'tensor.matmul');
    expect(mm).toBeGreaterThanOrEqual(0);
    const params = p.after.params[mm] as ChainParams;
    expect(params.args.map((x) => (typeof x === 'number' ? 'input' : x.kernel))).toEqual(['tensor.random', 'tensor.random']);
    await expectSameValues(p);
  });

  it('a slice copy and a transpose into an elementwise consumer', async () => {
    const x = rand([8, 8], 4);
    const t = transposeNode(sliceNode(x, [{ start: 1, stop: 7, step: 2 }]));
    const y = binaryNode('add', t, transposeNode(rand([3, 8], 5)));
    const p = plan(reduceNode('max', y));
    expect(p.after.kernels).toContain('chain');
    await expectSameValues(p);
  });
});

describe('chainProducers leaves alone', () => {
  it('a producer that is a result', async () => {
    const x = rand([12], 6);
    const s = reduceNode('sum', x);
    const p = plan(s, x);
    for (const k of p.chunksOf(x)) expect(kernelOf(p.after, k)).toBe('tensor.random');
    expect(p.after.kernels).not.toContain('chain');
  });

  it('a producer read by two consumers, or twice by one', async () => {
    const x = rand([12], 7);
    const a = rand([4, 4], 10);
    const p = plan(reduceNode('sum', matmulNode(a, a)));
    for (const k of p.chunksOf(a)) expect(kernelOf(p.after, k)).toBe('tensor.random');
    const q = plan(binaryNode('sub', reduceNode('sum', x), reduceNode('max', x)));
    for (const k of q.chunksOf(x)) expect(kernelOf(q.after, k)).toBe('tensor.random');
    await expectSameValues(p);
    await expectSameValues(q);
  });

  it('a producer that is itself a chain: chains are one level deep', async () => {
    const a = rand([4, 4], 8);
    const m1 = matmulNode(a, transposeNode(a));
    const m2 = matmulNode(m1, rand([4, 4], 9));
    const p = plan(reduceNode('sum', m2));
    for (const [i, k] of p.after.kernels.entries()) {
      if (k !== 'chain') continue;
      for (const arg of (p.after.params[i] as ChainParams).args) if (typeof arg !== 'number') expect(arg.kernel).not.toBe('chain');
    }
    await expectSameValues(p);
  });
});
