/**
 * Chaining, after fusion: a tensor chunk that fusion could not substitute (a random draw, a fill, a
 * matrix product, a slice copy, ...) and that exactly one consumer reads, and that is not a result, runs
 * inside its consumer's task (kernels/chain.ts). Its output then never goes to the store or across a
 * thread, and its memory is reused from one chunk to the next. The consumer keeps its key, meta and
 * place in the graph; the producer's inputs become the chained chunk's inputs.
 *
 * Only kernels known to be synchronous, and to allocate what they return through `allocate`, are
 * producers; only kernels that read their inputs and keep nothing of them beyond their output are
 * consumers (the chain kernel still recycles nothing the consumer's output reaches).
 */
import { type ChunkGraph, rewriteChunks } from '../../dag/chunkGraph.js';
import { topologicalOrder } from '../../dag/topo.js';
import { sizeOf } from '../../base/shape.js';
import { CHAIN_KERNEL, type ChainedProducer, type ChainParams } from '../../kernels/chain.js';

const PRODUCERS = new Set([
  'tensor.random', 'tensor.full', 'tensor.arange', 'tensor.linspace', 'tensor.eye',
  'tensor.ew', 'tensor.matmul', 'tensor.slice', 'tensor.transpose', 'tensor.reshape_gather',
]);
const CONSUMERS = new Set(['tensor.ew', 'tensor.reduce_map', 'tensor.matmul']);

export function chainProducers(g: ChunkGraph, isTarget: (i: number) => boolean): ChunkGraph {
  const n = g.size;
  const chainable = (p: number): boolean =>
    PRODUCERS.has(g.kernels[p] ?? '') && !isTarget(p) && g.succStart[p + 1]! - g.succStart[p]! === 1;
  const absorbed = new Uint8Array(n);
  const chained = new Map<number, { params: ChainParams; inputs: number[] }>();
  // In topological order a producer is decided before its consumer: one that became a chain stays a task.
  for (const c of topologicalOrder(g)) {
    if (!CONSUMERS.has(g.kernels[c] ?? '')) continue;
    const inputs: number[] = [];
    const args: (number | ChainedProducer)[] = [];
    let producers = 0;
    // A chainable producer has one consumer slot, so it is absorbed here or nowhere.
    for (const p of g.inputsOf(c)) {
      if (chainable(p) && !chained.has(p)) {
        producers++;
        const from = inputs.length;
        inputs.push(...g.inputsOf(p));
        const shape = (g.metas[p] as { shape?: readonly number[] } | null)?.shape ?? [];
        args.push({ kernel: g.kernels[p]!, params: g.params[p], from, count: inputs.length - from, elements: sizeOf(shape) });
        absorbed[p] = 1;
      } else {
        args.push(inputs.length);
        inputs.push(p);
      }
    }
    if (producers > 0) chained.set(c, { params: { consumer: { kernel: g.kernels[c]!, params: g.params[c] }, args }, inputs });
  }
  if (chained.size === 0) return g;
  return rewriteChunks(g, absorbed, (i) => {
    const chain = chained.get(i);
    return chain && { kernel: CHAIN_KERNEL, params: chain.params, inputs: chain.inputs };
  });
}
